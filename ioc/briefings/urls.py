from django.urls import URLPattern, path

from ioc.briefings import views

app_name = "briefings"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("generate", views.generate, name="generate"),
    path("latest.pdf", views.latest_pdf, name="latest_pdf"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>.pdf", views.pdf, name="pdf"),
]
