"""Admin for values (read-mostly: edits go through the service, so every check and the audit apply), period
locks (added and removed through the audited lock services) and import runs (read-only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.accounts.scopes import visible_q
from ioc.audit.models import Via
from ioc.core.errors import IocError
from ioc.core.periods import parse_period
from ioc.datavalues.checker import ValueRow
from ioc.datavalues.locks import check_lock_period, do_lock_period, do_unlock_period
from ioc.datavalues.models import DataValue, DataValueAudit, ImportRun, PeriodLock
from ioc.datavalues.services import do_delete_value, do_set_follow_up, do_set_value, validate_value


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the admin requires a logged-in staff user
    return user


class DataValueAuditInline(admin.TabularInline):
    model = DataValueAudit
    fields = ("at", "action", "old_value", "new_value", "user", "via")
    readonly_fields = fields
    ordering = ("-at", "-id")
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DataValueForm(forms.ModelForm):
    """Change the value (typed as text, parsed by the element's value type), the comment and follow-up."""

    new_value = forms.CharField(label=_("value"), required=True)

    class Meta:
        model = DataValue
        fields = ("comment", "follow_up")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["new_value"] = self.instance.value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        request: HttpRequest | None = getattr(self, "request", None)
        if request is not None and "new_value" in data:
            v = self.instance
            try:
                validate_value(
                    _user(request),
                    ValueRow(
                        v.data_element,
                        v.org_unit,
                        parse_period(v.period),
                        data["new_value"],
                        v.category_option_combo,
                        data.get("comment", ""),
                        data.get("follow_up"),
                    ),
                )
            except IocError as exc:
                raise forms.ValidationError(exc.message) from None
        return data


@admin.register(DataValue)
class DataValueAdmin(admin.ModelAdmin):
    form = DataValueForm
    list_display = (
        "data_element_code",
        "org_unit",
        "period",
        "category_option_combo",
        "value",
        "stored_by",
        "last_updated",
        "follow_up",
        "deleted",
    )
    list_select_related = ("data_element", "org_unit", "category_option_combo", "stored_by")
    list_filter = ("deleted", "follow_up", "period_type")
    search_fields = ("=period", "=data_element__code", "=org_unit__code")
    show_full_result_count = False  # counting millions of rows for every page is slow
    list_per_page = 100
    readonly_fields = (
        "data_element",
        "org_unit",
        "period",
        "category_option_combo",
        "value",
        "stored_by",
        "created",
        "last_updated",
        "deleted",
    )
    fields = (*readonly_fields[:5], "new_value", "comment", "follow_up", *readonly_fields[5:])
    inlines = [DataValueAuditInline]
    actions = ["soft_delete", "mark_follow_up"]

    @admin.display(description=_("data element"), ordering="data_element__code")
    def data_element_code(self, obj: DataValue) -> str:
        return obj.data_element.code

    def get_queryset(self, request: HttpRequest) -> QuerySet[DataValue]:
        """Only the values in the user's view scope."""
        return super().get_queryset(request).filter(visible_q(request.user, "org_unit__"))

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)

        class WithRequest(form_class):  # type: ignore[misc,valid-type]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **kw)
                self.request = request

        return WithRequest

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # values are entered through forms, imports or the API

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deleting is soft, through the action

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.ENTER_DATA) and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: DataValue, form: forms.ModelForm, change: bool) -> None:
        result = do_set_value(
            _user(request),
            data_element=obj.data_element,
            org_unit=obj.org_unit,
            period=parse_period(obj.period),
            category_option_combo=obj.category_option_combo,
            value=form.cleaned_data["new_value"],
            comment=form.cleaned_data.get("comment", ""),
            follow_up=form.cleaned_data.get("follow_up"),
            via=Via.ADMIN,
        )
        obj.refresh_from_db()
        self.message_user(request, _("Value: %(action)s") % {"action": result.action}, messages.INFO)

    def _each(self, request: HttpRequest, queryset: QuerySet[DataValue], fn: Any) -> None:
        done = 0
        for value in queryset.select_related("data_element", "org_unit", "category_option_combo"):
            try:
                fn(value)
                done += 1
            except IocError as exc:
                self.message_user(
                    request,
                    f"{value.data_element.code} {value.org_unit.code} {value.period}: {exc.message}",
                    messages.ERROR,
                )
        self.message_user(request, _("%(n)s value(s) changed.") % {"n": done}, messages.SUCCESS)

    def _key(self, value: DataValue) -> dict[str, Any]:
        return {
            "data_element": value.data_element,
            "org_unit": value.org_unit,
            "period": parse_period(value.period),
            "category_option_combo": value.category_option_combo,
        }

    @admin.action(description=_("Delete the selected values (soft, audited)"))
    def soft_delete(self, request: HttpRequest, queryset: QuerySet[DataValue]) -> None:
        user = _user(request)
        self._each(
            request, queryset.filter(deleted=False), lambda v: do_delete_value(user, **self._key(v), via=Via.ADMIN)
        )

    @admin.action(description=_("Mark the selected values for follow-up"))
    def mark_follow_up(self, request: HttpRequest, queryset: QuerySet[DataValue]) -> None:
        user = _user(request)
        self._each(
            request,
            queryset.filter(deleted=False),
            lambda v: do_set_follow_up(user, **self._key(v), follow_up=True, via=Via.ADMIN),
        )


class PeriodLockForm(forms.ModelForm):
    class Meta:
        model = PeriodLock
        fields = ("data_set", "period", "org_unit", "reason")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("data_set") and data.get("period"):
            try:
                data["period"] = check_lock_period(data["data_set"], data["period"]).id
            except IocError as exc:
                self.add_error("period", exc.message)
        return data

    def validate_unique(self) -> None:
        """Locking twice is harmless (the service returns the existing lock)."""


@admin.register(PeriodLock)
class PeriodLockAdmin(admin.ModelAdmin):
    form = PeriodLockForm
    list_display = ("data_set", "period", "org_unit", "reason", "locked_by", "locked_at")
    list_select_related = ("data_set", "org_unit", "locked_by")
    list_filter = ("data_set",)
    search_fields = ("=period", "data_set__code", "org_unit__code", "reason")
    raw_id_fields = ("org_unit",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Action.LOCK_PERIODS) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.LOCK_PERIODS) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Action.LOCK_PERIODS) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a lock is added or removed, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.LOCK_PERIODS) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: PeriodLock, form: forms.ModelForm, change: bool) -> None:
        lock = do_lock_period(_user(request), obj.data_set, obj.period, obj.org_unit, obj.reason, via=Via.ADMIN)
        obj.pk, obj.locked_by, obj.locked_at = lock.pk, lock.locked_by, lock.locked_at
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: PeriodLock) -> None:
        do_unlock_period(
            _user(request), obj.data_set, obj.period, obj.org_unit, str(_("removed in the admin")), via=Via.ADMIN
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PeriodLock]) -> None:
        for lock in queryset.select_related("data_set", "org_unit"):
            self.delete_model(request, lock)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "started",
        "source",
        "via",
        "user",
        "status",
        "imported",
        "updated",
        "ignored",
        "deleted",
        "dry_run",
    )
    list_filter = ("status", "via", "dry_run")
    list_select_related = ("user",)
    search_fields = ("source",)
    readonly_fields = (
        "user",
        "source",
        "via",
        "started",
        "finished",
        "status",
        "dry_run",
        "imported",
        "updated",
        "ignored",
        "deleted",
        "conflicts",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
