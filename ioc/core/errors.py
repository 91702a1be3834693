"""Errors a user may cause, with a message that says what is wrong. Views and the API turn them into a
clear response (never a stack trace)."""

from __future__ import annotations

from typing import Any


class IocError(Exception):
    status = 400

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or ([{"field": field, "message": message}] if field else [])


class InvalidInput(IocError):
    """Bad value, unknown code, period that does not parse, …"""


class NotAllowed(IocError):
    """Outside the user's scope or role."""

    status = 403


class Locked(IocError):
    """The period is locked (expired or approved)."""

    status = 409


class NotFound(IocError):
    status = 404
