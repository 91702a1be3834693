"""Briefings in the admin: read-only (they are generated, never edited; regenerating replaces one)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ioc.briefings.models import Briefing


@admin.register(Briefing)
class BriefingAdmin(admin.ModelAdmin):
    list_display = ("kind", "period_start", "period_end", "generated_at", "generated_by")
    list_filter = ("kind",)
    date_hierarchy = "period_start"
    readonly_fields = ("kind", "period_start", "period_end", "generated_at", "generated_by", "units", "content")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
