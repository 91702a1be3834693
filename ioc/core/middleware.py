"""Headers Django's SecurityMiddleware does not set."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def _tile_origin() -> str:
    """The origin of IOC_MAP_TILE_URL ("https://tiles.example"), allowed to serve map images; "" without one."""
    parts = urlsplit(getattr(settings, "IOC_MAP_TILE_URL", "") or "")
    return f" {parts.scheme}://{parts.netloc.replace('{s}.', '*.')}" if parts.scheme and parts.netloc else ""


# Everything is served from this origin: no CDN, and no external tiles unless a tile server is configured.
CSP = (
    f"default-src 'self'; img-src 'self' data: blob:{_tile_origin()}; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The API docs page loads Swagger UI from Ninja's static files and runs inline set-up.
        if not request.path.startswith("/api/v1/docs") and not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
