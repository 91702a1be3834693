"""The briefing tests' world: ioc.plans.testing's plan (units, agencies, users, three tasks, three targets) plus
what a briefing reads from the other apps. Generation day TODAY = Monday 15/06/2026, so the weekly briefing
covers 08–14/06/2026, the monthly one May 2026, and the headline KPIs are May's (202605).

- The overview dashboard "tong-quan" has one KPI tile: ONLINE_RATE "Tỷ lệ hồ sơ trực tuyến toàn trình"
  (%, average, target 80; in BC_YTE) at Phú Thọ (new_p), one value a month from 202507 (53) rising by 1 to
  202605 (63), except 202604: 60. Nothing a year before (new_p opened 01/07/2025).
- Verdicts (stored directly): CT01 on_track → at_risk on 10/06/2026 (in the week); CT02 at_risk → off_track
  on 20/05/2026 (in the month, not the week), proposed 2028-03-31; CT03 at_risk → on_track on 09/06/2026
  (improved).
- Tasks: NV01 is overdue (due 31/12/2025) and stalled; NV02 due soon; NV03 done.
- Reports: BC_YTE (monthly, Sở Y tế, Phường Vĩnh Yên, due 15 days after the month) has no submissions:
  202603 and 202604 are missing at 14/06 (202605 is due 15/06).
- Quality: rule R_BEDS "Số giường không vượt quá kế hoạch" (HIGH) broken at Phường Vĩnh Yên in 202605,
  first seen 11/06/2026; an older violation (first seen 02/05/2026) is not the week's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from ioc.analytics.engine import clear_cache
from ioc.dashboards.data import clear_cache as clear_dashboard_cache
from ioc.dashboards.models import Dashboard, DashboardItem, ItemKind
from ioc.datavalues.bulk import BulkValue, do_bulk_load
from ioc.metadata.models import DataElement, DataSetElement, ValidationRule
from ioc.plans.testing import PlanWorld, build_plan_world, store_forecast
from ioc.quality.models import ValidationResult

TODAY = dt.date(2026, 6, 15)
KPI_VI = "Tỷ lệ hồ sơ trực tuyến toàn trình"
KPI_EN = "Full-process online applications"


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=timezone.get_current_timezone())


@dataclass
class BriefingWorld:
    pw: PlanWorld
    online: DataElement
    board: Dashboard
    rule: ValidationRule


def _month_ids() -> list[str]:
    out, year, month = [], 2025, 7
    for _ in range(11):
        out.append(f"{year}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@pytest.fixture
def bw(db: None) -> BriefingWorld:
    clear_cache()
    clear_dashboard_cache()
    pw = build_plan_world()
    new_p, new_c = pw.units["new_p"], pw.units["new_c"]
    online = DataElement.objects.create(
        code="ONLINE_RATE", name_vi=KPI_VI, name_en=KPI_EN, value_type="PERCENTAGE",
        aggregation_type="AVERAGE", unit="%", category_combo=pw.coc.combo,
    )  # fmt: skip
    DataSetElement.objects.create(data_set=pw.ds_health, data_element=online, sort_order=1)
    values = {pe: 53.0 + i for i, pe in enumerate(_month_ids())}  # 202507: 53 … 202605: 63
    values["202604"] = 60.0
    do_bulk_load(
        None, [BulkValue(online.pk, new_p.pk, pe, pw.coc.pk, v) for pe, v in values.items()], source="briefing tests"
    )
    board = Dashboard.objects.create(code="tong-quan", name_vi="Tổng quan", name_en="Overview", is_overview=True)
    DashboardItem.objects.create(
        dashboard=board, kind=ItemKind.KPI, title_vi=KPI_VI, title_en=KPI_EN, width=3,
        config={"dx": "ONLINE_RATE", "target": 80},
    )  # fmt: skip

    store_forecast(pw.ct1, "at_risk", previous_status="on_track", status_changed=at(dt.date(2026, 6, 10)),
                   probability=0.55, proposed_date=dt.date(2026, 9, 30), current_value=72.0)  # fmt: skip
    store_forecast(pw.ct2, "off_track", previous_status="at_risk", status_changed=at(dt.date(2026, 5, 20)),
                   probability=0.2, proposed_date=dt.date(2028, 3, 31), proposed_date_80=dt.date(2029, 6, 30))  # fmt: skip
    store_forecast(pw.ct3, "on_track", previous_status="at_risk", status_changed=at(dt.date(2026, 6, 9)),
                   probability=0.8)  # fmt: skip

    rule = ValidationRule.objects.create(
        code="R_BEDS", name_vi="Số giường không vượt quá kế hoạch", name_en="Beds within plan",
        left="#{ONLINE_RATE}", operator="<=", right="100", importance="HIGH",
    )  # fmt: skip
    for period, seen in [("202605", dt.date(2026, 6, 11)), ("202604", dt.date(2026, 5, 2))]:
        month = dt.date(int(period[:4]), int(period[4:]), 1)
        ValidationResult.objects.create(
            rule=rule, org_unit=new_c, period=period, period_type="Monthly", start_date=month,
            end_date=(month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1),
            left_value=120, right_value=100, importance="HIGH", first_seen=at(seen), last_seen=at(seen),
        )  # fmt: skip
    return BriefingWorld(pw=pw, online=online, board=board, rule=rule)
