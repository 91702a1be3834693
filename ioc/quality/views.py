"""The quality pages: validation results by importance, a run, the follow-up list, the outliers.

Thin views: parse a form, call a selector or a service, render. Every page needs a login and shows only what
the user's view scope holds; the POSTs (follow-up, resolve) go through the audited services, which check the
role and the entry scope.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.accounts.scopes import can_enter_unit
from ioc.audit.models import Via
from ioc.core.errors import IocError
from ioc.datavalues.selectors import values_for
from ioc.datavalues.services import do_set_follow_up
from ioc.metadata.models import PeriodType, ValidationRule
from ioc.orgunits.models import OrgUnit
from ioc.quality import outliers, selectors
from ioc.quality.forms import FollowUpFilterForm, NoteForm, OutlierForm, ResultFilterForm, RunForm
from ioc.quality.services import SYNC_LIMIT, build_scope, do_resolve_result, do_set_result_follow_up, run_scope
from ioc.quality.violations import Violation, describe_results

PER_GROUP = 100  # results shown per importance; the filters narrow the rest
FOLLOW_UP_ROWS = 200


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def entry_url(data_set: str | None, unit_uid: str, period: str) -> str | None:
    """The data-entry form of a value: /entry/?data_set=<code>&org_unit=<uid>&period=<id>."""
    if not data_set:
        return None
    return "/entry/?" + urlencode({"data_set": data_set, "org_unit": unit_uid, "period": period})


def _grouped(violation: Violation, unit_uid: str, period: str) -> list[dict[str, Any]]:
    """The values involved by element, each with the link to its form."""
    return [{"g": g, "url": entry_url(g.data_set, unit_uid, period)} for g in violation.by_element()]


def _can_act(user: User, unit: OrgUnit) -> bool:
    return (can(user, Action.ENTER_DATA) or can(user, Action.APPROVE_DATA)) and can_enter_unit(user, unit)


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(target)
    return redirect(default)


@login_required
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ResultFilterForm(request.GET or None, user=user)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {
            "data_set": form.cleaned_data.get("data_set"),
            "root": form.unit(),
            "start": form.cleaned_data.get("start"),
            "end": form.end_date(),
            "importance": form.cleaned_data.get("importance") or None,
            "resolved": None if form.cleaned_data.get("show_resolved") else False,
        }
    qs = selectors.validation_results(user, **filters) if not form.is_bound or form.is_valid() else None
    groups = []
    if qs is not None:
        counts = selectors.counts_by_importance(qs)
        for level, label in ValidationRule.Importance.choices:
            n = counts.get(level, 0)
            if not n:
                continue
            rows = []
            for result, violation in describe_results(qs.filter(importance=level)[:PER_GROUP]):
                values = _grouped(violation, result.org_unit.uid, result.period)
                rows.append({"r": result, "v": violation, "values": values, "can_act": _can_act(user, result.org_unit)})
            groups.append({"level": level, "label": label, "count": n, "rows": rows, "shown": len(rows)})
    return render(
        request,
        "quality/results.html",
        {
            "form": form,
            "groups": groups,
            "total": sum(g["count"] for g in groups),
            "runs": selectors.latest_runs(user),
            "tab": "results",
            "here": request.get_full_path(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def run(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = RunForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            scope = build_scope(
                user,
                root_unit=form.unit(),
                start=form.cleaned_data["start"],
                end=form.end_date(),
                rules=list(form.cleaned_data.get("rules") or []) or None,
                data_set=form.cleaned_data.get("data_set"),
            )
            if scope.evaluations(user) > SYNC_LIMIT:
                from ioc.jobs.services import do_submit_job
                from ioc.quality.jobs import KIND, job_params

                job = do_submit_job(user, KIND, job_params(scope, language=get_language()), via=Via.FORM)
                return redirect(reverse("jobs:detail", args=[job.uid]))
            summary = run_scope(user, scope, via=Via.FORM)
        except IocError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(violations)d violations in %(evaluated)d evaluations (%(new)d new, %(cleared)d cleared).")
                % {
                    "violations": summary.violations,
                    "evaluated": summary.evaluated,
                    "new": summary.new,
                    "cleared": summary.cleared,
                },
            )
            for problem in summary.problems:
                messages.warning(request, problem)
            query: dict[str, str] = {
                "start": form.cleaned_data["start"].strftime("%Y-%m"),
                "end": form.cleaned_data["end"].strftime("%Y-%m"),
            }
            if form.cleaned_data.get("org_unit"):
                query["org_unit"] = form.cleaned_data["org_unit"]
            if form.cleaned_data.get("data_set"):
                query["data_set"] = form.cleaned_data["data_set"].code
            return redirect(reverse("quality:results") + "?" + urlencode(query))
    return render(
        request,
        "quality/run.html",
        {"form": form, "tab": "run", "sync_limit": SYNC_LIMIT, "runs": selectors.latest_runs(user)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def follow_up(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = FollowUpFilterForm(request.GET or None, user=user)
    filters: dict[str, Any] = {}
    valid = not form.is_bound or form.is_valid()
    if form.is_bound and valid:
        filters = {
            "data_set": form.cleaned_data.get("data_set"),
            "root": form.unit(),
            "start": form.cleaned_data.get("start"),
            "end": form.end_date(),
        }
    value_rows, result_rows = [], []
    n_values = n_results = 0
    if valid:
        values_qs = selectors.follow_up_values(user, **filters)
        n_values = values_qs.count()
        homes: dict[tuple[int, str], str | None] = {}
        for value in values_qs[:FOLLOW_UP_ROWS]:
            key = (value.data_element_id, value.period_type)
            if key not in homes:
                ds = selectors.home_data_set_for(value.data_element, value.period_type)
                homes[key] = ds.code if ds else None
            value_rows.append(
                {
                    "d": value,
                    "url": entry_url(homes[key], value.org_unit.uid, value.period),
                    "can_act": _can_act(user, value.org_unit),
                }
            )
        results_qs = selectors.validation_results(user, follow_up=True, **filters)
        n_results = results_qs.count()
        for result, violation in describe_results(results_qs[:FOLLOW_UP_ROWS]):
            result_rows.append(
                {
                    "r": result,
                    "v": violation,
                    "values": _grouped(violation, result.org_unit.uid, result.period),
                    "can_act": _can_act(user, result.org_unit),
                }
            )
    return render(
        request,
        "quality/follow_up.html",
        {
            "form": form,
            "value_rows": value_rows,
            "result_rows": result_rows,
            "n_values": n_values,
            "n_results": n_results,
            "limit": FOLLOW_UP_ROWS,
            "tab": "follow_up",
            "here": request.get_full_path(),
        },
    )


@login_required
@require_POST
def result_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    form = NoteForm(request.POST)
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    try:
        do_set_result_follow_up(user, pk, follow_up=request.POST.get("follow_up") == "1", note=note, via=Via.FORM)
    except IocError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved."))
    return _back(request, reverse("quality:results"))


@login_required
@require_POST
def result_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note is longer than 2000 characters"))
        return _back(request, reverse("quality:follow_up"))
    try:
        do_resolve_result(
            user, pk, note=form.cleaned_data.get("note", ""), resolved=request.POST.get("resolved", "1") == "1"
        )
    except IocError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved."))
    return _back(request, reverse("quality:follow_up"))


@login_required
@require_POST
def value_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a value off the follow-up list (DataValue.follow_up = False, audited by ioc.datavalues)."""
    user = _user(request)
    value = values_for(user).filter(pk=pk).first()
    if value is None:
        messages.error(request, _("No such value"))
        return _back(request, reverse("quality:follow_up"))
    try:
        do_set_follow_up(
            user,
            data_element=value.data_element,
            org_unit=value.org_unit,
            period=value.period,
            category_option_combo=value.category_option_combo,
            follow_up=False,
            via=Via.FORM,
        )
    except IocError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved."))
    return _back(request, reverse("quality:follow_up"))


@login_required
@require_GET
def outlier_list(request: HttpRequest) -> HttpResponse:
    """Seasonal outliers of one element in a unit subtree and a year (ioc.quality.outliers), with the reason."""
    user = _user(request)
    form = OutlierForm(request.GET or None, user=user)
    rows: list[dict[str, Any]] = []
    checked = 0
    if form.is_bound and form.is_valid():
        element = form.cleaned_data["element"]
        root = form.unit()
        year = form.cleaned_data["year"]
        series = selectors.monthly_series(user, data_elements=[element], root=root)
        labels = selectors.labels_for(series)
        checked = sum(1 for s in series.values() for p in s if p.startswith(str(year)))

        def where(key: selectors.SeriesKey) -> str | None:
            unit = labels.units.get(key[1])
            return unit.name if unit else None

        flagged = outliers.seasonal_outliers_of_groups(series, lambda key: (key[0], key[2]), where=where)
        ds = selectors.home_data_set_for(element, PeriodType.MONTHLY)
        for key, flags in flagged.items():
            unit = labels.units.get(key[1])
            combo = labels.combos.get(key[2])
            for flag in flags:
                if not flag.period.startswith(str(year)) or unit is None:
                    continue
                rows.append(
                    {
                        "unit": unit,
                        "combo": combo.name if combo is not None and combo.code != "default" else "",
                        "flag": flag,
                        "value": outliers.format_number(flag.value),
                        "expected": outliers.format_number(flag.expected),
                        "url": entry_url(ds.code if ds else None, unit.uid, flag.period),
                    }
                )
        rows.sort(key=lambda r: -r["flag"].score)
    return render(
        request,
        "quality/outliers.html",
        {"form": form, "rows": rows, "checked": checked, "tab": "outliers"},
    )
