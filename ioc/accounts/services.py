"""Writes for agencies, users, roles, scopes and API tokens. Each is atomic and audited.

`user_acting` is the logged-in user, or None for the command line / system (whoever can run `ioc` on the
server already holds the database). A logged-in user needs the manage-users right (the admin role).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.auth import hash_token
from ioc.accounts.models import Agency, ApiToken, Role, User
from ioc.accounts.permissions import Action, require
from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.core.errors import InvalidInput, NotAllowed, NotFound
from ioc.orgunits.models import OrgUnit

TOKEN_PREFIX = "ioc_"  # noqa: S105 (not a secret: the visible start of every token)
PREFIX_LENGTH = 12  # "ioc_" + 8 characters: shown in lists, used to revoke; the rest is never shown again


def _require_manager(user_acting: Any) -> None:
    if user_acting is not None:
        require(user_acting, Action.MANAGE_USERS)


def _check_roles(roles: Iterable[str]) -> list[str]:
    out: list[str] = []
    for role in roles:
        if role not in Role.values:
            raise InvalidInput(
                _("Roles: unknown role '%(role)s' (choose from %(roles)s)")
                % {"role": role, "roles": ", ".join(Role.values)},
                field="roles",
            )
        if role not in out:
            out.append(role)
    return out


def _check_scopes(scopes: Iterable[str]) -> list[str]:
    out: list[str] = []
    for scope in scopes:
        if scope not in ApiToken.Scope.values:
            raise InvalidInput(
                _("Scope: unknown scope '%(scope)s' (choose from %(scopes)s)")
                % {"scope": scope, "scopes": ", ".join(ApiToken.Scope.values)},
                field="scopes",
            )
        if scope not in out:
            out.append(scope)
    if not out:
        raise InvalidInput(
            _("Scope: give at least one of %(scopes)s") % {"scopes": ", ".join(ApiToken.Scope.values)}, field="scopes"
        )
    return out


def _unit_codes(units: Iterable[OrgUnit]) -> list[str]:
    return sorted(f"{u.code}#{u.pk}" for u in units)


@transaction.atomic
def do_create_agency(
    user_acting: Any,
    *,
    code: str,
    name_vi: str,
    name_en: str = "",
    short_name: str = "",
    org_unit: OrgUnit | None = None,
    email: str = "",
    via: str = Via.FORM,
) -> Agency:
    _require_manager(user_acting)
    code = (code or "").strip()
    if not code:
        raise InvalidInput(_("Code: required"), field="code")
    if not (name_vi or "").strip():
        raise InvalidInput(_("Name (Vietnamese): required"), field="name_vi")
    if Agency.objects.filter(code=code).exists():
        raise InvalidInput(_("Code: an agency with code '%(code)s' exists already") % {"code": code}, field="code")
    agency = Agency.objects.create(
        code=code,
        name_vi=name_vi.strip(),
        name_en=name_en.strip(),
        short_name=short_name,
        org_unit=org_unit,
        email=email,
    )
    record(
        user_acting,
        "agency.create",
        agency,
        via=via,
        object_repr=f"{code} {agency.name_vi}",
        changes={"code": code, "name_vi": agency.name_vi},
    )
    return agency


@transaction.atomic
def do_create_user(
    user_acting: Any,
    *,
    username: str,
    password: str | None = None,
    agency: Agency | None = None,
    roles: Iterable[str] = (),
    entry_units: Iterable[OrgUnit] = (),
    view_units: Iterable[OrgUnit] = (),
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    is_staff: bool = False,
    via: str = Via.FORM,
) -> User:
    """Create a user; without a password the account cannot log in until one is set."""
    _require_manager(user_acting)
    username = (username or "").strip()
    if not username:
        raise InvalidInput(_("Username: required"), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(_("Username: '%(username)s' is taken") % {"username": username}, field="username")
    user = User(
        username=username,
        agency=agency,
        roles=_check_roles(roles),
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=is_staff,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput(_("Password: %(why)s") % {"why": " ".join(exc.messages)}, field="password") from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    entry, view = list(entry_units), list(view_units)
    user.entry_units.set(entry)
    user.view_units.set(view)
    record(
        user_acting,
        "user.create",
        user,
        via=via,
        changes={
            "agency": agency.code if agency else None,
            "roles": user.roles,
            "entry_units": _unit_codes(entry),
            "view_units": _unit_codes(view),
        },
    )
    return user


@transaction.atomic
def do_set_roles(user_acting: Any, user: User, roles: Iterable[str], *, via: str = Via.FORM) -> User:
    _require_manager(user_acting)
    new = _check_roles(roles)
    old = list(user.roles or [])
    if (
        user_acting is not None
        and user_acting.pk == user.pk
        and Role.ADMIN in old
        and Role.ADMIN not in new
        and not user.is_superuser
    ):
        raise NotAllowed(_("Roles: you cannot take the admin role from yourself"), field="roles")
    if old != new:
        user.roles = new
        user.save(update_fields=["roles"])
        user.clear_scope_cache()
        record(user_acting, "user.roles", user, via=via, changes={"roles": [old, new]})
    return user


@transaction.atomic
def do_set_scopes(
    user_acting: Any,
    user: User,
    *,
    entry_units: Iterable[OrgUnit] | None = None,
    view_units: Iterable[OrgUnit] | None = None,
    via: str = Via.FORM,
) -> User:
    """Replace the entry and/or view scope (None leaves that scope as it is)."""
    _require_manager(user_acting)
    changes: dict[str, Any] = {}
    for field, units in (("entry_units", entry_units), ("view_units", view_units)):
        if units is None:
            continue
        units = list(units)
        manager = getattr(user, field)
        old = _unit_codes(manager.all())
        new = _unit_codes(units)
        if old != new:
            manager.set(units)
            changes[field] = [old, new]
    user.clear_scope_cache()
    if changes:
        record(user_acting, "user.scopes", user, via=via, changes=changes)
    return user


@transaction.atomic
def do_create_token(
    user_acting: Any,
    username: str,
    scopes: Iterable[str],
    name: str = "",
    expires_days: int | None = None,
    *,
    via: str = Via.CLI,
) -> tuple[ApiToken, str]:
    """Create an API token for `username`; returns (token row, the token itself). The token is shown once:
    only its SHA-256 is stored."""
    _require_manager(user_acting)
    owner = User.objects.filter(username=username).first()
    if owner is None:
        raise NotFound(_("Username: no user '%(username)s'") % {"username": username}, field="username")
    if not owner.is_active:
        raise InvalidInput(_("Username: user '%(username)s' is inactive") % {"username": username}, field="username")
    checked = _check_scopes(scopes)
    if expires_days is not None and expires_days < 1:
        raise InvalidInput(_("Expires: give a number of days ≥ 1"), field="expires_days")
    if len(name or "") > 100:
        raise InvalidInput(_("Name: at most 100 characters"), field="name")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
    token = ApiToken.objects.create(
        user=owner,
        name=name or "",
        prefix=plain[:PREFIX_LENGTH],
        token_hash=hash_token(plain),
        scopes=checked,
        expires=expires,
    )
    record(
        user_acting,
        "token.create",
        token,
        via=via,
        changes={
            "user": owner.username,
            "scopes": checked,
            "name": token.name,
            "expires": expires.isoformat() if expires else None,
        },
    )
    return token, plain


def find_token(prefix: str) -> ApiToken:
    """The one token whose prefix (or full token) is given; NotFound / InvalidInput otherwise."""
    prefix = (prefix or "").strip()
    if len(prefix) > PREFIX_LENGTH:  # the whole token
        found = list(ApiToken.objects.select_related("user").filter(token_hash=hash_token(prefix)))
    else:
        found = list(ApiToken.objects.select_related("user").filter(prefix__startswith=prefix)) if prefix else []
    if not found:
        raise NotFound(_("Token: no token with prefix '%(prefix)s'") % {"prefix": prefix}, field="prefix")
    if len(found) > 1:
        raise InvalidInput(
            _("Token: prefix '%(prefix)s' matches %(n)s tokens; give more characters")
            % {"prefix": prefix, "n": len(found)},
            field="prefix",
        )
    return found[0]


@transaction.atomic
def do_revoke_token(user_acting: Any, token: ApiToken | str, *, via: str = Via.CLI) -> ApiToken:
    """Revoke a token (by row or prefix). An admin may revoke any token, a user their own."""
    row = token if isinstance(token, ApiToken) else find_token(token)
    if user_acting is not None and user_acting.pk != row.user_id:
        require(user_acting, Action.MANAGE_USERS)
    if row.revoked is None:
        row.revoked = timezone.now()
        row.save(update_fields=["revoked", "last_updated"])
        record(user_acting, "token.revoke", row, via=via, changes={"user": row.user.username, "prefix": row.prefix})
    return row
