"""Benchmark: the demo generator and the bulk loader (values/s), against Django's ORM on the same rows.

    .venv/bin/python benchmarks/demo_generate.py [--values N]

On a temporary SQLite database, and on a temporary PostgreSQL database when the server is reachable
(IOC_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/ioc; the database `ioc_bench_<pid>` is
created and dropped). For each database, in a child process of its own (settings are per process):

1. set up the demo's units, agencies and metadata (not timed);
2. baselines on the first rows of the generator's stream, on the empty table: `DataValue.objects.create` per
   row (autocommit, `orm_create`, a small sample), and the bulk loader with Django's `bulk_create`
   (`bulk_create`, a larger sample); then those rows are deleted;
3. timed: the generator feeding `do_bulk_load` for N values (default 1,000,000, about the demo), the way
   `ioc demo generate` does it (COPY on PostgreSQL, executemany on SQLite; indexes rebuilt after the load);
4. the generator alone, without a database (`generate_only`).

The last line printed is one JSON object (benchmarks/common.py).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import drop_database, machine, postgres_database, report, run_child  # noqa: E402

ORM_SAMPLE = 2_000
BULK_CREATE_SAMPLE = 50_000


def child(values: int) -> dict[str, Any]:
    """Runs inside the child process, with DATABASE_URL set to the database to measure."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ioc.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from ioc.core.periods import parse_period
    from ioc.datavalues.bulk import BulkValue, do_bulk_delete, do_bulk_load
    from ioc.datavalues.models import DataValue
    from ioc.demo import generate, services
    from ioc.demo.agencies import do_create_demo_agencies
    from ioc.demo.metadata import do_load_demo_metadata
    from ioc.demo.months import last_complete_month
    from ioc.demo.places import load_province
    from ioc.orgunits.services import do_load_vn

    call_command("migrate", verbosity=0)
    do_load_vn(None, "26")
    do_create_demo_agencies(None)
    last = last_complete_month(timezone.localdate())
    per_copy = 1_000_000  # a little less than a copy's values, so that the stream never runs short
    copies = list(range(1, (values + ORM_SAMPLE + BULK_CREATE_SAMPLE) // per_copy + 2))
    do_load_demo_metadata(None, copies=copies)
    province = load_province(services.DEFAULT_SEED)
    catalog = generate.Catalog(copies)

    def stream() -> itertools.islice[BulkValue]:
        plan = generate.Plan(seed=services.DEFAULT_SEED, copies=copies, first=0, last=last)
        return itertools.islice(generate.generate(plan, province, catalog, []), values)

    rows = stream()
    # Baseline 1: one ORM create per row, autocommit, as a naive loop would.
    sample = list(itertools.islice(rows, ORM_SAMPLE))
    now = timezone.now()
    periods = {r.period: parse_period(r.period) for r in sample}
    began = time.perf_counter()
    for r in sample:
        p = periods[r.period]
        DataValue.objects.create(
            data_element_id=r.data_element_id,
            org_unit_id=r.org_unit_id,
            period=r.period,
            period_type=p.period_type,
            start_date=p.start,
            end_date=p.end,
            category_option_combo_id=r.category_option_combo_id,
            value_num=float(r.value),
            created=now,
            last_updated=now,
        )
    orm_create = len(sample) / (time.perf_counter() - began)
    # Baseline 2: the bulk loader through Django's bulk_create.
    began = time.perf_counter()
    run = do_bulk_load(None, itertools.islice(rows, BULK_CREATE_SAMPLE), source="bench", method="bulk_create")
    bulk_create = run.imported / (time.perf_counter() - began)
    do_bulk_delete(None, data_element_ids=list({pk for pk, _t in catalog.elements.values()}), source="bench reset")

    # Timed: generator + bulk load of N values, as `ioc demo generate` does.
    began = time.perf_counter()
    run = do_bulk_load(None, stream(), source="bench", rebuild_indexes=True)
    elapsed = time.perf_counter() - began
    assert run.imported == DataValue.objects.count() == values, (run.imported, values)

    began = time.perf_counter()
    generated = sum(1 for _row in stream())
    generate_only = generated / (time.perf_counter() - began)
    return {
        "vendor": connection.vendor,
        "values": run.imported,
        "seconds": elapsed,
        "bulk_load": run.imported / elapsed,
        "orm_create": orm_create,
        "bulk_create": bulk_create,
        "generate_only": generate_only,
    }


def line(name: str, r: dict[str, Any]) -> str:
    return (
        f"{name}: {r['values']:,.0f} values in {r['seconds']:.1f} s = {r['bulk_load']:,.0f} values/s "
        f"(orm_create {r['orm_create']:,.0f}/s, bulk_create {r['bulk_create']:,.0f}/s, "
        f"generator alone {r['generate_only']:,.0f}/s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=1_000_000, help="values to load (default 1,000,000)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args()
    if args.child:
        print(json.dumps(child(args.values)))
        return 0
    print(f"demo_generate: {args.values:,} values on {machine()}", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="ioc-bench-") as tmp:
        sqlite = run_child(__file__, f"sqlite:///{tmp}/bench.sqlite3", tmp, ["--values", str(args.values)])
        print(line("SQLite", sqlite), flush=True)
        results.append(("bulk_load_sqlite", sqlite))
        pg = postgres_database()
        if pg is not None:
            url, admin = pg
            try:
                postgres = run_child(__file__, url, tmp, ["--values", str(args.values)])
                print(line("PostgreSQL", postgres), flush=True)
                results.append(("bulk_load_postgresql", postgres))
            finally:
                drop_database(admin, url)
    report(
        "demo_generate",
        [
            {
                "name": name,
                "unit": "values/s",
                "value": round(r["bulk_load"]),
                "baselines": {"orm_create": round(r["orm_create"]), "bulk_create": round(r["bulk_create"])},
                "values": int(r["values"]),
                "seconds": round(r["seconds"], 1),
                "generate_only": round(r["generate_only"]),
            }
            for name, r in results
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
