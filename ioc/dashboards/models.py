"""Dashboards are data, not code: a dashboard is an ordered list of items (KPI tile, chart, map, table), each
with a JSON config validated by ioc.dashboards.config. Operators edit them in /ops/manage/ or through the
API; every write goes through ioc.dashboards.services.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ioc.core.models import Named, TimeStamped
from ioc.core.uid import generate_uid
from ioc.metadata.models import Sector

code_validator = RegexValidator(r"^[A-Za-z0-9_\-]+$", _("Use letters, digits, '_' and '-'."))

MIN_ROTATE_SECONDS, MAX_ROTATE_SECONDS = 5, 3600


class Dashboard(Named, TimeStamped):
    """One tab of the operations screen. `name` (from Named) follows the active language."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    sector = models.ForeignKey(
        Sector,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dashboards",
        verbose_name=_("sector"),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_overview = models.BooleanField(
        _("overview"), default=False, help_text=_("the dashboard the operations screen opens on (only one)")
    )
    rotate_seconds = models.PositiveSmallIntegerField(
        _("seconds on the wall display"),
        default=30,
        validators=[MinValueValidator(MIN_ROTATE_SECONDS), MaxValueValidator(MAX_ROTATE_SECONDS)],
    )

    class Meta:
        ordering = ["-is_overview", "sort_order", "code"]
        constraints = [
            # Only one overview: the screen's default tab must be unambiguous.
            models.UniqueConstraint(
                fields=["is_overview"], condition=models.Q(is_overview=True), name="dashboard_one_overview"
            ),
        ]
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboards")


class ItemKind(models.TextChoices):
    KPI = "kpi", _("KPI tile")
    CHART = "chart", _("Chart")
    MAP = "map", _("Map")
    TABLE = "table", _("Table (ranking)")


DEFAULT_WIDTH = {ItemKind.KPI: 3, ItemKind.CHART: 6, ItemKind.MAP: 6, ItemKind.TABLE: 6}


class DashboardItem(TimeStamped):
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="items")
    uid = models.CharField("uid", max_length=11, unique=True, default=generate_uid)
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    title_vi = models.CharField(
        _("title (Vietnamese)"), max_length=200, blank=True, help_text=_("empty: the name of the data item")
    )
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    width = models.PositiveSmallIntegerField(
        _("width (of 12 columns)"), default=6, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    config = models.JSONField(_("configuration"), default=dict, blank=True)

    class Meta:
        ordering = ["dashboard", "sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(width__gte=1, width__lte=12), name="dashboard_item_width_1_12"),
        ]
        verbose_name = _("dashboard item")
        verbose_name_plural = _("dashboard items")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title or self.config.get('dx', '')}"

    @property
    def title(self) -> str:
        """The title in the active language ("" when none is set: the screen uses the data item's name)."""
        if (get_language() or "vi").startswith("en") and self.title_en:
            return self.title_en
        return self.title_vi
