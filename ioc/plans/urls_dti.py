"""/plans/dti/: the provincial Digital Transformation Index (ioc.plans.views_dti)."""

from django.urls import URLPattern, path

from ioc.plans import views_dti

urlpatterns: list[URLPattern] = [
    path("", views_dti.index, name="dti"),
    path("simulator/", views_dti.simulator, name="dti_simulator"),
    path("values/", views_dti.values, name="dti_values"),
    path("published/", views_dti.published, name="dti_published"),
    path("version/", views_dti.version, name="dti_version"),
]
