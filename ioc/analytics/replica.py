"""The columnar replica: every numeric data value in an in-process DuckDB table, kept live from the change log.

Why: a row store answers a province-wide rollup of 10 M values in 0.8–12 s; DuckDB scans the same columns
in ~10 ms (../shared/PERF-NOTES.md). Each application process holds its own replica, so servers stay
stateless: the database remains the one source of truth.

- Load: one pass over the value table (ordered by element and date inside DuckDB, so that the zone maps of
  its row groups let a query on a few elements skip the rest).
- Live: before each query, the process reads the change log (datavalues.ValueChange) past what it has
  applied — one indexed query, ~0.1 ms — and applies new entries: the rows of the named elements with
  last_updated ≥ since are fetched and replace their old versions (deleted ones removed). On PostgreSQL a
  later change id can commit before an earlier one, so the ids applied above the floor are remembered
  (`_seen`); the floor rises over ids applied without a gap, and past a gap (a rolled-back transaction's
  id) once an id above it is older than GAP_TIMEOUT.
- Readers never wait for a sync: only one thread syncs at a time and DuckDB gives each query a consistent
  snapshot, so a query runs on the last applied state.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import duckdb
import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Case, F, Func, IntegerField, Value, When
from django.utils import timezone

from ioc.analytics.dims import Dims, load_dims
from ioc.core.periods import PERIOD_TYPES
from ioc.datavalues.models import DataValue, ValueChange

log = logging.getLogger(__name__)

# A change id that is not visible this long after a later one was written is given up: no transaction writing
# values runs longer (an import of 1 M values commits in under a minute).
GAP_TIMEOUT = dt.timedelta(minutes=15)
# The change log keeps a week (ioc.analytics.tasks.KEEP_DAYS): a replica idle for half that reloads in full.
STALE_AFTER = 3.5 * 24 * 3600
CHUNK = 200_000
RANK = {t: i for i, t in enumerate(PERIOD_TYPES)}

FACTS_DDL = """
CREATE TABLE facts (id BIGINT, de INTEGER, ou INTEGER, rank TINYINT, mid INTEGER, fin INTEGER, coc INTEGER, v DOUBLE)
"""


class Replica:
    def __init__(self) -> None:
        self._con: duckdb.DuckDBPyConnection | None = None
        self._local = threading.local()
        self._sync_lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._floor = 0
        self._seen: set[int] = set()
        self.generation = 0
        self.as_of: dt.datetime | None = None
        self.dims: Dims | None = None
        self.loaded_at: float | None = None
        self.synced_at = 0.0
        self._unknown_units = False
        self.row_count = 0

    # --- connections -----------------------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the replica (DuckDB connections are not shared between threads)."""
        self.ensure_loaded()
        cur = getattr(self._local, "cursor", None)
        if cur is None or getattr(self._local, "con", None) is not self._con:
            assert self._con is not None
            cur = self._con.cursor()
            self._local.cursor, self._local.con = cur, self._con
        return cur

    def ensure_loaded(self) -> None:
        if self._con is not None:
            return
        with self._load_lock:
            if self._con is None:
                self._load()

    def reset(self) -> None:
        """Forget everything (tests: the database was rolled back); the next query loads afresh."""
        with self._load_lock, self._sync_lock:
            if self._con is not None:
                self._con.close()
            self._con, self.dims, self._floor, self._seen = None, None, 0, set()
            self._local = threading.local()
            self.generation += 1

    # --- full load -------------------------------------------------------------------------------------

    def _load(self) -> None:
        started = time.perf_counter()
        con = duckdb.connect(config={"threads": settings.IOC_ANALYTICS_THREADS})
        con.execute(f"SET memory_limit = '{int(settings.IOC_ANALYTICS_MEMORY_MB)}MB'")
        # The change log's position first: whatever commits after this is applied by the first sync.
        self._floor = ValueChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
        con.execute(FACTS_DDL.replace("facts", "staging"))
        for batch in _fetch(_values_query()):
            con.register("batch", batch)
            con.execute("INSERT INTO staging SELECT id, de, ou, rank, mid, fin, coc, v FROM batch")
            con.unregister("batch")
        con.execute("CREATE TABLE facts AS SELECT * FROM staging ORDER BY de, mid")
        con.execute("DROP TABLE staging")
        self._con = con
        self._load_dims()
        self.row_count = int(con.execute("SELECT count(*) FROM facts").fetchall()[0][0])
        self.as_of = DataValue.objects.order_by("-last_updated").values_list("last_updated", flat=True).first()
        self.loaded_at = self.synced_at = time.time()
        self.generation += 1
        log.info("analytics replica: %s values loaded in %.1f s", self.row_count, time.perf_counter() - started)

    def _load_dims(self) -> None:
        self.dims = load_dims()

    # --- live sync -------------------------------------------------------------------------------------

    def sync(self) -> None:
        """Apply the change log past what this replica has seen (skipped if another thread is at it)."""
        if self._con is not None and time.time() - self.synced_at > STALE_AFTER:
            self.reset()
        self.ensure_loaded()
        if not self._sync_lock.acquire(blocking=False):
            return
        try:
            self._sync()
        finally:
            self._sync_lock.release()

    def _sync(self) -> None:
        assert self._con is not None
        rows = ValueChange.objects.filter(id__gt=self._floor).order_by("id")
        changes = list(rows.values_list("id", "since", "element_ids", "at"))
        fresh = [(pk, since, ids) for pk, since, ids, _at in changes if pk not in self._seen]
        if fresh:
            self._apply(fresh)
        self._advance([(pk, at) for pk, _s, _i, at in changes])
        self.synced_at = time.time()

    def _apply(self, changes: list[tuple[int, dt.datetime | None, list[int]]]) -> None:
        assert self._con is not None
        con = self._con
        reload_dims = any(not ids for _pk, _s, ids in changes)
        reload_elements = sorted({i for _pk, since, ids in changes if since is None for i in ids})
        since_by: dict[int, dt.datetime] = {}
        for _pk, since, ids in changes:
            if since is not None:
                for i in ids:
                    if i not in reload_elements and (i not in since_by or since < since_by[i]):
                        since_by[i] = since
        con.execute("BEGIN")
        try:
            if reload_elements:
                con.execute("DELETE FROM facts WHERE list_contains(?, de)", [reload_elements])
                for batch in _fetch(_values_query(element_ids=reload_elements)):
                    self._insert(con, batch)
            groups: dict[dt.datetime, list[int]] = {}
            for element_id, since in since_by.items():
                groups.setdefault(since, []).append(element_id)
            for since, ids in sorted(groups.items()):
                for batch in _fetch(_values_query(element_ids=ids, since=since, with_deleted=True)):
                    con.register("batch", batch)
                    con.execute("DELETE FROM facts WHERE id IN (SELECT id FROM batch)")
                    con.unregister("batch")
                    self._insert(con, batch)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        if reload_dims or self._unknown_units:
            self._load_dims()
            self._unknown_units = False
        self.as_of = DataValue.objects.order_by("-last_updated").values_list("last_updated", flat=True).first()
        self.generation += 1

    def _insert(self, con: duckdb.DuckDBPyConnection, batch: dict[str, np.ndarray]) -> None:
        keep = ~batch["deleted"] & ~np.isnan(batch["v"])
        kept = {k: v[keep] for k, v in batch.items() if k != "deleted"}
        if self.dims is not None and len(kept["ou"]):
            # A unit created without a signal (bulk loads): its values name an id the dimensions lack.
            known = np.fromiter(self.dims.units, dtype=np.int32, count=len(self.dims.units))
            self._unknown_units |= bool(np.isin(kept["ou"], known, invert=True).any())
        if len(kept["id"]):
            con.register("kept", kept)
            con.execute("INSERT INTO facts SELECT id, de, ou, rank, mid, fin, coc, v FROM kept")
            con.unregister("kept")

    def _advance(self, changes: list[tuple[int, dt.datetime]]) -> None:
        """Remember the ids applied and raise the floor: over ids applied without a gap (the usual case, so the
        next sync reads only new rows), and past a gap once an id above it was written more than GAP_TIMEOUT
        ago (an id still not visible by then belonged to a transaction that rolled back)."""
        self._seen.update(pk for pk, _at in changes)
        cutoff = timezone.now() - GAP_TIMEOUT
        self._floor = max([self._floor, *(pk for pk, at in changes if at < cutoff)])
        while self._floor + 1 in self._seen:
            self._floor += 1
        self._seen = {pk for pk in self._seen if pk > self._floor}


class EpochDay(Func):
    """A date as days since 1970-01-01, computed by the database so that no date object is made per row:
    SQLite's julianday, PostgreSQL's date arithmetic."""

    output_field = IntegerField()
    arity = 1

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday({sql}) - 2440587.5 AS INTEGER)", tuple(params)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) - DATE '1970-01-01')", tuple(params)


def _values_query(
    *, element_ids: list[int] | None = None, since: dt.datetime | None = None, with_deleted: bool = False
) -> tuple[str, Any]:
    """The SQL (built by the ORM, parameters bound) of the value rows the replica needs: numbers only, the
    stored period as (type rank, first day, last day), and the deleted flag when changes may include deletions."""
    qs = DataValue.objects.all()
    if not with_deleted:
        qs = qs.filter(deleted=False, value_num__isnull=False)
    if element_ids is not None:
        qs = qs.filter(data_element_id__in=element_ids)
    if since is not None:
        qs = qs.filter(last_updated__gte=since)
    rank = Case(*(When(period_type=t, then=Value(r)) for t, r in RANK.items()), output_field=IntegerField())
    qs = qs.annotate(r=rank, s=EpochDay(F("start_date")), e=EpochDay(F("end_date")))
    columns = ("id", "data_element_id", "org_unit_id", "r", "s", "e", "category_option_combo_id", "value_num")
    return qs.values_list(*columns, *(["deleted"] if with_deleted else [])).query.sql_with_params()


def _fetch(query: tuple[str, Any]) -> Iterator[dict[str, np.ndarray]]:
    """The rows of `query` in column batches (all numbers: one numpy conversion per batch)."""
    sql, params = query
    # A server-side cursor on PostgreSQL (a plain one would hold all 10 M rows in the client at once).
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(CHUNK)
            if not rows:
                return
            table = np.array(rows, dtype=np.float64)  # None (a text value) → NaN
            batch: dict[str, np.ndarray] = {
                "id": table[:, 0].astype(np.int64),
                "de": table[:, 1].astype(np.int32),
                "ou": table[:, 2].astype(np.int32),
                "rank": table[:, 3].astype(np.int8),
                # the stored period's middle day (where it is counted) and last day (which stock is latest)
                "mid": ((table[:, 4] + table[:, 5]) // 2).astype(np.int32),
                "fin": table[:, 5].astype(np.int32),
                "coc": table[:, 6].astype(np.int32),
                "v": table[:, 7],
            }
            batch["deleted"] = table[:, 8] > 0 if table.shape[1] > 8 else np.zeros(len(rows), dtype=bool)
            yield batch


replica = Replica()
