"""Writing the audit log. Every do_* service of every app calls record() inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from ioc.audit.models import AuditEntry, Via


def record(
    user: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    via: str = Via.SYSTEM,
    changes: dict[str, Any] | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
) -> AuditEntry:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:250]
    return AuditEntry.objects.create(
        user=user if getattr(user, "pk", None) else None,
        action=action,
        via=via,
        object_type=object_type or "",
        object_id=object_id or "",
        object_repr=(object_repr or "")[:250],
        changes=changes or {},
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: [old, new]} for the fields that changed."""
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}
