"""Read-only views of the workflow in the Django admin: every change goes through ioc.workflow.services (the
pages, the API, the command), which check the rules and write the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ioc.workflow.models import Submission, SubmissionEvent


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = SubmissionEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_state", "to_state", "user", "via", "reason")
    readonly_fields = ("at", "action", "from_state", "to_state", "user", "via", "reason")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnly):
    list_display = ["data_set", "org_unit", "period", "state", "submitted_by", "submitted_at", "on_time"]
    list_filter = ["state", "on_time", "data_set"]
    search_fields = ["org_unit__code", "org_unit__name_vi", "period"]
    list_select_related = ["data_set", "org_unit", "submitted_by"]
    inlines = [EventInline]
