"""Reads of the DTI: versions and their structure, the province's values (entered, else live from the
analytics engine), its score per year, its rank among the published totals, and the simulator's plan.

Who reads: anyone who sees the plan's province fully (ioc.plans.selectors.full_view: the plan's unit or one
of its successors is within their view scope); others get NotFound, as for a plan they cannot see.

"Our" province is the plan's organisation unit (?plan=CODE, default the active plan the reader sees). Its row
in the published tables has the province code settings.IOC_DTI_PROVINCE_CODE when set, else the unit's code
(26 for Vĩnh Phúc); that row is left out of the "others" and shown beside our computed score.

A live sub-index (dx set) is read for the province per year with the analytics engine as the system reader:
for a year when the unit existed (until the year it closed) as it was then (AS_IT_WAS); for later years on
the units it went into (structure TODAY). A value entered for that year overrides it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.analytics.engine import run
from ioc.analytics.query import Query
from ioc.core.errors import InvalidInput, NotFound
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import current_successors
from ioc.plans import dti
from ioc.plans import selectors as plan_selectors
from ioc.plans.live import SYSTEM_READER
from ioc.plans.models import Plan
from ioc.plans.models_dti import DtiIndex, DtiPublishedScore, DtiSubIndex, DtiValue, DtiVersion

DEFAULT_RANK = 15


@dataclass(frozen=True)
class Province:
    plan: Plan
    unit: OrgUnit
    code: str  # in the published tables
    name: str


def province(user: object, plan_code: str | None = None) -> Province:
    plan = plan_selectors.get_plan(user, plan_code or None)
    if not plan_selectors.full_view(user, plan):
        raise NotFound(_("The DTI is shown to those who see the whole plan of the province."), field="plan")
    unit = plan.org_unit
    code = settings.IOC_DTI_PROVINCE_CODE or unit.code
    return Province(plan=plan, unit=unit, code=code, name=unit.name_vi)


# --- versions and structure -----------------------------------------------------------------------------


def versions() -> list[DtiVersion]:
    return list(DtiVersion.objects.order_by("-is_current", "code"))


def version(code: str | None = None) -> DtiVersion:
    """The version with this code; without one the current version (else the first)."""
    if code:
        found = DtiVersion.objects.filter(code=code).first()
        if found is None:
            raise NotFound(_("No DTI version with the code '%(code)s'.") % {"code": code}, field="version")
        return found
    first = DtiVersion.objects.order_by("-is_current", "code").first()
    if first is None:
        raise NotFound(_("No DTI version has been entered yet."), field="version")
    return first


def structure(v: DtiVersion) -> list[DtiIndex]:
    """The main indices in order, each with `.subs` (its sub-indices in order): two queries."""
    indices = list(DtiIndex.objects.filter(version=v).order_by("sort_order", "code"))
    by_index: dict[int, list[DtiSubIndex]] = {i.pk: [] for i in indices}
    for sub in DtiSubIndex.objects.filter(index__version=v).order_by("sort_order", "code"):
        by_index[sub.index_id].append(sub)
    for index in indices:
        index.subs = by_index[index.pk]  # type: ignore[attr-defined]
    return indices


def spec_of(sub: DtiSubIndex) -> dti.SubSpec:
    return dti.SubSpec(
        code=sub.code, max_points=sub.max_points, normalisation=sub.normalisation, floor=sub.floor,
        ceiling=sub.ceiling, higher_is_better=sub.higher_is_better, effort=sub.effort, name=sub.name,
        unit=sub.unit, dx=sub.dx,
    )  # fmt: skip


def specs(indices: Iterable[DtiIndex]) -> list[dti.IndexSpec]:
    return [
        dti.IndexSpec(
            code=i.code,
            max_points=i.max_points,
            name=i.name,
            group=i.group,
            subs=tuple(spec_of(s) for s in i.subs),  # type: ignore[attr-defined]
        )
        for i in indices
    ]


def years(v: DtiVersion) -> list[int]:
    """The years with entered values or published scores (else last year)."""
    found = set(DtiValue.objects.filter(sub_index__index__version=v).values_list("year", flat=True))
    found |= set(DtiPublishedScore.objects.filter(version=v).values_list("year", flat=True))
    return sorted(found) or [timezone.localdate().year - 1]


def default_year(v: DtiVersion, known: list[int]) -> int:
    """The latest year with published totals (a rank to show), else the latest known year."""
    published = DtiPublishedScore.objects.filter(version=v, index__isnull=True).order_by("-year").first()
    return published.year if published is not None else known[-1]


# --- values ---------------------------------------------------------------------------------------------


def manual_values(v: DtiVersion, wanted: Iterable[int]) -> dict[int, dict[dti.SubKey, DtiValue]]:
    out: dict[int, dict[dti.SubKey, DtiValue]] = {}
    rows = DtiValue.objects.filter(sub_index__index__version=v, year__in=list(wanted)).select_related(
        "sub_index__index", "by"
    )
    for row in rows:
        out.setdefault(row.year, {})[(row.sub_index.index.code, row.sub_index.code)] = row
    return out


def _units_for(unit: OrgUnit, year: int, today: dt.date) -> tuple[list[OrgUnit], str]:
    if unit.closed is None or unit.closed >= dt.date(year, 12, 31):
        return [unit], "AS_IT_WAS"
    return [s for s, _share in current_successors(unit, today)] or [unit], "TODAY"


def _ask(dxs: list[str], year_ids: list[str], units: list[OrgUnit], structure: str, today: dt.date) -> dict:
    query = Query(
        dx=tuple(dxs), pe=tuple(year_ids), ou=tuple(u.uid for u in units), filters=frozenset({"ou"}),
        structure="TODAY" if structure == "TODAY" else "AS_IT_WAS",
    )  # fmt: skip
    result = run(SYSTEM_READER, query, today=today)
    at_dx, at_pe = result.columns.index("dx"), result.columns.index("pe")
    return {(str(r[at_dx]), int(str(r[at_pe]))): float(r[-1]) for r in result.rows}


def analytics_values(
    subs: Iterable[tuple[dti.SubKey, str]], unit: OrgUnit, wanted: Iterable[int], today: dt.date | None = None
) -> tuple[dict[int, dict[dti.SubKey, float]], dict[str, str]]:
    """{year: {key: value}} for the live sub-indices ((key, dx) pairs), and {dx: why it could not be read}."""
    today = today or timezone.localdate()
    keys_of: dict[str, list[dti.SubKey]] = {}
    for key, dx in subs:
        keys_of.setdefault(dx, []).append(key)
    out: dict[int, dict[dti.SubKey, float]] = {}
    problems: dict[str, str] = {}
    if not keys_of:
        return out, problems
    groups: dict[tuple[tuple[int, ...], str], list[int]] = {}
    for year in sorted(set(wanted)):
        units, structure = _units_for(unit, year, today)
        groups.setdefault((tuple(u.pk for u in units), structure), []).append(year)
    for (unit_ids, structure), group_years in groups.items():
        units = list(OrgUnit.objects.filter(pk__in=unit_ids))
        year_ids = [str(y) for y in group_years]
        cells: dict[tuple[str, int], float] = {}
        try:
            cells = _ask(list(keys_of), year_ids, units, structure, today)
        except InvalidInput:  # one unknown item spoils the question: ask them one by one
            for dx in keys_of:
                try:
                    cells.update(_ask([dx], year_ids, units, structure, today))
                except InvalidInput as exc:
                    problems[dx] = exc.message
        for (dx, year), value in cells.items():
            for key in keys_of.get(dx, []):
                out.setdefault(year, {})[key] = value
    return out, problems


@dataclass
class Readings:
    by_year: dict[int, dict[dti.SubKey, dti.Reading]]
    manual: dict[int, dict[dti.SubKey, DtiValue]]
    live: dict[int, dict[dti.SubKey, float]]
    problems: dict[str, str]


def readings(indices: list[DtiIndex], v: DtiVersion, unit: OrgUnit, wanted: list[int]) -> Readings:
    manual = manual_values(v, wanted)
    live_subs = [((i.code, s.code), s.dx) for i in indices for s in i.subs if s.dx]  # type: ignore[attr-defined]
    live, problems = analytics_values(live_subs, unit, wanted)
    by_year: dict[int, dict[dti.SubKey, dti.Reading]] = {}
    for year in wanted:
        found = {key: dti.Reading(value, dti.ANALYTICS) for key, value in live.get(year, {}).items()}
        found.update({key: dti.Reading(row.value, dti.MANUAL) for key, row in manual.get(year, {}).items()})
        by_year[year] = found
    return Readings(by_year=by_year, manual=manual, live=live, problems=problems)


# --- the page's facts -----------------------------------------------------------------------------------


@dataclass
class Overview:
    province: Province
    version: DtiVersion
    indices: list[DtiIndex]
    years: list[int]
    year: int
    score: dti.Score
    history: list[dti.Score]
    published: list[DtiPublishedScore]  # the year's published totals, best first (ours included)
    ours_published: DtiPublishedScore | None
    standing: dti.Standing | None  # None: no other province's total for the year
    readings: Readings
    ranks: dict[int, dti.Standing]  # per year of the history with published totals

    @property
    def others(self) -> list[float]:
        return [p.score for p in self.published if p.province_code != self.province.code]

    @property
    def synthetic_sources(self) -> bool:
        return any("synthetic" in p.source.lower() for p in self.published)


def _check_year(year: int | None) -> int | None:
    if year is not None and not 1990 <= year <= 2100:
        raise InvalidInput(_("year: %(year)s is not a year between 1990 and 2100.") % {"year": year}, field="year")
    return year


def overview(
    user: object, *, plan_code: str | None = None, version_code: str | None = None, year: int | None = None
) -> Overview:
    where = province(user, plan_code)
    v = version(version_code)
    indices = structure(v)
    known = years(v)
    chosen = _check_year(year) or default_year(v, known)
    wanted = sorted(set(known) | {chosen})
    found = readings(indices, v, where.unit, wanted)
    index_specs = specs(indices)
    history = [dti.score(index_specs, found.by_year[y], y) for y in wanted]
    current = next(s for s in history if s.year == chosen)
    totals = DtiPublishedScore.objects.filter(version=v, index__isnull=True).order_by("-score", "province_name")
    others_of: dict[int, list[float]] = {}
    published = []
    for row in totals:
        if row.year == chosen:
            published.append(row)
        if row.province_code != where.code:
            others_of.setdefault(row.year, []).append(row.score)
    ranks = {s.year: dti.standing(s.total, others_of[s.year]) for s in history if others_of.get(s.year)}
    ours = next((p for p in published if p.province_code == where.code), None)
    return Overview(
        province=where, version=v, indices=indices, years=wanted, year=chosen, score=current, history=history,
        published=published, ours_published=ours, standing=ranks.get(chosen), readings=found, ranks=ranks,
    )  # fmt: skip


@dataclass
class SimulatorFacts:
    overview: Overview
    simulation: dti.Simulation
    reference_kind: str  # "province": the rank-th province's main-index scores; "average": the top ranks' mean; ""
    reference_name: str  # the rank-th province


def references(v: DtiVersion, year: int, ours: str, rank: int) -> tuple[dict[str, float], str, str]:
    """Per main index code: the rank-th other province's published main-index score, else (for an index it
    has none of) the mean of the top `rank` others' scores for it. And the kind used, and who is rank-th."""
    rows = DtiPublishedScore.objects.filter(version=v, year=year).exclude(province_code=ours).select_related("index")
    totals: dict[str, tuple[float, str]] = {}
    by_index: dict[str, dict[str, float]] = {}
    for row in rows:
        if row.index is None:
            totals[row.province_code] = (row.score, row.province_name)
        else:
            by_index.setdefault(row.province_code, {})[row.index.code] = row.score
    ranked = sorted(totals, key=lambda code: (-totals[code][0], code))[:rank]
    if not ranked:
        return {}, "", ""
    nth = ranked[-1] if len(ranked) == rank else ""
    out: dict[str, float] = dict(by_index.get(nth, {}))
    kinds = {"province"} if out else set()
    codes = {c for p in ranked for c in by_index.get(p, {})}
    for code in codes - set(out):
        seen = [by_index[p][code] for p in ranked if code in by_index.get(p, {})]
        out[code] = sum(seen) / len(seen)
        kinds.add("average")
    kind = "average" if kinds == {"average"} else ("province" if kinds == {"province"} else "mixed" if kinds else "")
    return out, kind, totals[nth][1] if nth else ""


def simulation(
    user: object, *, plan_code: str | None = None, version_code: str | None = None, year: int | None = None,
    rank: int = DEFAULT_RANK,
) -> SimulatorFacts:  # fmt: skip
    if not 1 <= rank <= 100:
        raise InvalidInput(_("rank: choose a rank between 1 and 100."), field="rank")
    facts = overview(user, plan_code=plan_code, version_code=version_code, year=year)
    refs, kind, name = references(facts.version, facts.year, facts.province.code, rank)
    result = dti.simulate(facts.score, facts.others, rank, refs)
    return SimulatorFacts(overview=facts, simulation=result, reference_kind=kind, reference_name=name)
