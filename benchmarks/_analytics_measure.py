"""The measuring half of benchmarks/analytics.py: runs in a child process on one database (DATABASE_URL set),
with Django set up here. Returns one dict (printed as JSON by the caller).

1. The replica's first load (the first engine question of the process).
2. The questions of the operations screen: each demo dashboard's data (ioc.dashboards.data.dashboard_data)
   is computed once for each view while the engine's `run` is recorded (the screen asks one question for
   its KPI tiles, one for everything by unit, one per period range of its trend charts); each question is
   then timed with the engine's cache off (`run(..., use_cache=False)`), and answered by the naive GROUP BY.
3. The whole screen: dashboard_data of each dashboard, and of all of them, with the engine's cache cleared
   before each repetition; and once more with the cache kept (what a second viewer of the same screen gets).
4. The raw scan (the limit).
5. Freshness: the demo data officer writes one value with do_set_value; the time until the next engine
   question (in this process) returns it, and until the running server (another process, over HTTP) does.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time
import urllib.request
from typing import Any

VIEWER = "lanhdao"
OFFICER = "nhaplieu.vinhyen"
FRESH_ELEMENT = "HLT_OPD_VISITS"
FRESH_UNIT = "08707"  # Phường Vĩnh Yên (from 2025-07-01), in the data officer's scope


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": statistics.median(ordered), "p95": p95, "n": len(ordered)}


def timed(fn: Any, repeat: int, before: Any = None) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return percentiles(samples)


def _label(query: Any) -> str:
    from ioc.core.periods import parse_period
    from ioc.dashboards.context import same_period_last_year

    if "CHILDREN" in query.ou:
        return "by_unit"
    if len(query.pe) == 3:
        first = parse_period(query.pe[0])
        if (query.pe[1], query.pe[2]) == (first.previous().id, same_period_last_year(first).id):
            return "kpi_tiles"
    if len(query.pe) == 1:
        return "by_unit"
    return f"trend_{len(query.pe)}"


def child(repeat: int, naive_repeat: int, server: str | None, cookie: str | None) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ioc.settings")
    django.setup()
    from _analytics_baselines import raw_scan
    from django.db import connection
    from django.utils import timezone, translation

    from ioc.accounts.models import User
    from ioc.analytics import engine
    from ioc.analytics.query import Query
    from ioc.dashboards import data as screen
    from ioc.dashboards import selectors
    from ioc.datavalues.models import DataValue

    translation.activate("vi")
    today = timezone.localdate()
    viewer = User.objects.get(username=VIEWER)
    out: dict[str, Any] = {"vendor": connection.vendor, "values": DataValue.objects.filter(deleted=False).count()}

    t0 = time.perf_counter()
    engine.run(viewer, Query(dx=(FRESH_ELEMENT,), pe=("LAST_MONTH",)), today=today, use_cache=False)
    out["replica_load_s"] = time.perf_counter() - t0

    dashboards = list(selectors.dashboards(viewer))
    if not dashboards:
        raise RuntimeError("the demo has no dashboards: `ioc demo setup` should have made the operations screen")
    overview = screen.dashboard_data(viewer, dashboards[0], today=today)
    maps = [i for i in overview["items"] if i["kind"] == "map" and i.get("units")]
    views: dict[str, dict[str, Any]] = {"default": {}}
    if maps:
        views["drill_down"] = {"ou": maps[0]["units"][0]["uid"]}
    views["as_it_was"] = {"structure": "AS_IT_WAS", "pe": "202406"}
    questions = record_questions(viewer, dashboards, views, today)
    out.update(time_questions(viewer, questions, today, repeat, naive_repeat))
    out["screens"] = time_screens(viewer, dashboards, views, today, repeat, out.pop("naive_ms"))
    out["dashboards"] = [d.code for d in dashboards]
    out["raw_scan"] = raw_scan(repeat)
    out["freshness"] = freshness(today, server, cookie)
    return out


Questions = dict[tuple[str, str], list[tuple[str, Any]]]


def record_questions(viewer: Any, dashboards: list[Any], views: dict[str, dict[str, Any]], today: dt.date) -> Questions:
    """The engine questions each screen asks in each view, named by what they are for."""
    from ioc.dashboards import data as screen

    questions: Questions = {}
    real_run = screen.run
    screen.clear_cache()  # the screen's own payload cache would hide the questions
    for view, params in views.items():
        for d in dashboards:
            asked: list[Any] = []

            def recording(user: Any, query: Any, *, _asked: list[Any] = asked, **kw: Any) -> Any:
                _asked.append(query)
                return real_run(user, query, **kw)

            screen.run = recording
            screen.clear_cache()
            try:
                screen.dashboard_data(viewer, d, today=today, **params)
            finally:
                screen.run = real_run
            seen: dict[str, int] = {}
            named = []
            for q in asked:
                label = _label(q)
                seen[label] = seen.get(label, 0) + 1
                named.append((label if seen[label] == 1 else f"{label}_{seen[label]}", q))
            questions[(view, d.code)] = named
    return questions


def time_questions(viewer: Any, questions: Questions, today: dt.date, repeat: int, naive_repeat: int) -> dict[str, Any]:
    """Each question of the default view timed in the engine (cache off); every question of every view
    answered by the naive GROUP BY (its median time), and compared with the engine's answer."""
    from _analytics_baselines import Naive, agreement

    from ioc.analytics import engine

    naive = Naive()
    per_question: list[dict[str, Any]] = []
    naive_ms: dict[tuple[str, str, str], float] = {}
    agree: list[float] = []
    for (view, code), named in questions.items():
        for name, q in named:
            result = engine.run(viewer, q, today=today, use_cache=False)
            samples = []
            answer: dict[tuple[str, str, str], float] = {}
            for _ in range(naive_repeat):
                t0 = time.perf_counter()
                answer = naive.answer(q, result.dimensions)
                samples.append((time.perf_counter() - t0) * 1000)
            naive_ms[(view, code, name)] = statistics.median(samples)
            if result.columns == ["dx", "pe", "ou"]:
                rows = {(str(r[0]), str(r[1]), str(r[2])): float(r[3]) for r in result.rows}
                agree.append(agreement(rows, answer))
            if view == "default":
                engine_ms = timed(lambda q=q: engine.run(viewer, q, today=today, use_cache=False), repeat)
                per_question.append(
                    {
                        "dashboard": code,
                        "question": name,
                        "dx": len(q.dx),
                        "pe": len(q.pe),
                        "ou": list(q.ou),
                        "cells": len(result.rows),
                        **engine_ms,
                        "naive_group_by": naive_ms[(view, code, name)],
                    }
                )
    return {
        "per_question": per_question,
        "naive_ms": naive_ms,
        "naive_agreement": statistics.mean(agree) if agree else None,
        "questions": {
            f"{v}/{c}": [[n, len(q.dx), len(q.pe), list(q.ou)] for n, q in qs] for (v, c), qs in questions.items()
        },
    }


def time_screens(
    viewer: Any,
    dashboards: list[Any],
    views: dict[str, dict[str, Any]],
    today: dt.date,
    repeat: int,
    naive_ms: dict[tuple[str, str, str], float],
) -> list[dict[str, Any]]:
    """Each dashboard's screen (default view), and all of them (each view): the engine's and the screen's caches
    cleared before each repetition (cold), then kept (cached: a repeat view when no data changed). The naive
    figure is the sum of the naive answers of the same questions."""
    from ioc.analytics import engine
    from ioc.dashboards import data as screen

    def cold() -> None:
        engine.clear_cache()
        screen.clear_cache()

    screens: list[dict[str, Any]] = []
    for d in dashboards:
        one = timed(lambda d=d: screen.dashboard_data(viewer, d, today=today), repeat, cold)
        naive_total = sum(v for (vw, c, _n), v in naive_ms.items() if vw == "default" and c == d.code)
        screens.append({"view": "default", "dashboard": d.code, **one, "naive_group_by": naive_total})
    for view, params in views.items():

        def all_screens(params: dict[str, Any] = params) -> None:
            for d in dashboards:
                screen.dashboard_data(viewer, d, today=today, **params)

        naive_total = sum(v for (vw, _c, _n), v in naive_ms.items() if vw == view)
        cleared = timed(all_screens, max(5, repeat // 3), cold)
        screens.append({"view": view, "dashboard": "*", **cleared, "naive_group_by": naive_total})
        all_screens()
        cached = timed(all_screens, max(5, repeat // 3))
        screens.append({"view": view, "dashboard": "* cached", **cached, "naive_group_by": naive_total})
    return screens


def freshness(today: dt.date, server: str | None, cookie: str | None, rounds: int = 10) -> dict[str, Any]:
    """Write one value (the current month, not yet reported, in the data officer's scope) and time until the
    engine returns it: here, and in the server process over HTTP. The value is deleted again at the end."""
    from ioc.accounts.models import User
    from ioc.analytics import engine
    from ioc.analytics.query import Query
    from ioc.audit.models import Via
    from ioc.core.periods import MONTHLY, period_for_date
    from ioc.datavalues.models import DataValue
    from ioc.datavalues.services import do_delete_value, do_set_value
    from ioc.orgunits.selectors import resolve_code

    officer = User.objects.get(username=OFFICER)
    month = period_for_date(MONTHLY, today)
    unit = resolve_code(FRESH_UNIT, month.start)
    coc = (
        DataValue.objects.filter(data_element__code=FRESH_ELEMENT, org_unit=unit)
        .values_list("category_option_combo__code", flat=True)
        .first()
    )
    query = Query(dx=(FRESH_ELEMENT,), pe=(month.id,), ou=(unit.uid,))

    def total() -> float:
        found = engine.run(officer, query, today=today).value(dx=FRESH_ELEMENT, pe=month.id, ou=unit.uid)
        return found or 0.0

    def cell() -> float:
        row = DataValue.objects.filter(
            data_element__code=FRESH_ELEMENT,
            org_unit=unit,
            period=month.id,
            category_option_combo__code=coc,
            deleted=False,
        ).values_list("value_num", flat=True)
        return float(row[0] or 0) if row else 0.0

    def write(value: int) -> tuple[float, float]:
        """(expected total, seconds the write took); perf_counter() after it is the caller's."""
        expected = total() - cell() + value
        t0 = time.perf_counter()
        do_set_value(
            officer,
            data_element=FRESH_ELEMENT,
            org_unit=unit,
            period=month,
            category_option_combo=coc,
            value=value,
            via=Via.FORM,
        )
        return expected, time.perf_counter() - t0

    # Values near last month's (within the element's bounds), different from what is stored.
    last = DataValue.objects.filter(
        data_element__code=FRESH_ELEMENT, org_unit=unit, period=month.previous().id, category_option_combo__code=coc
    ).values_list("value_num", flat=True)
    base = (int(last[0] or 100) if last else 100) + 1
    local: list[float] = []
    writes: list[float] = []
    for i in range(rounds):
        expected, took = write(base + i)
        t1 = time.perf_counter()
        while abs(total() - expected) > 1e-9:
            if time.perf_counter() - t1 > 10:
                raise RuntimeError("a written value was not visible to the engine after 10 s")
        local.append((time.perf_counter() - t1 + took) * 1000)
        writes.append(took * 1000)
    out: dict[str, Any] = {"engine": percentiles(local), "write": percentiles(writes), "rounds": rounds}
    if server and cookie:
        remote: list[float] = []
        for i in range(rounds // 2):
            expected, took = write(base + rounds + i)
            t1 = time.perf_counter()
            while abs(_served(server, cookie, month.id, unit.uid) - expected) > 1e-9:
                if time.perf_counter() - t1 > 10:
                    raise RuntimeError("a written value was not visible to the server after 10 s")
                time.sleep(0.005)
            remote.append((time.perf_counter() - t1 + took) * 1000)
        out["server"] = percentiles(remote)
    do_delete_value(
        officer, data_element=FRESH_ELEMENT, org_unit=unit, period=month, category_option_combo=coc, via=Via.FORM
    )
    return out


def _served(server: str, cookie: str, period: str, uid: str) -> float:
    """The value the server's analytics API gives for the freshness cell (0 when none)."""
    from urllib.parse import urlencode

    query = urlencode([("dimension", f"dx:{FRESH_ELEMENT}"), ("dimension", f"pe:{period}"), ("dimension", f"ou:{uid}")])
    # Our own server on loopback (http://127.0.0.1:PORT, made by the benchmark).
    request = urllib.request.Request(f"{server}/api/v1/analytics?{query}", headers={"Cookie": cookie})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        body = json.loads(response.read())
    for row in body.get("rows", []):
        return float(row[-1])
    return 0.0
