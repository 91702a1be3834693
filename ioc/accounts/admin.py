"""Admin for agencies, users (roles, the two scopes) and API tokens; every change is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm, UsernameField
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from ioc.accounts.models import Agency, ApiToken, Role, User
from ioc.accounts.permissions import Action, can
from ioc.accounts.services import do_revoke_token
from ioc.audit.models import Via
from ioc.audit.services import diff, record
from ioc.core.errors import IocError

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
        record(request.user, f"{obj._meta.model_name}.{action}", obj, via=Via.ADMIN, changes=changes)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record(request.user, f"{obj._meta.model_name}.delete", obj, via=Via.ADMIN, changes=snapshot(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            record(request.user, f"{obj._meta.model_name}.delete", obj, via=Via.ADMIN, changes=snapshot(obj))
        super().delete_queryset(request, queryset)


class ManageUsersOnly:
    """Only holders of the manage-users right (admins) see these models in the admin."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Action.MANAGE_USERS) and super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.MANAGE_USERS) and super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return can(request.user, Action.MANAGE_USERS) and super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.MANAGE_USERS) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.MANAGE_USERS) and super().has_delete_permission(request, obj)  # type: ignore[misc]


@admin.register(Agency)
class AgencyAdmin(ManageUsersOnly, AuditedAdmin):
    list_display = ("code", "name_vi", "short_name", "org_unit", "email")
    search_fields = ("code", "name_vi", "name_en", "short_name")
    list_select_related = ("org_unit",)
    raw_id_fields = ("org_unit",)


class _RolesMixin(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("roles"),
        help_text=_("A user may hold several roles; the administrator role holds every right."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["roles"] = list(self.instance.roles or [])

    def clean_roles(self) -> list[str]:
        return list(self.cleaned_data.get("roles") or [])


class IocUserChangeForm(_RolesMixin, UserChangeForm):
    class Meta:
        model = User
        fields = (
            "username",
            "password",
            "first_name",
            "last_name",
            "email",
            "phone",
            "preferred_language",
            "agency",
            "roles",
            "entry_units",
            "view_units",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        )
        field_classes = {"username": UsernameField}


class IocUserCreationForm(_RolesMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "agency", "roles")
        field_classes = {"username": UsernameField}


@admin.register(User)
class UserAdmin(ManageUsersOnly, AuditedAdmin, DjangoUserAdmin):
    form = IocUserChangeForm
    add_form = IocUserCreationForm
    list_display = ("username", "first_name", "last_name", "agency", "roles_display", "is_active", "last_login")
    list_filter = ("is_active", "is_superuser", "agency")
    list_select_related = ("agency",)
    search_fields = ("username", "first_name", "last_name", "email", "agency__code", "agency__name_vi")
    filter_horizontal = ("groups", "user_permissions", "entry_units", "view_units")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "phone", "preferred_language")}),
        (_("Agency, roles and org-unit scopes"), {"fields": ("agency", "roles", "entry_units", "view_units")}),
        (
            _("Django permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "classes": ("collapse",),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (_("Agency and roles"), {"fields": ("agency", "roles")}),
    )

    @admin.display(description=_("roles"))
    def roles_display(self, obj: User) -> str:
        labels = dict(Role.choices)
        return ", ".join(str(labels.get(r, r)) for r in obj.roles or [])

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.filter(pk=id).first()
            if user is not None:
                record(request.user, "user.password", user, via=Via.ADMIN)
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(ManageUsersOnly, admin.ModelAdmin):
    """Read-only: tokens are created with `ioc token create` (the token is shown once). Revoke here or there."""

    list_display = ("prefix", "user", "name", "scopes", "created", "last_used", "expires", "revoked")
    list_filter = ("revoked",)
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__username")
    readonly_fields = ("user", "name", "prefix", "token_hash", "scopes", "created", "expires", "last_used", "revoked")
    fields = readonly_fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        done = 0
        for token in queryset.select_related("user"):
            try:
                do_revoke_token(request.user, token, via=Via.ADMIN)
                done += 1
            except IocError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        self.message_user(request, _("%(n)s token(s) revoked.") % {"n": done}, messages.SUCCESS)
