"""Agencies, users, roles, the two org-unit scopes, API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from ioc.core.models import Named, TimeStamped
from ioc.orgunits.models import OrgUnit


class Agency(Named, TimeStamped):
    """A department of the province (Sở Y tế, …) or a district/commune office."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("seat")
    )
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    OPERATOR = "operator", _("IOC operator")
    LEADER = "leader", _("Leader (read)")
    DATA_OFFICER = "data_officer", _("Data officer (enter)")
    APPROVER = "approver", _("Approver")
    PLAN_MANAGER = "plan_manager", _("Plan manager")
    INTEGRATOR = "integrator", _("Integrator (API)")


class User(AbstractUser):
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name=_("agency")
    )
    # A list of Role values; a user may hold several. Superusers hold every right.
    roles = models.JSONField(_("roles"), default=list, blank=True)
    # The two DHIS2 scopes, each a set of subtree roots: where the user may enter data, what they may see.
    entry_units = models.ManyToManyField(
        OrgUnit, blank=True, related_name="entry_users", verbose_name=_("data entry units")
    )
    view_units = models.ManyToManyField(OrgUnit, blank=True, related_name="view_users", verbose_name=_("view units"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    preferred_language = models.CharField(
        _("language"), max_length=5, choices=[("vi", "Tiếng Việt"), ("en", "English")], default="vi"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def has_role(self, role: str) -> bool:
        return self.is_superuser or role in (self.roles or []) or Role.ADMIN in (self.roles or [])

    @property
    def sees_everything(self) -> bool:
        """Superusers and administrators have no org-unit limits."""
        return self.is_superuser or Role.ADMIN in (self.roles or [])

    def view_root_units(self) -> list[OrgUnit] | None:
        """The roots of the subtrees this user may see, or None for everything (superuser, admin).

        The view units plus the entry units (where one may enter, one may see), without roots that lie
        inside another root. Cached on the instance, i.e. once per request; clear_scope_cache() after a change.
        """
        if self.sees_everything:
            return None
        cache = self._scope_cache()
        if "view" not in cache:
            units = list(self.view_units.all()) + list(self.entry_units.all()) if self.pk else []
            cache["view"] = _outermost(units)
        return cache["view"]

    def entry_root_units(self) -> list[OrgUnit] | None:
        """The roots of the subtrees where this user may enter data, or None for everywhere (superuser, admin).

        The role check (may this user enter data at all?) is ioc.accounts.permissions.can(user, ENTER_DATA).
        """
        if self.sees_everything:
            return None
        cache = self._scope_cache()
        if "entry" not in cache:
            cache["entry"] = _outermost(list(self.entry_units.all()) if self.pk else [])
        return cache["entry"]

    def clear_scope_cache(self) -> None:
        self.__dict__.pop("_ioc_scope_cache", None)

    def _scope_cache(self) -> dict[str, list[OrgUnit]]:
        cache: dict[str, list[OrgUnit]] = self.__dict__.setdefault("_ioc_scope_cache", {})
        return cache


def _outermost(units: list[OrgUnit]) -> list[OrgUnit]:
    """The units that are not inside another one of the list, without duplicates, ordered by path."""
    roots: list[OrgUnit] = []
    for unit in sorted({u.pk: u for u in units}.values(), key=lambda u: u.path):
        if not any(unit.path.startswith(root.path) for root in roots):
            roots.append(unit)
    return roots


class ApiToken(TimeStamped):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once when created."""

    class Scope(models.TextChoices):
        DATA_READ = "data:read", "data:read"
        DATA_WRITE = "data:write", "data:write"
        METADATA_READ = "metadata:read", "metadata:read"
        METADATA_WRITE = "metadata:write", "metadata:write"
        PLANS_WRITE = "plans:write", "plans:write"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    token_hash = models.CharField(_("hash"), max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.username})"
