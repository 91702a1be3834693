"""Helpers for tests of any app: users with roles and scopes, API tokens, a client that sends a token."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.test import Client

from ioc.accounts.auth import hash_token
from ioc.accounts.models import ApiToken, User
from ioc.orgunits.models import OrgUnit

PASSWORD = "Mật-khẩu-thử-2025"  # noqa: S105 (test users only)


def make_user(
    username: str,
    roles: Sequence[str] = (),
    *,
    entry: Sequence[OrgUnit] = (),
    view: Sequence[OrgUnit] = (),
    password: str = PASSWORD,
    **extra: Any,
) -> User:
    """A user with these roles, entry units and view units (password PASSWORD unless given)."""
    user = User.objects.create_user(username=username, password=password, roles=list(roles), **extra)
    user.entry_units.set(entry)
    user.view_units.set(view)
    return user


def token_for(
    user: User, scopes: Sequence[str], *, expires: dt.datetime | None = None, revoked: dt.datetime | None = None
) -> str:
    """An API token for `user` (stored hashed, as do_create_token does); returns the token itself."""
    plain = "ioc_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        prefix=plain[:12],
        token_hash=hash_token(plain),
        scopes=list(scopes),
        expires=expires,
        revoked=revoked,
    )
    return plain


def english(client: Client) -> Client:
    """The client asks for English pages and messages (the language switch's cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def bearer(token: str, *, language: str | None = "en", **defaults: Any) -> Client:
    """A test client that sends `Authorization: Bearer <token>` with every request (in English unless told)."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", **defaults)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client
