"""Synthetic values for the Vĩnh Phúc demo: realistic in size and shape, made up in every figure.

What is generated (docs/demo.md says more):

* Monthly values from January 2019 to last month, per commune: the 121 communes of Vĩnh Phúc until June
  2025, then the 36 communes of Phú Thọ that succeeded them. A new commune continues its predecessors: its
  expected level is the sum of theirs (rates are weighted by population), so the series do not jump on
  1 July 2025 — except where the reform itself changes things (communes take over district procedures).
* Yearly values: schools meeting the national standard per commune (a year belongs to the units open on its
  last day), and the economy of the province for 2019–2024.
* Magnitudes of a province of 1.15–1.25 million people: communes of 4,000–25,000 people; trends (online
  public services, fibre, electronic ID and cashless payments rising towards saturation on logistic
  curves), seasons (dengue peaking in the rainy season, Tam Đảo's summer, the spring-festival season at Tây
  Thiên, Tết), the COVID-19 years, noise.
* Flaws on purpose, recorded in demo.PlantedAnomaly: about 1.5% of (data set, unit, month) reports missing
  and about 0.1% of values spoiled (an extra zero, a dropped digit, a percentage typed a tenth).

Everything is deterministic for a seed: each (copy, data set, unit) draws from its own random stream,
seeded by text (Python hashes text seeds with SHA-512, independent of PYTHONHASHSEED).

Scale: copy k ≥ 2 is the same province reported again under cloned elements (`HLT_OPD_VISITS_X2` …, in
data sets `DS_HEALTH_MONTHLY_X2` …) with its own random streams — the shape of a province that collects
about 50·N data elements, which is what a real province does (hundreds of elements), on real units.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ioc.datavalues.bulk import BulkValue
from ioc.metadata.models import CategoryOptionCombo, DataElement, ValueType
from ioc.orgunits.models import OrgUnit, Succession

START = dt.date(2019, 1, 1)
REORGANISATION = dt.date(2025, 7, 1)
PROVINCE_CODE = "26"

OPEN_END = 10_000  # the month index standing for "still open"
MISSING_RATE = 0.015  # share of (data set, unit, month) reports left out
OUTLIER_RATE = 0.001  # share of values spoiled

COMMUNE_MONTHLY_SETS = (
    "DS_HEALTH_MONTHLY",
    "DS_EDUCATION_MONTHLY",
    "DS_TRANSPORT_MONTHLY",
    "DS_TOURISM_MONTHLY",
    "DS_PUBLIC_SERVICES_MONTHLY",
    "DS_DIGITAL_MONTHLY",
)
COMMUNE_YEARLY_SETS = ("DS_EDUCATION_YEARLY",)
PROVINCE_YEARLY_SETS = ("DS_ECONOMY_YEARLY", "DS_INVESTMENT_YEARLY")
DATA_SETS = COMMUNE_MONTHLY_SETS + COMMUNE_YEARLY_SETS + PROVINCE_YEARLY_SETS

# Values per (unit, period) of each data set, roughly: for the progress bar's total only.
_CELLS = {
    "DS_HEALTH_MONTHLY": 35,
    "DS_EDUCATION_MONTHLY": 20,
    "DS_TRANSPORT_MONTHLY": 5,
    "DS_TOURISM_MONTHLY": 5,
    "DS_PUBLIC_SERVICES_MONTHLY": 33,
    "DS_DIGITAL_MONTHLY": 10,
    "DS_EDUCATION_YEARLY": 3,
    "DS_ECONOMY_YEARLY": 4,
    "DS_INVESTMENT_YEARLY": 3,
}


def clone_code(code: str, copy: int) -> str:
    """The code of an element or data set in benchmark copy `copy` (copy 1 is the demo itself)."""
    return code if copy == 1 else f"{code}_X{copy}"


# --- time ---------------------------------------------------------------------------------------------


def month_index(day: dt.date) -> int:
    """0 for January 2019."""
    return (day.year - START.year) * 12 + day.month - 1


def month_start(m: int) -> dt.date:
    return dt.date(START.year + m // 12, m % 12 + 1, 1)


def month_id(m: int) -> str:
    return f"{START.year + m // 12:04d}{m % 12 + 1:02d}"


def last_complete_month(today: dt.date) -> int:
    return month_index(today.replace(day=1)) - 1


REORG_M = month_index(REORGANISATION)  # 78: July 2025


def logistic(m: float, mid: float, rate: float, lo: float, hi: float) -> float:
    return lo + (hi - lo) / (1.0 + math.exp(-rate * (m - mid)))


def _months(table: dict[str, float]) -> dict[int, float]:
    return {month_index(dt.date(int(k[:4]), int(k[5:]), 1)): v for k, v in table.items()}


# Activity of health services, offices and vehicle shops during COVID-19 (1 = normal).
COVID_ACTIVITY = _months(
    {
        "2020-02": 0.92,
        "2020-03": 0.8,
        "2020-04": 0.55,
        "2020-05": 0.85,
        "2021-05": 0.8,
        "2021-06": 0.9,
        "2021-08": 0.75,
        "2021-09": 0.8,
        "2022-02": 0.85,
        "2022-03": 0.8,
    }
)
# Tourism during COVID-19: Vĩnh Phúc's own outbreaks in February 2020 (Sơn Lôi) and May 2021, the national
# lockdowns of April 2020 and summer 2021.
COVID_TOURISM = _months(
    {
        "2020-02": 0.45,
        "2020-03": 0.25,
        "2020-04": 0.03,
        "2020-05": 0.4,
        "2020-06": 0.7,
        "2020-07": 0.75,
        "2020-08": 0.35,
        "2020-09": 0.6,
        "2020-10": 0.7,
        "2020-11": 0.7,
        "2020-12": 0.7,
        "2021-01": 0.6,
        "2021-02": 0.15,
        "2021-03": 0.4,
        "2021-04": 0.7,
        "2021-05": 0.1,
        "2021-06": 0.12,
        "2021-07": 0.08,
        "2021-08": 0.04,
        "2021-09": 0.08,
        "2021-10": 0.35,
        "2021-11": 0.45,
        "2021-12": 0.45,
        "2022-01": 0.55,
        "2022-02": 0.6,
        "2022-03": 0.75,
        "2022-04": 0.88,
    }
)
INTL_CLOSED = (month_index(dt.date(2020, 3, 1)), month_index(dt.date(2022, 3, 1)))  # borders shut
INTL_RECOVERED = month_index(dt.date(2024, 1, 1))

# Shapes of the year (multipliers by calendar month, January first).
SEASON_RESPIRATORY = (1.08, 0.92, 1.05, 1.0, 0.98, 1.02, 1.02, 1.0, 0.98, 0.98, 1.0, 1.05)
SEASON_DENGUE = (0.02, 0.01, 0.01, 0.01, 0.02, 0.05, 0.1, 0.16, 0.22, 0.22, 0.13, 0.05)  # shares of the year
SEASON_HFMD = (0.05, 0.04, 0.09, 0.12, 0.12, 0.08, 0.06, 0.06, 0.1, 0.12, 0.1, 0.06)
SEASON_OFFICE = (1.2, 0.65, 1.05, 1.0, 1.0, 0.95, 1.0, 1.0, 1.0, 1.05, 1.05, 1.1)  # Tết in late Jan / Feb
SEASON_VEHICLES = (1.3, 0.6, 0.95, 0.95, 0.95, 0.95, 1.0, 1.0, 1.0, 1.05, 1.1, 1.25)
SEASON_ACCIDENTS = (1.25, 1.35, 1.0, 0.95, 0.95, 0.9, 0.95, 0.95, 0.9, 0.95, 0.95, 1.1)
SEASON_TOURISM = {
    # Tam Đảo: the hill station's summer (Jun–Aug).
    "summer": (0.6, 0.85, 0.7, 0.9, 1.2, 1.9, 2.1, 1.8, 0.9, 0.7, 0.6, 0.6),
    # Tây Thiên and the temples: the spring-festival season after Tết (Jan–Mar).
    "festival": (2.0, 3.0, 2.4, 1.0, 0.5, 0.4, 0.5, 0.5, 0.4, 0.4, 0.4, 0.5),
    # Đại Lải lake resorts: summer and weekends.
    "lake": (0.7, 0.9, 0.9, 1.1, 1.2, 1.5, 1.5, 1.3, 0.9, 0.8, 0.7, 0.8),
    # Towns: business travel, quiet at Tết.
    "town": (1.0, 0.75, 1.05, 1.05, 1.05, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0, 1.0),
    # Villages: relatives at Tết.
    "village": (1.1, 1.6, 1.0, 0.95, 0.9, 0.9, 0.95, 0.95, 0.9, 0.9, 0.9, 0.95),
}
DENGUE_PER_100K = {2019: 70, 2020: 8, 2021: 5, 2022: 55, 2023: 80, 2024: 18, 2025: 30, 2026: 25}
IMMUNISATION = {2019: 0.975, 2020: 0.965, 2021: 0.93, 2022: 0.955, 2023: 0.9, 2024: 0.945, 2025: 0.97, 2026: 0.975}
# 2023: the national shortage of the five-in-one vaccine, May to September.
IMMUNISATION_SHORTAGE = range(month_index(dt.date(2023, 5, 1)), month_index(dt.date(2023, 10, 1)))

# Province economy, 2019–2024 (figures of the right size; synthetic).
ECONOMY = {
    # year: (GRDP bn VND, growth %, digital-economy share, budget revenue bn VND, FDI mn USD, new firms, digital firms)
    2019: (121_000, 8.1, 0.075, 33_500, 700, 1100, 280),
    2020: (126_500, 3.2, 0.085, 32_000, 345, 950, 310),
    2021: (139_000, 7.8, 0.097, 37_800, 410, 880, 350),
    2022: (152_000, 8.7, 0.108, 38_900, 540, 1200, 410),
    2023: (156_500, 2.5, 0.121, 31_800, 560, 1150, 470),
    2024: (170_000, 6.9, 0.134, 34_600, 680, 1300, 520),
}

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
PROCEDURE_FIELDS = (
    # option code, share of applications, online factor, on-time offset
    ("PROC_CIVIL_STATUS", 0.42, 1.1, 0.01),
    ("PROC_LAND", 0.20, 0.6, -0.05),
    ("PROC_CONSTRUCTION", 0.05, 0.8, -0.02),
    ("PROC_BUSINESS", 0.06, 1.15, 0.0),
    ("PROC_SOCIAL", 0.17, 0.9, 0.0),
    ("PROC_OTHER", 0.10, 0.85, 0.0),
)
SCHOOL_LEVELS = ("PRESCHOOL", "PRIMARY", "LOWER_SEC", "UPPER_SEC")
AGES = ("AGE_0_4", "AGE_5_14", "AGE_15_59", "AGE_60_PLUS")
SEXES = ("MALE", "FEMALE")


# --- places -------------------------------------------------------------------------------------------


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


# --- noise --------------------------------------------------------------------------------------------


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean < 30:
        limit, k, product = math.exp(-mean), 0, rng.random()
        while product > limit:
            k += 1
            product *= rng.random()
        return k
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def count(rng: random.Random, mean: float, spread: float = 0.05) -> int:
    """A count around `mean`: Poisson when small, else normal with a relative spread (over-dispersed)."""
    if mean < 30:
        return poisson(rng, mean)
    return max(0, round(rng.gauss(mean, max(math.sqrt(mean), mean * spread))))


def part(rng: random.Random, total: int, share: float) -> int:
    """How many of `total` have a property of probability `share` (binomial, approximated when large)."""
    share = min(1.0, max(0.0, share))
    if total <= 0:
        return 0
    if total < 25:
        return sum(1 for _ in range(total) if rng.random() < share)
    sd = math.sqrt(total * share * (1.0 - share))
    return min(total, max(0, round(rng.gauss(total * share, sd))))


def stable(seed: int, *key: object) -> random.Random:
    """A random stream that depends only on the key: for values fixed over a school year, etc."""
    return random.Random("|".join(str(k) for k in (seed, *key)))


# --- the data sets --------------------------------------------------------------------------------------

Cell = tuple[str, str, float]  # (element code, option combo code, value)


def health(rep: Reporter, m: int, rng: random.Random, seed: int) -> list[Cell]:
    month = m % 12
    year = START.year + m // 12
    pop = rep.pop(m)
    covid = COVID_ACTIVITY.get(m, 1.0)
    trend = 1.0 + 0.02 * m / 12.0
    urban = rep.weighted(m, lambda p: 1.15 if p.urban else 1.0)
    cells: list[Cell] = []
    opd = pop * 0.2 * SEASON_RESPIRATORY[month] * covid * trend * urban
    ipd = pop * 0.013 * covid * trend
    for sex, sex_share in (("MALE", 0.46), ("FEMALE", 0.54)):
        for age, opd_share, ipd_share in zip(AGES, (0.12, 0.1, 0.48, 0.3), (0.1, 0.06, 0.5, 0.34), strict=True):
            cells.append(("HLT_OPD_VISITS", f"{sex}_{age}", count(rng, opd * sex_share * opd_share, 0.06)))
            cells.append(("HLT_IPD_ADMISSIONS", f"{sex}_{age}", count(rng, ipd * sex_share * ipd_share, 0.08)))
    beds = sum(p.beds + (round(p.beds * 0.1) if p.beds > 100 and m >= 36 else 0) for p in rep.places)
    cells.append(("HLT_HOSPITAL_BEDS", "default", beds))
    doctors = sum(round((p.beds * 0.28 + 1.5) * 1.04 ** (m // 12)) for p in rep.places)
    cells.append(("HLT_DOCTORS", "default", doctors))
    # Dengue: the year's incidence, the rainy season's shape, harder in towns and in some districts' years.
    incidence = DENGUE_PER_100K.get(year, 25) / 100_000.0
    dengue = 0.0
    for p in rep.places:
        district_year = math.exp(stable(seed, "dengue", p.district, year).gauss(0.0, 0.6))
        dengue += p.pop(m) * incidence * SEASON_DENGUE[month] * district_year * (1.8 if p.urban else 0.7)
    for age, share in zip(AGES, (0.05, 0.15, 0.7, 0.1), strict=True):
        for sex in SEXES:
            cells.append(("HLT_DENGUE_CASES", f"{sex}_{age}", poisson(rng, dengue * share * 0.5)))
    hfmd = pop * 60 / 100_000.0 * SEASON_HFMD[month] * (0.5 if year in (2020, 2021) else 1.0)
    cells.append(("HLT_HFMD_CASES", "MALE", poisson(rng, hfmd * 0.57)))
    cells.append(("HLT_HFMD_CASES", "FEMALE", poisson(rng, hfmd * 0.43)))
    # Births, and the year's cohort under one as the immunisation target (a twelfth a month).
    birth_rate = 0.0165 - 0.0003 * m / 12.0
    births = pop * birth_rate / 12.0 * (1.05 if month in (8, 9, 10) else 1.0)
    target = rep.pop(m - 12) * (birth_rate + 0.0003) / 12.0
    coverage = IMMUNISATION.get(year, 0.97) * (0.8 if m in IMMUNISATION_SHORTAGE else 1.0)
    for sex, share in (("MALE", 115 / 215), ("FEMALE", 100 / 215)):
        cells.append(("HLT_LIVE_BIRTHS", sex, count(rng, births * share)))
        due = round(target * share)
        cells.append(("HLT_CHILDREN_U1", sex, due))
        immunised = round(due * coverage * rng.gauss(1.0, 0.04))
        cells.append(("HLT_FULLY_IMMUNISED", sex, max(0, min(immunised, math.floor(due * 1.08)))))
    insured = pop * (0.885 + 0.06 * min(1.0, m / 84.0)) * rng.gauss(1.0, 0.003)
    cells.append(("HLT_INSURED", "default", round(insured)))
    return cells


PUPIL_SHARE = {"PRESCHOOL": 0.063, "PRIMARY": 0.094, "LOWER_SEC": 0.071}
PUPIL_TREND = {"PRESCHOOL": -0.015, "PRIMARY": 0.005, "LOWER_SEC": 0.025, "UPPER_SEC": 0.02}
MALE_PUPILS = {"PRESCHOOL": 0.52, "PRIMARY": 0.52, "LOWER_SEC": 0.515, "UPPER_SEC": 0.49}
PUPILS_PER_TEACHER = {"PRESCHOOL": 15.0, "PRIMARY": 22.0, "LOWER_SEC": 17.0, "UPPER_SEC": 18.0}
FEMALE_TEACHERS = {"PRESCHOOL": 0.99, "PRIMARY": 0.86, "LOWER_SEC": 0.74, "UPPER_SEC": 0.66}


def _school_year(m: int) -> int:
    """The school year's first calendar year (September to May)."""
    return START.year + m // 12 - (0 if m % 12 >= 8 else 1)


def education(rep: Reporter, m: int, rng: random.Random, seed: int) -> list[Cell]:
    year = _school_year(m)
    september = month_index(dt.date(year, 9, 1))
    into_year = m - september  # 0…11
    cells: list[Cell] = []
    secondary = 0
    for level in SCHOOL_LEVELS:
        schools = sum(p.schools[level] for p in rep.places)
        if not schools:
            continue
        if level == "UPPER_SEC":
            base = sum(p.upper_sec_pupils0 * (1 + p.growth) ** (year - 2018) for p in rep.places)
        else:
            base = sum(p.pop(september) for p in rep.places) * PUPIL_SHARE[level]
        noise = stable(seed, "pupils", rep.code, rep.opened, year, level).gauss(1.0, 0.02)
        attrition = 1.0 - (0.0006 * into_year if level in ("LOWER_SEC", "UPPER_SEC") else 0.0)
        pupils = base * (1 + PUPIL_TREND[level]) ** (year - 2018) * noise * attrition
        if level in ("LOWER_SEC", "UPPER_SEC"):
            secondary += round(pupils)
        male = round(pupils * MALE_PUPILS[level])
        cells.append(("EDU_PUPILS", f"{level}_MALE", male))
        cells.append(("EDU_PUPILS", f"{level}_FEMALE", round(pupils) - male))
        teachers = round(base * (1 + PUPIL_TREND[level]) ** (year - 2018) / PUPILS_PER_TEACHER[level] * noise)
        women = round(teachers * FEMALE_TEACHERS[level])
        cells.append(("EDU_TEACHERS", f"{level}_MALE", teachers - women))
        cells.append(("EDU_TEACHERS", f"{level}_FEMALE", women))
        cells.append(("EDU_SCHOOLS", level, schools))
    tet = 2.0 if m % 12 in (1, 2) else 1.0  # some do not come back after Tết
    dropouts = secondary * 0.0012 / 12.0 * tet
    cells.append(("EDU_DROPOUTS", "MALE", poisson(rng, dropouts * 0.6)))
    cells.append(("EDU_DROPOUTS", "FEMALE", poisson(rng, dropouts * 0.4)))
    return cells


def education_yearly(rep: Reporter, year: int, rng: random.Random, seed: int) -> list[Cell]:
    share = min(0.95, 0.62 + 0.05 * (year - 2019))
    cells: list[Cell] = []
    for level in SCHOOL_LEVELS:
        schools = sum(p.schools[level] for p in rep.places)
        if not schools:
            continue
        standard = sum(
            min(p.schools[level], max(0, round(p.schools[level] * share + p.standard_offset))) for p in rep.places
        )
        cells.append(("EDU_SCHOOLS_STANDARD", level, standard))
    return cells


def transport(rep: Reporter, m: int, rng: random.Random, seed: int) -> list[Cell]:
    month = m % 12
    covid = COVID_ACTIVITY.get(m, 1.0)
    cells: list[Cell] = []
    exposure = sum(p.pop(m) * (1.8 if p.highway else 1.0) for p in rep.places)
    accidents = poisson(rng, exposure * 1.45e-5 * 0.97 ** (m / 12.0) * SEASON_ACCIDENTS[month] * covid)
    deaths = sum(min(3, poisson(rng, 0.62)) for _ in range(accidents))
    injuries = sum(min(6, poisson(rng, 0.85)) for _ in range(accidents))
    cells.append(("TRN_ACCIDENTS", "default", accidents))
    cells.append(("TRN_DEATHS", "default", deaths))
    cells.append(("TRN_INJURIES", "default", injuries))
    pop = rep.pop(m)
    season = SEASON_VEHICLES[month] * covid
    # July–December 2022: the registration fee for cars halved (Decree 103/2021): a rush.
    fee_cut = 1.35 if month_index(dt.date(2022, 7, 1)) <= m <= month_index(dt.date(2022, 12, 1)) else 1.0
    cells.append(("TRN_VEHICLES_REGISTERED", "CAR", count(rng, pop * 0.0008 * 1.12 ** (m / 12.0) * season * fee_cut)))
    cells.append(("TRN_VEHICLES_REGISTERED", "MOTORBIKE", count(rng, pop * 0.004 * 0.98 ** (m / 12.0) * season)))
    return cells


def tourism(rep: Reporter, m: int, rng: random.Random, seed: int) -> list[Cell]:
    month = m % 12
    covid = COVID_TOURISM.get(m, 1.0)
    if INTL_CLOSED[0] <= m <= INTL_CLOSED[1]:
        intl_factor = 0.02
    elif INTL_CLOSED[1] < m < INTL_RECOVERED:
        intl_factor = 0.2 + 0.8 * (m - INTL_CLOSED[1]) / (INTL_RECOVERED - INTL_CLOSED[1])
    else:
        intl_factor = 1.0
    growth = 1.08 ** min(m / 12.0, 1.0) * 1.06 ** max(0.0, m / 12.0 - 1.0)
    domestic = intl = overnight_dom = overnight_intl = 0.0
    accommodations = rooms = 0
    for p in rep.places:
        season_kind, visits, acc, acc_rooms, intl_share, overnight_share = p.tourism
        expected = visits * SEASON_TOURISM[season_kind][month] * covid * growth
        domestic += expected * (1.0 - intl_share)
        intl += expected * intl_share * intl_factor
        overnight_dom += expected * (1.0 - intl_share) * overnight_share
        overnight_intl += expected * intl_share * intl_factor * min(1.0, overnight_share * 2.0)
        accommodations += acc + (1 if acc and m >= 60 and acc >= 10 else 0)
        rooms += acc_rooms + (round(acc_rooms * 0.08) if acc and m >= 60 else 0)
    dom_visits = count(rng, domestic, 0.08)
    intl_visits = count(rng, intl, 0.15)
    capacity = rooms * 30.4 * 0.98 * 1.8 / 1.4  # guests a month at full occupancy (1.8 a room, 1.4 nights)
    dom_night = min(dom_visits, count(rng, min(overnight_dom, capacity * 0.9), 0.08))
    intl_night = min(intl_visits, count(rng, min(overnight_intl, capacity * 0.05), 0.15))
    cells: list[Cell] = [
        ("TOU_VISITORS", "DOMESTIC", dom_visits),
        ("TOU_VISITORS", "INTERNATIONAL", intl_visits),
    ]
    price = 1.04 ** (m / 12.0)  # prices
    revenue = (dom_visits * 0.35 + dom_night * 0.9 + intl_visits * 1.2 + intl_night * 2.2) * price
    cells.append(("TOU_REVENUE", "default", round(revenue * rng.gauss(1.0, 0.05), 1)))
    if accommodations:
        cells.append(("TOU_OVERNIGHT_GUESTS", "DOMESTIC", dom_night))
        cells.append(("TOU_OVERNIGHT_GUESTS", "INTERNATIONAL", intl_night))
        occupancy = (dom_night + intl_night) * 1.4 / 1.8 / (rooms * 30.4) * 100.0 if rooms else 0.0
        cells.append(("TOU_ROOM_OCCUPANCY", "default", round(min(98.0, occupancy), 1)))
        cells.append(("TOU_ACCOMMODATIONS", "default", accommodations))
        cells.append(("TOU_ROOMS", "default", rooms))
    return cells


def public_services(rep: Reporter, m: int, rng: random.Random, seed: int) -> list[Cell]:
    month = m % 12
    pop = rep.pop(m)
    covid = COVID_ACTIVITY.get(m, 1.0)
    # From July 2025 communes take over most procedures of the abolished districts.
    reform = 1.35 if rep.new else 1.0
    applications = pop * 0.022 * (1.0 + 0.04 * m / 12.0) * SEASON_OFFICE[month] * covid * reform
    lead = rep.weighted(m, lambda p: p.lead)
    online_share = logistic(m, 54 + lead, 0.09, 0.02, 0.85)
    full_share = logistic(m, 50 + lead, 0.08, 0.15, 0.85)
    on_time = 0.93 + 0.065 * min(1.0, m / 60.0)
    cells: list[Cell] = []
    received_all = 0
    for code, share, online_factor, on_time_offset in PROCEDURE_FIELDS:
        received = count(rng, applications * share, 0.08)
        resolved = round(received * rng.uniform(0.94, 1.0))
        timely = part(rng, resolved, on_time + on_time_offset)
        online = part(rng, received, min(0.98, online_share * online_factor))
        full = part(rng, online, full_share)
        received_all += received
        cells += [
            ("ADM_APPS_RECEIVED", code, received),
            ("ADM_APPS_RESOLVED", code, resolved),
            ("ADM_APPS_ON_TIME", code, timely),
            ("ADM_APPS_ONLINE", code, online),
            ("ADM_APPS_ONLINE_FULL", code, full),
        ]
    cells.append(("ADM_ONLINE_PAYMENTS", "default", part(rng, received_all, logistic(m, 56 + lead, 0.1, 0.0, 0.45))))
    # Citizen on-site reports: a hotline before the app (July 2020), then adoption.
    per_10k = 0.5 if m < 18 else 0.5 + 20.0 / (1.0 + math.exp(-0.1 * (m - 40)))
    factor = rep.weighted(m, lambda p: p.feedback_factor)
    feedback = poisson(rng, pop / 10_000.0 * per_10k * factor)
    cells.append(("ADM_FEEDBACK_RECEIVED", "default", feedback))
    cells.append(("ADM_FEEDBACK_RESOLVED", "default", part(rng, feedback, 0.85 + 0.12 * min(1.0, m / 80.0))))
    return cells


def digital(rep: Reporter, m: int, rng: random.Random, seed: int) -> list[Cell]:
    pop = rep.pop(m)
    adults = pop * (0.735 + 0.0015 * m / 12.0)
    households = pop / (3.55 - 0.02 * m / 12.0)
    fibre = rep.weighted(m, lambda p: logistic(m, 10 + p.lead, 0.06, 0.3, 0.97))
    cashless = rep.weighted(m, lambda p: logistic(m, 40 + p.lead, 0.07, 0.25, 0.9))
    smartphone = rep.weighted(m, lambda p: logistic(m, 20 + p.lead, 0.06, 0.4, 0.93))
    coverage = rep.weighted(m, lambda p: 100.0 - (3.0 if p.urban else 12.0) * math.exp(-m / 30.0))
    hh = round(households * rng.gauss(1.0, 0.001))
    grown = round(adults * rng.gauss(1.0, 0.001))
    cells: list[Cell] = [
        ("DIG_POPULATION", "default", round(pop * rng.gauss(1.0, 0.0008))),
        ("DIG_POPULATION_15PLUS", "default", grown),
        ("DIG_HOUSEHOLDS", "default", hh),
        ("DIG_HOUSEHOLDS_FIBRE", "default", min(hh, round(hh * fibre * rng.gauss(1.0, 0.004)))),
    ]
    if m >= month_index(dt.date(2022, 7, 1)):  # VNeID level 2 from July 2022
        eid = logistic(m, 50, 0.18, 0.0, 0.9)
        cells.append(("DIG_EID_LEVEL2", "default", min(grown, round(grown * eid * rng.gauss(1.0, 0.01)))))
    cells += [
        ("DIG_CASHLESS_ACCOUNTS", "default", min(grown, round(grown * cashless * rng.gauss(1.0, 0.006)))),
        ("DIG_SMARTPHONE_USERS", "default", min(grown, round(grown * smartphone * rng.gauss(1.0, 0.006)))),
        ("DIG_MOBILE_SUBSCRIPTIONS", "default", round(pop * (1.05 + 0.002 * m) * rng.gauss(1.0, 0.004))),
        ("DIG_4G_COVERAGE", "default", round(min(100.0, coverage + rng.gauss(0.0, 0.15)), 1)),
        ("DIG_BTS_STATIONS", "default", sum(round(p.pop(m) / 1400.0 * (1 + 0.04 * (m // 12))) + 1 for p in rep.places)),
    ]
    return cells


def economy(year: int, rng: random.Random) -> dict[str, list[Cell]]:
    grdp, growth, digital_share, budget, fdi, firms, digital_firms = ECONOMY[year]
    grdp_value = round(grdp * rng.gauss(1.0, 0.01), 1)
    return {
        "DS_ECONOMY_YEARLY": [
            ("ECO_GRDP", "default", grdp_value),
            ("ECO_GRDP_GROWTH", "default", round(growth + rng.gauss(0.0, 0.15), 2)),
            ("ECO_DIGITAL_ECONOMY_VA", "default", round(grdp_value * digital_share * rng.gauss(1.0, 0.02), 1)),
            ("ECO_BUDGET_REVENUE", "default", round(budget * rng.gauss(1.0, 0.02), 1)),
        ],
        "DS_INVESTMENT_YEARLY": [
            ("ECO_FDI_REGISTERED", "default", round(fdi * rng.gauss(1.0, 0.08), 1)),
            ("ECO_NEW_ENTERPRISES", "default", round(firms * rng.gauss(1.0, 0.04))),
            ("ECO_DIGITAL_ENTERPRISES", "default", round(digital_firms * rng.gauss(1.0, 0.02))),
        ],
    }


MONTHLY: dict[str, Callable[[Reporter, int, random.Random, int], list[Cell]]] = {
    "DS_HEALTH_MONTHLY": health,
    "DS_EDUCATION_MONTHLY": education,
    "DS_TRANSPORT_MONTHLY": transport,
    "DS_TOURISM_MONTHLY": tourism,
    "DS_PUBLIC_SERVICES_MONTHLY": public_services,
    "DS_DIGITAL_MONTHLY": digital,
}


# --- from cells to rows -------------------------------------------------------------------------------


@dataclass
class Anomaly:
    kind: str
    copy: int
    data_set: str
    org_unit_id: int
    period: str
    data_element_id: int | None = None
    category_option_combo_id: int | None = None
    expected: float | None = None
    planted: float | None = None


class Catalog:
    """Element and option-combo ids by code, for the copies being generated."""

    def __init__(self, copies: list[int]) -> None:
        from ioc.demo.metadata import element_codes

        codes = element_codes(copies)
        self.elements: dict[str, tuple[int, str]] = {
            code: (pk, value_type)
            for pk, code, value_type in DataElement.objects.filter(code__in=codes).values_list(
                "pk", "code", "value_type"
            )
        }
        missing = sorted(set(codes) - set(self.elements))
        if missing:
            raise LookupError(f"demo data elements are missing: {', '.join(missing[:5])}… load the demo metadata first")
        self.cocs: dict[str, int] = dict(CategoryOptionCombo.objects.values_list("code", "pk"))

    def element(self, code: str, copy: int) -> tuple[int, str]:
        return self.elements[clone_code(code, copy)]


@dataclass
class Plan:
    seed: int = 2025
    copies: list[int] = field(default_factory=lambda: [1])
    first: int = 0  # month index
    last: int = 0  # month index, inclusive
    districts: set[str] | None = None
    missing_rate: float = MISSING_RATE
    outlier_rate: float = OUTLIER_RATE

    def estimate(self, province: Province) -> int:
        """About how many values: for the progress bar."""
        total = 0
        for rep in province.reporters:
            months = max(0, min(rep.last, self.last) - max(rep.first, self.first) + 1)
            total += months * sum(_CELLS[ds] for ds in COMMUNE_MONTHLY_SETS)
            total += months // 12 * _CELLS["DS_EDUCATION_YEARLY"]
        total += 6 * (_CELLS["DS_ECONOMY_YEARLY"] + _CELLS["DS_INVESTMENT_YEARLY"])
        return total * len(self.copies)


def generate(plan: Plan, province: Province, catalog: Catalog, anomalies: list[Anomaly]) -> Iterator[BulkValue]:
    """The rows of every copy in the plan, in (copy, data set, unit, period) order; anomalies are appended to
    `anomalies` as they are planted."""
    for copy in plan.copies:
        for ds in COMMUNE_MONTHLY_SETS:
            function = MONTHLY[ds]
            for rep in province.reporters:
                rng = random.Random(f"{plan.seed}|{copy}|{ds}|{rep.code}|{rep.opened}")
                for m in range(max(rep.first, plan.first), min(rep.last, plan.last) + 1):
                    period = month_id(m)
                    if rng.random() < plan.missing_rate:
                        anomalies.append(Anomaly("missing_report", copy, ds, rep.unit_id, period))
                        continue
                    cells = function(rep, m, rng, plan.seed)
                    yield from _rows(cells, rep.unit_id, period, copy, ds, rng, plan, catalog, anomalies)
        yield from _yearly(plan, province, catalog, anomalies, copy)


def _yearly(
    plan: Plan, province: Province, catalog: Catalog, anomalies: list[Anomaly], copy: int
) -> Iterator[BulkValue]:
    # A year is complete when its December is within the plan; it belongs to the units open on 31 December.
    years = [
        y
        for y in range(START.year, START.year + plan.last // 12 + 1)
        if plan.first <= month_index(dt.date(y, 12, 1)) <= plan.last
    ]
    ds = "DS_EDUCATION_YEARLY"
    for rep in province.reporters:
        rng = random.Random(f"{plan.seed}|{copy}|{ds}|{rep.code}|{rep.opened}")
        for year in years:
            december = month_index(dt.date(year, 12, 1))
            if not rep.first <= december <= rep.last:
                continue
            if rng.random() < plan.missing_rate:
                anomalies.append(Anomaly("missing_report", copy, ds, rep.unit_id, str(year)))
                continue
            yield from _rows(
                education_yearly(rep, year, rng, plan.seed),
                rep.unit_id,
                str(year),
                copy,
                ds,
                rng,
                plan,
                catalog,
                anomalies,
            )
    if plan.districts is not None:
        return  # a slice of the province has no province totals
    rng = random.Random(f"{plan.seed}|{copy}|economy|{province.code}")
    for year in years:
        if year not in ECONOMY:
            continue
        for ds_code, cells in economy(year, rng).items():
            yield from _rows(cells, province.unit_id, str(year), copy, ds_code, rng, plan, catalog, anomalies)


def _rows(
    cells: list[Cell],
    unit_id: int,
    period: str,
    copy: int,
    ds: str,
    rng: random.Random,
    plan: Plan,
    catalog: Catalog,
    anomalies: list[Anomaly],
) -> Iterator[BulkValue]:
    elements = catalog.elements
    cocs = catalog.cocs
    suffix = "" if copy == 1 else f"_X{copy}"
    for code, coc_code, value in cells:
        element_id, value_type = elements[code + suffix]
        coc_id = cocs[coc_code]
        if value and rng.random() < plan.outlier_rate:
            planted, kind = _spoil(value, value_type, rng)
            if kind:
                anomalies.append(
                    Anomaly(kind, copy, ds, unit_id, period, element_id, coc_id, float(value), float(planted))
                )
                value = planted
        yield BulkValue(element_id, unit_id, period, coc_id, value)


def _spoil(value: float, value_type: str, rng: random.Random) -> tuple[float, str]:
    """A typing mistake: an extra zero, a dropped last digit, a percentage typed a tenth."""
    if value_type == ValueType.PERCENTAGE:
        return (round(value / 10.0, 1), "percent_typo") if value >= 10 else (value, "")
    if value >= 100 and rng.random() < 0.25:
        return (value // 10 if value_type == ValueType.INTEGER else round(value / 10.0, 1)), "dropped_digit"
    if value >= 3:
        return (value * 10 if value_type == ValueType.INTEGER else round(value * 10.0, 1)), "tenfold"
    return value, ""


def as_record(a: Anomaly, seed: int) -> dict[str, Any]:
    return {
        "kind": a.kind,
        "seed": seed,
        "copy": a.copy,
        "data_set_code": clone_code(a.data_set, a.copy),
        "data_element_id": a.data_element_id,
        "org_unit_id": a.org_unit_id,
        "period": a.period,
        "category_option_combo_id": a.category_option_combo_id,
        "expected": a.expected,
        "planted": a.planted,
    }
