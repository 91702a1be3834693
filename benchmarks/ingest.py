"""Benchmark: importing 1 M values end to end (parse, resolve codes, validate, upsert, audit), against the raw
bulk upsert of the same number of rows into the same table.

    .venv/bin/python benchmarks/ingest.py [--values N] [--preload N] [--profile]

On a temporary SQLite database, and on a temporary PostgreSQL database when the server is reachable
(IOC_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/ioc; the database `ioc_bench_ingest_<pid>`
is created and dropped). For each database, in a child process of its own:

1. set up the demo's units and metadata, and pre-load PRELOAD values (default 500,000) with do_bulk_load
   (not timed); the values come from the demo generator (its periods, units, elements and option combos);
2. `raw_bulk`, the baseline: N rows (half updates of pre-loaded keys with changed values, half new keys) by
   database ids, no checks, no history: executemany `INSERT … ON CONFLICT DO UPDATE` on SQLite; COPY into a
   staging table then `INSERT … SELECT … ON CONFLICT DO UPDATE` on PostgreSQL;
3. `csv_end_to_end`: a DHIS2 CSV file (codes) of N values, half updates of pre-loaded keys with changed
   values, half new keys, through `parse_file` and `do_import` (every rule of do_set_value, one history row
   per value written) — timed from the bytes to the commit;
4. `json_end_to_end`: the same with dataValueSets JSON (other changed values, other new keys).

The import runs as a superuser (the demo's old periods are past their data sets' expiry days, which only an
administrator may still write into; every other rule runs as for anyone).

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
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import drop_database, machine, postgres_database, report, run_child  # noqa: E402


def child(values: int, preload: int, profile: bool) -> dict[str, Any]:
    """Runs inside the child process, with DATABASE_URL set to the database to measure."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ioc.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from ioc.accounts.models import User
    from ioc.core.periods import parse_period
    from ioc.datavalues.bulk import BulkValue, do_bulk_load
    from ioc.datavalues.models import DataValue, DataValueAudit
    from ioc.demo import generate, services
    from ioc.demo.agencies import do_create_demo_agencies
    from ioc.demo.metadata import do_load_demo_metadata
    from ioc.demo.months import last_complete_month
    from ioc.demo.places import load_province
    from ioc.ingest.formats import parse_file
    from ioc.ingest.importer import do_import
    from ioc.metadata.models import CategoryOptionCombo, DataElement
    from ioc.orgunits.models import OrgUnit
    from ioc.orgunits.services import do_load_vn

    call_command("migrate", verbosity=0)
    do_load_vn(None, "26")
    do_create_demo_agencies(None)
    half = values // 2
    needed = preload + 3 * (values - half)
    copies = list(range(1, needed // 900_000 + 2))
    do_load_demo_metadata(None, copies=copies)
    province = load_province(services.DEFAULT_SEED)
    catalog = generate.Catalog(copies)
    last = last_complete_month(timezone.localdate())
    plan = generate.Plan(seed=services.DEFAULT_SEED, copies=copies, first=0, last=last, outlier_rate=0.0)
    # Only numeric elements: the updates change each value by adding to it.
    numeric = {pk for pk, vt in catalog.elements.values() if vt in ("NUMBER", "INTEGER")}
    stream = (r for r in generate.generate(plan, province, catalog, []) if r.data_element_id in numeric)
    rows = list(itertools.islice(stream, needed))
    if len(rows) < needed:
        raise RuntimeError(f"the generator made {len(rows):,} values, {needed:,} needed")
    base = rows[:preload]
    new_sets = [rows[preload + i * (values - half) : preload + (i + 1) * (values - half)] for i in range(3)]
    do_bulk_load(None, iter(base), source="bench preload", rebuild_indexes=True)
    admin = User.objects.create_superuser("bench", password="bench-only-2025")  # noqa: S106

    element_code = dict(DataElement.objects.values_list("pk", "code"))
    element_max = dict(DataElement.objects.values_list("pk", "max_value"))
    # Units by code, as people write them; by uid where the 2025 reorganisation reused the code (a yearly
    # period of 2025 would otherwise name two units, which the import rightly refuses).
    units = list(OrgUnit.objects.values_list("pk", "code", "uid"))
    reused = {code for code, n in Counter(code for _pk, code, _uid in units).items() if n > 1}
    unit_code = {pk: uid if code in reused else code for pk, code, uid in units}
    coc_code = dict(CategoryOptionCombo.objects.values_list("pk", "code"))

    def changed(r: BulkValue, step: int) -> BulkValue:
        value = float(r.value) + step
        hi = element_max.get(r.data_element_id)
        if hi is not None and value > hi:
            value = float(r.value) - step
        return r._replace(value=int(value) if float(value).is_integer() else value)

    def batch(step: int, fresh: list[BulkValue]) -> list[BulkValue]:
        updates = [changed(r, step) for r in base[:half]]
        return updates + fresh

    def csv_bytes(batch_rows: list[BulkValue]) -> bytes:
        lines = ["dataelement,period,orgunit,catoptcombo,attroptcombo,value,strby,lstupd,cmt"]
        lines += [
            f"{element_code[r.data_element_id]},{r.period},{unit_code[r.org_unit_id]},"
            f"{coc_code[r.category_option_combo_id]},,{r.value},,,"
            for r in batch_rows
        ]
        return ("\n".join(lines) + "\n").encode()

    def json_bytes(batch_rows: list[BulkValue]) -> bytes:
        return json.dumps(
            {
                "dataValues": [
                    {
                        "dataElement": element_code[r.data_element_id],
                        "period": r.period,
                        "orgUnit": unit_code[r.org_unit_id],
                        "categoryOptionCombo": coc_code[r.category_option_combo_id],
                        "value": str(r.value),
                    }
                    for r in batch_rows
                ]
            },
            ensure_ascii=False,
        ).encode()

    out: dict[str, Any] = {"vendor": connection.vendor, "values": values, "preload": preload}

    # --- raw_bulk: the baseline
    raw_rows = batch(1, new_sets[0])
    began = time.perf_counter()
    with transaction.atomic():
        raw_upsert(raw_rows, admin.pk)
    out["raw_bulk_seconds"] = time.perf_counter() - began
    out["raw_bulk"] = len(raw_rows) / out["raw_bulk_seconds"]
    print(f"  raw_bulk: {out['raw_bulk']:,.0f} values/s", file=sys.stderr, flush=True)

    for name, make, step, fresh in (("csv", csv_bytes, 2, new_sets[1]), ("json", json_bytes, 3, new_sets[2])):
        data = make(batch(step, fresh))
        audits_before = DataValueAudit.objects.count()
        profiler = None
        if profile and name == "csv":
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        began = time.perf_counter()
        parsed = parse_file(data, f"bench.{name}", limit=len(data) + 1)
        parsed_at = time.perf_counter()
        summary = do_import(
            admin, parsed, source=f"bench.{name}", validate=False
        )  # the rules run after the commit, apart
        elapsed = time.perf_counter() - began
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
        assert summary.status == "SUCCESS", summary.as_dict(limit=5)
        assert (summary.imported, summary.updated) == (len(fresh), half), summary.import_count
        assert DataValueAudit.objects.count() - audits_before == values
        out[f"{name}_seconds"] = elapsed
        out[f"{name}_parse_seconds"] = parsed_at - began
        out[f"{name}_end_to_end"] = values / elapsed
        out[f"{name}_bytes"] = len(data)
        out[f"{name}_phases"] = {"parse": round(parsed_at - began, 2)} | {
            k: round(v, 2) for k, v in summary.timings.items()
        }
        print(
            f"  {name}_end_to_end: {out[f'{name}_end_to_end']:,.0f} values/s "
            f"(seconds: {out[f'{name}_phases']}, total {elapsed:.1f})",
            file=sys.stderr,
            flush=True,
        )
        del data, parsed
    # Re-import of the same JSON: all unchanged (idempotence), timed for the record.
    data = json_bytes(batch(3, new_sets[2]))
    began = time.perf_counter()
    summary = do_import(admin, parse_file(data, "bench.json", limit=len(data) + 1), source="again.json", validate=False)
    out["json_reimport_unchanged"] = values / (time.perf_counter() - began)
    assert summary.ignored == values and summary.imported == summary.updated == 0, summary.import_count
    out["total_values"] = DataValue.objects.count()
    _ = parse_period  # (imported for callers that extend this)
    return out


def raw_upsert(rows: list[Any], user_id: int) -> None:
    """The baseline: the rows by database ids straight into the value table, no checks, no history."""
    from django.db import connection
    from django.utils import timezone

    from ioc.core.periods import parse_period
    from ioc.datavalues.models import DataValue

    now = timezone.now()
    qn = connection.ops.quote_name
    table = qn(DataValue._meta.db_table)
    cols = (
        "data_element_id",
        "org_unit_id",
        "period",
        "period_type",
        "start_date",
        "end_date",
        "category_option_combo_id",
        "value_num",
        "comment",
        "follow_up",
        "stored_by_id",
        "created",
        "last_updated",
        "deleted",
    )
    key = "data_element_id, org_unit_id, period, category_option_combo_id"
    update = (
        "value_num = excluded.value_num, stored_by_id = excluded.stored_by_id, last_updated = excluded.last_updated"
    )
    periods: dict[str, Any] = {}

    def period(text: str) -> Any:
        p = periods.get(text)
        if p is None:
            p = periods[text] = parse_period(text)
        return p

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMP TABLE raw_stage ON COMMIT DROP AS SELECT {', '.join(cols)} FROM {table} WITH NO DATA"
            )
            from psycopg import sql

            copy_sql = sql.SQL("COPY raw_stage ({}) FROM STDIN").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in cols)
            )
            stamp = now.isoformat()
            with cursor.cursor.copy(copy_sql) as copy:
                for start in range(0, len(rows), 50_000):
                    lines = []
                    for r in rows[start : start + 50_000]:
                        p = period(r.period)
                        lines.append(
                            f"{r.data_element_id}\t{r.org_unit_id}\t{r.period}\t{p.period_type}\t{p.start}\t{p.end}\t"
                            f"{r.category_option_combo_id}\t{float(r.value)!r}\t\tf\t{user_id}\t{stamp}\t{stamp}\tf\n"
                        )
                    copy.write("".join(lines))
            names = ", ".join(cols)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM raw_stage "
                f"ON CONFLICT ({key}) DO UPDATE SET {update}"
            )
        else:
            stamp_db = connection.ops.adapt_datetimefield_value(now)
            placeholders = ", ".join(["%s"] * len(cols))
            statement = (
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({placeholders}) "
                f"ON CONFLICT ({key}) DO UPDATE SET {update}"
            )
            for start in range(0, len(rows), 10_000):
                params = []
                for r in rows[start : start + 10_000]:
                    p = period(r.period)
                    params.append(
                        (
                            r.data_element_id,
                            r.org_unit_id,
                            r.period,
                            p.period_type,
                            str(p.start),
                            str(p.end),
                            r.category_option_combo_id,
                            float(r.value),
                            "",
                            False,
                            user_id,
                            stamp_db,
                            stamp_db,
                            False,
                        )
                    )
                cursor.executemany(statement, params)


def line(name: str, r: dict[str, Any]) -> str:
    return (
        f"{name}: raw_bulk {r['raw_bulk']:,.0f}/s; CSV end to end {r['csv_end_to_end']:,.0f}/s "
        f"({r['csv_end_to_end'] / r['raw_bulk']:.0%} of raw; parse {r['csv_parse_seconds']:.1f} s of "
        f"{r['csv_seconds']:.1f} s); JSON end to end {r['json_end_to_end']:,.0f}/s "
        f"({r['json_end_to_end'] / r['raw_bulk']:.0%}; parse {r['json_parse_seconds']:.1f} s of {r['json_seconds']:.1f} s); "
        f"unchanged re-import {r['json_reimport_unchanged']:,.0f}/s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--values", type=int, default=1_000_000, help="values per import (default 1,000,000)")
    parser.add_argument("--preload", type=int, default=500_000, help="values loaded first (default 500,000)")
    parser.add_argument("--profile", action="store_true", help="cProfile the CSV import (to stderr)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args()
    if args.preload < args.values // 2:
        parser.error("--preload must be at least half of --values (the updates)")
    if args.child:
        print(json.dumps(child(args.values, args.preload, args.profile)))
        return 0
    print(f"ingest: {args.values:,} values per import, {args.preload:,} pre-loaded, on {machine()}", flush=True)
    results: list[tuple[str, dict[str, Any]]] = []
    child_args = [
        "--values",
        str(args.values),
        "--preload",
        str(args.preload),
        *(["--profile"] if args.profile else []),
    ]
    with tempfile.TemporaryDirectory(prefix="ioc-bench-") as tmp:
        sqlite = run_child(__file__, f"sqlite:///{tmp}/bench.sqlite3", tmp, child_args, keep_stderr=True)
        print(line("SQLite", sqlite), flush=True)
        results.append(("sqlite", sqlite))
        pg = postgres_database("ioc_bench_ingest")
        if pg is not None:
            url, admin = pg
            try:
                postgres = run_child(__file__, url, tmp, child_args, keep_stderr=True)
                print(line("PostgreSQL", postgres), flush=True)
                results.append(("postgresql", postgres))
            finally:
                drop_database(admin, url)
    out = []
    for db, r in results:
        for fmt in ("csv", "json"):
            out.append(
                {
                    "name": f"{fmt}_end_to_end_{db}",
                    "unit": "values/s",
                    "value": round(r[f"{fmt}_end_to_end"]),
                    "baselines": {"raw_bulk": round(r["raw_bulk"])},
                    "values": r["values"],
                    "seconds": round(r[f"{fmt}_seconds"], 1),
                    "parse_seconds": round(r[f"{fmt}_parse_seconds"], 1),
                    "share_of_raw": round(r[f"{fmt}_end_to_end"] / r["raw_bulk"], 2),
                }
            )
    report("ingest", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
