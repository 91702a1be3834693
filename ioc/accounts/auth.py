"""API authentication: a bearer token (hashed at rest) or the browser session (with CSRF)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth as NinjaSessionAuth

from ioc.accounts.models import ApiToken


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked__isnull=True, user__is_active=True)
            .first()
        )
        if found is None or (found.expires is not None and found.expires <= timezone.now()):
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used=timezone.now())
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class SessionAuth(NinjaSessionAuth):
    """The logged-in browser session; Ninja checks CSRF on unsafe methods."""
