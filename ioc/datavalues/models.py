"""Data values, their history, locks and import runs.

A value is keyed by (data element, org unit, period, category option combo). Numbers are stored as
numbers (value_num) and text as text (value_text); booleans as 1/0 in value_num. Every change goes
through services.do_set_value / do_delete_value, which keep the old value in DataValueAudit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ioc.audit.models import Via
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSet, PeriodType
from ioc.orgunits.models import OrgUnit


class DataValue(models.Model):
    # No single-column indexes on these two: the unique key leads with data_element and datavalue_ou_start
    # with org_unit, and every extra index halves the speed of bulk writes.
    data_element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="values", db_index=False)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="values", db_index=False)
    period = models.CharField(_("period"), max_length=20)
    period_type = models.CharField(_("period type"), max_length=10, choices=PeriodType.choices)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    category_option_combo = models.ForeignKey(CategoryOptionCombo, on_delete=models.PROTECT, related_name="values")
    value_num = models.FloatField(_("value"), null=True, blank=True)
    value_text = models.TextField(_("text value"), null=True, blank=True)  # noqa: DJ001 (NULL: not a text value)
    comment = models.TextField(_("comment"), blank=True)
    follow_up = models.BooleanField(_("follow-up"), default=False)
    stored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("created"))
    last_updated = models.DateTimeField(_("last updated"))
    deleted = models.BooleanField(_("deleted"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["data_element", "org_unit", "period", "category_option_combo"], name="datavalue_key_unique"
            )
        ]
        indexes = [
            models.Index(fields=["org_unit", "start_date"], name="datavalue_ou_start"),
            models.Index(fields=["data_element", "start_date"], name="datavalue_de_start"),
            models.Index(fields=["last_updated"], name="datavalue_last_updated"),
            # The follow-up list and the briefing count the few values marked for follow-up: a partial index
            # holds only those (without it each count scans every value, ~1 s at a province's million).
            models.Index(
                fields=["org_unit"],
                name="datavalue_follow_up",
                condition=models.Q(follow_up=True, deleted=False),
            ),
        ]
        verbose_name = _("data value")
        verbose_name_plural = _("data values")

    def __str__(self) -> str:
        return f"{self.data_element_id}/{self.org_unit_id}/{self.period}/{self.category_option_combo_id}"

    @property
    def value(self) -> str | None:
        from ioc.datavalues.values import format_value

        return format_value(self.data_element.value_type, self.value_num, self.value_text)


class DataValueAudit(models.Model):
    class Action(models.TextChoices):
        CREATE = "CREATE", _("created")
        UPDATE = "UPDATE", _("updated")
        DELETE = "DELETE", _("deleted")
        RESTORE = "RESTORE", _("restored")

    data_value = models.ForeignKey(DataValue, on_delete=models.CASCADE, related_name="audits")
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    old_value = models.TextField(_("old value"), null=True, blank=True)  # noqa: DJ001 (NULL: no value before)
    new_value = models.TextField(_("new value"), null=True, blank=True)  # noqa: DJ001 (NULL: deleted)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("data value change")
        verbose_name_plural = _("data value changes")

    def __str__(self) -> str:
        return f"{self.action} {self.old_value} → {self.new_value}"


class PeriodLock(models.Model):
    """A lock of a data set's period: an administrator's (MANUAL, the unit's whole subtree), or the approval
    workflow's (SUBMITTED, APPROVED: the unit's own form only, `subtree` False). Every write path refuses a
    value under a lock (ioc.datavalues.checks.not_locked)."""

    class Kind(models.TextChoices):
        MANUAL = "MANUAL", _("locked by an administrator")
        SUBMITTED = "SUBMITTED", _("submitted for approval")
        APPROVED = "APPROVED", _("approved")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    subtree = models.BooleanField(_("whole subtree"), default=True)
    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="locks")
    period = models.CharField(_("period"), max_length=20)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="locks", help_text=_("subtree root"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    locked_at = models.DateTimeField(_("locked at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["data_set", "period", "org_unit", "kind"], name="periodlock_unique")
        ]
        verbose_name = _("period lock")
        verbose_name_plural = _("period locks")

    def __str__(self) -> str:
        return f"{self.data_set_id} {self.period} @{self.org_unit_id}"


class ImportRun(models.Model):
    """One import (a file, an API call, the demo load), with its summary, for the home page and audit."""

    class Status(models.TextChoices):
        RUNNING = "RUNNING", _("running")
        SUCCESS = "SUCCESS", _("success")
        WARNING = "WARNING", _("warning")
        ERROR = "ERROR", _("error")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(_("source"), max_length=255)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    started = models.DateTimeField(_("started"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    dry_run = models.BooleanField(_("dry run"), default=False)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    ignored = models.PositiveIntegerField(_("ignored"), default=0)
    deleted = models.PositiveIntegerField(_("deleted"), default=0)
    conflicts = models.JSONField(_("conflicts"), default=list, blank=True)

    class Meta:
        ordering = ["-started"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.source} ({self.status})"


class ValueChange(models.Model):
    """The change log of data values, one row per writing transaction, written inside it.

    Readers that keep a copy of the values (the analytics replica) poll this table: a row says "values of
    these elements changed; every changed row has last_updated ≥ `since`" — or, with `since` empty, "reload
    these elements entirely" (hard deletes). Ids come from a sequence, so on PostgreSQL a later id can
    commit first; readers track the ids they have seen rather than a single high-water mark.
    """

    since = models.DateTimeField(_("since"), null=True, blank=True)
    element_ids = models.JSONField(_("data elements"), default=list)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("value change")
        verbose_name_plural = _("value changes")

    def __str__(self) -> str:
        return f"{self.pk}: {len(self.element_ids)} elements since {self.since}"
