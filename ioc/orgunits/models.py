"""Administrative units that survive reorganisation.

A unit has a validity interval [opened, closed] (either end may be open) and successor links. Codes are
reused across the 2025 reorganisation, so a code alone does not name a unit: a code plus a date does
(see selectors.resolve_code). `path` is the chain of ancestor ids, "/1/4/17/", so a subtree is one
indexed range condition (selectors.subtree_q).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from ioc.core.models import Named, TimeStamped
from ioc.core.uid import generate_uid


class OrgUnitLevel(Named):
    """Level 1 province, 2 district, 3 commune. After 2025 communes hang directly under the province and
    keep level 3, so "all communes" is the same question before and after the reorganisation."""

    level = models.PositiveSmallIntegerField(_("level"), unique=True)
    code = models.CharField(_("code"), max_length=30, unique=True)

    class Meta:
        ordering = ["level"]
        verbose_name = _("org-unit level")
        verbose_name_plural = _("org-unit levels")


class OrgUnit(Named, TimeStamped):
    uid = models.CharField("uid", max_length=11, unique=True, default=generate_uid)
    code = models.CharField(_("code"), max_length=50, db_index=True)
    short_name = models.CharField(_("short name"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=40, blank=True, help_text=_("e.g. Tỉnh, Huyện, Phường, Xã"))
    level = models.PositiveSmallIntegerField(_("level"), db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    opened = models.DateField(_("opened"), null=True, blank=True, help_text=_("empty: since before records"))
    closed = models.DateField(_("closed"), null=True, blank=True, help_text=_("last day the unit existed"))
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True)
    geometry = models.JSONField(_("geometry (GeoJSON)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=120, blank=True)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["code", "opened"], name="orgunit_code_opened_unique"),
            models.CheckConstraint(
                condition=models.Q(closed__isnull=True)
                | models.Q(opened__isnull=True)
                | models.Q(closed__gte=models.F("opened")),
                name="orgunit_closed_after_opened",
            ),
        ]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")

    def save(self, *args: object, **kwargs: object) -> None:
        """Keep `path` = the parent's path + own id, for this unit and (when it moved) its subtree."""
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        parent_path = OrgUnit.objects.values_list("path", flat=True).get(pk=self.parent_id) if self.parent_id else "/"
        new_path = f"{parent_path}{self.pk}/"
        if new_path != self.path:
            old_path, self.path = self.path, new_path
            OrgUnit.objects.filter(pk=self.pk).update(path=new_path)
            if old_path:
                for child in OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).order_by("path"):
                    child.path = new_path + child.path[len(old_path) :]
                    OrgUnit.objects.filter(pk=child.pk).update(path=child.path)

    def is_open_on(self, day: dt.date) -> bool:
        return (self.opened is None or self.opened <= day) and (self.closed is None or day <= self.closed)

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]


class Succession(models.Model):
    """predecessor → successor from `date` (the successor's first day)."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("merged into")
        SPLIT = "split", _("split into")
        RENAME = "rename", _("renamed / recoded")

    predecessor = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="successions")
    successor = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="predecessions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    # For a split: the share of the predecessor's values that the successor takes when history is
    # re-mapped onto today's units. 1.0 for a merge.
    weight = models.FloatField(_("weight"), default=1.0)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique")]
        verbose_name = _("succession")
        verbose_name_plural = _("successions")

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.date})"
