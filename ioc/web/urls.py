from django.urls import include, path

from ioc.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("partials/values/", views.home_values, name="home-values"),
    path("healthz", views.healthz, name="healthz"),
    # Our login page (labels and messages in Vietnamese); the rest of Django's account views follow.
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
]
