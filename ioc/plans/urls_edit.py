"""Editing the plan and the agencies' reports (included before the plan's pages: the paths below never take a
code where those pages do, so a task or target coded "new" still has its page)."""

from django.urls import URLPattern, path

from ioc.plans import views_edit, views_report

urlpatterns: list[URLPattern] = [
    path("manage/", views_edit.edit_plan, name="edit_plan"),
    path("manage/pillars/", views_report.pillars, name="pillars"),
    path("manage/recompute/", views_edit.recompute, name="recompute"),
    path("manage/tasks/new/", views_edit.new_task, name="new_task"),
    path("manage/targets/new/", views_edit.new_target, name="new_target"),
    path("tasks/<str:code>/edit/", views_edit.edit_task, name="edit_task"),
    path("tasks/<str:code>/delete/", views_edit.delete_task, name="delete_task"),
    path("tasks/<str:code>/update/", views_report.task_update, name="task_update"),
    path("targets/<str:code>/edit/", views_edit.edit_target, name="edit_target"),
    path("targets/<str:code>/delete/", views_edit.delete_target, name="delete_target"),
    path("targets/<str:code>/report/", views_report.target_report, name="target_report"),
]
