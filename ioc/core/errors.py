"""Errors a user may cause, with a message that says what is wrong. Views and the API turn them into a
clear response (never a stack trace)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

if TYPE_CHECKING:
    from django.db.models import Model


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


class FieldErrors:
    """Collects a service's validation errors so that they are raised together, as one InvalidInput naming
    each field: a form shows every problem at once, not the first one."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field_name: str | None, message: str) -> None:
        self.items.append({"field": field_name, "message": message})

    def add_invalid(self, exc: InvalidInput) -> None:
        for error in exc.errors or [{"field": None, "message": exc.message}]:
            self.add(error.get("field"), str(error.get("message", "")))

    def clean(self, obj: Model, exclude: Sequence[str] = (), *, validate_constraints: bool = True) -> None:
        """The model's own field validation (full_clean), each message on its field."""
        try:
            obj.full_clean(exclude=list(exclude), validate_constraints=validate_constraints)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.add(None if name == NON_FIELD_ERRORS else name, message)

    def raise_if_any(self) -> None:
        if self.items:
            text = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in self.items)
            raise InvalidInput(text, errors=self.items)
