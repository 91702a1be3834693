"""The provincial Digital Transformation Index (DTI) as data: a version of the index (Decision 922/QĐ-BTTTT
of 2022, Decision 405/QĐ-BKHCN of 2025, …) has main indices, each with sub-indices and maximum points; each
sub-index says how its points come from its value (normalisation) and where the value comes from (an
analytics item for the province, or entered by hand). Published totals of the provinces (entered or
imported from CSV) give the rank.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ioc.core.models import Named, TimeStamped
from ioc.plans.validators import code_validator


class DtiVersion(Named, TimeStamped):
    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    decision = models.CharField(_("legal basis"), max_length=200, blank=True)
    total_points = models.FloatField(_("total points"), default=1000)
    is_current = models.BooleanField(_("current"), default=False)
    # What a reader must know about this version (e.g. which parts are illustrative); the DTI pages show it.
    note_vi = models.TextField(_("note (Vietnamese)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)

    class Meta:
        ordering = ["-is_current", "code"]
        verbose_name = _("DTI version")
        verbose_name_plural = _("DTI versions")

    def __str__(self) -> str:
        return self.name

    @property
    def note(self) -> str:
        return self.note_en if (get_language() or "vi").startswith("en") and self.note_en else self.note_vi


class DtiGroup(models.TextChoices):
    FOUNDATION = "foundation", _("Foundation")
    ACTIVITIES = "activities", _("Activities")


class DtiIndex(Named):
    """A main index (chỉ số chính). max_points null: listed but not scored (e.g. Smart city in 2022)."""

    version = models.ForeignKey(DtiVersion, on_delete=models.CASCADE, related_name="indices")
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    group = models.CharField(_("group"), max_length=20, choices=DtiGroup.choices, blank=True)
    max_points = models.FloatField(_("maximum points"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["version", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="dti_index_code_per_version")]
        verbose_name = _("DTI main index")
        verbose_name_plural = _("DTI main indices")

    def __str__(self) -> str:
        return self.name


class Normalisation(models.TextChoices):
    LINEAR = "linear", _("Linear between a floor and a ceiling")
    SCORE = "score", _("The value is the points (entered as scored)")


class DtiSubIndex(Named):
    """A sub-index (chỉ số thành phần). LINEAR: points = max_points × clamp((value − floor) / (ceiling − floor),
    0, 1), reversed when lower is better; SCORE: the value already is the points (capped at max_points)."""

    index = models.ForeignKey(DtiIndex, on_delete=models.CASCADE, related_name="sub_indices")
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    max_points = models.FloatField(_("maximum points"))
    normalisation = models.CharField(
        _("normalisation"), max_length=10, choices=Normalisation.choices, default=Normalisation.LINEAR
    )
    floor = models.FloatField(_("lower end of the range"), default=0)
    ceiling = models.FloatField(_("upper end of the range"), default=100)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    unit = models.CharField(_("unit of measure"), max_length=40, blank=True)
    # An analytics item (indicator or element code) read for the province per year; empty: entered by hand.
    dx = models.CharField(_("indicator or data element"), max_length=120, blank=True)
    # How hard the province finds a point here, relative to the others (1 = ordinary): the simulator's cost.
    effort = models.FloatField(_("relative effort per point"), default=1.0)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["index", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["index", "code"], name="dti_sub_index_code_per_index")]
        verbose_name = _("DTI sub-index")
        verbose_name_plural = _("DTI sub-indices")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DtiValue(models.Model):
    """The province's value of a sub-index for a year, entered by hand (live sub-indices are read from
    analytics instead, unless a value entered here overrides them)."""

    sub_index = models.ForeignKey(DtiSubIndex, on_delete=models.CASCADE, related_name="values")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(_("value"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sub_index", "year"]
        constraints = [models.UniqueConstraint(fields=["sub_index", "year"], name="dti_value_per_year")]
        verbose_name = _("DTI value")
        verbose_name_plural = _("DTI values")

    def __str__(self) -> str:
        return f"{self.year}: {self.value:g}"


class DtiPublishedScore(models.Model):
    """A province's published score for a year: its total (index null) or one main index."""

    version = models.ForeignKey(DtiVersion, on_delete=models.CASCADE, related_name="published")
    year = models.PositiveSmallIntegerField(_("year"))
    province_code = models.CharField(_("province code"), max_length=10)
    province_name = models.CharField(_("province"), max_length=100)
    index = models.ForeignKey(DtiIndex, null=True, blank=True, on_delete=models.CASCADE, related_name="published")
    score = models.FloatField(_("score"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["version", "year", "-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "year", "province_code", "index"], name="dti_published_per_index"
            ),
            models.UniqueConstraint(
                fields=["version", "year", "province_code"],
                condition=models.Q(index__isnull=True),
                name="dti_published_total",
            ),
        ]
        verbose_name = _("published DTI score")
        verbose_name_plural = _("published DTI scores")

    def __str__(self) -> str:
        return f"{self.province_name} {self.year}: {self.score:g}"
