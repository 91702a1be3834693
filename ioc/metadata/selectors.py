"""Reading metadata: filtered lists and look-ups by uid or code, with their related rows selected up front.

Metadata is not scoped to org units: every user allowed to read metadata sees all of it (a data set's
assigned units are listed by code; what a user may see of their *data* is the datavalues app's business).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ioc.core.errors import NotFound
from ioc.metadata.models import (
    Category,
    CategoryCombo,
    CategoryOption,
    CategoryOptionCombo,
    DataElement,
    DataSet,
    DataSetElement,
    Indicator,
    Sector,
    ValidationRule,
)

M = TypeVar("M", bound=Model)


def _text_q(q: str | None) -> Q:
    """Code or either name containing `q` (case-insensitive)."""
    if not q or not q.strip():
        return Q()
    text = q.strip()
    return Q(code__icontains=text) | Q(name_vi__icontains=text) | Q(name_en__icontains=text)


def _filter(
    qs: QuerySet[M], *, code: str | None = None, q: str | None = None, sector: str | None = None
) -> QuerySet[M]:
    if code:
        qs = qs.filter(code=code.strip())
    if sector:
        qs = qs.filter(sector__code=sector.strip())
    return qs.filter(_text_q(q))


_NOT_FOUND: dict[type[Model], str] = {
    DataElement: gettext_noop("no data element with uid or code '{ident}'"),
    DataSet: gettext_noop("no data set with uid or code '{ident}'"),
    Indicator: gettext_noop("no indicator with uid or code '{ident}'"),
    CategoryCombo: gettext_noop("no category combo with uid or code '{ident}'"),
    ValidationRule: gettext_noop("no validation rule with uid or code '{ident}'"),
}


def get_by_id(qs: QuerySet[M], ident: str, field: str = "id") -> M:
    """One object by uid or code (uid first); NotFound naming what was looked for."""
    ident = (ident or "").strip()
    found = qs.filter(uid=ident).first() if ident else None
    if found is None and ident:
        found = qs.filter(code=ident).first()
    if found is None:
        template = _NOT_FOUND.get(qs.model, gettext_noop("nothing with uid or code '{ident}'"))
        raise NotFound(_(template).format(ident=ident[:60]), field=field)
    return found


def sectors() -> QuerySet[Sector]:
    return Sector.objects.order_by("sort_order", "code")


def data_elements(
    *, code: str | None = None, q: str | None = None, sector: str | None = None, data_set: str | None = None
) -> QuerySet[DataElement]:
    qs = DataElement.objects.select_related("sector", "category_combo")
    qs = _filter(qs, code=code, q=q, sector=sector)
    if data_set:
        ds = get_by_id(DataSet.objects.all(), data_set, "dataSet")
        qs = qs.filter(data_set_elements__data_set=ds).order_by("data_set_elements__sort_order", "code")
    else:
        qs = qs.order_by("code")
    return qs


def data_sets(*, code: str | None = None, q: str | None = None, sector: str | None = None) -> QuerySet[DataSet]:
    qs = DataSet.objects.select_related("sector", "agency").prefetch_related(
        Prefetch(
            "data_set_elements",
            queryset=DataSetElement.objects.select_related("data_element").order_by("sort_order", "id"),
        ),
        "org_units",
    )
    return _filter(qs, code=code, q=q, sector=sector).order_by("code")


def indicators(*, code: str | None = None, q: str | None = None, sector: str | None = None) -> QuerySet[Indicator]:
    return _filter(Indicator.objects.select_related("sector"), code=code, q=q, sector=sector).order_by("code")


def category_combos(*, code: str | None = None, q: str | None = None) -> QuerySet[CategoryCombo]:
    qs = CategoryCombo.objects.prefetch_related(
        Prefetch("option_combos", queryset=CategoryOptionCombo.objects.order_by("sort_order", "code")),
    )
    return _filter(qs, code=code, q=q).order_by("code")


def categories_of(combo: CategoryCombo) -> list[tuple[Category, list[CategoryOption]]]:
    """The combo's categories in order, each with its options in order."""
    from ioc.metadata.services_categories import ordered_categories

    out = []
    for category in ordered_categories(combo):
        out.append((category, list(category.category_options.order_by("sort_order", "code"))))
    return out


def option_combos(
    *, code: str | None = None, q: str | None = None, category_combo: str | None = None
) -> QuerySet[CategoryOptionCombo]:
    qs = CategoryOptionCombo.objects.select_related("combo").prefetch_related("options")
    if category_combo:
        combo = get_by_id(CategoryCombo.objects.all(), category_combo, "categoryCombo")
        qs = qs.filter(combo=combo)
    return _filter(qs, code=code, q=q).order_by("combo__code", "sort_order", "code")


def validation_rules(*, code: str | None = None, q: str | None = None) -> QuerySet[ValidationRule]:
    return _filter(ValidationRule.objects.all(), code=code, q=q).order_by("code")


def page(qs: QuerySet[Any], offset: int, limit: int) -> tuple[list[Any], int]:
    """One page of a list and the total count."""
    return list(qs[offset : offset + limit]), qs.count()
