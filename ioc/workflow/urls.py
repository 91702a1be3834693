from django.urls import URLPattern, URLResolver, path

from ioc.workflow import views

app_name = "workflow"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.approvals, name="approvals"),
    path("tree/", views.tree, name="tree"),
    path("form/", views.form_detail, name="form"),
    path("act/", views.act, name="act"),
    path("completeness/", views.completeness, name="completeness"),
    path("completeness/export/", views.completeness_export, name="export"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.mark_read, name="mark_read"),
]
