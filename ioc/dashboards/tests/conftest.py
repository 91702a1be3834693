"""A small known world for the dashboard tests: ioc.entry.testing's units and elements, two indicators, an
operator, and values whose sums are worked out by hand below.

    P  Tỉnh Thử ── D1 Huyện Tam Đảo ── C1 Xã Đại Đình, C2 Xã Tam Quan
                └─ D2 Huyện Lập Thạch ── C3 Xã Xuân Hòa

OPD (SUM)          202403   202501   202502   202503
    C1                 50        –       80      100
    C2                 30        –       20       20
    C3                  –        –        –       60
    → P                80        –      100      180      D1: 120 in 202503, D2: 60
PUPILS (M + F)     C1 202503: 30 + 30; C3 202503: 20 (M)   → P 80 in 202503
PUPILS_PER_VISIT = PUPILS / OPD × 100 (lower is better)    → P 202503: 80 / 180 × 100 = 44.44…
VISITS_X2 = OPD × 2 / 1 (higher is better)                  → P 202503: 360

"Today" is 15/04/2025, so LAST_MONTH is 202503.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from ioc.accounts.models import User
from ioc.accounts.testing import make_user
from ioc.analytics.engine import clear_cache
from ioc.datavalues.bulk import BulkValue, do_bulk_load
from ioc.entry.testing import World, build_world
from ioc.metadata.models import Indicator, Sector

TODAY = dt.date(2025, 4, 15)


@dataclass
class DashWorld:
    w: World
    operator: User
    health: Sector
    per_visit: Indicator
    doubled: Indicator


@pytest.fixture
def world(db: None) -> DashWorld:
    clear_cache()
    w = build_world()
    health = Sector.objects.create(code="HEALTH", name_vi="Y tế", name_en="Health", sort_order=1)
    per_visit = Indicator.objects.create(
        code="PUPILS_PER_VISIT",
        name_vi="Học sinh trên lượt khám",
        name_en="Pupils per visit",
        numerator="#{PUPILS}",
        denominator="#{OPD}",
        factor=100,
        unit="%",
        decimals=1,
        higher_is_better=False,
        sector=health,
    )
    doubled = Indicator.objects.create(
        code="VISITS_X2", name_vi="Lượt khám nhân đôi", name_en="Visits doubled", numerator="#{OPD} * 2", factor=1
    )
    rows = [
        (w.opd, w.c1, "202403", w.default, 50),
        (w.opd, w.c1, "202502", w.default, 80),
        (w.opd, w.c1, "202503", w.default, 100),
        (w.opd, w.c2, "202403", w.default, 30),
        (w.opd, w.c2, "202502", w.default, 20),
        (w.opd, w.c2, "202503", w.default, 20),
        (w.opd, w.c3, "202503", w.default, 60),
        (w.pupils, w.c1, "202503", w.male, 30),
        (w.pupils, w.c1, "202503", w.female, 30),
        (w.pupils, w.c3, "202503", w.male, 20),
    ]
    do_bulk_load(
        None,  # the system: the bulk path is for trusted loads, not for a person
        [BulkValue(e.pk, u.pk, pe, coc.pk, float(v)) for e, u, pe, coc, v in rows],
        source="dashboard tests",
    )
    operator = make_user("operator", ["operator"], view=[w.p])
    return DashWorld(w=w, operator=operator, health=health, per_visit=per_visit, doubled=doubled)
