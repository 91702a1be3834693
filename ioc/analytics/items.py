"""The dx dimension: element, ELEMENT.COC, indicator and DATASET.METRIC tokens → items the engine computes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ioc.analytics.dims import Dims, Element
from ioc.analytics.query import Item
from ioc.core.errors import InvalidInput
from ioc.metadata.expressions import Expression, Reference, parse
from ioc.metadata.models import DataSet, Indicator
from ioc.quality.evaluate import MissingValueStrategy, evaluate

METRICS = ("REPORTING_RATE", "REPORTING_RATE_ON_TIME", "ACTUAL_REPORTS", "EXPECTED_REPORTS", "ACTUAL_REPORTS_ON_TIME")
MAX_ITEMS = 100


@dataclass(frozen=True)
class Ref:
    ref: Reference
    key: tuple[int, int]  # (element id, coc id or -1)


@dataclass
class DxItem:
    id: str
    kind: str  # element, indicator, reporting_rate
    name: str
    uid: str
    code: str
    element: Element | None = None
    coc_id: int = -1
    indicator: Indicator | None = None
    numerator: Expression | None = None
    denominator: Expression | None = None
    refs: list[Ref] = field(default_factory=list)
    data_set: DataSet | None = None
    metric: str = ""

    def indicator_value(self, values: Mapping[Reference, float | None]) -> float | None:
        """numerator ÷ denominator × factor; None when a side has no value or the denominator is 0."""
        assert self.indicator is not None and self.numerator is not None and self.denominator is not None
        strategy = MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING
        num = evaluate(self.numerator, values, strategy)
        den = evaluate(self.denominator, values, strategy)
        if num is None or den is None or den == 0:
            return None
        return num / den * self.indicator.factor


def resolve_dx(tokens: Sequence[str], dims: Dims) -> list[DxItem]:
    out: list[DxItem] = []
    errors: list[str] = []
    seen: set[str] = set()
    for raw in tokens:
        token = raw.strip()
        if not token or token in seen:
            continue
        seen.add(token)
        item = _one(token, dims)
        if item is None:
            errors.append(token[:60])
        else:
            out.append(item)
    if errors:
        raise InvalidInput(
            _("Unknown data items (dx): %(items)s — use element, ELEMENT.COC, indicator or DATASET.%(metric)s codes")
            % {"items": ", ".join(errors), "metric": "REPORTING_RATE"},
            field="dx",
        )
    if len(out) > MAX_ITEMS:
        raise InvalidInput(_("At most %(n)s data items in one question.") % {"n": MAX_ITEMS}, field="dx")
    return out


def _one(token: str, dims: Dims) -> DxItem | None:
    element = dims.elements_by_code.get(token) or next((e for e in dims.elements.values() if e.uid == token), None)
    if element is not None:
        return DxItem(token, "element", element.name, element.uid, element.code, element=element)
    if "." in token:
        left, right = token.split(".", 1)
        element = dims.elements_by_code.get(left)
        coc_id = dims.coc_by_code.get(right)
        if element is not None and coc_id is not None and coc_id in element.coc_ids:
            _code, vi, en = dims.cocs[coc_id]
            name = f"{element.name} — {en if en and element.name != element.name_vi else vi}"
            return DxItem(token, "element", name, element.uid, token, element=element, coc_id=coc_id)
        if right.upper() in METRICS:
            ds = DataSet.objects.filter(code=left).first()
            if ds is not None:
                name = f"{ds.name} — {_metric_name(right.upper())}"
                return DxItem(token, "reporting_rate", name, ds.uid, token, data_set=ds, metric=right.upper())
        return None
    indicator = dims.indicators.get(token)
    if indicator is None:
        return None
    numerator, denominator = parse(indicator.numerator), parse(indicator.denominator)
    refs: list[Ref] = []
    for ref in sorted(numerator.references | denominator.references, key=str):
        el = dims.elements_by_code.get(ref.element_code)
        coc = -1 if ref.coc_code is None else dims.coc_by_code.get(ref.coc_code)
        if el is None or coc is None:
            raise InvalidInput(
                _("The indicator %(code)s refers to %(ref)s, which does not exist.") % {"code": token, "ref": ref},
                field="dx",
            )
        refs.append(Ref(ref, (el.id, coc)))
    return DxItem(
        token,
        "indicator",
        indicator.name,
        indicator.uid,
        indicator.code,
        indicator=indicator,
        numerator=numerator,
        denominator=denominator,
        refs=refs,
    )


def _metric_name(metric: str) -> str:
    return {
        "REPORTING_RATE": _("reporting rate (%)"),
        "REPORTING_RATE_ON_TIME": _("reporting rate on time (%)"),
        "ACTUAL_REPORTS": _("reports received"),
        "ACTUAL_REPORTS_ON_TIME": _("reports received on time"),
        "EXPECTED_REPORTS": _("reports expected"),
    }[metric]


def dx_meta(item: DxItem) -> Item:
    extra: dict[str, object] = {"kind": item.kind}
    if item.element is not None:
        extra.update(unit=item.element.unit, aggregation=item.element.aggregation, decimals=0, higher_is_better=True)
    elif item.indicator is not None:
        ind = item.indicator
        extra.update(unit=ind.unit, decimals=ind.decimals, higher_is_better=ind.higher_is_better)
    else:
        is_rate = item.metric.startswith("REPORTING_RATE")
        extra.update(unit="%" if is_rate else "", decimals=1 if is_rate else 0, higher_is_better=True)
    return Item(item.uid, item.code, item.name, extra)
