"""GET /api/v1/analytics: DHIS2's analytics API over the live replica (JSON, CSV or XLSX)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query as NinjaQuery
from ninja import Router, Schema

from ioc.accounts.permissions import current_user, require_scope
from ioc.analytics.engine import run
from ioc.analytics.request import as_table, dhis2_response, parse_query
from ioc.core.errors import InvalidInput
from ioc.core.tables import as_csv, as_xlsx

router = Router(tags=["analytics"])


class AnalyticsParams(Schema):
    dimension: list[str] = []
    filter: list[str] = []
    structure: str | None = None
    format: str = "json"


@router.get(
    "",
    summary="Aggregated data: dimension=dx:…&dimension=pe:…&dimension=ou:… (token scope data:read)",
    response={200: dict[str, Any]},
)
def analytics(request: HttpRequest, params: NinjaQuery[AnalyticsParams]) -> Any:
    """Live: a value written by a form, an import or the API is in the very next answer. See docs/analytics.md."""
    require_scope(request, "data:read")
    fmt = params.format.lower()
    if fmt not in ("json", "csv", "xlsx"):
        raise InvalidInput(_("format is json, csv or xlsx."), field="format")
    query = parse_query(params.dimension, params.filter, params.structure)
    result = run(current_user(request), query)
    if fmt == "json":
        return dhis2_response(result)
    table = as_table(result)
    if fmt == "csv":
        response = HttpResponse(as_csv(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            as_xlsx(table, _("Analytics")),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="analytics.{fmt}"'
    return response
