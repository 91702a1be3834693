from django.urls import path

from ioc.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<str:uid>/", views.detail, name="detail"),
    path("<str:uid>/progress", views.progress, name="progress"),
]
