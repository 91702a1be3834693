"""/plans/: the plan's pages (urls_views), its editing (urls_edit) and the DTI (urls_dti)."""

from django.urls import include, path

app_name = "plans"

urlpatterns = [
    path("dti/", include("ioc.plans.urls_dti")),
    path("", include("ioc.plans.urls_edit")),
    path("", include("ioc.plans.urls_views")),
]
