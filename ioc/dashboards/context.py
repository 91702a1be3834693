"""What a dashboard screen is looking at: the period, the unit and the structure from ?pe=&ou=&structure=,
checked against the viewer's scope, and the unit's header (breadcrumbs, children). Used by ioc.dashboards.data.

Units, children, breadcrumbs and open/closed state come from the analytics replica's in-memory hierarchy
(ioc.analytics.dims), and the scope rule is the engine's own (ioc.analytics.units.Scope): the screen costs no
query per unit, and it refuses exactly what the engine refuses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from ioc.analytics.dims import Dims, Unit
from ioc.analytics.periods import resolve_periods
from ioc.analytics.query import STRUCTURES, Structure
from ioc.analytics.units import Scope
from ioc.core.errors import InvalidInput, IocError, NotAllowed
from ioc.core.periods import DAILY, MONTHLY, QUARTERLY, WEEKLY, YEARLY, Period, parse_period
from ioc.core.uid import is_valid_uid
from ioc.orgunits.models import OrgUnitLevel
from ioc.orgunits.selectors import resolve_code

DEFAULT_PERIOD = "LAST_MONTH"
DEFAULT_STRUCTURE: Structure = "TODAY"


@dataclass(frozen=True)
class View:
    period: Period
    unit: Unit
    structure: Structure
    today: dt.date
    children: tuple[Unit, ...]  # the unit's children in this structure (what the map and rankings show)
    scope: Scope
    dims: Dims

    @property
    def reference_day(self) -> dt.date:
        return reference_day(self.structure, self.period, self.today)


def reference_day(structure: str, period: Period, today: dt.date) -> dt.date:
    """The day whose hierarchy the screen shows: today's, or (as it was) the period's last day."""
    return today if structure == "TODAY" else min(period.end, today)


def parse_structure(raw: str | None) -> Structure:
    value = (raw or DEFAULT_STRUCTURE).strip().upper()
    for known in STRUCTURES:
        if value == known:
            return known
    raise InvalidInput(
        _("structure: '{value}' is not one of {choices}").format(value=raw, choices=", ".join(STRUCTURES)),
        field="structure",
    )


def parse_one_period(raw: str | None, today: dt.date) -> Period:
    """One period: an ISO id or a relative name that means one period (LAST_MONTH, THIS_YEAR, …)."""
    token = (raw or DEFAULT_PERIOD).strip()
    try:
        periods = resolve_periods([token], today)
    except IocError as exc:
        raise InvalidInput(f"pe: {exc.message}", field="pe") from None
    if len(periods) != 1:
        raise InvalidInput(
            _("pe: '{token}' names {n} periods; the screen shows one (e.g. LAST_MONTH, 202503, 2024)").format(
                token=token, n=len(periods)
            ),
            field="pe",
        )
    return periods[0]


def same_period_last_year(period: Period) -> Period:
    if period.period_type in (MONTHLY, QUARTERLY, YEARLY):
        return period.shift(-{MONTHLY: 12, QUARTERLY: 4, YEARLY: 1}[period.period_type])
    if period.period_type == WEEKLY:
        year, week, _day = period.start.isocalendar()
        last_weeks = dt.date(year - 1, 12, 28).isocalendar()[1]
        return parse_period(f"{year - 1}W{min(week, last_weeks)}")
    assert period.period_type == DAILY
    day = period.start
    try:
        return parse_period(day.replace(year=day.year - 1).strftime("%Y%m%d"))
    except ValueError:  # 29 February
        return parse_period(dt.date(day.year - 1, 2, 28).strftime("%Y%m%d"))


def default_unit(scope: Scope, period: Period) -> Unit:
    """The outermost unit the viewer sees, preferring one that exists on the reference day. With TODAY the
    scope's roots include the successors of a reorganised root (Scope), as the engine's do."""
    dims = scope.dims
    if scope.everything:
        candidates = [u for u in dims.units.values() if u.parent_id is None]
    else:
        candidates = [dims.units[i] for i in scope.root_ids if i in dims.units]
    if not candidates:
        raise NotAllowed(_("You may not see any org unit; ask an administrator for a view scope."))
    day = reference_day(scope.structure, period, scope.today)
    open_ones = [u for u in candidates if u.open_on(day)]
    if scope.structure == "TODAY" and not open_ones:
        raise NotAllowed(_("None of the units you may see exists today; choose the structure AS_IT_WAS."))
    return min(open_ones or candidates, key=lambda u: (u.level, u.path))


def find_unit(scope: Scope, raw: str, period: Period) -> Unit:
    """?ou=: a uid, or a code (the unit with that code on the reference day); within the viewer's scope."""
    dims, key = scope.dims, raw.strip()
    unit = dims.by_uid.get(key) if is_valid_uid(key) else None
    if unit is None:
        day = reference_day(scope.structure, period, scope.today)
        open_ones = [u for u in dims.by_code.get(key, []) if u.open_on(day)]
        if len(open_ones) == 1:
            unit = open_ones[0]
        else:
            # Unknown, closed or ambiguous: rare, and the hierarchy's own resolver says precisely why.
            try:
                unit = dims.by_uid.get(resolve_code(key, day, field="ou").uid)
            except IocError as exc:
                raise InvalidInput(f"ou: {exc.message}", field="ou") from None
            if unit is None:  # created after the replica last read the hierarchy
                raise InvalidInput(_("ou: '{key}' is not known yet; try again").format(key=key[:60]), field="ou")
    if not scope.allows(unit):
        raise NotAllowed(
            _("ou: {name} ({code}) is outside the units you may see").format(name=unit.name, code=unit.code)
        )
    return unit


def children_of(dims: Dims, unit: Unit, structure: Structure, today: dt.date) -> list[Unit]:
    """The children the engine's CHILDREN names: today's open ones (TODAY), or every child (as it was)."""
    kids = [dims.units[i] for i in dims.children.get(unit.id, [])]
    if structure == "TODAY":
        kids = [u for u in kids if u.open_on(today)]
    return sorted(kids, key=lambda u: (u.name_vi, u.id))


def has_children(dims: Dims, unit: Unit, structure: Structure, today: dt.date) -> bool:
    """Whether the unit can be drilled into in the structure."""
    kids = dims.children.get(unit.id, [])
    return any(dims.units[i].open_on(today) for i in kids) if structure == "TODAY" else bool(kids)


def resolve_view(
    user: Any, dims: Dims, *, pe: str | None, ou: str | None, structure: str | None, today: dt.date
) -> View:
    the_structure = parse_structure(structure)
    period = parse_one_period(pe, today)
    scope = Scope(user, dims, the_structure, today)
    unit = find_unit(scope, ou, period) if ou and ou.strip() else default_unit(scope, period)
    children = children_of(dims, unit, the_structure, today)
    return View(period, unit, the_structure, today, tuple(children), scope, dims)


def unit_header(view: View) -> dict[str, Any]:
    unit, dims = view.unit, view.dims
    level_name = None
    if view.children:
        level = OrgUnitLevel.objects.filter(level=view.children[0].level).first()
        level_name = level.name if level else None
    ancestors = [dims.units[a] for a in unit.path if a in dims.units]
    return {
        "uid": unit.uid,
        "code": unit.code,
        "name": unit.name,
        "level": unit.level,
        "has_children": bool(view.children),
        "child_level_name": level_name,
        # From the outermost unit the viewer sees down to this one: never a name above their scope.
        "breadcrumbs": [{"uid": a.uid, "name": a.name} for a in ancestors if view.scope.allows(a)],
    }


def period_header(period: Period) -> dict[str, str]:
    return {"id": period.id, "name": period.name(), "type": period.period_type}
