from django.urls import URLPattern, path

from ioc.plans import views

urlpatterns: list[URLPattern] = [path("", views.overview, name="overview")]
