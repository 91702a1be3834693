"""What a dashboard screen is looking at: the period, the unit and the structure from ?pe=&ou=&structure=,
checked against the viewer's scope, and the unit's header (breadcrumbs, children). Used by ioc.dashboards.data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from ioc.analytics.periods import resolve_periods
from ioc.analytics.query import STRUCTURES, Structure
from ioc.core.errors import InvalidInput, IocError, NotAllowed
from ioc.core.periods import DAILY, MONTHLY, QUARTERLY, WEEKLY, YEARLY, Period, parse_period
from ioc.core.uid import is_valid_uid
from ioc.orgunits.models import OrgUnit, OrgUnitLevel
from ioc.orgunits.selectors import current_successors, is_within, resolve_code, view_roots

DEFAULT_PERIOD = "LAST_MONTH"
DEFAULT_STRUCTURE: Structure = "TODAY"


@dataclass(frozen=True)
class View:
    period: Period
    unit: OrgUnit
    structure: Structure
    today: dt.date
    children: tuple[OrgUnit, ...]  # the unit's children in this structure (what the map and rankings show)

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


def _open_q(day: dt.date) -> Q:
    return (Q(opened__isnull=True) | Q(opened__lte=day)) & (Q(closed__isnull=True) | Q(closed__gte=day))


def scope_roots(user: Any, structure: Structure, today: dt.date) -> list[OrgUnit] | None:
    """The roots of what the viewer sees (None: everything). With TODAY a reorganised root also opens the
    subtrees of its successors, as the analytics engine does."""
    roots = view_roots(user)
    if roots is None or structure != "TODAY":
        return roots
    out = {r.pk: r for r in roots}
    for root in roots:
        if root.closed is not None and root.closed < today:
            out.update({s.pk: s for s, _w in current_successors(root, today)})
    return list(out.values())


def default_unit(user: Any, structure: Structure, period: Period, today: dt.date) -> OrgUnit:
    """The outermost unit the viewer sees, preferring one that exists on the reference day."""
    roots = scope_roots(user, structure, today)
    candidates = list(OrgUnit.objects.filter(parent__isnull=True)) if roots is None else roots
    if not candidates:
        raise NotAllowed(_("You may not see any org unit; ask an administrator for a view scope."))
    day = reference_day(structure, period, today)
    open_ones = [u for u in candidates if u.is_open_on(day)]
    if structure == "TODAY" and not open_ones:
        raise NotAllowed(_("None of the units you may see exists today; choose the structure AS_IT_WAS."))
    return sorted(open_ones or candidates, key=lambda u: (u.level, u.path))[0]


def find_unit(user: Any, raw: str, structure: Structure, period: Period, today: dt.date) -> OrgUnit:
    """?ou=: a uid, or a code (the unit with that code on the reference day); within the viewer's scope."""
    key = raw.strip()
    unit = OrgUnit.objects.filter(uid=key).first() if is_valid_uid(key) else None
    if unit is None:
        try:
            unit = resolve_code(key, reference_day(structure, period, today), field="ou")
        except IocError as exc:
            raise InvalidInput(f"ou: {exc.message}", field="ou") from None
    if not is_within(unit, scope_roots(user, structure, today)):
        raise NotAllowed(
            _("ou: {name} ({code}) is outside the units you may see").format(name=unit.name, code=unit.code)
        )
    return unit


def children_of(unit: OrgUnit, structure: Structure, period: Period, today: dt.date) -> list[OrgUnit]:
    """The children the engine's CHILDREN names: today's open ones (TODAY), or every child (as it was)."""
    qs = OrgUnit.objects.filter(parent=unit)
    if structure == "TODAY":
        qs = qs.filter(_open_q(today))
    return list(qs.order_by("name_vi", "id"))


def resolve_view(user: Any, *, pe: str | None, ou: str | None, structure: str | None, today: dt.date) -> View:
    the_structure = parse_structure(structure)
    period = parse_one_period(pe, today)
    unit = (
        find_unit(user, ou, the_structure, period, today)
        if ou and ou.strip()
        else default_unit(user, the_structure, period, today)
    )
    children = children_of(unit, the_structure, period, today)
    return View(period, unit, the_structure, today, tuple(children))


def units_with_children(uids: list[str], structure: Structure, today: dt.date) -> set[str]:
    """Which of these units have children in the structure (can be drilled into)."""
    qs = OrgUnit.objects.filter(parent__uid__in=uids)
    if structure == "TODAY":
        qs = qs.filter(_open_q(today))
    return set(qs.values_list("parent__uid", flat=True).distinct())


def unit_header(user: Any, view: View) -> dict[str, Any]:
    unit = view.unit
    roots = scope_roots(user, view.structure, view.today)
    ancestors = OrgUnit.objects.filter(pk__in=unit.ancestor_ids()).order_by("level", "path")
    level_name = None
    if view.children:
        level = OrgUnitLevel.objects.filter(level=view.children[0].level).first()
        level_name = level.name if level else None
    return {
        "uid": unit.uid,
        "code": unit.code,
        "name": unit.name,
        "level": unit.level,
        "has_children": bool(view.children),
        "child_level_name": level_name,
        # From the outermost unit the viewer sees down to this one: never a name above their scope.
        "breadcrumbs": [{"uid": a.uid, "name": a.name} for a in ancestors if is_within(a, roots)],
    }


def period_header(period: Period) -> dict[str, str]:
    return {"id": period.id, "name": period.name(), "type": period.period_type}
