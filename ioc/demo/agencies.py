"""The demo's agencies (Vĩnh Phúc's departments and the nine district People's Committees) and its users,
one per role, created through the accounts services.

The demo keeps the departments' names of the demo period (before the mergers of 1 March 2025: Sở Giao thông
vận tải into Sở Xây dựng, Sở Thông tin và Truyền thông into Sở Khoa học và Công nghệ, Sở Kế hoạch và Đầu
tư into Sở Tài chính, Sở Lao động – Thương binh và Xã hội into Sở Nội vụ).

The demo password comes from IOC_DEMO_PASSWORD (default "ioc-demo-2025"): for the demo only. A real
deployment creates its users with `ioc createsuperuser` and the admin pages.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ioc.accounts.models import Agency, Role, User
from ioc.accounts.services import do_create_agency, do_create_user
from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.orgunits.models import OrgUnit, Succession
from ioc.orgunits.selectors import resolve_code

DEFAULT_PASSWORD = "ioc-demo-2025"  # noqa: S105 (the published demo password, never a real one)
LAST_OLD_DAY = dt.date(2025, 6, 30)
FIRST_NEW_DAY = dt.date(2025, 7, 1)
OLD_PROVINCE, NEW_PROVINCE = "26", "25"


def demo_password() -> str:
    return os.environ.get("IOC_DEMO_PASSWORD") or DEFAULT_PASSWORD


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name_vi: str
    name_en: str
    short_name: str
    seat: str = OLD_PROVINCE  # org-unit code on 2025-06-30


AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec("UBND_TINH", "Ủy ban nhân dân tỉnh Vĩnh Phúc", "Vĩnh Phúc Provincial People's Committee", "UBND tỉnh"),
    AgencySpec(
        "VPUBND",
        "Văn phòng Ủy ban nhân dân tỉnh Vĩnh Phúc",
        "Office of the Vĩnh Phúc Provincial People's Committee",
        "VP UBND tỉnh",
    ),
    AgencySpec(
        "TTPVHCC",
        "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Phúc",
        "Vĩnh Phúc Public Administration Service Centre",
        "TT PVHCC",
    ),
    AgencySpec("SYT", "Sở Y tế tỉnh Vĩnh Phúc", "Vĩnh Phúc Department of Health", "Sở Y tế"),
    AgencySpec(
        "SGDDT",
        "Sở Giáo dục và Đào tạo tỉnh Vĩnh Phúc",
        "Vĩnh Phúc Department of Education and Training",
        "Sở GD&ĐT",
    ),
    AgencySpec("SGTVT", "Sở Giao thông vận tải tỉnh Vĩnh Phúc", "Vĩnh Phúc Department of Transport", "Sở GTVT"),
    AgencySpec(
        "SVHTTDL",
        "Sở Văn hóa, Thể thao và Du lịch tỉnh Vĩnh Phúc",
        "Vĩnh Phúc Department of Culture, Sports and Tourism",
        "Sở VHTTDL",
    ),
    AgencySpec(
        "STTTT",
        "Sở Thông tin và Truyền thông tỉnh Vĩnh Phúc",
        "Vĩnh Phúc Department of Information and Communications",
        "Sở TT&TT",
    ),
    AgencySpec(
        "SKHDT", "Sở Kế hoạch và Đầu tư tỉnh Vĩnh Phúc", "Vĩnh Phúc Department of Planning and Investment", "Sở KH&ĐT"
    ),
    AgencySpec("CTK", "Cục Thống kê tỉnh Vĩnh Phúc", "Vĩnh Phúc Statistics Office", "Cục Thống kê"),
    AgencySpec("CAT", "Công an tỉnh Vĩnh Phúc", "Vĩnh Phúc Provincial Police", "Công an tỉnh"),
    # Lead or cooperate on tasks of the demo plan (ioc/plans/data/vinhphuc_plan.yaml); they report no data set.
    AgencySpec("SNV", "Sở Nội vụ tỉnh Vĩnh Phúc", "Vĩnh Phúc Department of Home Affairs", "Sở Nội vụ"),
    AgencySpec("STC", "Sở Tài chính tỉnh Vĩnh Phúc", "Vĩnh Phúc Department of Finance", "Sở Tài chính"),
    AgencySpec("SCT", "Sở Công Thương tỉnh Vĩnh Phúc", "Vĩnh Phúc Department of Industry and Trade", "Sở Công Thương"),
    AgencySpec(
        "SLDTBXH",
        "Sở Lao động – Thương binh và Xã hội tỉnh Vĩnh Phúc",
        "Vĩnh Phúc Department of Labour, Invalids and Social Affairs",
        "Sở LĐ-TB&XH",
    ),
)
DISTRICTS = ("243", "244", "246", "247", "248", "249", "251", "252", "253")


def district_agency_code(district: str) -> str:
    return f"UBND_{district}"


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    agency: str
    first_name: str
    scope: str  # "province": old Vĩnh Phúc and new Phú Thọ; "vinhyen": district 243 and its successors
    entry: bool


USERS: tuple[UserSpec, ...] = (
    UserSpec("admin", Role.ADMIN, "STTTT", "Quản trị hệ thống", "province", True),
    UserSpec("vanhanh", Role.OPERATOR, "STTTT", "Cán bộ vận hành IOC", "province", False),
    UserSpec("lanhdao", Role.LEADER, "UBND_TINH", "Lãnh đạo UBND tỉnh", "province", False),
    UserSpec("nhaplieu.vinhyen", Role.DATA_OFFICER, "UBND_243", "Cán bộ nhập liệu Vĩnh Yên", "vinhyen", True),
    UserSpec("pheduyet", Role.APPROVER, "UBND_243", "Cán bộ phê duyệt Vĩnh Yên", "vinhyen", True),
    UserSpec("kehoach", Role.PLAN_MANAGER, "STTTT", "Tổ giúp việc Ban Chỉ đạo chuyển đổi số", "province", False),
    UserSpec("tichhop", Role.INTEGRATOR, "SYT", "Tích hợp hệ thống thông tin y tế", "province", True),
    # An agency reporting on its own plan task and targets (Sở Y tế: digital health, electronic health records).
    UserSpec("soyte", Role.DATA_OFFICER, "SYT", "Cán bộ chuyển đổi số Sở Y tế", "province", False),
)


def _province_roots() -> list[OrgUnit]:
    return [resolve_code(OLD_PROVINCE, LAST_OLD_DAY), resolve_code(NEW_PROVINCE, FIRST_NEW_DAY)]


def vinh_yen_roots() -> list[OrgUnit]:
    """Thành phố Vĩnh Yên (243) and the new communes that took over its communes on 2025-07-01."""
    district = resolve_code("243", LAST_OLD_DAY)
    successor_ids = (
        Succession.objects.filter(predecessor__path__startswith=district.path, predecessor__level=3)
        .values_list("successor_id", flat=True)
        .distinct()
    )
    return [district, *OrgUnit.objects.filter(pk__in=list(successor_ids)).order_by("code")]


def scope_label(scope: str) -> str:
    if scope == "vinhyen":
        return _("Vĩnh Yên (243) + its successor communes")
    return _("Vĩnh Phúc (26) + Phú Thọ (25)")


@transaction.atomic
def do_create_demo_agencies(user: Any, *, via: str = Via.CLI) -> int:
    """Create the agencies that are missing; returns how many were created."""
    existing = set(Agency.objects.values_list("code", flat=True))
    created = 0
    for spec in AGENCIES:
        if spec.code not in existing:
            seat = resolve_code(spec.seat, LAST_OLD_DAY)
            do_create_agency(
                user,
                code=spec.code,
                name_vi=spec.name_vi,
                name_en=spec.name_en,
                short_name=spec.short_name,
                org_unit=seat,
                via=via,
            )
            created += 1
    for district in DISTRICTS:
        code = district_agency_code(district)
        if code not in existing:
            unit = resolve_code(district, LAST_OLD_DAY)
            do_create_agency(
                user,
                code=code,
                name_vi=f"Ủy ban nhân dân {unit.name_vi}",
                name_en=f"{unit.name_en or unit.name_vi} People's Committee",
                short_name=f"UBND {unit.short_name or unit.name_vi}"[:60],
                org_unit=unit,
                via=via,
            )
            created += 1
    return created


def agencies_exist() -> bool:
    codes = [a.code for a in AGENCIES] + [district_agency_code(d) for d in DISTRICTS]
    return Agency.objects.filter(code__in=codes).count() == len(codes)


def users_exist() -> bool:
    return User.objects.filter(username__in=[u.username for u in USERS]).count() == len(USERS)


@transaction.atomic
def do_create_demo_users(user: Any, *, password: str | None = None, via: str = Via.CLI) -> int:
    """Create the demo users that are missing (an existing user is left as it is, password included)."""
    password = password or demo_password()
    existing = set(User.objects.filter(username__in=[u.username for u in USERS]).values_list("username", flat=True))
    if len(existing) == len(USERS):
        return 0
    agencies = {a.code: a for a in Agency.objects.all()}
    province = _province_roots()
    vinh_yen = vinh_yen_roots()
    created = 0
    for spec in USERS:
        if spec.username in existing:
            continue
        roots = vinh_yen if spec.scope == "vinhyen" else province
        new = do_create_user(
            user,
            username=spec.username,
            password=password,
            agency=agencies.get(spec.agency),
            roles=[spec.role],
            entry_units=roots if spec.entry else [],
            view_units=roots,
            first_name=spec.first_name,
            is_staff=spec.role == Role.ADMIN,
            via=via,
        )
        if spec.role == Role.ADMIN:
            new.is_superuser = True
            new.save(update_fields=["is_superuser"])
            record(user, "user.superuser", new, via=via, changes={"is_superuser": [False, True]})
        created += 1
    return created


def logins() -> list[dict[str, str]]:
    """The demo logins for the table printed by `ioc demo` and `ioc demo users`."""
    present = set(User.objects.filter(username__in=[u.username for u in USERS]).values_list("username", flat=True))
    return [
        {
            "username": spec.username,
            "role": str(Role(spec.role).label),
            "password": demo_password() if spec.username in present else _("(not created)"),
            "scope": str(scope_label(spec.scope)) + ", " + (_("enter and view") if spec.entry else _("view")),
        }
        for spec in USERS
    ]
