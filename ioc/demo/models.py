"""What the demo generator planted on purpose, so that the data-quality checks can be measured against it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ioc.metadata.models import CategoryOptionCombo, DataElement
from ioc.orgunits.models import OrgUnit


class PlantedAnomaly(models.Model):
    """A report left out, or a value spoiled, by `ioc demo generate` (see docs/demo.md).

    A missing report is (data set, unit, period): none of the data set's values exist for it. An outlier is
    one value (element, unit, period, option combo) written as `planted` instead of the generated `expected`.
    """

    class Kind(models.TextChoices):
        MISSING_REPORT = "missing_report", _("missing report")
        TENFOLD = "tenfold", _("tenfold (an extra zero)")
        DROPPED_DIGIT = "dropped_digit", _("a digit dropped (a tenth)")
        PERCENT_TYPO = "percent_typo", _("percentage typed a tenth")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    seed = models.IntegerField(_("seed"))
    copy = models.PositiveSmallIntegerField(_("copy"), default=1, help_text=_("1: the demo; 2…N: benchmark copies"))
    data_set_code = models.CharField(_("data set"), max_length=60)
    data_element = models.ForeignKey(
        DataElement, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("data element")
    )
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+", verbose_name=_("org unit"))
    period = models.CharField(_("period"), max_length=20)
    category_option_combo = models.ForeignKey(
        CategoryOptionCombo, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    expected = models.FloatField(_("generated value"), null=True, blank=True)
    planted = models.FloatField(_("value written"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "data_set_code", "period", "id"]
        indexes = [models.Index(fields=["data_element", "org_unit", "period"], name="demo_anomaly_key")]
        verbose_name = _("planted anomaly")
        verbose_name_plural = _("planted anomalies")

    def __str__(self) -> str:
        return f"{self.kind} {self.data_set_code} {self.org_unit_id} {self.period}"
