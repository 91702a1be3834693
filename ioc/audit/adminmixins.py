"""The one audited ModelAdmin of the project: every add, change and delete made in the Django admin writes
an audit entry (via "admin") with the changed values, old and new — inline rows included."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from ioc.audit.models import Via
from ioc.audit.services import diff, record

_NOT_AUDITED = {"password", "last_login", "created", "last_updated"}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The audited fields of a saved object as JSON values (m2m as sorted lists of str)."""
    out: dict[str, Any] = {}
    if obj.pk is None:
        return out
    fresh = type(obj)._default_manager.filter(pk=obj.pk).first()
    if fresh is None:
        return out
    for field in fresh._meta.concrete_fields:
        if field.name not in _NOT_AUDITED:
            out[field.name] = _jsonable(field.value_from_object(fresh))
    for m2m in fresh._meta.many_to_many:
        if m2m.name not in _NOT_AUDITED:
            out[m2m.name] = sorted(str(o) for o in getattr(fresh, m2m.name).all())
    return out


def _action(obj: models.Model, verb: str) -> str:
    return f"{obj._meta.model_name}.{verb}"


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit entry (via "admin") for every add, change and delete, with the changed values."""

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        request._ioc_audit_before = snapshot(obj) if change else {}  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(request, "_ioc_audit_before", {})
        changes = diff(before, snapshot(obj))
        if change and not changes:
            return
        action = "change" if change else "create"
        record(request.user, _action(obj, action), obj, via=Via.ADMIN, changes=changes)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record(request.user, _action(obj, "delete"), obj, via=Via.ADMIN, changes=snapshot(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            record(request.user, _action(obj, "delete"), obj, via=Via.ADMIN, changes=snapshot(obj))
        super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool) -> None:
        before = {obj.pk: snapshot(obj) for obj in formset.get_queryset()} if formset.can_delete or change else {}
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record(request.user, _action(obj, "delete"), obj, via=Via.ADMIN, changes=before.get(obj.pk, {}))
            obj.delete()
        for obj in instances:
            created = obj.pk is None
            obj.save()
            changes = diff(before.get(obj.pk, {}), snapshot(obj))
            if created or changes:
                record(
                    request.user, _action(obj, "create" if created else "change"), obj, via=Via.ADMIN, changes=changes
                )
        formset.save_m2m()
