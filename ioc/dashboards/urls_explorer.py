"""/ops/explorer/: the data explorer (pivot) and its JSON helpers (names in the "dashboards" namespace)."""

from django.urls import URLPattern, path

from ioc.dashboards import views_explorer

urlpatterns: list[URLPattern] = [
    path("", views_explorer.explorer, name="explorer"),
    path("items/", views_explorer.items, name="explorer-items"),
    path("units/", views_explorer.units, name="explorer-units"),
    path("periods/", views_explorer.periods, name="explorer-periods"),
    path("save/", views_explorer.save, name="explorer-save"),
]
