"""The state of each form — one data set, one org unit, one period — on its way from entry to approval, the
history of its transitions, in-app notifications and the reminders already sent.

States (docs/workflow.md):

    OPEN ──complete──▶ SUBMITTED ──approve──▶ APPROVED
      ▲                 │  │  ▲                  │
      └──── reopen ─────┘  │  └──── unapprove ───┘  (admin, with a reason; never below an approved parent)
                           ▼
    RETURNED ◀─ return (approver, with a reason);  RETURNED ──complete──▶ SUBMITTED

A unit that has no form of its own but units below it that have (a district over its communes) goes from
OPEN straight to APPROVED once its children are approved. The locks that stop writes while a form is
submitted or approved are ioc.datavalues PeriodLocks (kinds SUBMITTED and APPROVED, on the unit only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ioc.audit.models import Via
from ioc.metadata.models import DataSet, PeriodType
from ioc.orgunits.models import OrgUnit


class State(models.TextChoices):
    OPEN = "OPEN", _("open for entry")
    SUBMITTED = "SUBMITTED", _("submitted")
    APPROVED = "APPROVED", _("approved")
    RETURNED = "RETURNED", _("returned")


# The states that count as a report received (completeness): a returned form must be submitted again.
RECEIVED_STATES = (State.SUBMITTED, State.APPROVED)


class Submission(models.Model):
    """The workflow state of one form: (data set, org unit, period). No row means OPEN, never submitted."""

    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="submissions")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="submissions")
    period = models.CharField(_("period"), max_length=20)
    period_type = models.CharField(_("period type"), max_length=10, choices=PeriodType.choices)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    on_time = models.BooleanField(
        _("on time"),
        null=True,
        blank=True,
        help_text=_("first submitted within the data set's days for timely submission"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    last_updated = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["data_set", "org_unit", "period"], name="submission_form_unique")
        ]
        indexes = [
            models.Index(fields=["data_set", "period"], name="submission_ds_period"),
            models.Index(fields=["state", "data_set"], name="submission_state_ds"),
        ]
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return f"{self.data_set_id}/{self.org_unit_id}/{self.period}: {self.state}"


class SubmissionEvent(models.Model):
    """One transition of a form: who, when, how, from which state to which, and why."""

    class Action(models.TextChoices):
        COMPLETE = "complete", _("submitted")
        REOPEN = "reopen", _("withdrawn")
        APPROVE = "approve", _("approved")
        RETURN = "return", _("returned")
        UNAPPROVE = "unapprove", _("unapproved")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    from_state = models.CharField(_("from"), max_length=10, choices=State.choices)
    to_state = models.CharField(_("to"), max_length=10, choices=State.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("form event")
        verbose_name_plural = _("form events")

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}→{self.to_state}"


class Notification(models.Model):
    """An in-app message to one user. The text is rendered from `kind` and the references in the reader's
    language (ioc.workflow.notify.text)."""

    class Kind(models.TextChoices):
        RETURNED = "RETURNED", _("form returned")
        APPROVED = "APPROVED", _("form approved")
        DUE_SOON = "DUE_SOON", _("report due soon")
        LATE = "LATE", _("report overdue")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    data_set = models.ForeignKey(DataSet, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=20, blank=True)
    params = models.JSONField(_("details"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"


class Reminder(models.Model):
    """A reminder sent: at most one per (user, data set, unit, period, kind) and day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=Notification.Kind.choices)
    day = models.DateField(_("day"))
    emailed = models.BooleanField(_("e-mailed"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "data_set", "org_unit", "period", "kind", "day"], name="reminder_once_a_day"
            )
        ]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self) -> str:
        return f"{self.kind} {self.data_set_id}/{self.org_unit_id}/{self.period} → {self.user_id} ({self.day})"
