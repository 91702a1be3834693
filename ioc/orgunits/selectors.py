"""Reads of the org-unit hierarchy: subtrees, the code-at-date rule, successions, scopes.

The reorganisation rule: codes are reused across the 2025 reorganisation (08707 was Phường Tích Sơn until
2025-06-30 and is Phường Vĩnh Yên from 2025-07-01), so a code names a unit only together with a date:
`resolve_code(code, on)` is the unit with that code open on that date. Every importer and API that takes a
unit code goes through `resolve_code` / `resolve_codes`.

Scopes: a user's scope is a set of root units; a unit is within it when its path starts with one of the
roots' paths. This module takes the roots as arguments (the accounts app computes them: it is a higher
layer and is never imported here); `view_roots(user)` asks the user object for them through
`user.view_root_units()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.core.errors import InvalidInput, NotFound
from ioc.orgunits.models import OrgUnit, Succession

# --- subtrees and validity ------------------------------------------------------------------------------


def subtree_q(root: OrgUnit, field_prefix: str = "") -> Q:
    """The root and every unit below it, as one indexed range condition on `path`.

    Paths are "/1/4/17/": digits and '/', and '/' sorts before '0', so the subtree of "/1/4/" is exactly the
    paths in ["/1/4/", "/1/40"). (On PostgreSQL the path column uses the "C" collation, migration 0002, so
    the comparison is bytewise there too.) `field_prefix` filters other models: `subtree_q(d, "org_unit__")`.
    """
    if not root.path or not root.path.endswith("/"):
        raise ValueError(f"org unit {root.pk} has no path")
    return Q(**{f"{field_prefix}path__gte": root.path, f"{field_prefix}path__lt": root.path[:-1] + "0"})


def open_on_q(on: dt.date, field_prefix: str = "") -> Q:
    """Units open on `on` (opened empty or ≤ on, closed empty or ≥ on)."""
    p = field_prefix
    return (Q(**{f"{p}opened__isnull": True}) | Q(**{f"{p}opened__lte": on})) & (
        Q(**{f"{p}closed__isnull": True}) | Q(**{f"{p}closed__gte": on})
    )


def scope_q(roots: Sequence[OrgUnit] | None, field_prefix: str = "") -> Q:
    """Units within any of `roots`; None means everything, an empty list nothing."""
    if roots is None:
        return Q()
    q = Q(**{f"{field_prefix}pk__in": []})
    for root in roots:
        q |= subtree_q(root, field_prefix)
    return q


def is_within(unit: OrgUnit, roots: Sequence[OrgUnit] | None) -> bool:
    """The scope rule: `unit` is within `roots` when its path starts with one of theirs (None: everything)."""
    if roots is None:
        return True
    return any(root.path and unit.path.startswith(root.path) for root in roots)


def view_roots(user: Any) -> list[OrgUnit] | None:
    """The roots of what `user` may see: None means everything. Anonymous users see nothing.

    The accounts app gives User a `view_root_units()` method; without it only a superuser sees anything.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    method = getattr(user, "view_root_units", None)
    if callable(method):
        roots = method()
        return None if roots is None else list(roots)
    return None if getattr(user, "is_superuser", False) else []


def units_in_scope(roots: Sequence[OrgUnit] | None) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(scope_q(roots)).select_related("parent")


def visible_units(user: Any) -> QuerySet[OrgUnit]:
    """The units `user` may see (their view scope's subtrees)."""
    return units_in_scope(view_roots(user))


# --- single units ---------------------------------------------------------------------------------------


def resolve_uid(uid: str) -> OrgUnit:
    unit = OrgUnit.objects.select_related("parent").filter(uid=uid).first()
    if unit is None:
        raise NotFound(_("unknown org unit uid '%(uid)s'") % {"uid": uid}, field="uid")
    return unit


def _label(unit: OrgUnit) -> str:
    return f"{unit.name_vi} ({unit.code})"


def _not_open_message(code: str, units: list[OrgUnit], on: dt.date) -> str:
    """Why no unit with `code` is open on `on`: each one's dates, naming successors / predecessors."""
    parts = []
    for unit in sorted(units, key=lambda u: u.opened or dt.date.min):
        if unit.closed is not None and unit.closed < on:
            succ = successors(unit)
            msg = _("org unit '%(code)s' (%(name)s) was closed on %(closed)s") % {
                "code": code,
                "name": unit.name_vi,
                "closed": unit.closed.isoformat(),
            }
            if succ:
                names = ", ".join(_label(s) for s in succ)
                msg += (
                    _("; for periods after that use its successor %(names)s")
                    if len(succ) == 1
                    else _("; for periods after that use its successors %(names)s")
                ) % {"names": names}
            else:
                msg += _("; it has no successor")
        else:
            assert unit.opened is not None  # not open on `on` and not closed before it: opened after it
            pred = predecessors(unit)
            msg = _("org unit '%(code)s' (%(name)s) opened on %(opened)s") % {
                "code": code,
                "name": unit.name_vi,
                "opened": unit.opened.isoformat(),
            }
            if pred:
                msg += _("; for periods before that use %(names)s") % {"names": ", ".join(_label(p) for p in pred)}
        parts.append(msg)
    return "; ".join(parts)


def _pick(code: str, units: list[OrgUnit], on: dt.date) -> OrgUnit | str:
    """The unit open on `on` among those with `code`, or the message saying why there is none."""
    if not units:
        return _("unknown org unit code '%(code)s'") % {"code": code}
    open_units = [u for u in units if u.is_open_on(on)]
    if len(open_units) == 1:
        return open_units[0]
    if not open_units:
        return _not_open_message(code, units, on)
    return _("org unit code '%(code)s' is ambiguous on %(date)s: %(n)d units are open (%(names)s); use a uid") % {
        "code": code,
        "date": on.isoformat(),
        "n": len(open_units),
        "names": ", ".join(f"{u.name_vi} [{u.uid}]" for u in open_units),
    }


def resolve_code(code: str, on: dt.date, *, field: str = "orgUnit") -> OrgUnit:
    """The unit with `code` open on `on` (the reorganisation rule). InvalidInput naming the field when the
    code is unknown, belongs only to units not open on that date (naming their successors), or is ambiguous."""
    code = (code or "").strip()
    units = list(OrgUnit.objects.select_related("parent").filter(code=code))
    picked = _pick(code, units, on)
    if isinstance(picked, str):
        raise InvalidInput(picked, field=field)
    return picked


def try_resolve_codes(codes: Iterable[str], on: dt.date) -> tuple[dict[str, OrgUnit], dict[str, str]]:
    """Batched `resolve_code` for importers: ({code: unit}, {code: why not}), in one query when all resolve."""
    wanted = {c.strip() for c in codes if c is not None}
    by_code: dict[str, list[OrgUnit]] = {c: [] for c in wanted}
    for unit in OrgUnit.objects.select_related("parent").filter(code__in=wanted):
        by_code[unit.code].append(unit)
    found: dict[str, OrgUnit] = {}
    errors: dict[str, str] = {}
    for code, units in by_code.items():
        picked = _pick(code, units, on)
        if isinstance(picked, str):
            errors[code] = picked
        else:
            found[code] = picked
    return found, errors


def resolve_codes(codes: Iterable[str], on: dt.date, *, field: str = "orgUnit") -> dict[str, OrgUnit]:
    """{code: unit open on `on`} for every code, or InvalidInput listing every code that does not resolve."""
    found, errors = try_resolve_codes(codes, on)
    if errors:
        items = sorted(errors.items())
        raise InvalidInput(
            "; ".join(msg for _code, msg in items),
            errors=[{"field": field, "value": code, "message": msg} for code, msg in items],
        )
    return found


# --- tree navigation ------------------------------------------------------------------------------------


def children(unit: OrgUnit, on: dt.date | None = None) -> list[OrgUnit]:
    qs = OrgUnit.objects.filter(parent=unit)
    if on is not None:
        qs = qs.filter(open_on_q(on))
    return list(qs.order_by("code", "opened"))


def ancestors(unit: OrgUnit) -> list[OrgUnit]:
    """The chain above `unit`, root first (not including the unit)."""
    ids = unit.ancestor_ids()[:-1]
    by_id = OrgUnit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def units_at_level(root: OrgUnit, level: int, on: dt.date | None = None) -> QuerySet[OrgUnit]:
    qs = OrgUnit.objects.filter(subtree_q(root), level=level)
    if on is not None:
        qs = qs.filter(open_on_q(on))
    return qs.order_by("code", "opened")


# --- successions ----------------------------------------------------------------------------------------


def successors(unit: OrgUnit) -> list[OrgUnit]:
    """The units `unit` went into (direct successors)."""
    return list(OrgUnit.objects.filter(predecessions__predecessor=unit).order_by("code", "opened").distinct())


def predecessors(unit: OrgUnit) -> list[OrgUnit]:
    """The units `unit` was made of (direct predecessors)."""
    return list(OrgUnit.objects.filter(successions__successor=unit).order_by("code", "opened").distinct())


def current_successors(unit: OrgUnit, on: dt.date | None = None) -> list[tuple[OrgUnit, float]]:
    """Where `unit`'s history belongs among the units of `on` (default today), following successions
    transitively and multiplying weights: [(unit, share)]. A unit without successors maps to itself."""
    on = on or timezone.localdate()
    shares: dict[int, float] = {}
    units: dict[int, OrgUnit] = {unit.pk: unit}
    frontier: list[tuple[int, float, frozenset[int]]] = [(unit.pk, 1.0, frozenset())]
    while frontier:
        ids = {pk for pk, _w, _seen in frontier}
        links: dict[int, list[Succession]] = {}
        for s in Succession.objects.select_related("successor").filter(predecessor_id__in=ids, date__lte=on):
            links.setdefault(s.predecessor_id, []).append(s)
            units[s.successor_id] = s.successor
        nxt = []
        for pk, weight, seen in frontier:
            outgoing = [s for s in links.get(pk, []) if s.successor_id not in seen]
            if not outgoing:
                shares[pk] = shares.get(pk, 0.0) + weight
            for s in outgoing:
                nxt.append((s.successor_id, weight * s.weight, seen | {pk}))
        frontier = nxt
    return sorted(((units[pk], w) for pk, w in shares.items()), key=lambda t: (t[0].code, t[0].pk))
