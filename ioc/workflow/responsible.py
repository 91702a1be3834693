"""Who should fill a form: the people a late report is put to, on the late list and in the reminders.

Apart from completeness because the reminders need it without the rates, and because the rule is about users
and their roles and scopes, not about reports.
"""

from __future__ import annotations

from ioc.accounts.models import Role, User
from ioc.accounts.permissions import ROLES_FOR, Action
from ioc.metadata.models import DataSet
from ioc.orgunits.models import OrgUnit

ENTRY_ROLES = ROLES_FOR[Action.ENTER_DATA]


def responsible_users(
    pairs: set[tuple[int, int]], known: tuple[dict[int, DataSet], dict[int, OrgUnit]] | None = None
) -> dict[tuple[int, int], list[User]]:
    """Who should fill each (data set id, unit id) form: active users holding a data-entry role (data
    officer, approver, integrator — not through the administrator role) whose entry scope covers the unit;
    of those, the ones whose entry unit is nearest the unit (the unit's own officers before a province-wide
    account); of those, the data set's agency's users when there are any; of those, the data officers when
    there are any."""
    if not pairs:
        return {}
    sets, units = known or ({}, {})
    missing_sets = {ds for ds, _u in pairs} - set(sets)
    missing_units = {u for _ds, u in pairs} - set(units)
    sets = {**sets, **{d.pk: d for d in DataSet.objects.filter(pk__in=missing_sets)}}
    units = {**units, **{u.pk: u for u in OrgUnit.objects.filter(pk__in=missing_units)}}
    candidates: list[tuple[User, list[OrgUnit]]] = []
    for user in User.objects.filter(is_active=True).prefetch_related("entry_units").select_related("agency"):
        roles = set(user.roles or [])
        if not roles & set(ENTRY_ROLES):
            continue
        entry = list(user.entry_units.all())
        if entry:
            candidates.append((user, entry))
    out: dict[tuple[int, int], list[User]] = {}
    for ds_id, unit_id in pairs:
        unit, ds = units[unit_id], sets[ds_id]
        covering: list[tuple[int, User]] = []
        for user, entry in candidates:
            nearest = max((len(r.path) for r in entry if unit.path.startswith(r.path)), default=0)
            if nearest:
                covering.append((nearest, user))
        if not covering:
            out[(ds_id, unit_id)] = []
            continue
        best = max(n for n, _u in covering)
        chosen = [u for n, u in covering if n == best]
        if ds.agency_id is not None:
            own = [u for u in chosen if u.agency_id == ds.agency_id]
            chosen = own or chosen
        officers = [u for u in chosen if Role.DATA_OFFICER in (u.roles or [])]
        out[(ds_id, unit_id)] = sorted(officers or chosen, key=lambda u: u.username)
    return out
