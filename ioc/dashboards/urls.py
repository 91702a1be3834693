"""/ops/: the operations screen, wall mode, the data explorer and the dashboard editor."""

from django.urls import include, path

from ioc.dashboards import urls_explorer, urls_manage, urls_screen

app_name = "dashboards"

urlpatterns = [
    path("manage/", include(urls_manage)),
    path("explorer/", include(urls_explorer)),
    path("", include(urls_screen)),
]
