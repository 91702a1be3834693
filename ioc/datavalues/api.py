"""/api/v1/dataValues — read (view scope, token scope data:read), set and delete one value (entry scope,
data:write). A value outside the user's view scope is simply not there (filtered), never a 403."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ioc.accounts.permissions import current_user, require_scope
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput
from ioc.core.periods import parse_period
from ioc.core.uid import is_valid_uid
from ioc.datavalues.schemas import SetOut, ValueIn, ValueKeyQuery, ValueList, ValueOut, ValueQuery
from ioc.datavalues.selectors import values_for
from ioc.datavalues.services import do_delete_value, do_set_value
from ioc.metadata.models import DataElement
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import resolve_code

router = Router(tags=["data values"])


def _split(values: list[str]) -> list[str]:
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def _elements(refs: list[str]) -> list[DataElement]:
    found = list(DataElement.objects.filter(Q(code__in=refs) | Q(uid__in=refs)))
    known = {e.code for e in found} | {e.uid for e in found}
    missing = [r for r in refs if r not in known]
    if missing:
        raise InvalidInput(
            _("Data element: no data element with code or uid %(refs)s")
            % {"refs": ", ".join(f"'{r}'" for r in missing)},
            field="dataElement",
        )
    return found


def _unit(ref: str, on: dt.date) -> OrgUnit:
    if is_valid_uid(ref):
        by_uid = OrgUnit.objects.filter(uid=ref).first()
        if by_uid is not None:
            return by_uid
    return resolve_code(ref, on, field="orgUnit")


@router.get("", response=ValueList, summary="Data values the caller may see (token scope data:read)")
def list_values(request: HttpRequest, q: Query[ValueQuery]) -> ValueList:
    require_scope(request, "data:read")
    user = current_user(request)
    periods = [parse_period(p) for p in _split(q.period)]
    elements = _elements(_split(q.data_element)) if q.data_element else None
    unit = None
    if q.org_unit:
        on = periods[0].start if periods else q.start_date or timezone.localdate()
        unit = _unit(q.org_unit.strip(), on)
    if q.start_date and q.end_date and q.end_date < q.start_date:
        raise InvalidInput(_("endDate: before startDate"), field="endDate")
    qs = values_for(
        user,
        data_elements=elements,
        org_unit=unit,
        children=q.children,
        periods=periods or None,
        start=q.start_date,
        end=q.end_date,
    )
    return ValueList(items=[ValueOut.of(v) for v in qs[q.offset : q.offset + q.limit]], count=qs.count())


@router.post("", response={200: SetOut, 201: SetOut}, summary="Set one value (token scope data:write)")
def set_value(request: HttpRequest, body: ValueIn) -> Status[SetOut]:
    require_scope(request, "data:write")
    result = do_set_value(
        current_user(request),
        data_element=body.data_element,
        org_unit=body.org_unit,
        period=body.period,
        category_option_combo=body.category_option_combo,
        value=body.value,
        comment=body.comment,
        follow_up=body.follow_up,
        via=Via.API,
    )
    return Status(
        201 if result.action == "CREATE" else 200, SetOut(action=result.action, value=ValueOut.of(result.value))
    )


@router.delete("", response=SetOut, summary="Delete one value (soft; token scope data:write)")
def delete_value(request: HttpRequest, q: Query[ValueKeyQuery]) -> SetOut:
    require_scope(request, "data:write")
    result = do_delete_value(
        current_user(request),
        data_element=q.data_element,
        org_unit=q.org_unit,
        period=q.period,
        category_option_combo=q.category_option_combo,
        via=Via.API,
    )
    return SetOut(action=result.action, value=ValueOut.of(result.value))
