"""/ops/manage/: the dashboard editor (operators). Names live in the "dashboards" namespace of urls.py."""

from django.urls import URLPattern, path

from ioc.dashboards import views_manage as views

urlpatterns: list[URLPattern] = [
    path("", views.manage_list, name="manage"),
    path("new/", views.manage_create, name="manage_create"),
    path("<slug:code>/", views.manage_edit, name="manage_edit"),
    path("<slug:code>/delete/", views.manage_delete, name="manage_delete"),
    path("<slug:code>/items/new/", views.manage_item_new, name="manage_item_new"),
    path("<slug:code>/items/<str:uid>/", views.manage_item_edit, name="manage_item"),
    path("<slug:code>/items/<str:uid>/move/", views.manage_item_move, name="manage_item_move"),
    path("<slug:code>/items/<str:uid>/delete/", views.manage_item_delete, name="manage_item_delete"),
]
