"""GET /api/v1/me — who am I, what may I do, where."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from ioc.accounts.permissions import current_user, token_of
from ioc.accounts.schemas import AgencyRef, Me, TokenInfo, UnitRef
from ioc.orgunits.models import OrgUnit

router = Router(tags=["me"], by_alias=True)


def _refs(units: list[OrgUnit] | None) -> list[UnitRef]:
    return [UnitRef(code=u.code, name=u.name, uid=u.uid) for u in units or []]


@router.get("", response=Me, summary="The current user: roles, agency, entry and view units, token scopes")
def me(request: HttpRequest) -> Me:
    user = current_user(request)
    token = token_of(request)
    entry = user.entry_root_units()
    view = user.view_root_units()
    return Me(
        username=user.username,
        name=user.get_full_name() or user.username,
        email=user.email,
        agency=AgencyRef(code=user.agency.code, name=user.agency.name) if user.agency else None,
        roles=list(user.roles or []),
        superuser=user.is_superuser,
        enter_everywhere=entry is None,
        see_everything=view is None,
        entry_units=_refs(entry),
        view_units=_refs(view),
        language=user.preferred_language,
        token=TokenInfo(prefix=token.prefix, name=token.name, scopes=list(token.scopes), expires=token.expires)
        if token
        else None,
    )
