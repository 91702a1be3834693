"""The one Ninja API under /api/v1/: a router per app, JSON errors everywhere."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from ioc.accounts.api import router as accounts_router
from ioc.accounts.auth import BearerTokenAuth, SessionAuth
from ioc.analytics.api import router as analytics_router
from ioc.core.errors import IocError
from ioc.dashboards.api import router as dashboards_router
from ioc.datavalues.api import router as datavalues_router
from ioc.ingest.api import router as ingest_router
from ioc.metadata.api import router as metadata_router
from ioc.orgunits.api import router as orgunits_router
from ioc.plans.api import router as plans_router
from ioc.plans.api_dti import router as dti_router
from ioc.quality.api import router as quality_router
from ioc.workflow.api import router as workflow_router


class Utf8JSONRenderer(JSONRenderer):
    """Vietnamese names as UTF-8 text ("Phường Tích Sơn"), not \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=Utf8JSONRenderer(),
    title="ioc API",
    version="1",
    description="Trung tâm Điều hành thông minh — Intelligent Operations Center. See docs/api.md.",
    urls_namespace="api-v1",
    auth=[BearerTokenAuth(), SessionAuth()],
)
api.add_router("/orgunits", orgunits_router)
api.add_router("/", metadata_router)
api.add_router("/dataValues", datavalues_router)
api.add_router("/me", accounts_router)
api.add_router("/dataValueSets", ingest_router)
api.add_router("/validation", quality_router)
api.add_router("/workflow", workflow_router)
api.add_router("/analytics", analytics_router)
api.add_router("/dashboards", dashboards_router)
api.add_router("/plans/dti", dti_router)
api.add_router("/plans", plans_router)


def _error(request: HttpRequest, status: int, message: str, **extra: object) -> HttpResponse:
    return api.create_response(request, {"status": status, "message": message, **extra}, status=status)


@api.exception_handler(IocError)
def ioc_error(request: HttpRequest, exc: IocError) -> HttpResponse:
    return _error(request, exc.status, exc.message, errors=exc.errors)


def _field_name(loc: object) -> str | None:
    """("body", "payload", "reports", 1, "date") → "reports.1.date": the request's own field names, without
    where Ninja found them or the name of the view's body parameter."""
    parts = list(loc) if isinstance(loc, list | tuple) else []
    parts = parts[2:] if len(parts) > 2 and parts[0] == "body" else parts[1:]
    return ".".join(str(p) for p in parts) or None


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [{"field": _field_name(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors]
    return _error(request, 422, _("Invalid input"), errors=errors)


@api.exception_handler(ValidationError)
def django_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 400, "; ".join(exc.messages))


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, _("Authentication required: log in, or send 'Authorization: Bearer <token>'"))


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or _("Permission denied"))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or _("Not found"))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))
