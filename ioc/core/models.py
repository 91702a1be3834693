"""Shared model mixins."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ioc.core.uid import UID_RE, generate_uid

uid_validator = RegexValidator(UID_RE, _("A uid is 11 characters: a letter, then letters or digits."))


class TimeStamped(models.Model):
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_updated = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        abstract = True


class Named(models.Model):
    """Names in Vietnamese (the first language) and English; `name` follows the active language."""

    name_vi = models.CharField(_("name (Vietnamese)"), max_length=230)
    name_en = models.CharField(_("name (English)"), max_length=230, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi


class Identified(models.Model):
    """A DHIS2-compatible uid and a human code, both unique."""

    uid = models.CharField(
        "uid", max_length=11, unique=True, default=generate_uid, validators=[uid_validator], editable=True
    )
    code = models.CharField(_("code"), max_length=50, unique=True)

    class Meta:
        abstract = True
