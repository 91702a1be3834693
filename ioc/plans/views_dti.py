"""The DTI pages (namespace "plans", under /plans/dti/): thin views over ioc.plans.selectors_dti and
ioc.plans.services_dti. ?plan=CODE picks the plan whose province is scored, ?version=CODE the index version.

GET  /plans/dti/                    dti            score per main index, total, history, rank among the provinces
GET  /plans/dti/simulator/          dti_simulator  ?year=&rank=: the least-effort plan to a rank, gap per index
GET  /plans/dti/values/             dti_values     a year's values (plan managers; POST saves, all or nothing)
GET  /plans/dti/published/          dti_published  the published scores of a year; POST a CSV (plan managers)
GET  /plans/dti/version/            dti_version    the structure; POST a structure file or "make current" (managers)

Reading needs a view of the plan's province (else 404); writing the plan manager role (else 403, checked
before anything is read).
"""

from __future__ import annotations

from typing import Any

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput, NotFound
from ioc.plans import dti, selectors_dti, services_dti
from ioc.plans import selectors as plan_selectors
from ioc.plans.dti_io import MAX_IMPORT_BYTES
from ioc.plans.models_dti import DtiPublishedScore, DtiValue


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def _manager(request: HttpRequest) -> User:
    user = _user(request)
    if not can(user, Action.MANAGE_PLANS):
        raise PermissionDenied(_("Changing the DTI needs the plan manager role."))
    return user


def _int(raw: str | None, field: str) -> int | None:
    if raw is None or not raw.strip():
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise InvalidInput(
            _("%(field)s: '%(value)s' is not a whole number.") % {"field": field, "value": raw[:20]}
        ) from None


def _where(request: HttpRequest) -> dict[str, Any]:
    return {"plan_code": request.GET.get("plan") or None, "version_code": request.GET.get("version") or None}


def _query(request: HttpRequest, **extra: Any) -> str:
    keep = {k: request.GET[k] for k in ("plan", "version") if request.GET.get(k)}
    keep.update({k: v for k, v in extra.items() if v not in (None, "")})
    return "?" + urlencode(keep) if keep else ""


def _base(request: HttpRequest, user: User, province: selectors_dti.Province) -> dict[str, Any]:
    return {
        "plan": province.plan,
        "plans": list(plan_selectors.visible_plans(user)),
        "full_view": True,
        "province": province,
        "can_manage": can(user, Action.MANAGE_PLANS),
        "versions": selectors_dti.versions(),
        "q": _query(request),
    }


def _overview(request: HttpRequest, user: User, year: int | None) -> selectors_dti.Overview:
    try:
        return selectors_dti.overview(user, year=year, **_where(request))
    except NotFound as exc:
        raise Http404(exc.message) from None


def _chart(ov: selectors_dti.Overview) -> dict[str, Any]:
    scored = [i for i in ov.score.indices if i.scored]
    return {
        "indices": [i.spec.name for i in scored],
        "points": [round(i.points, 2) for i in scored],
        "max": [i.max_points for i in scored],
        "years": [h.year for h in ov.history],
        "series": [
            {"name": i.spec.name, "values": [round(h.indices[n].points, 2) for h in ov.history]}
            for n, i in enumerate(ov.score.indices)
            if i.scored
        ],
        "totals": [round(h.total, 2) for h in ov.history],
        "ranks": [ov.ranks[h.year].rank if h.year in ov.ranks else None for h in ov.history],
        "strings": {"points": _("Points"), "max": _("Maximum"), "total": _("Total"), "rank": _("Rank")},
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        ov = _overview(request, user, _int(request.GET.get("year"), "year"))
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect(reverse("plans:dti") + _query(request))
    rows: list[dict[str, Any]] = [
        {"name": p.province_name, "score": p.score, "ours": False}
        for p in ov.published
        if p.province_code != ov.province.code
    ]
    rows.append({"name": ov.province.name, "score": ov.score.total, "ours": True})
    rows.sort(key=lambda r: (-r["score"], not r["ours"], r["name"]))
    for r in rows:
        r["rank"] = 1 + sum(1 for other in rows if other["score"] > r["score"] + dti.TIE)
    context = {
        **_base(request, user, ov.province),
        "ov": ov,
        "rows": rows,
        "history": [{"score": h, "standing": ov.ranks.get(h.year)} for h in ov.history],
        "chart": _chart(ov),
        "scored": [i for i in ov.score.indices if i.scored],
        "unscored": [i for i in ov.score.indices if not i.scored],
    }
    return render(request, "plans/dti.html", context)


def _facts(request: HttpRequest, user: User, year: int | None, rank: int) -> selectors_dti.SimulatorFacts:
    try:
        return selectors_dti.simulation(user, year=year, rank=rank, **_where(request))
    except NotFound as exc:
        raise Http404(exc.message) from None


@login_required
@require_GET
def simulator(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    error = ""
    try:
        year = _int(request.GET.get("year"), "year")
        rank = _int(request.GET.get("rank"), "rank") or selectors_dti.DEFAULT_RANK
        facts = _facts(request, user, year, rank)
    except InvalidInput as exc:
        error, rank = exc.message, selectors_dti.DEFAULT_RANK
        facts = _facts(request, user, None, rank)
    sim = facts.simulation
    chart = {
        "indices": [g.index.spec.name for g in sim.gaps],
        "ours": [round(g.index.points, 2) for g in sim.gaps],
        "after": [round(g.after, 2) for g in sim.gaps],
        "reference": [None if g.reference is None else round(g.reference, 2) for g in sim.gaps],
        "max": [g.index.max_points for g in sim.gaps],
        "strings": {
            "ours": _("Now"), "after": _("After the plan"), "max": _("Maximum"),
            "reference": _("Province ranked %(rank)s") % {"rank": sim.target_rank}
            if facts.reference_kind == "province" else _("Top %(rank)s (average)") % {"rank": sim.target_rank},
        },
    }  # fmt: skip
    context = {
        **_base(request, user, facts.overview.province),
        "ov": facts.overview,
        "facts": facts,
        "sim": sim,
        "rank": rank,
        "error": error,
        "chart": chart,
    }
    return render(request, "plans/dti_simulator.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def values(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    source = request.POST if request.method == "POST" else request.GET
    try:
        year = _int(source.get("year"), "year")
        ov = _overview(request, user, year)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect(reverse("plans:dti") + _query(request))
    subs = [s for i in ov.indices for s in i.subs]  # type: ignore[attr-defined]
    errors: dict[str, list[str]] = {}
    entered: dict[str, str] = {}
    if request.method == "POST":
        entered = {f"{s.index.code}/{s.code}": request.POST.get(f"v-{s.pk}", "") for s in subs}
        try:
            counts = services_dti.do_set_values(
                user, ov.version, ov.year, entered, note=request.POST.get("note", ""), via=Via.FORM
            )
        except InvalidInput as exc:
            for e in exc.errors or [{"field": None, "message": exc.message}]:
                errors.setdefault(e.get("field") or "", []).append(str(e.get("message")))
        else:
            messages.success(
                request,
                _("Saved the values of %(year)s: %(created)s new, %(updated)s changed, %(deleted)s cleared.")
                % {"year": ov.year, **counts},
            )
            return redirect(reverse("plans:dti_values") + _query(request, year=ov.year))
    manual = ov.readings.manual.get(ov.year, {})
    live = ov.readings.live.get(ov.year, {})
    groups = []
    for index in ov.indices:
        rows = []
        for s in index.subs:  # type: ignore[attr-defined]
            key = f"{index.code}/{s.code}"
            row: DtiValue | None = manual.get((index.code, s.code))
            shown = entered.get(key) if request.method == "POST" else ("" if row is None else f"{row.value:g}")
            rows.append({"sub": s, "key": key, "value": shown, "row": row, "live": live.get((index.code, s.code)),
                         "errors": errors.get(key, [])})  # fmt: skip
        groups.append((index, rows))
    context = {
        **_base(request, user, ov.province),
        "ov": ov,
        "groups": groups,
        "general_errors": errors.get("", []) + errors.get("year", []),
        "error_count": sum(len(v) for v in errors.values()),
        "note": request.POST.get("note", "") if request.method == "POST" else "",
    }
    return render(request, "plans/dti_values.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def published(request: HttpRequest) -> HttpResponse:
    user = _manager(request) if request.method == "POST" else _user(request)
    try:
        ov = _overview(request, user, _int(request.GET.get("year"), "year"))
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect(reverse("plans:dti_published") + _query(request))
    errors: list[dict[str, Any]] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors.append({"message": _("Choose a CSV file.")})
        elif (upload.size or 0) > MAX_IMPORT_BYTES:
            errors.append({"message": _("The file is larger than %(mb)d MB.") % {"mb": MAX_IMPORT_BYTES // 2**20}})
        else:
            try:
                counts = services_dti.do_import_published(user, ov.version, upload.read(), via=Via.IMPORT)
            except InvalidInput as exc:
                errors = exc.errors or [{"message": exc.message}]
            else:
                messages.success(request, _("Imported: %(created)s new, %(updated)s replaced.") % counts)
                return redirect(reverse("plans:dti_published") + _query(request, year=request.GET.get("year")))
    rows = DtiPublishedScore.objects.filter(version=ov.version, year=ov.year).select_related("index")
    by_province: dict[str, dict[str, Any]] = {}
    for row in rows.order_by("province_code"):
        entry = by_province.setdefault(row.province_code, {"code": row.province_code, "name": row.province_name,
                                                           "total": None, "source": row.source, "indices": {}})  # fmt: skip
        if row.index is None:  # the total's row names the province and its source
            entry.update(total=row.score, name=row.province_name, source=row.source)
        else:
            entry["indices"][row.index.code] = row.score
    scored = [i for i in ov.indices if i.max_points is not None]
    table = sorted(by_province.values(), key=lambda e: (-(e["total"] or -1), e["name"]))
    for entry in table:
        entry["cells"] = [entry["indices"].get(i.code) for i in scored]
    context = {
        **_base(request, user, ov.province),
        "ov": ov,
        "table": table,
        "scored": scored,
        "errors": errors,
        "columns": ["year", "province_code", "province_name", "index", "score", "source"],
    }
    return render(request, "plans/dti_published.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def version(request: HttpRequest) -> HttpResponse:
    user = _manager(request) if request.method == "POST" else _user(request)
    try:
        province = selectors_dti.province(user, request.GET.get("plan") or None)
        v = selectors_dti.version(request.GET.get("version") or None) if selectors_dti.versions() else None
    except NotFound as exc:
        raise Http404(exc.message) from None
    errors: list[dict[str, Any]] = []
    if request.method == "POST" and request.POST.get("op") == "current" and v is not None:
        services_dti.do_set_current_version(user, v, via=Via.FORM)
        messages.success(request, _("%(name)s is now the current version.") % {"name": v.name})
        return redirect(reverse("plans:dti_version") + _query(request))
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput(_("Choose a structure file (YAML or JSON)."), field="file")
            if (upload.size or 0) > MAX_IMPORT_BYTES:
                raise InvalidInput(_("The file is larger than %(mb)d MB.") % {"mb": MAX_IMPORT_BYTES // 2**20})
            try:
                document = yaml.safe_load(upload.read().decode("utf-8-sig"))
            except (UnicodeDecodeError, yaml.YAMLError) as exc:
                raise InvalidInput(_("The file is not UTF-8 YAML or JSON: %(error)s") % {"error": exc}) from None
            if not isinstance(document, dict):
                raise InvalidInput(_("The file must hold one version: code, names, total_points, indices."))
            loaded, created = services_dti.do_load_version(user, document, via=Via.IMPORT)
        except InvalidInput as exc:
            errors = exc.errors or [{"field": None, "message": exc.message}]
        else:
            messages.success(request, _("Loaded %(name)s: %(n)s new items.") % {"name": loaded.name, "n": created})
            return redirect(reverse("plans:dti_version") + "?" + urlencode({"version": loaded.code}))
    indices = selectors_dti.structure(v) if v is not None else []
    for i in indices:
        total = sum(s.max_points for s in i.subs)  # type: ignore[attr-defined]
        i.note = ""  # type: ignore[attr-defined]
        if i.max_points is not None and total > i.max_points + 1e-9:
            i.note = _("Its sub-indices add up to %(sum)g points: each counts × %(scale).3f.") % {  # type: ignore[attr-defined]
                "sum": total, "scale": i.max_points / total,
            }  # fmt: skip
        elif i.max_points is not None and total < i.max_points - 1e-9:
            i.note = _("Its sub-indices add up to %(sum)g points only.") % {"sum": total}  # type: ignore[attr-defined]
    context = {
        **_base(request, user, province),
        "version": v,
        "versions": selectors_dti.versions(),
        "indices": indices,
        "errors": errors,
    }
    return render(request, "plans/dti_version.html", context, status=400 if errors else 200)
