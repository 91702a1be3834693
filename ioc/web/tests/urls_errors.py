"""URLs used only by the error-page tests: a view that fails, one that refuses."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail that must not reach the page")


def refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("not for you")


urlpatterns = [
    path("boom/", boom),
    path("refuse/", refuse),
    path("", include("ioc.urls")),
]
