"""What is collected: data elements and their disaggregations, data sets, indicators, validation rules.

Modelled on DHIS2 so that its exchange formats map one to one. Expressions (indicators, validation rules)
are text in the syntax of ioc.metadata.expressions, parsed, never evaluated by Python's eval.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ioc.accounts.models import Agency
from ioc.core.models import Identified, Named, TimeStamped
from ioc.orgunits.models import OrgUnit


class PeriodType(models.TextChoices):
    DAILY = "Daily", _("Daily")
    WEEKLY = "Weekly", _("Weekly")
    MONTHLY = "Monthly", _("Monthly")
    QUARTERLY = "Quarterly", _("Quarterly")
    YEARLY = "Yearly", _("Yearly")


class Sector(Named):
    code = models.CharField(_("code"), max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class Category(Identified, Named):
    """A dimension of disaggregation, such as sex or school level."""

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class CategoryOption(Identified, Named):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="category_options")
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["category", "sort_order", "code"]
        verbose_name = _("category option")
        verbose_name_plural = _("category options")


class CategoryCombo(Identified, Named):
    categories = models.ManyToManyField(Category, blank=True, related_name="combos", verbose_name=_("categories"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("category combination")
        verbose_name_plural = _("category combinations")

    @property
    def is_default(self) -> bool:
        return self.code == "default"


class CategoryOptionCombo(Identified, Named):
    """One cell of a disaggregation (e.g. "Nữ, Tiểu học"); the default combo has one, "default"."""

    combo = models.ForeignKey(CategoryCombo, on_delete=models.CASCADE, related_name="option_combos")
    options = models.ManyToManyField(CategoryOption, blank=True, related_name="option_combos")
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["combo", "sort_order", "code"]
        verbose_name = _("category option combination")
        verbose_name_plural = _("category option combinations")


class ValueType(models.TextChoices):
    INTEGER = "INTEGER", _("Integer")
    NUMBER = "NUMBER", _("Number")
    PERCENTAGE = "PERCENTAGE", _("Percentage")
    BOOLEAN = "BOOLEAN", _("Yes/No")
    TEXT = "TEXT", _("Text")


class AggregationType(models.TextChoices):
    SUM = "SUM", _("Sum")
    AVERAGE = "AVERAGE", _("Average")
    LAST = "LAST", _("Last value in period (stock)")
    MIN = "MIN", _("Minimum")
    MAX = "MAX", _("Maximum")


class DataElement(Identified, Named, TimeStamped):
    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    value_type = models.CharField(_("value type"), max_length=12, choices=ValueType.choices, default=ValueType.NUMBER)
    aggregation_type = models.CharField(
        _("aggregation type"), max_length=8, choices=AggregationType.choices, default=AggregationType.SUM
    )
    unit = models.CharField(_("unit of measure"), max_length=40, blank=True)
    sector = models.ForeignKey(Sector, null=True, blank=True, on_delete=models.PROTECT, related_name="data_elements")
    category_combo = models.ForeignKey(
        CategoryCombo, on_delete=models.PROTECT, related_name="data_elements", verbose_name=_("disaggregation")
    )
    min_value = models.FloatField(_("minimum"), null=True, blank=True)
    max_value = models.FloatField(_("maximum"), null=True, blank=True)
    zero_is_significant = models.BooleanField(_("store zeros"), default=True)
    synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("data element")
        verbose_name_plural = _("data elements")

    @property
    def is_numeric(self) -> bool:
        return self.value_type != ValueType.TEXT


class DataSet(Identified, Named, TimeStamped):
    description = models.TextField(_("description"), blank=True)
    period_type = models.CharField(_("period type"), max_length=10, choices=PeriodType.choices)
    sector = models.ForeignKey(Sector, null=True, blank=True, on_delete=models.PROTECT, related_name="data_sets")
    elements: models.ManyToManyField[DataElement, DataSetElement] = models.ManyToManyField(
        DataElement, through="DataSetElement", related_name="data_sets"
    )
    org_units = models.ManyToManyField(OrgUnit, blank=True, related_name="data_sets", verbose_name=_("assigned units"))
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_sets",
        verbose_name=_("reporting agency"),
    )
    expiry_days = models.PositiveIntegerField(
        _("expiry days"), default=0, help_text=_("days after the period's end when entry closes; 0: never")
    )
    timely_days = models.PositiveIntegerField(
        _("days for timely submission"), default=15, help_text=_("days after the period's end")
    )
    open_future_periods = models.PositiveSmallIntegerField(_("open future periods"), default=0)
    synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("data set")
        verbose_name_plural = _("data sets")


class DataSetElement(models.Model):
    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="data_set_elements")
    data_element = models.ForeignKey(DataElement, on_delete=models.CASCADE, related_name="data_set_elements")
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    compulsory = models.BooleanField(
        _("compulsory"), default=False, help_text=_("every cell of the element must be filled before completing")
    )

    class Meta:
        ordering = ["data_set", "sort_order"]
        constraints = [models.UniqueConstraint(fields=["data_set", "data_element"], name="dataset_element_unique")]

    def __str__(self) -> str:
        return f"{self.data_set_id}/{self.data_element_id}"


class Indicator(Identified, Named, TimeStamped):
    """numerator / denominator × factor, both expressions over element codes (see expressions.py)."""

    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    numerator = models.TextField(_("numerator"))
    numerator_description = models.CharField(_("numerator description"), max_length=230, blank=True)
    denominator = models.TextField(_("denominator"), default="1")
    denominator_description = models.CharField(_("denominator description"), max_length=230, blank=True)
    factor = models.FloatField(_("factor"), default=1.0, help_text=_("100 for a percentage"))
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=1)
    unit = models.CharField(_("unit of measure"), max_length=40, blank=True)
    sector = models.ForeignKey(Sector, null=True, blank=True, on_delete=models.PROTECT, related_name="indicators")
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")


class ValidationRule(Identified, Named, TimeStamped):
    class Operator(models.TextChoices):
        EQ = "==", "="
        NE = "!=", "≠"
        GT = ">", ">"
        GE = ">=", "≥"
        LT = "<", "<"
        LE = "<=", "≤"

    class Importance(models.TextChoices):
        HIGH = "HIGH", _("High")
        MEDIUM = "MEDIUM", _("Medium")
        LOW = "LOW", _("Low")

    description = models.TextField(_("description"), blank=True)
    instruction = models.CharField(_("instruction"), max_length=255, blank=True)
    left = models.TextField(_("left side"))
    operator = models.CharField(_("operator"), max_length=2, choices=Operator.choices)
    right = models.TextField(_("right side"))
    importance = models.CharField(_("importance"), max_length=6, choices=Importance.choices, default=Importance.MEDIUM)
    period_type = models.CharField(
        _("period type"), max_length=10, choices=PeriodType.choices, default=PeriodType.MONTHLY
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")
