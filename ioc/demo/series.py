"""The series of each data set: from a reporting unit's profile and a month to its values — trends (logistic
adoption curves), the shapes of the year, the COVID-19 years, and magnitudes of the right size."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable

from ioc.demo.months import START, month_index
from ioc.demo.noise import count, part, poisson, stable
from ioc.demo.places import Reporter


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
