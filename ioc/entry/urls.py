from django.urls import URLPattern, URLResolver, path

from ioc.entry import views

app_name = "entry"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.form, name="form"),
    path("cell/", views.save_cell, name="cell"),
    path("follow-up/", views.follow_up, name="follow-up"),
    path("details/", views.details, name="details"),
    path("validate/", views.validate, name="validate"),
    path("complete/", views.complete, name="complete"),
    path("reopen/", views.reopen, name="reopen"),
]
