"""Small helpers the apps' management commands share."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def parse_day(text: str) -> dt.date:
    """The value of a --today option (YYYY-MM-DD), or a CommandError saying what was expected."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(_("--today: expected a date as YYYY-MM-DD, got %(value)r") % {"value": text}) from None
