"""The configuration of a dashboard item, by kind, validated in two steps: its shape (pydantic, unknown keys
are errors) and its references (each dx code must name a data element, ``ELEMENT.COC``, an indicator or a
data set's reporting metric; each period token must resolve).

    kpi    {"dx": "CODE", "target": number|null, "higher_is_better": bool|null (null: from the indicator)}
    chart  {"dx": ["CODE", …], "by": "period"|"unit", "chart": "line"|"bar"|"column"|"area",
            "periods": "LAST_12_MONTHS" (by period: tokens separated by ';', relative to the chosen period)}
    map    {"dx": "CODE"}
    table  {"dx": ["CODE", …], "by": "unit"|"period", "sort": "desc"|"asc", "limit": 1–500,
            "periods": "LAST_12_MONTHS" (by period)}

`validate_config(kind, raw)` returns the normalised config (defaults filled in) or raises InvalidInput whose
errors name the field ("config.dx[1]", "config.target", …).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from ioc.core.errors import InvalidInput, IocError
from ioc.dashboards.models import ItemKind
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSet, Indicator

DX_RE = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)?$")
REPORTING_METRICS = (
    "REPORTING_RATE",
    "REPORTING_RATE_ON_TIME",
    "ACTUAL_REPORTS",
    "ACTUAL_REPORTS_ON_TIME",
    "EXPECTED_REPORTS",
)
MAX_SERIES = 10
MAX_LIMIT = 500
MAX_PERIODS = 120
DEFAULT_PERIODS = "LAST_12_MONTHS"
# The relative periods the editor offers (any token ioc.analytics.periods resolves is accepted).
PERIOD_CHOICES = (
    "LAST_12_MONTHS",
    "LAST_3_MONTHS",
    "MONTHS_THIS_YEAR",
    "LAST_4_QUARTERS",
    "LAST_5_YEARS",
)


def _dx(value: str) -> str:
    value = value.strip()
    if not DX_RE.match(value) or len(value) > 110:
        raise PydanticCustomError("dx", "'{value}' is not a data item code", {"value": value})
    return value


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise PydanticCustomError("finite", "must be a finite number", {})
    return value


Dx = Annotated[str, AfterValidator(_dx)]
DxList = Annotated[list[Dx], Field(min_length=1, max_length=MAX_SERIES)]
Periods = Annotated[str, Field(min_length=1, max_length=200)]


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class KpiConfig(_Config):
    dx: Dx
    target: Annotated[float | None, AfterValidator(_finite)] = None
    higher_is_better: bool | None = None


class ChartConfig(_Config):
    dx: DxList
    by: Literal["period", "unit"] = "period"
    chart: Literal["line", "bar", "column", "area"] = "line"
    periods: Periods = DEFAULT_PERIODS


class MapConfig(_Config):
    dx: Dx


class TableConfig(_Config):
    dx: DxList
    by: Literal["unit", "period"] = "unit"
    sort: Literal["desc", "asc"] = "desc"
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 10
    periods: Periods = DEFAULT_PERIODS


MODELS: dict[str, type[_Config]] = {
    ItemKind.KPI: KpiConfig,
    ItemKind.CHART: ChartConfig,
    ItemKind.MAP: MapConfig,
    ItemKind.TABLE: TableConfig,
}


def _loc(parts: tuple[int | str, ...]) -> str:
    out = "config"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _message(error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return _("required")
    if kind == "extra_forbidden":
        return _("unknown key")
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return _("{value!r} is not one of {choices}").format(value=error.get("input"), choices=", ".join(choices))
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"):
        return _("{value!r} is not a number").format(value=error.get("input"))
    if kind in ("bool_type", "bool_parsing"):
        return _("{value!r} is not true or false").format(value=error.get("input"))
    if kind in ("string_type",):
        return _("must be text")
    if kind in ("list_type",):
        return _("must be a list of codes")
    if kind == "too_short":
        return _("choose at least one")
    if kind == "too_long":
        return _("at most {n}").format(n=ctx.get("max_length"))
    if kind == "greater_than_equal":
        return _("must be at least {n}").format(n=ctx.get("ge"))
    if kind == "less_than_equal":
        return _("must be at most {n}").format(n=ctx.get("le"))
    if kind == "dx":
        return _("'{value}' is not a data item code").format(value=ctx.get("value"))
    if kind == "finite":
        return _("must be a finite number")
    return str(error.get("msg", "")).removeprefix("Value error, ")


def _raise(errors: list[dict[str, Any]]) -> None:
    message = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    raise InvalidInput(message, errors=errors)


def check_kind(kind: str) -> str:
    if kind not in MODELS:
        raise InvalidInput(
            _("kind: '{kind}' is not one of {kinds}").format(kind=kind, kinds=", ".join(MODELS)), field="kind"
        )
    return kind


def parse_config(kind: str, raw: Any) -> _Config:
    """The config's shape only (no database), or InvalidInput naming each bad field."""
    check_kind(kind)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidInput(_("config: must be an object"), field="config")
    try:
        return MODELS[kind].model_validate(raw)
    except PydanticValidationError as exc:
        _raise([{"field": _loc(tuple(e["loc"])), "message": _message(e)} for e in exc.errors()])
        raise AssertionError("unreachable") from None


def dx_codes(config: dict[str, Any]) -> list[str]:
    dx = config.get("dx")
    if isinstance(dx, str):
        return [dx]
    return [str(code) for code in dx or []]


def unknown_dx(codes: list[str]) -> set[str]:
    """The codes that name nothing: not an element, an indicator, ELEMENT.COC or DATASET.<metric>."""
    plain = {c for c in codes if "." not in c}
    dotted = {c for c in codes if "." in c}
    heads = {c.split(".", 1)[0] for c in dotted}
    known = set(DataElement.objects.filter(code__in=plain | heads).values_list("code", flat=True))
    known |= set(Indicator.objects.filter(code__in=plain).values_list("code", flat=True))
    data_sets = set(DataSet.objects.filter(code__in=heads).values_list("code", flat=True))
    combos = set(
        CategoryOptionCombo.objects.filter(
            Q(combo__data_elements__code__in=heads) & Q(code__in={c.split(".", 1)[1] for c in dotted})
        ).values_list("combo__data_elements__code", "code")
    )
    out = {c for c in plain if c not in known}
    for code in dotted:
        head, tail = code.split(".", 1)
        if head in data_sets and tail in REPORTING_METRICS:
            continue
        if (head, tail) in combos:
            continue
        out.add(code)
    return out


def period_tokens(periods: str) -> list[str]:
    return [t.strip() for t in periods.split(";") if t.strip()]


def check_periods(periods: str, field_name: str = "config.periods") -> list[str]:
    """The tokens of `periods`, each of which must resolve (relative ones against today)."""
    from ioc.analytics.periods import resolve_periods

    tokens = period_tokens(periods)
    if not tokens:
        raise InvalidInput(_("{field}: required").format(field=field_name), field=field_name)
    try:
        resolved = resolve_periods(tokens, timezone.localdate())
    except IocError as exc:
        raise InvalidInput(f"{field_name}: {exc.message}", field=field_name) from None
    if len(resolved) > MAX_PERIODS:
        raise InvalidInput(
            _("{field}: {n} periods; at most {max}").format(field=field_name, n=len(resolved), max=MAX_PERIODS),
            field=field_name,
        )
    return tokens


def validate_config(kind: str, raw: Any) -> dict[str, Any]:
    """The normalised config of an item of `kind`, or InvalidInput naming every bad field."""
    parsed = parse_config(kind, raw)
    config = parsed.model_dump()
    errors: list[dict[str, Any]] = []
    codes = dx_codes(config)
    unknown = unknown_dx(codes)
    for index, code in enumerate(codes):
        if code in unknown:
            name = "config.dx" if isinstance(config["dx"], str) else f"config.dx[{index}]"
            errors.append(
                {
                    "field": name,
                    "message": _("'{code}' is not a data element, indicator or reporting metric").format(code=code),
                }
            )
    if len(set(codes)) != len(codes):
        errors.append({"field": "config.dx", "message": _("a code appears twice")})
    if "periods" in config:
        try:
            config["periods"] = ";".join(check_periods(config["periods"]))
        except InvalidInput as exc:
            errors.append({"field": "config.periods", "message": exc.message.removeprefix("config.periods: ")})
    if errors:
        _raise(errors)
    return config
