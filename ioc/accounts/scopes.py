"""The two org-unit scopes of a user, as in DHIS2: where they may enter data, and what they may see.

Each scope is a set of subtree roots (User.entry_units, User.view_units); entry units are always visible.
Superusers and administrators have no limits (User.view_root_units() / entry_root_units() return None).
Every selector filters with visible_q(); every write checks can_enter_unit().
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import is_within, scope_q


def _roots(user: Any, kind: str) -> list[OrgUnit] | None:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    roots: list[OrgUnit] | None = user.view_root_units() if kind == "view" else user.entry_root_units()
    return roots


def can_view_unit(user: Any, unit: OrgUnit) -> bool:
    """Is the unit inside one of the user's view (or entry) subtrees?"""
    return is_within(unit, _roots(user, "view"))


def can_enter_unit(user: Any, unit: OrgUnit) -> bool:
    """Is the unit inside one of the user's data-entry subtrees? (The role check is permissions.can.)"""
    return is_within(unit, _roots(user, "entry"))


def visible_q(user: Any, field_prefix: str = "org_unit__") -> Q:
    """A condition on a model with an org-unit relation (`field_prefix`, "" for OrgUnit itself): the rows
    whose unit lies inside the user's view scope. Q() (everything) for administrators; nothing for
    anonymous or inactive users."""
    return scope_q(_roots(user, "view"), field_prefix)


def enterable_q(user: Any, field_prefix: str = "org_unit__") -> Q:
    """Like visible_q, for the entry scope."""
    return scope_q(_roots(user, "entry"), field_prefix)


def scope_description(roots: list[OrgUnit] | None) -> str:
    """The roots as "Name (code), …" for messages."""
    if roots is None:
        return _("all units")
    return ", ".join(f"{root.name} ({root.code})" for root in roots) or _("none")
