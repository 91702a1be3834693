"""Admin for org units, their levels and successions. Every change made here is audited (via="admin");
`path` is kept by OrgUnit.save()."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from ioc.audit.services import record
from ioc.orgunits.models import OrgUnit, OrgUnitLevel, Succession
from ioc.orgunits.selectors import open_on_q


def _jsonable(value: Any) -> Any:
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, str | int | float | bool | dict | list) or value is None:
        return value
    if isinstance(value, QuerySet):
        return [str(v.pk) for v in value]
    return str(value)


class AuditedAdmin(admin.ModelAdmin):
    """save_model / delete_model / delete_queryset / inline formsets write an audit record (via admin)."""

    def _action(self, obj: Model, verb: str) -> str:
        return f"{obj._meta.app_label}.{obj._meta.model_name}.{verb}"

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changes = {f: _jsonable(form.cleaned_data.get(f)) for f in form.changed_data}
        record(request.user, self._action(obj, "update" if change else "create"), obj, via="admin", changes=changes)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record(request.user, self._action(obj, "delete"), obj, via="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            record(request.user, self._action(obj, "delete"), obj, via="admin")
        super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record(request.user, self._action(obj, "delete"), obj, via="admin")
            obj.delete()
        for obj in instances:
            created = obj.pk is None
            obj.save()
            changed: list[str] = next((f.changed_data for f in formset.forms if f.instance is obj), [])
            record(
                request.user,
                self._action(obj, "create" if created else "update"),
                obj,
                via="admin",
                changes={f: _jsonable(getattr(obj, f, None)) for f in changed},
            )
        formset.save_m2m()


class SuccessorInline(admin.TabularInline):
    model = Succession
    fk_name = "predecessor"
    raw_id_fields = ["successor"]
    fields = ["successor", "kind", "date", "weight", "note"]
    extra = 0
    verbose_name = _("successor")
    verbose_name_plural = _("successors (this unit went into)")


class PredecessorInline(admin.TabularInline):
    model = Succession
    fk_name = "successor"
    raw_id_fields = ["predecessor"]
    fields = ["predecessor", "kind", "date", "weight", "note"]
    extra = 0
    verbose_name = _("predecessor")
    verbose_name_plural = _("predecessors (this unit was made of)")


class StatusFilter(admin.SimpleListFilter):
    title = _("status today")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", _("open")), ("closed", _("closed")), ("future", _("not yet opened"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "open":
            return queryset.filter(open_on_q(today))
        if self.value() == "closed":
            return queryset.filter(closed__lt=today)
        if self.value() == "future":
            return queryset.filter(opened__gt=today)
        return queryset


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    list_display = ["indented_name", "code", "kind", "level", "parent", "opened", "closed"]
    list_display_links = ["indented_name"]
    list_filter = ["level", StatusFilter, "kind", "opened", "closed"]
    search_fields = ["code", "name_vi", "name_en", "short_name", "uid"]
    ordering = ["path"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]
    list_per_page = 200
    readonly_fields = ["uid", "path", "created", "last_updated"]
    inlines = [SuccessorInline, PredecessorInline]
    fieldsets = [
        (None, {"fields": ["code", "name_vi", "name_en", "short_name", "kind", "level", "parent"]}),
        (_("validity"), {"fields": ["opened", "closed"]}),
        (_("place"), {"fields": ["latitude", "longitude", "area_km2", "geometry"]}),
        (_("record"), {"fields": ["uid", "path", "source", "created", "last_updated"]}),
    ]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: OrgUnit) -> SafeString:
        depth = max(obj.path.count("/") - 2, 0)
        return format_html('<span style="padding-left:{}em">{}</span>', depth * 1.5, obj.name_vi)


@admin.register(Succession)
class SuccessionAdmin(AuditedAdmin):
    list_display = ["predecessor", "successor", "kind", "date", "weight", "note"]
    list_filter = ["kind", "date"]
    search_fields = ["predecessor__code", "predecessor__name_vi", "successor__code", "successor__name_vi"]
    raw_id_fields = ["predecessor", "successor"]
    list_select_related = ["predecessor", "successor"]


@admin.register(OrgUnitLevel)
class OrgUnitLevelAdmin(AuditedAdmin):
    list_display = ["level", "code", "name_vi", "name_en"]
    ordering = ["level"]
