"""The plans in the Django admin, for administrators: read-mostly. Plans and pillars are saved through
ioc.plans.services (validated and audited with via="admin"; a service error is shown on the form, never a
500); tasks, targets, reports and verdicts are shown only — they are edited on the plan's pages
(/plans/manage/…), which check the agencies' rights. A verdict can be recomputed from here (an action)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ioc.accounts.models import User
from ioc.audit.adminmixins import snapshot
from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.plans import services
from ioc.plans.models import (
    Milestone,
    Pillar,
    Plan,
    Target,
    TargetForecast,
    TargetReport,
    Task,
    TaskUpdate,
)
from ioc.plans.refresh import refresh_target


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- plans and pillars: through the services ------------------------------------------------------------


class PillarInline(ReadOnlyInline):
    model = Pillar
    fields = ("sort_order", "code", "name_vi", "name_en")


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = services.PLAN_FIELDS

    def clean(self) -> dict[str, Any]:
        # The services' rules beyond the model's, so that a service error never reaches save_model.
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start >= end:
            self.add_error("end", _("The plan must end after it starts."))
        return cleaned


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    form = PlanForm
    list_display = ("code", "name_vi", "org_unit", "start", "end", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_vi", "name_en")
    list_select_related = ("org_unit",)
    raw_id_fields = ("org_unit",)
    inlines = [PillarInline]

    def save_model(self, request: HttpRequest, obj: Plan, form: forms.ModelForm, change: bool) -> None:
        values = {n: form.cleaned_data[n] for n in services.PLAN_FIELDS if n in form.cleaned_data}
        if change:
            services.do_update_plan(_user(request), Plan.objects.get(pk=obj.pk), via=Via.ADMIN, **values)
        else:
            obj.pk = services.do_create_plan(_user(request), via=Via.ADMIN, **values).pk

    def delete_model(self, request: HttpRequest, obj: Plan) -> None:
        # Deleting a plan takes its pillars, tasks and targets with it: the record keeps what it was.
        record(_user(request), "plan.delete", obj, via=Via.ADMIN, changes=snapshot(obj))
        obj.delete()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Plan]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class PillarForm(forms.ModelForm):
    class Meta:
        model = Pillar
        fields = ("plan", *services.PILLAR_FIELDS)


@admin.register(Pillar)
class PillarAdmin(admin.ModelAdmin):
    form = PillarForm
    list_display = ("code", "name_vi", "plan", "sort_order")
    list_filter = ("plan",)
    list_select_related = ("plan",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("plan",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Pillar, form: forms.ModelForm, change: bool) -> None:
        values = {n: form.cleaned_data[n] for n in services.PILLAR_FIELDS if n in form.cleaned_data}
        if change:
            services.do_update_pillar(_user(request), Pillar.objects.get(pk=obj.pk), via=Via.ADMIN, **values)
        else:
            made = services.do_create_pillar(_user(request), form.cleaned_data["plan"], via=Via.ADMIN, **values)
            obj.pk = made.pk

    def delete_model(self, request: HttpRequest, obj: Pillar) -> None:
        services.do_delete_pillar(_user(request), obj, via=Via.ADMIN)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Pillar]) -> None:
        for obj in queryset:
            services.do_delete_pillar(_user(request), obj, via=Via.ADMIN)


# --- tasks and targets: shown only ----------------------------------------------------------------------


class TaskUpdateInline(ReadOnlyInline):
    model = TaskUpdate
    fields = ("at", "by", "text", "link", "attachment", "progress", "status")
    readonly_fields = fields
    show_change_link = False


@admin.register(Task)
class TaskAdmin(ReadOnly):
    list_display = ("code", "title_vi", "plan", "pillar", "lead_agency", "due", "status", "progress", "last_reported")
    list_filter = ("plan", "status", "pillar", "lead_agency")
    search_fields = ("code", "title_vi", "title_en")
    list_select_related = ("plan", "pillar", "lead_agency")
    inlines = [TaskUpdateInline]


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ("date", "value", "note")
    readonly_fields = fields
    show_change_link = False


class TargetReportInline(ReadOnlyInline):
    model = TargetReport
    fields = ("date", "value", "note", "link", "attachment", "by", "at")
    readonly_fields = fields
    show_change_link = False


@admin.action(description=gettext_lazy("Recompute the forecast"))
def recompute(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    targets = Target.objects.filter(pk__in=[getattr(o, "target_id", o.pk) for o in queryset])
    done = 0
    for target in targets.select_related("plan", "plan__org_unit", "org_unit"):
        refresh_target(target, force=True)
        done += 1
    modeladmin.message_user(request, _("%(n)d forecasts recomputed.") % {"n": done}, messages.SUCCESS)


@admin.register(Target)
class TargetAdmin(ReadOnly):
    list_display = ("code", "name_vi", "plan", "pillar", "responsible_agency", "source", "target_value", "deadline")
    list_filter = ("plan", "source", "mandatory", "pillar", "responsible_agency")
    search_fields = ("code", "name_vi", "name_en", "dx")
    list_select_related = ("plan", "pillar", "responsible_agency")
    inlines = [MilestoneInline, TargetReportInline]
    actions = [recompute]


@admin.register(TargetForecast)
class TargetForecastAdmin(ReadOnly):
    list_display = ("target", "status", "probability", "proposed_date", "proposed_date_80", "method", "computed_at")
    list_filter = ("status", "method", "target__plan")
    search_fields = ("target__code", "target__name_vi")
    list_select_related = ("target",)
    actions = [recompute]
