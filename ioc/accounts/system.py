"""The system as a reader: what background work (forecasts, briefings, the DTI) reads with, so that its
answers do not depend on who happened to trigger it. Readers are checked when they open the results."""

from __future__ import annotations

from typing import Any


class SystemReader:
    """Authenticated, active and unlimited for reads: ioc.orgunits.selectors.view_roots reads
    view_root_units() = None as "every unit"; it never enters data."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = True
    is_staff = False
    pk = None
    id = None
    username = "system"
    roles: tuple[str, ...] = ()
    agency = None
    agency_id = None

    def view_root_units(self) -> None:
        return None

    def entry_root_units(self) -> list[Any]:
        return []

    def __str__(self) -> str:
        return "system"


SYSTEM_READER = SystemReader()
