"""Dashboards in the Django admin, for administrators. Saves and deletes go through ioc.dashboards.services
(validated and audited with via="admin"); a service error is shown on the form, never a 500. The day-to-day
editor is /ops/manage/ (ioc.dashboards.views_manage)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput
from ioc.dashboards import services
from ioc.dashboards.config import validate_config
from ioc.dashboards.models import Dashboard, DashboardItem


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class DashboardItemInline(admin.TabularInline):
    model = DashboardItem
    fields = ("sort_order", "kind", "title_vi", "title_en", "width", "config")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DashboardForm(forms.ModelForm):
    class Meta:
        model = Dashboard
        fields = services.DASHBOARD_FIELDS

    def clean_code(self) -> str:
        code = str(self.cleaned_data.get("code") or "")
        if code.lower() in services.RESERVED_CODES:
            raise forms.ValidationError(_("'{code}' is reserved for the screen's own pages").format(code=code))
        return code


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin):
    form = DashboardForm
    list_display = ("code", "name_vi", "name_en", "sector", "sort_order", "is_overview", "rotate_seconds")
    search_fields = ("code", "name_vi", "name_en")
    inlines = [DashboardItemInline]

    def save_model(self, request: HttpRequest, obj: Dashboard, form: forms.ModelForm, change: bool) -> None:
        values: dict[str, Any] = {n: form.cleaned_data[n] for n in services.DASHBOARD_FIELDS if n in form.cleaned_data}
        if change:
            stored = Dashboard.objects.get(pk=obj.pk)
            services.do_update_dashboard(_user(request), stored, via=Via.ADMIN, **values)
        else:
            created = services.do_create_dashboard(_user(request), via=Via.ADMIN, **values)
            obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Dashboard) -> None:
        services.do_delete_dashboard(_user(request), obj, via=Via.ADMIN)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Dashboard]) -> None:
        for obj in queryset:
            services.do_delete_dashboard(_user(request), obj, via=Via.ADMIN)


class DashboardItemForm(forms.ModelForm):
    class Meta:
        model = DashboardItem
        fields = ("dashboard", "kind", "title_vi", "title_en", "width", "config")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if kind:
            try:
                cleaned["config"] = validate_config(kind, cleaned.get("config"))
            except InvalidInput as exc:
                for error in exc.errors:
                    self.add_error("config", f"{error['field']}: {error['message']}")
        return cleaned


@admin.register(DashboardItem)
class DashboardItemAdmin(admin.ModelAdmin):
    form = DashboardItemForm
    list_display = ("uid", "dashboard", "sort_order", "kind", "title_vi", "width")
    list_filter = ("dashboard", "kind")
    readonly_fields = ("uid", "sort_order")

    def save_model(self, request: HttpRequest, obj: DashboardItem, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        values = {name: data[name] for name in ("kind", "title_vi", "title_en", "width", "config")}
        if change:
            services.do_update_item(_user(request), DashboardItem.objects.get(pk=obj.pk), via=Via.ADMIN, **values)
        else:
            created = services.do_create_item(_user(request), data["dashboard"], via=Via.ADMIN, **values)
            obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: DashboardItem) -> None:
        services.do_delete_item(_user(request), obj, via=Via.ADMIN)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DashboardItem]) -> None:
        for obj in queryset:
            services.do_delete_item(_user(request), obj, via=Via.ADMIN)
