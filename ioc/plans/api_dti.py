"""/api/v1/plans/dti — the provincial Digital Transformation Index (see docs/dti.md). Every path takes ?plan=CODE
(the plan whose province is scored; default the active plan the reader sees) and ?version=CODE (default the
current version).

    GET  ""                           the versions with their main indices and sub-indices
    GET  "score?year="                the province's score per main index and in total, each sub-index's value
                                      and points, what is missing, the rank among the published totals, history
    GET  "simulate?year=&rank=15"     the least-effort plan to reach the rank, and the gap per main index
    POST "values"                     {"year", "values": {"<index>/<sub-index>": number | null}, "note"}      ┐ plan
    POST "published"                  a CSV file in the body (text/csv), or JSON {"rows": [...]}: all or nothing  ┘ managers

Reads need the token scope data:read and a view of the plan's province (else 404); writes plans:write and the
plan manager role (else 403). Bad input is a 400 whose `errors` name the field (imports: the row too).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from ioc.accounts.models import ApiToken, User
from ioc.accounts.permissions import Action, current_user, require, require_scope
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput
from ioc.plans import dti, selectors_dti, services_dti

router = Router(tags=["plans: DTI"])
READ = ApiToken.Scope.DATA_READ
WRITE = ApiToken.Scope.PLANS_WRITE


class Where(Schema):
    plan: str | None = None
    version: str | None = None


class ScoreQuery(Where):
    year: int | None = None


class SimulateQuery(ScoreQuery):
    rank: int = selectors_dti.DEFAULT_RANK


class ValuesIn(Schema):
    version: str | None = None
    year: int
    values: dict[str, float | str | None]
    note: str = ""


def _reader(request: HttpRequest) -> User:
    require_scope(request, READ)
    return current_user(request)


def _writer(request: HttpRequest, plan: str | None) -> tuple[User, selectors_dti.Province]:
    require_scope(request, WRITE)
    user = current_user(request)
    require(user, Action.MANAGE_PLANS)
    return user, selectors_dti.province(user, plan)


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def version_out(v: Any) -> dict[str, Any]:
    return {
        "code": v.code, "name": v.name, "name_vi": v.name_vi, "name_en": v.name_en, "decision": v.decision,
        "total_points": v.total_points, "is_current": v.is_current,
        "indices": [
            {
                "code": i.code, "name": i.name, "group": i.group, "max_points": i.max_points,
                "sub_indices": [
                    {
                        "code": s.code, "name": s.name, "max_points": s.max_points, "normalisation": s.normalisation,
                        "floor": s.floor, "ceiling": s.ceiling, "higher_is_better": s.higher_is_better,
                        "unit": s.unit, "dx": s.dx or None, "effort": s.effort,
                    }
                    for s in i.subs  # type: ignore[attr-defined]
                ],
            }
            for i in selectors_dti.structure(v)
        ],
    }  # fmt: skip


def standing_out(standing: dti.Standing | None) -> dict[str, int] | None:
    if standing is None:
        return None
    return {"rank": standing.rank, "of": standing.of, "ahead": standing.ahead, "tied": standing.tied}


def sub_out(s: dti.SubScore) -> dict[str, Any]:
    return {
        "code": s.spec.code, "key": f"{s.index_code}/{s.spec.code}", "name": s.spec.name, "unit": s.spec.unit,
        "dx": s.spec.dx or None, "value": s.value, "source": s.source, "points": _r(s.points),
        "max_points": _r(s.max_points),
    }  # fmt: skip


def score_out(ov: selectors_dti.Overview) -> dict[str, Any]:
    score = ov.score
    return {
        "version": {"code": ov.version.code, "name": ov.version.name},
        "province": {"code": ov.province.code, "name": ov.province.name, "plan": ov.province.plan.code},
        "year": ov.year,
        "total": _r(score.total),
        "max_total": score.max_total,
        "indices": [
            {
                "code": i.spec.code, "name": i.spec.name, "group": i.spec.group, "scored": i.scored,
                "points": _r(i.points), "max_points": i.max_points, "sub_indices": [sub_out(s) for s in i.subs],
            }
            for i in score.indices
        ],
        "missing": [f"{s.index_code}/{s.spec.code}" for s in score.missing],
        "rank": standing_out(ov.standing),
        "published_total": ov.ours_published.score if ov.ours_published else None,
        "history": [
            {"year": h.year, "total": _r(h.total), "rank": standing_out(ov.ranks.get(h.year))} for h in ov.history
        ],
        "problems": ov.readings.problems,
    }  # fmt: skip


def simulation_out(facts: selectors_dti.SimulatorFacts) -> dict[str, Any]:
    sim = facts.simulation
    return {
        "year": facts.overview.year,
        "province": {"code": facts.overview.province.code, "name": facts.overview.province.name},
        "target_rank": sim.target_rank,
        "current": standing_out(sim.current),
        "total": _r(sim.score.total),
        "threshold": sim.threshold,
        "need": _r(sim.need),
        "already": sim.already,
        "reachable": sim.reachable,
        "headroom": _r(sim.headroom),
        "total_after": _r(sim.total_after),
        "cost": _r(sim.cost),
        "steps": [
            {
                "index": st.sub.index_code, "code": st.sub.spec.code, "name": st.sub.spec.name,
                "unit": st.sub.spec.unit, "value": st.sub.value, "value_after": _r(st.value_after),
                "points": _r(st.sub.points), "points_after": _r(st.points_after), "gain": _r(st.gain),
                "effort": st.sub.spec.effort, "cost": _r(st.cost),
            }
            for st in sim.steps
        ],
        "gaps": [
            {
                "index": g.index.spec.code, "name": g.index.spec.name, "points": _r(g.index.points),
                "max_points": g.index.max_points, "reference": _r(g.reference), "gap": _r(g.gap), "after": _r(g.after),
            }
            for g in sim.gaps
        ],
        "reference": {"kind": facts.reference_kind or None, "province": facts.reference_name or None},
    }  # fmt: skip


@router.get("", response=dict[str, Any], summary="DTI versions with their structure")
def list_versions(request: HttpRequest, where: Query[Where]) -> dict[str, Any]:
    selectors_dti.province(_reader(request), where.plan)
    items = [version_out(v) for v in selectors_dti.versions() if not where.version or v.code == where.version]
    return {"items": items, "count": len(items)}


@router.get("score", response=dict[str, Any], summary="The province's DTI score and rank for a year")
def score(request: HttpRequest, params: Query[ScoreQuery]) -> dict[str, Any]:
    ov = selectors_dti.overview(_reader(request), plan_code=params.plan, version_code=params.version, year=params.year)
    return score_out(ov)


@router.get("simulate", response=dict[str, Any], summary="The least-effort way to a target rank")
def simulate(request: HttpRequest, params: Query[SimulateQuery]) -> dict[str, Any]:
    facts = selectors_dti.simulation(
        _reader(request), plan_code=params.plan, version_code=params.version, year=params.year, rank=params.rank
    )
    return simulation_out(facts)


@router.post("values", response=dict[str, Any], summary="The province's values of a year (plan managers)")
def set_values(request: HttpRequest, payload: ValuesIn, where: Query[Where]) -> dict[str, Any]:
    user, _province = _writer(request, where.plan)
    v = selectors_dti.version(payload.version or where.version)
    counts = services_dti.do_set_values(user, v, payload.year, payload.values, note=payload.note, via=Via.API)
    return {"version": v.code, "year": payload.year, **counts}


@router.post("published", response=dict[str, Any], summary="Import published scores: CSV or JSON (plan managers)")
def import_published(request: HttpRequest, where: Query[Where]) -> dict[str, Any]:
    user, _province = _writer(request, where.plan)
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    body = request.body  # read_csv refuses more than MAX_IMPORT_BYTES
    content: bytes | list[dict[str, Any]] = body
    version_code = where.version
    if content_type == "application/json":
        try:
            parsed = json.loads(body.decode("utf-8-sig") or "null")
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidInput(_("The body is not JSON: %(error)s") % {"error": exc}, field="rows") from None
        rows = parsed.get("rows") if isinstance(parsed, dict) else parsed
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            message = _('Send {"rows": [{"year", "province_code", "province_name", "score", "index", "source"}, …]}.')
            raise InvalidInput(message, field="rows")
        content = rows
        if isinstance(parsed, dict) and parsed.get("version"):
            version_code = str(parsed["version"])
    v = selectors_dti.version(version_code)
    counts = services_dti.do_import_published(user, v, content, via=Via.API)
    return {"version": v.code, **counts}
