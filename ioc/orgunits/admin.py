"""Admin for org units, their levels and successions. Every change made here is audited (via="admin");
`path` is kept by OrgUnit.save()."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from ioc.audit.adminmixins import AuditedAdmin
from ioc.orgunits.models import OrgUnit, OrgUnitLevel, Succession
from ioc.orgunits.selectors import open_on_q


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
