from django.urls import URLPattern, URLResolver, path

from ioc.quality import views

app_name = "quality"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.results, name="results"),
    path("run/", views.run, name="run"),
    path("follow-up/", views.follow_up, name="follow_up"),
    path("outliers/", views.outlier_list, name="outliers"),
    path("results/<int:pk>/follow-up", views.result_follow_up, name="result_follow_up"),
    path("results/<int:pk>/resolve", views.result_resolve, name="result_resolve"),
    path("values/<int:pk>/resolve", views.value_resolve, name="value_resolve"),
]
