from django.urls import path

from ioc.ingest import views

app_name = "ingest"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload", views.upload, name="upload"),
    path("template", views.template, name="template"),
    path("jobs/<str:uid>/conflicts.csv", views.conflicts_csv, name="conflicts_csv"),
]
