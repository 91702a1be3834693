"""The demo's dashboards for the Vĩnh Phúc data (ioc/demo/data/vinhphuc.yaml): an overview and one tab per
sector, each with KPI tiles against targets, trend charts, a ranking of units and a map.

`install_demo_dashboards(user)` creates the ones that are missing (by code) through the services, so it is
audited and idempotent; a dashboard an operator has changed is left as it is. Targets are the province's
plan figures for 2025 where there is one (e.g. online applications 80 %, immunisation 95 %).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from ioc.audit.models import Via
from ioc.dashboards.models import Dashboard, ItemKind
from ioc.dashboards.services import do_create_dashboard, do_create_item
from ioc.metadata.models import Sector

MONTHS = "LAST_12_MONTHS"
YEARS = "LAST_5_YEARS"


@dataclass(frozen=True)
class Spec:
    kind: str
    vi: str
    en: str
    config: dict[str, Any]
    width: int


def kpi(dx: str, vi: str, en: str, target: float | None = None, *, lower: bool = False, width: int = 2) -> Spec:
    config: dict[str, Any] = {"dx": dx, "target": target}
    if lower:
        config["higher_is_better"] = False
    return Spec(ItemKind.KPI, vi, en, config, width)


def chart(dx: list[str], vi: str, en: str, kind: str = "line", periods: str = MONTHS, width: int = 6) -> Spec:
    return Spec(ItemKind.CHART, vi, en, {"dx": dx, "by": "period", "chart": kind, "periods": periods}, width)


def ranking(dx: list[str], vi: str, en: str, *, sort: str = "desc", limit: int = 10, width: int = 6) -> Spec:
    return Spec(ItemKind.TABLE, vi, en, {"dx": dx, "by": "unit", "sort": sort, "limit": limit}, width)


def choropleth(dx: str, vi: str, en: str, width: int = 6) -> Spec:
    return Spec(ItemKind.MAP, vi, en, {"dx": dx}, width)


@dataclass(frozen=True)
class Board:
    code: str
    vi: str
    en: str
    sector: str | None
    items: list[Spec] = field(default_factory=list)
    is_overview: bool = False


BOARDS: list[Board] = [
    Board(
        "overview",
        "Tổng quan",
        "Overview",
        None,
        [
            kpi("IND_APPS_ONLINE_RATE", "Hồ sơ nộp trực tuyến", "Applications submitted online", 80),
            kpi("IND_APPS_ON_TIME_RATE", "Hồ sơ giải quyết đúng hạn", "Applications resolved on time", 98),
            kpi("IND_IMMUNISATION_COVERAGE", "Tiêm chủng đầy đủ", "Full immunisation", 95),
            kpi("IND_HEALTH_INSURANCE_COVERAGE", "Bao phủ bảo hiểm y tế", "Health-insurance coverage", 95),
            kpi("TOU_VISITORS", "Lượt khách du lịch", "Tourist visits"),
            kpi("TRN_ACCIDENTS", "Vụ tai nạn giao thông", "Road traffic accidents", lower=True),
            choropleth("IND_APPS_ONLINE_RATE", "Bản đồ tỷ lệ hồ sơ trực tuyến", "Map of online applications"),
            ranking(
                ["IND_APPS_ONLINE_RATE", "IND_APPS_ON_TIME_RATE"],
                "Xếp hạng dịch vụ công trực tuyến",
                "Ranking: online public services",
            ),
            chart(
                ["IND_APPS_ONLINE_RATE", "IND_APPS_ON_TIME_RATE", "IND_FEEDBACK_RESOLUTION_RATE"],
                "Chính quyền số 12 tháng qua",
                "Digital government, last 12 months",
            ),
            chart(["TOU_VISITORS"], "Khách du lịch 12 tháng qua", "Tourist visits, last 12 months", "column"),
        ],
        is_overview=True,
    ),
    Board(
        "health",
        "Y tế",
        "Health",
        "HEALTH",
        [
            kpi("IND_IMMUNISATION_COVERAGE", "Tiêm chủng đầy đủ", "Full immunisation", 95),
            kpi("IND_HEALTH_INSURANCE_COVERAGE", "Bao phủ bảo hiểm y tế", "Health-insurance coverage", 95),
            kpi("IND_BEDS_PER_10K", "Giường bệnh/vạn dân", "Beds per 10,000 people", 32),
            kpi("IND_DOCTORS_PER_10K", "Bác sĩ/vạn dân", "Doctors per 10,000 people", 12),
            kpi("IND_DENGUE_INCIDENCE", "Mắc sốt xuất huyết/100.000 dân", "Dengue per 100,000 people"),
            kpi("HLT_OPD_VISITS", "Lượt khám ngoại trú", "Outpatient visits"),
            choropleth("IND_IMMUNISATION_COVERAGE", "Bản đồ tiêm chủng đầy đủ", "Map of full immunisation"),
            ranking(
                ["IND_IMMUNISATION_COVERAGE", "IND_HEALTH_INSURANCE_COVERAGE"],
                "Xếp hạng tiêm chủng và bảo hiểm y tế",
                "Ranking: immunisation and health insurance",
                sort="asc",
            ),
            chart(
                ["HLT_OPD_VISITS", "HLT_IPD_ADMISSIONS"],
                "Khám và điều trị 12 tháng qua",
                "Outpatient and inpatient care, last 12 months",
            ),
            chart(
                ["HLT_DENGUE_CASES", "HLT_HFMD_CASES"],
                "Dịch bệnh 12 tháng qua",
                "Communicable diseases, last 12 months",
                "column",
            ),
        ],
    ),
    Board(
        "education",
        "Giáo dục",
        "Education",
        "EDUCATION",
        [
            kpi("EDU_PUPILS", "Học sinh", "Pupils enrolled"),
            kpi("EDU_TEACHERS", "Giáo viên", "Teachers"),
            kpi("EDU_SCHOOLS", "Trường học", "Schools", width=3),
            kpi("IND_PUPILS_PER_TEACHER", "Học sinh/giáo viên", "Pupils per teacher", 20, lower=True, width=3),
            kpi("EDU_DROPOUTS", "Học sinh bỏ học", "Pupils who dropped out", 0, lower=True),
            choropleth("IND_PUPILS_PER_TEACHER", "Bản đồ học sinh/giáo viên", "Map of pupils per teacher"),
            ranking(
                ["IND_PUPILS_PER_TEACHER", "EDU_PUPILS", "EDU_TEACHERS"],
                "Xếp hạng sĩ số trên giáo viên",
                "Ranking: pupils per teacher",
            ),
            chart(["EDU_DROPOUTS"], "Học sinh bỏ học 12 tháng qua", "Dropouts, last 12 months", "column"),
            chart(
                ["IND_SCHOOLS_STANDARD_RATE"],
                "Trường đạt chuẩn quốc gia 5 năm qua",
                "Schools meeting the national standard, last 5 years",
                "column",
                YEARS,
            ),
        ],
    ),
    Board(
        "transport",
        "Giao thông",
        "Transport",
        "TRANSPORT",
        [
            kpi("TRN_ACCIDENTS", "Vụ tai nạn giao thông", "Road traffic accidents", lower=True, width=3),
            kpi("TRN_DEATHS", "Người chết do TNGT", "Road traffic deaths", lower=True, width=3),
            kpi("TRN_INJURIES", "Người bị thương do TNGT", "Road traffic injuries", lower=True, width=3),
            kpi("TRN_VEHICLES_REGISTERED", "Phương tiện đăng ký mới", "Newly registered vehicles", width=3),
            choropleth("TRN_ACCIDENTS", "Bản đồ tai nạn giao thông", "Map of road traffic accidents"),
            ranking(
                ["TRN_ACCIDENTS", "TRN_DEATHS", "TRN_INJURIES"],
                "Địa bàn nhiều tai nạn nhất",
                "Units with the most accidents",
            ),
            chart(
                ["TRN_ACCIDENTS", "TRN_DEATHS", "TRN_INJURIES"],
                "Tai nạn giao thông 12 tháng qua",
                "Road traffic accidents, last 12 months",
            ),
            chart(
                ["IND_ROAD_DEATHS_PER_100K"],
                "Tử vong do TNGT/100.000 dân theo năm",
                "Road deaths per 100,000 people by year",
                "column",
                YEARS,
            ),
        ],
    ),
    Board(
        "tourism",
        "Du lịch",
        "Tourism",
        "TOURISM",
        [
            kpi("TOU_VISITORS", "Lượt khách du lịch", "Tourist visits"),
            kpi("TOU_OVERNIGHT_GUESTS", "Khách lưu trú", "Overnight guests"),
            kpi("TOU_REVENUE", "Doanh thu du lịch", "Tourism revenue"),
            kpi("TOU_ROOM_OCCUPANCY", "Công suất buồng", "Room occupancy", 60),
            kpi("IND_TOURISM_INTERNATIONAL_SHARE", "Tỷ lệ khách quốc tế", "International visitors", 10),
            kpi("IND_TOURISM_REVENUE_PER_VISIT", "Chi tiêu/lượt khách", "Spending per visit"),
            choropleth("TOU_VISITORS", "Bản đồ lượt khách du lịch", "Map of tourist visits"),
            ranking(["TOU_VISITORS", "TOU_REVENUE"], "Điểm đến hàng đầu", "Top destinations"),
            chart(
                ["TOU_VISITORS", "TOU_OVERNIGHT_GUESTS"],
                "Khách du lịch 12 tháng qua",
                "Tourist visits, last 12 months",
                "area",
            ),
            chart(["TOU_REVENUE"], "Doanh thu du lịch 12 tháng qua", "Tourism revenue, last 12 months", "column"),
        ],
    ),
    Board(
        "public-services",
        "Hành chính công và dịch vụ công trực tuyến",
        "Public administration & online public services",
        "PUBLIC_ADMIN",
        [
            kpi("ADM_APPS_RECEIVED", "Hồ sơ tiếp nhận", "Applications received"),
            kpi("IND_APPS_ON_TIME_RATE", "Giải quyết đúng hạn", "Resolved on time", 98),
            kpi("IND_APPS_ONLINE_RATE", "Nộp trực tuyến", "Submitted online", 80),
            kpi("IND_APPS_ONLINE_FULL_RATE", "Trực tuyến toàn trình", "Fully online", 50),
            kpi("IND_ONLINE_PAYMENT_RATE", "Thanh toán trực tuyến", "Fees paid online", 45),
            kpi("IND_FEEDBACK_RESOLUTION_RATE", "Phản ánh hiện trường được xử lý", "On-site reports resolved", 90),
            choropleth("IND_APPS_ONLINE_RATE", "Bản đồ tỷ lệ hồ sơ trực tuyến", "Map of online applications"),
            ranking(
                ["IND_APPS_ONLINE_RATE", "IND_APPS_ON_TIME_RATE", "IND_ONLINE_PAYMENT_RATE"],
                "Xếp hạng chỉ số phục vụ người dân",
                "Ranking: service to citizens",
            ),
            chart(
                ["IND_APPS_ONLINE_RATE", "IND_APPS_ONLINE_FULL_RATE", "IND_ONLINE_PAYMENT_RATE"],
                "Dịch vụ công trực tuyến 12 tháng qua",
                "Online public services, last 12 months",
            ),
            chart(
                ["ADM_APPS_RECEIVED", "ADM_APPS_RESOLVED"],
                "Hồ sơ tiếp nhận và giải quyết",
                "Applications received and resolved",
                "column",
            ),
        ],
    ),
    Board(
        "digital",
        "Chuyển đổi số",
        "Digital transformation",
        "DIGITAL",
        [
            kpi("IND_FIBRE_HOUSEHOLD_RATE", "Hộ có cáp quang", "Households with fibre", 80),
            kpi("IND_SMARTPHONE_RATE", "Dùng điện thoại thông minh", "Adults with a smartphone", 85),
            kpi("IND_EID_LEVEL2_RATE", "Định danh điện tử mức 2", "Level-2 electronic ID", 80),
            kpi("IND_CASHLESS_RATE", "Tài khoản thanh toán điện tử", "E-payment accounts", 80),
            kpi("DIG_4G_COVERAGE", "Phủ sóng 4G", "4G coverage", 99),
            kpi("DIG_BTS_STATIONS", "Trạm BTS", "Base stations (BTS)"),
            choropleth("IND_FIBRE_HOUSEHOLD_RATE", "Bản đồ hộ có cáp quang", "Map of households with fibre"),
            ranking(
                ["IND_FIBRE_HOUSEHOLD_RATE", "IND_EID_LEVEL2_RATE", "IND_CASHLESS_RATE"],
                "Xếp hạng xã hội số",
                "Ranking: digital society",
            ),
            chart(
                ["IND_FIBRE_HOUSEHOLD_RATE", "IND_SMARTPHONE_RATE", "IND_EID_LEVEL2_RATE", "IND_CASHLESS_RATE"],
                "Xã hội số 12 tháng qua",
                "Digital society, last 12 months",
            ),
            chart(
                ["IND_DIGITAL_ECONOMY_SHARE"],
                "Tỷ trọng kinh tế số trong GRDP",
                "Digital economy share of GRDP",
                "column",
                YEARS,
            ),
        ],
    ),
]


@transaction.atomic
def install_demo_dashboards(user: Any, *, via: str = Via.CLI) -> int:
    """Create the demo dashboards that are missing; returns how many were created (0 when all are there).
    `user` is the acting user (None: the system, as in `ioc demo`)."""
    existing = set(Dashboard.objects.filter(code__in=[b.code for b in BOARDS]).values_list("code", flat=True))
    sectors = {s.code: s for s in Sector.objects.all()}
    has_overview = Dashboard.objects.filter(is_overview=True).exists()
    created = 0
    for order, board in enumerate(BOARDS, start=1):
        if board.code in existing:
            continue
        dashboard = do_create_dashboard(
            user,
            code=board.code,
            name_vi=board.vi,
            name_en=board.en,
            sector=sectors.get(board.sector) if board.sector else None,
            sort_order=order,
            # An overview the operator chose is kept.
            is_overview=board.is_overview and not has_overview,
            via=via,
        )
        for spec in board.items:
            do_create_item(
                user,
                dashboard,
                kind=spec.kind,
                title_vi=spec.vi,
                title_en=spec.en,
                width=spec.width,
                config=spec.config,
                via=via,
            )
        created += 1
    return created
