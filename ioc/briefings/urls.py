from django.urls import URLPattern, path

from ioc.briefings import views

app_name = "briefings"

urlpatterns: list[URLPattern] = [path("", views.index, name="index")]
