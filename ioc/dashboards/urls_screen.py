"""/ops/: the operations screen (overview and one tab per dashboard) and wall-display mode."""

from django.urls import path

from ioc.dashboards import views_screen

urlpatterns = [
    path("", views_screen.overview, name="overview"),
    path("wall/", views_screen.wall, name="wall"),
    path("<slug:code>/", views_screen.tab, name="tab"),
]
