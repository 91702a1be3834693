"""Shared by the metadata services: codes, the Outcome of a save, Problems, snapshots and the audited write.

Every do_* function validates with a Problems (all errors together, one InvalidInput), compares the object
with its stored snapshot and writes through _write, which saves only what changed and audits once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.audit.services import diff, record
from ioc.core.errors import InvalidInput
from ioc.core.uid import is_valid_uid

CODE_RE = re.compile(r"^[A-Za-z0-9_\-]+$")
DEFAULT_CODE = "default"

Action = Literal["created", "updated", "unchanged"]
UserOrNone = User | None


@dataclass
class Outcome:
    """What a do_save_* did: the object, created/updated/unchanged, and {field: [old, new]}."""

    obj: models.Model
    action: Action
    changes: dict[str, Any] = field(default_factory=dict)


class Problems:
    """Collects every problem with one object, then raises them together as one InvalidInput."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def add(self, field_name: str | None, message: str) -> None:
        self.errors.append({"field": field_name, "message": message})

    def add_validation_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.add(None if name == NON_FIELD_ERRORS else name, message)
        else:
            for message in exc.messages:
                self.add(None, message)

    def add_invalid(self, exc: InvalidInput, field_name: str | None = None) -> None:
        if exc.errors:
            for error in exc.errors:
                self.add(field_name or error.get("field"), error.get("message", exc.message))
        else:
            self.add(field_name, exc.message)

    def raise_if_any(self) -> None:
        if self.errors:
            message = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in self.errors)
            raise InvalidInput(message, errors=self.errors)


# ----- helpers ----------------------------------------------------------------------------------


_SKIPPED_FIELDS = {"created", "last_updated"}


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's own column values, by field name (foreign keys as ids), for diffs and audit."""
    return {
        f.name: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.name not in _SKIPPED_FIELDS
    }


def _stored(obj: models.Model) -> dict[str, Any]:
    if obj.pk is None:
        return {}
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    return snapshot(stored) if stored is not None else {}


def _check_code(problems: Problems, code: str) -> None:
    if not code or not CODE_RE.match(code):
        problems.add("code", _("'{code}' is not a valid code: use letters, digits, '_' and '-'").format(code=code))


def _check_uid(problems: Problems, uid: str | None, field_name: str = "uid") -> None:
    if uid is not None and not is_valid_uid(uid):
        problems.add(
            field_name, _("'{uid}' is not a uid: 11 characters, a letter then letters or digits").format(uid=uid)
        )


def _full_clean(problems: Problems, obj: models.Model, exclude: Iterable[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        problems.add_validation_error(exc)


def _write(
    user: UserOrNone,
    obj: models.Model,
    *,
    via: str,
    before: dict[str, Any],
    relations: Mapping[str, tuple[Any, Any]] | None = None,
    apply_relations: Any = None,
) -> Outcome:
    """Save obj when new or changed, apply the relation changes, audit once."""
    created = obj.pk is None
    changes = diff(before, snapshot(obj)) if not created else {}
    relation_changes = {name: [old, new] for name, (old, new) in (relations or {}).items() if old != new}
    if created or changes:
        obj.save()
    if apply_relations is not None and (created or relation_changes):
        apply_relations()
    if created:
        after = snapshot(obj)
        after.update({name: new for name, (_old, new) in (relations or {}).items()})
        record(
            user, "create", obj, via=via, changes={k: [None, v] for k, v in after.items() if v not in (None, "", [])}
        )
        return Outcome(obj, "created", after)
    changes.update(relation_changes)
    if not changes:
        return Outcome(obj, "unchanged")
    record(user, "update", obj, via=via, changes=changes)
    return Outcome(obj, "updated", changes)


# ----- dry runs ---------------------------------------------------------------------------------


class _DryRun(Exception):
    pass


def dry_run(write: Any) -> list[dict[str, Any]]:
    """Run `write()` (a do_* call) and roll it back: the errors it would raise, [] when it would succeed.
    The admin's forms use it so that they check exactly what the services check."""
    try:
        with transaction.atomic():
            write()
            raise _DryRun
    except _DryRun:
        return []
    except InvalidInput as exc:
        return exc.errors or [{"field": None, "message": exc.message}]
