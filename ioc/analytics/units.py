"""The ou dimension: unit tokens (uid, code, LEVEL-n, CHILDREN, USER_ORGUNIT) → units, within the reader's scope.

Scope: a reader sees the subtrees of their view roots. With structure TODAY a root that has been
reorganised also opens its successors' subtrees (a district officer still sees what became of their
district); a unit outside gives NotAllowed, never a silent empty answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from ioc.analytics.dims import Dims, Unit
from ioc.analytics.query import Structure
from ioc.core.errors import InvalidInput, NotAllowed
from ioc.orgunits.selectors import view_roots

LEVEL = re.compile(r"^LEVEL-(\d{1,2})$", re.IGNORECASE)
MAX_UNITS = 5000


class Scope:
    def __init__(self, user: Any, dims: Dims, structure: Structure, today: dt.date) -> None:
        roots = view_roots(user)
        self.everything = roots is None
        ids = {r.pk for r in roots or []}
        if structure == "TODAY":
            mapped = dims.mapping(today).today_map
            ids |= {t for r in list(ids) for t, _w in mapped.get(r, [])}
        self.root_ids = frozenset(ids)
        self.dims = dims
        self.structure = structure
        self.today = today

    def allows(self, unit: Unit) -> bool:
        return self.everything or any(a in self.root_ids for a in unit.path)

    def roots(self) -> list[Unit]:
        """USER_ORGUNIT: the outermost units the reader sees in this structure."""
        dims = self.dims
        if self.everything:
            candidates = [u for u in dims.units.values() if u.parent_id is None]
        else:
            candidates = [dims.units[i] for i in self.root_ids if i in dims.units]
        if self.structure == "TODAY":
            candidates = [u for u in candidates if u.open_on(self.today)]
        ids = {u.id for u in candidates}
        outer = [u for u in candidates if not any(a in ids for a in u.path[:-1])]
        return sorted(outer, key=lambda u: (u.level, u.name_vi))

    def key(self) -> tuple[object, ...]:
        return ("*",) if self.everything else tuple(sorted(self.root_ids))


def resolve_units(tokens: Sequence[str], scope: Scope, today: dt.date) -> list[Unit]:
    """The units the tokens name, in order, without repeats; LEVEL-n / CHILDREN relative to the plain units
    (the boundary) or, without any, to the reader's roots."""
    dims = scope.dims
    plain: list[Unit] = []
    levels: list[int] = []
    children = False
    for raw in tokens:
        token = raw.strip()
        if not token:
            continue
        match = LEVEL.match(token)
        if match:
            levels.append(int(match.group(1)))
        elif token.upper() == "CHILDREN":
            children = True
        elif token.upper() == "USER_ORGUNIT":
            plain.extend(scope.roots())
        else:
            plain.append(_one(token, scope, today))
    if not plain and not levels and not children:
        plain = scope.roots()
    if levels or children:
        boundary = plain or scope.roots()
        found: list[Unit] = []
        for root in boundary:
            if children:
                found.extend(_visible(dims, dims.children.get(root.id, []), scope))
            for level in levels:
                found.extend(_at_level(dims, root, level, scope))
        plain = found
    out: list[Unit] = []
    seen: set[int] = set()
    for unit in plain:
        if unit.id not in seen:
            seen.add(unit.id)
            out.append(unit)
    if len(out) > MAX_UNITS:
        raise InvalidInput(_("At most %(n)s units in one question.") % {"n": MAX_UNITS}, field="ou")
    return out


def _one(token: str, scope: Scope, today: dt.date) -> Unit:
    dims = scope.dims
    unit = dims.by_uid.get(token)
    if unit is None:
        candidates = dims.by_code.get(token, [])
        if scope.structure == "TODAY":
            open_now = [u for u in candidates if u.open_on(today)]
            candidates = open_now or candidates
        unit = candidates[0] if candidates else None
    if unit is None:
        raise InvalidInput(
            _("Unknown unit “%(token)s” (ou): give a uid or a code.") % {"token": token[:60]}, field="ou"
        )
    if not scope.allows(unit):
        raise NotAllowed(_("The unit %(name)s is outside what you may see.") % {"name": unit.name})
    return unit


def _visible(dims: Dims, ids: list[int], scope: Scope) -> list[Unit]:
    units = [dims.units[i] for i in ids]
    if scope.structure == "TODAY":
        units = [u for u in units if u.open_on(scope.today)]
    return [u for u in units if scope.allows(u)]


def _at_level(dims: Dims, root: Unit, level: int, scope: Scope) -> list[Unit]:
    if level < root.level:
        return []
    found = [u for u in dims.units.values() if u.level == level and root.id in u.path]
    found.sort(key=lambda u: (u.code, u.id))
    return _visible(dims, [u.id for u in found], scope)
