"""Admin for agencies, users (roles, the two scopes) and API tokens; every change is audited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm, UsernameField
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from ioc.accounts.models import Agency, ApiToken, Role, User
from ioc.accounts.permissions import Action, can
from ioc.accounts.services import do_revoke_token
from ioc.audit.adminmixins import AuditedAdmin
from ioc.audit.models import AuditEntry, Via
from ioc.audit.services import record
from ioc.core.errors import IocError


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


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only, for holders of the view-audit right (admins, IOC operators)."""

    list_display = ("at", "user", "action", "via", "object_type", "object_repr")
    list_filter = ("via", "object_type", "action")
    search_fields = ("action", "object_repr", "object_id", "user__username")
    date_hierarchy = "at"
    list_select_related = ("user",)
    readonly_fields = ("at", "user", "action", "via", "object_type", "object_id", "object_repr", "changes")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Action.VIEW_AUDIT)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.VIEW_AUDIT)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
