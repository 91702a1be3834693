"""The plan's read pages and their exports (namespace "plans", mounted at /plans/).

    /plans/?plan=CODE                      overview: pillars, the targets table with verdicts (filters in the URL)
    /plans/targets/<code>/                 one target: verdict, fan chart, the data behind it, history
    /plans/tasks/?view=board|timeline      the task board or timeline (?pillar=&agency=&status=)
    /plans/tasks/<code>/                   one task: details, updates with evidence, history
    /plans/agencies/                       agency scorecards (?sort=)
    /plans/export/<what>.<fmt>             what: targets | tasks | scorecards; fmt: xlsx | pdf (?lang=vi|en)
    /plans/evidence/<kind>/<id>/           an attached file; kind: "update" (TaskUpdate) | "report" (TargetReport)

Every page takes ?plan=CODE (default: the active plan the user sees).
"""

from django.urls import URLPattern, path

from ioc.plans import views, views_export

urlpatterns: list[URLPattern] = [
    path("", views.overview, name="overview"),
    path("targets/<str:code>/", views.target, name="target"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<str:code>/", views.task, name="task"),
    path("agencies/", views.scorecards, name="scorecards"),
    path("export/<slug:what>.<slug:fmt>", views_export.export, name="export"),
    path("evidence/<slug:kind>/<int:pk>/", views_export.evidence, name="evidence"),
]
