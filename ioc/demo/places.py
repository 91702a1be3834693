"""The demo's units and their profiles: Vĩnh Phúc's old communes (population, growth, schools, hospital beds,
tourism, digital lead …) and the new communes that continue them from 1 July 2025."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from ioc.demo.months import OPEN_END, month_index
from ioc.orgunits.models import OrgUnit, Succession

PROVINCE_CODE = "26"

# Where the hospitals are (commune code → planned beds; the rest have a commune health station of ~5 beds).
HOSPITAL_BEDS = {
    "08710": 900,  # Bệnh viện Đa khoa tỉnh (Liên Bảo, Vĩnh Yên)
    "08728": 500,  # Bệnh viện Sản – Nhi (Khai Quang)
    "08716": 300,  # Bệnh viện Y dược cổ truyền, Phục hồi chức năng (Đống Đa)
    "08737": 400,  # Bệnh viện Đa khoa khu vực Phúc Yên
    "08761": 200,  # Trung tâm Y tế huyện Lập Thạch
    "08869": 150,  # Tam Dương
    "08911": 120,  # Tam Đảo
    "08935": 180,  # Bình Xuyên
    "09025": 200,  # Yên Lạc
    "09076": 250,  # Vĩnh Tường
    "08824": 120,  # Sông Lô
}
# Tourism: commune code → (kind of season, visits a month in 2019, accommodation establishments, rooms,
# international share, share of visitors staying overnight).
TOURISM = {
    "08908": ("summer", 55_000, 120, 2_200, 0.03, 0.35),  # Thị trấn Tam Đảo
    "08923": ("festival", 30_000, 25, 320, 0.004, 0.06),  # Đại Đình: Thiền viện Trúc Lâm Tây Thiên
    "08749": ("lake", 32_000, 40, 1_500, 0.04, 0.3),  # Ngọc Thanh: hồ Đại Lải
    "08911": ("summer", 9_000, 18, 420, 0.02, 0.25),  # Hợp Châu: gateway to Tam Đảo, golf
    "08866": ("festival", 6_000, 3, 40, 0.002, 0.05),  # Sơn Đông: đền thờ Trần Nguyên Hãn
    "08914": ("summer", 4_000, 6, 80, 0.01, 0.15),  # Đạo Trù: Tam Đảo's west side
}
HIGHWAY_DISTRICTS = {"243", "244", "249", "251", "252"}  # along QL2, QL2A and the Nội Bài – Lào Cai road
FAST_GROWING = {"243", "244", "249"}  # the cities and the industrial parks of Bình Xuyên


@dataclass
class Place:
    """An old commune's profile: the source of every expected value (a new commune sums its predecessors)."""

    code: str
    district: str
    kind: str
    pop0: float  # January 2019
    growth: float  # a year
    urban: bool
    lead: float  # months ahead (−) or behind (+) the province in digital adoption
    beds: int
    schools: dict[str, int]
    upper_sec_pupils0: float  # 2018–19 upper-secondary pupils taught here (0 without a THPT)
    tourism: tuple[str, float, int, int, float, float]
    highway: bool
    standard_offset: float
    feedback_factor: float

    def pop(self, m: float) -> float:
        return self.pop0 * (1.0 + self.growth) ** (m / 12.0)


def _place(unit: OrgUnit, district: str, seed: int, upper_hosts: set[str]) -> Place:
    rng = random.Random(f"{seed}|place|{unit.code}")
    kind = unit.kind or unit.name_vi.split(" ")[0]
    urban = kind in {"Phường", "Thị trấn"}
    base = {"Phường": 11_500.0, "Thị trấn": 10_500.0}.get(kind, 8_800.0)
    pop0 = base * math.exp(rng.gauss(0.0, 0.25))
    growth = (0.02 if district in FAST_GROWING else 0.009) + rng.gauss(0.0, 0.003)
    schools = {
        "PRESCHOOL": 1 + (rng.random() < (0.6 if urban else 0.25)),
        "PRIMARY": 1 + (rng.random() < (0.5 if urban else 0.3)),
        "LOWER_SEC": 1 + (rng.random() < (0.15 if urban else 0.03)),
        "UPPER_SEC": 1 if unit.code in upper_hosts else 0,
    }
    accommodations = rng.choice((0, 0, 1, 1, 2, 3)) if not urban else rng.randint(3, 14)
    tourism = TOURISM.get(
        unit.code,
        (
            "town" if urban else "village",
            (2_200.0 if urban else 700.0) * math.exp(rng.gauss(0, 0.4)),
            accommodations,
            accommodations * rng.randint(8, 20),
            0.003 if urban else 0.0005,
            0.12 if urban else 0.03,
        ),
    )
    return Place(
        code=unit.code,
        district=district,
        kind=kind,
        pop0=pop0,
        growth=growth,
        urban=urban,
        lead=(-8.0 if urban else 6.0) + rng.gauss(0.0, 3.0),
        beds=HOSPITAL_BEDS.get(unit.code, 0) + rng.choice((3, 4, 5, 5, 6, 8)),
        schools=schools,
        upper_sec_pupils0=0.0,
        tourism=(tourism[0], float(tourism[1]), int(tourism[2]), int(tourism[3]), float(tourism[4]), float(tourism[5])),
        highway=district in HIGHWAY_DISTRICTS and rng.random() < 0.7,
        standard_offset=rng.uniform(-0.45, 0.45),
        feedback_factor=math.exp(rng.gauss(0.0, 0.35)) * (1.6 if urban else 1.0),
    )


@dataclass
class Reporter:
    """A unit that reports: an old commune (its own place) or a new one (its predecessors' places)."""

    unit_id: int
    code: str
    opened: dt.date | None
    closed: dt.date | None
    places: list[Place]
    first: int  # first month index it reports
    last: int  # last month index it reports (inclusive)
    new: bool

    def pop(self, m: float) -> float:
        return sum(p.pop(m) for p in self.places)

    def weighted(self, m: float, value: Callable[[Place], float]) -> float:
        """A rate of the unit: its places' rates weighted by population."""
        total = 0.0
        weight = 0.0
        for p in self.places:
            w = p.pop(m)
            total += w * value(p)
            weight += w
        return total / weight if weight else 0.0


@dataclass
class Province:
    unit_id: int
    code: str
    reporters: list[Reporter]
    places: list[Place]


def load_province(seed: int, districts: set[str] | None = None) -> Province:
    """The demo's units from the database: Vĩnh Phúc's communes and the new communes that succeeded them."""
    province = OrgUnit.objects.filter(code=PROVINCE_CODE, level=1).order_by("opened").first()
    if province is None:
        raise LookupError("province 26 (Vĩnh Phúc) is not loaded: run `ioc orgunits load-vn --province 26`")
    communes = list(
        OrgUnit.objects.filter(path__startswith=province.path, level=3).select_related("parent").order_by("code")
    )
    by_district: dict[str, list[OrgUnit]] = {}
    for unit in communes:
        by_district.setdefault(unit.parent.code if unit.parent else "", []).append(unit)
    # Upper-secondary schools (THPT): every third commune of a district in code order (about 40 schools).
    upper_hosts: set[str] = set()
    for units in by_district.values():
        upper_hosts.update(u.code for i, u in enumerate(units) if i % 3 == 0)
    places = {u.pk: _place(u, u.parent.code if u.parent else "", seed, upper_hosts) for u in communes}
    _share_upper_secondary(places, by_district)
    last = OPEN_END
    reporters = [
        Reporter(
            u.pk, u.code, u.opened, u.closed, [places[u.pk]], 0, month_index(u.closed) if u.closed else last, False
        )
        for u in communes
        if districts is None or (u.parent and u.parent.code in districts)
    ]
    chosen = {r.unit_id for r in reporters}
    successors: dict[int, list[int]] = {}
    for pred_id, succ_id in Succession.objects.filter(predecessor_id__in=list(places)).values_list(
        "predecessor_id", "successor_id"
    ):
        successors.setdefault(succ_id, []).append(pred_id)
    for unit in OrgUnit.objects.filter(pk__in=list(successors), level=3).order_by("code"):
        preds = sorted(successors[unit.pk])
        if not any(p in chosen for p in preds):
            continue
        first = month_index(unit.opened) if unit.opened else 0
        reporters.append(
            Reporter(unit.pk, unit.code, unit.opened, unit.closed, [places[p] for p in preds], first, last, True)
        )
    return Province(province.pk, province.code, reporters, list(places.values()))


def _share_upper_secondary(places: dict[int, Place], by_district: dict[str, list[OrgUnit]]) -> None:
    """A district's 15–17-year-olds (4.2% of its people) study in its THPT host communes, by their size."""
    for units in by_district.values():
        district_places = [places[u.pk] for u in units]
        hosts = [p for p in district_places if p.schools["UPPER_SEC"]]
        pupils = 0.042 * sum(p.pop0 for p in district_places)
        host_pop = sum(p.pop0 for p in hosts) or 1.0
        for p in hosts:
            p.upper_sec_pupils0 = pupils * p.pop0 / host_pop
            if p.upper_sec_pupils0 > 1_400:  # a big district: a second school
                p.schools["UPPER_SEC"] = 2
