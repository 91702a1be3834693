"""Benchmark: one cell save of the data-entry form (server time, ms), beside a bare do_set_value call.

    .venv/bin/python benchmarks/cell_save.py [--saves N] [--no-values]

The goal (issue 3): a cell save takes at most 50 ms of server time. On a temporary SQLite database, and on a
temporary PostgreSQL database when the server is reachable (IOC_TEST_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432/ioc; `ioc_bench_<pid>` is created and dropped), each in a child process:

1. the demo is set up as `ioc demo setup` does (Vĩnh Phúc's units, agencies, metadata, users, about a
   million synthetic values), not timed; `--no-values` skips the values;
2. the demo data officer (nhaplieu.vinhyen) saves the cells of the monthly health form of Phường Vĩnh Yên
   for the current month, round after round (the first round creates, the others update), timed three ways:
   - `view`: the view function ioc.entry.views.save_cell called with a request (parsing, the scoped look-ups,
     the service, the JSON answer);
   - `client`: the same through Django's test client, with every middleware (session, authentication,
     CSRF, locale, security headers);
   - baseline `do_set_value`: the bare service call with the same values, on the previous month.

Printed: p50 and p95 in milliseconds. The last line is one JSON object (benchmarks/common.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import drop_database, machine, postgres_database, report, run_child  # noqa: E402

DATA_SET = "DS_HEALTH_MONTHLY"
UNIT_CODE = "08707"  # Phường Vĩnh Yên (from 2025-07-01), in the demo data officer's scope
OFFICER = "nhaplieu.vinhyen"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": statistics.median(ordered), "p95": p95, "n": len(ordered)}


def child(saves: int, values: bool) -> dict[str, Any]:
    """Runs inside the child process, with DATABASE_URL set to the database to measure."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ioc.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser  # noqa: F401 (the request factory needs auth loaded)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import setup_test_environment
    from django.utils import timezone, translation

    from ioc.accounts.models import User
    from ioc.audit.models import Via
    from ioc.core.periods import MONTHLY, period_for_date
    from ioc.datavalues.services import do_set_value
    from ioc.demo import services as demo
    from ioc.entry import selectors, views
    from ioc.metadata.models import DataSet
    from ioc.orgunits.selectors import resolve_code

    setup_test_environment()  # the test client on any host name
    call_command("migrate", verbosity=0)
    if values:
        demo.do_setup(None)
    else:
        from ioc.demo import agencies
        from ioc.demo.metadata import do_load_demo_metadata
        from ioc.orgunits.services import do_load_vn

        do_load_vn(None, agencies.OLD_PROVINCE)
        agencies.do_create_demo_agencies(None)
        do_load_demo_metadata(None, copies=[1])
        agencies.do_create_demo_users(None)
    translation.activate("vi")
    officer = User.objects.get(username=OFFICER)
    data_set = DataSet.objects.get(code=DATA_SET)
    month = period_for_date(MONTHLY, timezone.localdate())
    unit = resolve_code(UNIT_CODE, month.start)
    grid = selectors.form_grid(officer, data_set, unit, month)
    cells = [(c.element.code, c.coc.code) for c in grid.cells]

    def fields(period: str, de: str, coc: str, value: int) -> dict[str, str]:
        return {"data_set": DATA_SET, "org_unit": unit.uid, "period": period, "de": de, "coc": coc, "value": str(value)}

    factory = RequestFactory()
    times: dict[str, list[float]] = {"view": [], "client": [], "do_set_value": []}

    def timed_view(period: str, de: str, coc: str, value: int) -> None:
        request = factory.post("/entry/cell/", fields(period, de, coc, value))
        request.user = User.objects.get(pk=officer.pk)  # a fresh user per request, as the middleware gives
        began = time.perf_counter()
        response = views.save_cell(request)
        times["view"].append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise RuntimeError(response.content.decode())

    client = Client()
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"

    def timed_client(period: str, de: str, coc: str, value: int) -> None:
        began = time.perf_counter()
        response = client.post("/entry/cell/", fields(period, de, coc, value))
        times["client"].append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise RuntimeError(response.content.decode())

    def timed_service(period: str, de: str, coc: str, value: int) -> None:
        user = User.objects.get(pk=officer.pk)
        began = time.perf_counter()
        do_set_value(
            user, data_element=de, org_unit=unit, period=period, category_option_combo=coc, value=value, via=Via.FORM
        )
        times["do_set_value"].append((time.perf_counter() - began) * 1000)

    # The three ways on three periods (so that each sees the same create/update mix), interleaved.
    periods = {"view": month.id, "client": month.previous().id, "do_set_value": month.previous().previous().id}
    # The demo's workflow history has submitted or approved (so locked) the earlier months' forms of this
    # unit: open them again, as an approver returning them would (not timed).
    from ioc.datavalues.models import PeriodLock

    PeriodLock.objects.filter(data_set=data_set, org_unit=unit, period__in=list(periods.values())).delete()
    runs = {"view": timed_view, "client": timed_client, "do_set_value": timed_service}
    n = 0
    while n < saves:
        for de, coc in cells:
            value = 100 + n
            for way, run in runs.items():
                run(periods[way], de, coc, value)
            n += 1
            if n >= saves:
                break
    from ioc.datavalues.models import DataValue

    return {
        "vendor": connection.vendor,
        "values_in_db": DataValue.objects.count(),
        "cells": len(cells),
        **{way: percentiles(samples) for way, samples in times.items()},
    }


def line(name: str, r: dict[str, Any]) -> str:
    def ms(way: str) -> str:
        return f"p50 {r[way]['p50']:.1f} ms, p95 {r[way]['p95']:.1f} ms"

    return (
        f"{name} ({r['values_in_db']:,} values, {r['view']['n']} saves of {r['cells']} cells): "
        f"view {ms('view')}; test client {ms('client')}; baseline do_set_value {ms('do_set_value')}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300, help="saves timed each way (default 300)")
    parser.add_argument("--no-values", action="store_true", help="skip the demo's synthetic values")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args()
    if args.child:
        print(json.dumps(child(args.saves, not args.no_values)))
        return 0
    print(f"cell_save: {args.saves} saves each way on {machine()}", flush=True)
    measured: list[tuple[str, dict[str, Any]]] = []
    child_args = ["--saves", str(args.saves), *(["--no-values"] if args.no_values else [])]
    with tempfile.TemporaryDirectory(prefix="ioc-bench-") as tmp:
        sqlite = run_child(__file__, f"sqlite:///{tmp}/bench.sqlite3", tmp, child_args)
        print(line("SQLite", sqlite), flush=True)
        measured.append(("sqlite", sqlite))
        pg = postgres_database()
        if pg is not None:
            url, admin = pg
            try:
                postgres = run_child(__file__, url, tmp, child_args)
                print(line("PostgreSQL", postgres), flush=True)
                measured.append(("postgresql", postgres))
            finally:
                drop_database(admin, url)
    results = []
    for vendor, r in measured:
        for way in ("view", "client"):
            for q in ("p50", "p95"):
                results.append(
                    {
                        "name": f"cell_save_{way}_{vendor}_{q}",
                        "unit": "ms",
                        "value": round(r[way][q], 2),
                        "baselines": {"do_set_value": round(r["do_set_value"][q], 2)},
                    }
                )
    report("cell_save", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
