"""API shapes of the accounts app."""

from __future__ import annotations

import datetime as dt

from ioc.core.schemas import CamelSchema


class UnitRef(CamelSchema):
    code: str
    name: str
    uid: str


class AgencyRef(CamelSchema):
    code: str
    name: str


class TokenInfo(CamelSchema):
    prefix: str
    name: str
    scopes: list[str]
    expires: dt.datetime | None


class Me(CamelSchema):
    username: str
    name: str
    email: str
    agency: AgencyRef | None
    roles: list[str]
    superuser: bool
    # True: no limit (superuser, admin); the unit lists are then empty.
    enter_everywhere: bool
    see_everything: bool
    entry_units: list[UnitRef]
    view_units: list[UnitRef]
    language: str
    token: TokenInfo | None
