"""Validation runs and their results: which rule a unit's values broke in which period, and the follow-up.

A ValidationResult is one violation (rule, org unit, period) as last seen by a run; a later run over the same
scope that no longer finds it deletes it (the data were fixed), one that finds it again updates its values
and `last_seen`. People mark results for follow-up and resolve them (ioc.quality.services).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ioc.audit.models import Via
from ioc.core.uid import generate_uid
from ioc.metadata.models import DataSet, PeriodType, ValidationRule
from ioc.orgunits.models import OrgUnit


class ValidationRun(models.Model):
    """One run of the validation rules over a unit subtree and a date range (persisted runs only)."""

    uid = models.CharField("uid", max_length=11, unique=True, default=generate_uid)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(_("via"), max_length=10, choices=Via.choices, default=Via.FORM)
    root = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("unit subtree")
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    periods = models.JSONField(_("periods"), default=list, blank=True, help_text=_("empty: every period in range"))
    rules = models.JSONField(_("rules"), default=list, blank=True, help_text=_("codes; empty: every rule"))
    data_set = models.ForeignKey(
        DataSet, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("data set")
    )
    started = models.DateTimeField(_("started"))
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    evaluated = models.PositiveIntegerField(_("rules evaluated"), default=0)
    violations = models.PositiveIntegerField(_("violations"), default=0)
    new = models.PositiveIntegerField(_("new violations"), default=0)
    cleared = models.PositiveIntegerField(_("cleared violations"), default=0)

    class Meta:
        ordering = ["-started"]
        verbose_name = _("validation run")
        verbose_name_plural = _("validation runs")

    def __str__(self) -> str:
        return f"{self.uid} {self.start_date}–{self.end_date}"


class ValidationResult(models.Model):
    """A violation of a rule by a unit's values in one period."""

    rule = models.ForeignKey(ValidationRule, on_delete=models.CASCADE, related_name="results")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="validation_results")
    period = models.CharField(_("period"), max_length=20)
    period_type = models.CharField(_("period type"), max_length=10, choices=PeriodType.choices)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    left_value = models.FloatField(_("left side"))
    right_value = models.FloatField(_("right side"))
    importance = models.CharField(_("importance"), max_length=6, choices=ValidationRule.Importance.choices)
    # [{"element": code, "coc": code or null, "value": number, "dataSet": code or null}, …]
    values = models.JSONField(_("values involved"), default=list, blank=True)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    run = models.ForeignKey(
        ValidationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="results", verbose_name=_("run")
    )
    follow_up = models.BooleanField(_("follow-up"), default=False)
    follow_up_note = models.TextField(_("follow-up note"), blank=True)
    resolved = models.BooleanField(_("resolved"), default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.TextField(_("resolution"), blank=True)

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "org_unit", "period"], name="validationresult_key_unique"),
        ]
        indexes = [
            models.Index(fields=["org_unit", "start_date"], name="validationresult_ou_start"),
            models.Index(fields=["start_date"], name="validationresult_start"),
        ]
        verbose_name = _("validation result")
        verbose_name_plural = _("validation results")

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.org_unit_id}/{self.period}"
