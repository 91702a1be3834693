from django.urls import path

from ioc.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
