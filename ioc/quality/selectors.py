"""Reads for the quality checks: monthly numeric series, validation results, the follow-up list — all scoped
to what the user may see.

One query (`values_list`, streamed) for all the series of a selection, grouped here in Python; the labels of
the units, elements and option combos involved in one query each.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from ioc.accounts.permissions import Action, can
from ioc.accounts.scopes import visible_q
from ioc.datavalues.models import DataValue
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSet, PeriodType, ValidationRule, ValueType
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import subtree_q
from ioc.quality.models import ValidationResult, ValidationRun
from ioc.quality.rules import IMPORTANCE_ORDER
from ioc.quality.validation import rules_for_data_set

NUMERIC_TYPES = (ValueType.INTEGER, ValueType.NUMBER, ValueType.PERCENTAGE)

SeriesKey = tuple[int, int, int]  # (data element id, org unit id, category option combo id)


class _Console:
    """The command line run without --user: the operator of the server sees every unit."""

    def __repr__(self) -> str:
        return "CONSOLE"


CONSOLE = _Console()


def monthly_series(
    user: Any,
    *,
    data_elements: Sequence[DataElement] | None = None,
    root: OrgUnit | None = None,
    level: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[SeriesKey, dict[str, float]]:
    """{(element id, unit id, option combo id): {"YYYYMM": value}} of the monthly numeric values the user may
    see (CONSOLE: all), not deleted, optionally of some elements, a unit subtree (`root` and below), a unit
    level, and months starting on or after `start` and ending on or before `end`."""
    scope = Q() if user is CONSOLE else visible_q(user, "org_unit__")
    qs = DataValue.objects.filter(
        scope,
        deleted=False,
        period_type=PeriodType.MONTHLY,
        value_num__isnull=False,
        data_element__value_type__in=NUMERIC_TYPES,
    )
    if data_elements is not None:
        qs = qs.filter(data_element__in=list(data_elements))
    if root is not None:
        qs = qs.filter(subtree_q(root, "org_unit__"))
    if level is not None:
        qs = qs.filter(org_unit__level=level)
    if start is not None:
        qs = qs.filter(start_date__gte=start)
    if end is not None:
        qs = qs.filter(end_date__lte=end)
    rows = qs.order_by().values_list(
        "data_element_id", "org_unit_id", "category_option_combo_id", "period", "value_num"
    )
    series: dict[SeriesKey, dict[str, float]] = defaultdict(dict)
    for element_id, unit_id, coc_id, period, value in rows.iterator(chunk_size=20_000):
        if value is not None:  # excluded by the query; for the type checker
            series[(element_id, unit_id, coc_id)][period] = value
    return dict(series)


@dataclass(frozen=True)
class Labels:
    """Names to show for the series' keys: units, elements and option combos by id."""

    units: dict[int, OrgUnit]
    elements: dict[int, DataElement]
    combos: dict[int, CategoryOptionCombo]

    def describe(self, key: SeriesKey) -> str:
        element_id, unit_id, coc_id = key
        element, unit, combo = self.elements.get(element_id), self.units.get(unit_id), self.combos.get(coc_id)
        text = f"{element.code if element else element_id}"
        if combo is not None and combo.code != "default":
            text += f" [{combo.name or combo.code}]"
        return text + (f" @ {unit.name} ({unit.code})" if unit else f" @ {unit_id}")


def labels_for(keys: Iterable[SeriesKey]) -> Labels:
    """The units, elements and option combos of these series, three queries in all."""
    keys = list(keys)
    return Labels(
        units=OrgUnit.objects.in_bulk({k[1] for k in keys}),
        elements=DataElement.objects.in_bulk({k[0] for k in keys}),
        combos=CategoryOptionCombo.objects.in_bulk({k[2] for k in keys}),
    )


# --- validation results and the follow-up list -------------------------------------------------------------


def _importance_order() -> Case:
    return Case(
        *(When(importance=level, then=Value(rank)) for level, rank in IMPORTANCE_ORDER.items()),
        default=Value(9),
        output_field=IntegerField(),
    )


def validation_results(
    user: Any,
    *,
    data_set: DataSet | None = None,
    root: OrgUnit | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    periods: Sequence[str] | None = None,
    importance: str | None = None,
    rules: Sequence[ValidationRule] | None = None,
    follow_up: bool | None = None,
    resolved: bool | None = False,
) -> QuerySet[ValidationResult]:
    """The stored violations the user may see (their view scope), filtered: the rules of a data set, a unit
    subtree, periods lying within [start, end] or listed, an importance, some rules, follow-up marked or not,
    resolved or not (default: open ones only; None: both). Most important first, then by period, rule, unit."""
    if not can(user, Action.VIEW_DATA):
        return ValidationResult.objects.none()
    qs = ValidationResult.objects.filter(visible_q(user, "org_unit__")).select_related(
        "rule", "org_unit", "resolved_by"
    )
    if data_set is not None:
        qs = qs.filter(rule__in=[r.pk for r in rules_for_data_set(data_set)])
    if root is not None:
        qs = qs.filter(subtree_q(root, "org_unit__"))
    if start is not None:
        qs = qs.filter(start_date__gte=start)
    if end is not None:
        qs = qs.filter(end_date__lte=end)
    if periods is not None:
        qs = qs.filter(period__in=list(periods))
    if importance:
        qs = qs.filter(importance=importance)
    if rules is not None:
        qs = qs.filter(rule__in=[r.pk for r in rules])
    if follow_up is not None:
        qs = qs.filter(follow_up=follow_up)
    if resolved is not None:
        qs = qs.filter(resolved=resolved)
    return qs.annotate(importance_rank=_importance_order()).order_by(
        "importance_rank", "-start_date", "rule__code", "org_unit__path"
    )


def follow_up_values(
    user: Any,
    *,
    data_set: DataSet | None = None,
    root: OrgUnit | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    periods: Sequence[str] | None = None,
) -> QuerySet[DataValue]:
    """The stored values marked for follow-up (DataValue.follow_up) that the user may see, filtered like
    validation_results (a data set: its elements, at its period type). Newest period first."""
    if not can(user, Action.VIEW_DATA):
        return DataValue.objects.none()
    qs = DataValue.objects.filter(visible_q(user, "org_unit__"), follow_up=True, deleted=False).select_related(
        "data_element", "org_unit", "category_option_combo", "stored_by"
    )
    if data_set is not None:
        qs = qs.filter(
            data_element__in=list(data_set.elements.values_list("pk", flat=True)), period_type=data_set.period_type
        )
    if root is not None:
        qs = qs.filter(subtree_q(root, "org_unit__"))
    if start is not None:
        qs = qs.filter(start_date__gte=start)
    if end is not None:
        qs = qs.filter(end_date__lte=end)
    if periods is not None:
        qs = qs.filter(period__in=list(periods))
    return qs.order_by("-start_date", "data_element__code", "org_unit__path", "category_option_combo__code")


def counts_by_importance(qs: QuerySet[ValidationResult]) -> dict[str, int]:
    """{importance: number of results} of a results query (one query)."""
    rows = qs.order_by().values_list("importance").annotate(n=Count("id"))
    return dict(rows)


def latest_runs(user: Any, limit: int = 5) -> list[ValidationRun]:
    """The user's own latest runs (all runs for those who see everything)."""
    qs = ValidationRun.objects.select_related("root", "user", "data_set")
    if getattr(user, "sees_everything", False):
        return list(qs[:limit])
    return list(qs.filter(user=user)[:limit])


def home_data_set_for(element: DataElement, period_type: str) -> DataSet | None:
    """The first data set (by code) of the period type that holds the element: the form its values live in."""
    return (
        DataSet.objects.filter(data_set_elements__data_element=element, period_type=period_type)
        .order_by("code")
        .first()
    )
