"""Template helpers of the pages: {% load ioc_web %}."""

from __future__ import annotations

import datetime as dt
import math

from django import template

from ioc.web.selectors import synthetic_data_present

register = template.Library()


@register.simple_tag
def synthetic_data() -> bool:
    """{% synthetic_data as synthetic %}: whether the synthetic-data banner is shown."""
    return synthetic_data_present()


@register.filter
def minutes(value: dt.timedelta | None) -> int:
    """A duration in whole minutes, rounded up (a lockout of 90 s says "2 minutes")."""
    if not isinstance(value, dt.timedelta):
        return 0
    return max(1, math.ceil(value.total_seconds() / 60))
