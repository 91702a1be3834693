"""The digital-transformation plan as data: plan → pillars → tasks and targets, with milestones, manual
reports, task updates (with evidence) and each target's stored forecast; and the provincial Digital
Transformation Index (DTI) as versions of a scoring model (ioc.plans.models_dti).

Every write goes through ioc.plans.services (audited); reads through ioc.plans.selectors (scoped).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ioc.accounts.models import Agency
from ioc.core.models import Named, TimeStamped
from ioc.orgunits.models import OrgUnit
from ioc.plans.validators import code_validator


def evidence_storage() -> FileSystemStorage:
    """Evidence files live under VAR_DIR/evidence and are served only through the plan views (scoped)."""
    return FileSystemStorage(location=settings.VAR_DIR / "evidence")


class Plan(Named, TimeStamped):
    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    decision = models.CharField(
        _("legal basis"), max_length=200, blank=True, help_text=_("e.g. Kế hoạch số 120/KH-UBND")
    )
    description = models.TextField(_("description"), blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="plans", verbose_name=_("organisation unit")
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-is_active", "-start", "code"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name


class Pillar(Named):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="pillars", verbose_name=_("plan"))
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["plan", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="pillar_code_per_plan")]
        verbose_name = _("pillar")
        verbose_name_plural = _("pillars")

    def __str__(self) -> str:
        return self.name


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")


class Task(TimeStamped):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("plan"))
    pillar = models.ForeignKey(
        Pillar, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks", verbose_name=_("pillar")
    )
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    lead_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="led_tasks", verbose_name=_("lead agency")
    )
    cooperating_agencies = models.ManyToManyField(
        Agency, blank=True, related_name="cooperating_tasks", verbose_name=_("cooperating agencies")
    )
    start = models.DateField(_("start"), null=True, blank=True)
    due = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    completed = models.DateField(_("completed on"), null=True, blank=True)
    # When the lead agency last reported (an update, a change of progress or status): stalled tasks stand out.
    last_reported = models.DateTimeField(_("last reported"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["plan", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="task_code_per_plan")]
        indexes = [models.Index(fields=["lead_agency", "due"])]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "vi").startswith("en") and self.title_en else self.title_vi

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class TaskUpdate(models.Model):
    """A progress report on a task, with evidence (text, link, an attached file)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates", verbose_name=_("task"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    text = models.TextField(_("update"))
    link = models.URLField(_("link"), max_length=500, blank=True)
    attachment = models.FileField(
        _("attached file"), upload_to="tasks/%Y/%m/", storage=evidence_storage, max_length=300, blank=True
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=TaskStatus.choices, blank=True)

    class Meta:
        ordering = ["task", "-at", "-id"]
        verbose_name = _("task update")
        verbose_name_plural = _("task updates")

    def __str__(self) -> str:
        return f"{self.task.code} {self.at:%Y-%m-%d}"


class Direction(models.TextChoices):
    INCREASE = "increase", _("Increase (higher is better)")
    DECREASE = "decrease", _("Decrease (lower is better)")


class Source(models.TextChoices):
    ANALYTICS = "analytics", _("Live: an indicator or data element")
    MANUAL = "manual", _("Manual reports with evidence")


class SeriesPeriod(models.TextChoices):
    """The granularity of a live target's history (one point per period)."""

    MONTHLY = "Monthly", _("Monthly")
    QUARTERLY = "Quarterly", _("Quarterly")
    YEARLY = "Yearly", _("Yearly")


class Target(TimeStamped):
    """A quantified target (chỉ tiêu). The main deadline and value are the target's own; milestones add
    intermediate or later ones (e.g. 2025 and 2030)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets", verbose_name=_("plan"))
    pillar = models.ForeignKey(
        Pillar, null=True, blank=True, on_delete=models.SET_NULL, related_name="targets", verbose_name=_("pillar")
    )
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="targets", verbose_name=_("task")
    )
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit of measure"), max_length=40, blank=True, help_text=_("e.g. %"))
    baseline_value = models.FloatField(_("baseline value"), null=True, blank=True)
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    target_value = models.FloatField(_("target value"))
    deadline = models.DateField(_("deadline"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.INCREASE)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    responsible_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="targets", verbose_name=_("responsible agency")
    )
    source = models.CharField(_("source of values"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    # For live targets: an analytics item (indicator code, element code, ELEMENT.COC), read for org_unit
    # (default: the plan's unit) with today's units, one point per series_period.
    dx = models.CharField(_("indicator or data element"), max_length=120, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation unit"),
        help_text=_("empty: the plan's unit"),
    )
    series_period = models.CharField(
        _("history by"), max_length=10, choices=SeriesPeriod.choices, default=SeriesPeriod.YEARLY
    )
    # Physical bounds of the quantity (a percentage cannot pass 100): the forecast then fits a bounded curve.
    lower_bound = models.FloatField(_("lowest possible value"), null=True, blank=True)
    upper_bound = models.FloatField(_("highest possible value"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["plan", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="target_code_per_plan")]
        indexes = [models.Index(fields=["responsible_agency"])]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "vi").startswith("en") and self.name_en else self.name_vi

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Milestone(models.Model):
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("target"))
    date = models.DateField(_("date"))
    value = models.FloatField(_("value"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["target", "date"]
        constraints = [models.UniqueConstraint(fields=["target", "date"], name="milestone_date_per_target")]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return f"{self.date}: {self.value:g}"


class TargetReport(models.Model):
    """A dated value of a manual target, reported by its agency with evidence. One value per date: a new
    report for the same date replaces the old one (the audit log keeps the old)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="reports", verbose_name=_("target"))
    date = models.DateField(_("as of"))
    value = models.FloatField(_("value"))
    note = models.TextField(_("note"), blank=True)
    link = models.URLField(_("evidence link"), max_length=500, blank=True)
    attachment = models.FileField(
        _("attached file"), upload_to="targets/%Y/%m/", storage=evidence_storage, max_length=300, blank=True
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("reported at"), auto_now=True)

    class Meta:
        ordering = ["target", "date"]
        constraints = [models.UniqueConstraint(fields=["target", "date"], name="report_date_per_target")]
        verbose_name = _("target report")
        verbose_name_plural = _("target reports")

    def __str__(self) -> str:
        return f"{self.date}: {self.value:g}"


class Status(models.TextChoices):
    ACHIEVED = "achieved", _("Achieved")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    INFEASIBLE = "infeasible", _("Infeasible")
    INSUFFICIENT_DATA = "insufficient_data", _("Insufficient data")


class TargetForecast(models.Model):
    """The stored verdict of a target, recomputed by a background job when its inputs change (never on a
    page view). `inputs_key` fingerprints what it was computed from (values, target, deadline)."""

    target = models.OneToOneField(Target, on_delete=models.CASCADE, related_name="forecast")
    computed_at = models.DateTimeField(_("computed at"))
    inputs_key = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    # The status before the last change, and when it changed: the briefing lists targets that became at risk.
    previous_status = models.CharField(_("previous status"), max_length=20, choices=Status.choices, blank=True)
    status_changed = models.DateTimeField(_("status changed"), null=True, blank=True)
    probability = models.FloatField(_("probability"), null=True, blank=True)
    proposed_date = models.DateField(_("proposed completion date"), null=True, blank=True)
    # xgettext:no-python-format
    proposed_date_80 = models.DateField(_("completion date with 80% confidence"), null=True, blank=True)
    current_value = models.FloatField(_("latest value"), null=True, blank=True)
    current_date = models.DateField(_("latest value as of"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=30, blank=True)
    # ioc.plans.forecast.Forecast.as_dict(): the series, the fan, the pace, milestones, the explanation's facts.
    details = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["status"])]
        verbose_name = _("target forecast")
        verbose_name_plural = _("target forecasts")

    def __str__(self) -> str:
        return f"{self.target.code}: {self.status}"


# The DTI models live in their own module; Django finds models through this one.
from ioc.plans.models_dti import (  # noqa: E402
    DtiGroup,
    DtiIndex,
    DtiPublishedScore,
    DtiSubIndex,
    DtiValue,
    DtiVersion,
    Normalisation,
)

__all__ = [
    "Direction",
    "DtiGroup",
    "DtiIndex",
    "DtiPublishedScore",
    "DtiSubIndex",
    "DtiValue",
    "DtiVersion",
    "Milestone",
    "Normalisation",
    "Pillar",
    "Plan",
    "SeriesPeriod",
    "Source",
    "Status",
    "Target",
    "TargetForecast",
    "TargetReport",
    "Task",
    "TaskStatus",
    "TaskUpdate",
]
