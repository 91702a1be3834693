"""A small known world for the data-entry form.

    P  Tỉnh Thử
    ├─ D1 Huyện Tam Đảo     ── C1 Xã Đại Đình, C2 Xã Tam Quan     (officer1 enters here)
    └─ D2 Huyện Lập Thạch   ── C3 Xã Xuân Hòa                     (officer2 enters here)

HEALTH (monthly, never expires) on C1, C2, C3: OPD (integer, ≥ 0, compulsory), PUPILS (integer by sex M/F,
compulsory, at most 1000), RATE (percentage), NOTE (text), INSURED (yes/no). A HIGH rule: PUPILS ≤ OPD.
OLD (monthly, expires 10 days after the period) on C1.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from ioc.accounts.models import User
from ioc.core.periods import MONTHLY, Period, period_for_date
from ioc.entry.testing import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def month() -> Period:
    """Last month: open (not in the future; HEALTH never expires)."""
    return period_for_date(MONTHLY, timezone.localdate()).previous()


def client_for(user: User, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
