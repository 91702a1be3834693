"""The set-based write of an import: checked rows into a temporary staging table, then a handful of SQL
statements that classify and write them all at once, with their history.

1. `load`: the checked rows go into a TEMP table (executemany on SQLite, COPY on PostgreSQL);
2. `classify`: one UPDATE … FROM matches each staged row to the stored value with the same key (data
   element, org unit, period, option combo) — on PostgreSQL locking those values (FOR UPDATE), or, for
   TABLE_LOCK_ROWS rows or more, the value table against other writers (SHARE ROW EXCLUSIVE) — keeps the
   old value, and sets the row's action for the strategy: C create, M update, R restore (a soft-deleted
   value set again), D delete, U unchanged, E exists (CREATE), N nothing to update or delete;
3. `write` (skipped by a dry run): history rows (DataValueAudit: action, old value, new value, user, via) for
   M, R and D from the old values kept in the staging table; UPDATE … FROM for M, R and D; INSERT … SELECT
   for C; then the CREATE history rows, joined back by key.

The display text of a value in the history is format_value's (ioc.datavalues.values); SQL builds it for
text, yes/no and whole numbers (exactly as Python does), Python for the rest (fractions).

Identifiers come from the models' metadata, quoted by the backend (connection.ops.quote_name); the staging
table's name and columns are constants of this module; every value is a bound parameter (or COPY data).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection

from ioc.datavalues.models import DataValue, DataValueAudit
from ioc.datavalues.values import format_value
from ioc.metadata.models import ValueType

STAGE = "ioc_import_stage"
# Value kinds in the staging table's vt column (for the display text).
VT_NUMBER, VT_BOOLEAN, VT_TEXT = 0, 1, 2
VT_OF: dict[str, int] = {ValueType.TEXT: VT_TEXT, ValueType.BOOLEAN: VT_BOOLEAN}
VALUE_TYPE_OF_VT = {VT_NUMBER: ValueType.NUMBER, VT_BOOLEAN: ValueType.BOOLEAN, VT_TEXT: ValueType.TEXT}
# The staged columns, in order (a row: idx, data element id, unit id, period id, period type, start, end,
# option combo id, value_num, value_text, comment (None: keep), follow-up (None: keep), vt, display (None:
# SQL makes it)).
COLUMNS = ("idx", "de", "ou", "period", "ptype", "sd", "ed", "coc", "vnum", "vtext", "cmt", "fu", "vt", "disp")
CHUNK = 20_000
# PostgreSQL's memory for the import's hash joins (SET LOCAL: this transaction only; the default is 4 MB).
WORK_MEM = "256MB"
# From this many rows on, PostgreSQL locks the value table for the import instead of each stored value.
TABLE_LOCK_ROWS = 50_000
# Largest whole number whose display SQL makes (CAST to a 64-bit integer, exactly as str(int(x))).
SQL_INT_LIMIT = 1e15

StageRow = tuple[Any, ...]


def display(vt: int, num: float | None, text: str | None) -> str | None:
    return format_value(VALUE_TYPE_OF_VT[vt], num, text)


def sql_simple(vt: int, num: float | None) -> bool:
    """Does SQL make this value's display text (else Python, stored in the disp column)?"""
    return vt != VT_NUMBER or num is None or (num.is_integer() and abs(num) < SQL_INT_LIMIT)


def prepare_connection() -> None:
    """SQLite keeps temporary tables in a file with a small page cache by default; in memory the staging is
    much faster. (Only outside a transaction: SQLite refuses the change inside one, and it drops the
    connection's temporary tables, of which there are none between imports.)"""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA temp_store = MEMORY")


class Stage:
    """The staging table of one import, on the default connection, inside the caller's transaction."""

    def __init__(self, strategy: str, user_id: int | None, via: str, now: Any) -> None:
        self.strategy = strategy
        self.user_id = user_id
        self.via = via
        self.now = now
        self.pg = connection.vendor == "postgresql"
        qn = connection.ops.quote_name
        self.qn = qn
        dv = DataValue._meta
        au = DataValueAudit._meta
        self.t_dv = qn(dv.db_table)
        self.t_au = qn(au.db_table)
        self.t_stage = qn(STAGE)

        def col(meta: Any, name: str) -> str:
            return qn(meta.get_field(name).column)

        self.dv = {
            n: col(dv, n)
            for n in (
                "data_element",
                "org_unit",
                "period",
                "period_type",
                "start_date",
                "end_date",
                "category_option_combo",
                "value_num",
                "value_text",
                "comment",
                "follow_up",
                "stored_by",
                "created",
                "last_updated",
                "deleted",
            )
        }
        self.dv["id"] = qn(dv.pk.column if dv.pk else "id")
        self.au = {n: col(au, n) for n in ("data_value", "action", "old_value", "new_value", "user", "at", "via")}
        self.now_db = now if self.pg else connection.ops.adapt_datetimefield_value(now)
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, name: str) -> None:
        """Seconds since the last lap, under `name` (for the benchmark's breakdown)."""
        now = time.perf_counter()
        self.timings[name] = now - self._clock
        self._clock = now

    # --- 1. load

    def create(self) -> None:
        real = "DOUBLE PRECISION" if self.pg else "REAL"
        boolean = "BOOLEAN" if self.pg else "INTEGER"
        default = "N" if self.strategy in ("UPDATE", "DELETE") else "C"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.t_stage}")
            if self.pg:
                # The joins with the staging table hash it: give them memory for it (this transaction only).
                cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            cursor.execute(
                f"CREATE TEMP TABLE {self.t_stage} ("
                "idx INTEGER PRIMARY KEY, de INTEGER NOT NULL, ou INTEGER NOT NULL, period VARCHAR(20) NOT NULL, "
                f"ptype VARCHAR(10) NOT NULL, sd DATE NOT NULL, ed DATE NOT NULL, coc INTEGER NOT NULL, vnum {real}, "
                f"vtext TEXT, cmt TEXT, fu {boolean}, vt SMALLINT NOT NULL, disp TEXT, dv BIGINT, onum {real}, "
                f"otext TEXT, act CHAR(1) NOT NULL DEFAULT '{default}')"
            )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.t_stage}")
            if self.pg:
                # The joins with the staging table hash it: give them memory for it (this transaction only).
                cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")

    def load(self, rows: Sequence[StageRow], progress: Callable[[int], None] | None = None) -> None:
        if self.pg:
            self._copy(rows, progress)
            with connection.cursor() as cursor:
                # Temporary tables get no statistics by themselves: without them the joins below are planned
                # for a handful of rows.
                cursor.execute(f"ANALYZE {self.t_stage}")
            return
        sql = f"INSERT INTO {self.t_stage} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608
        with connection.cursor() as cursor:
            for start in range(0, len(rows), CHUNK):
                cursor.executemany(sql, rows[start : start + CHUNK])
                if progress:
                    progress(min(CHUNK, len(rows) - start))

    def _copy(self, rows: Sequence[StageRow], progress: Callable[[int], None] | None) -> None:
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(STAGE), sql.SQL(", ").join(sql.Identifier(c) for c in COLUMNS)
        )
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for start in range(0, len(rows), CHUNK):
                copy.write("".join([_copy_line(r) for r in rows[start : start + CHUNK]]))
                if progress:
                    progress(min(CHUNK, len(rows) - start))

    # --- 2. classify

    def classify(self, rows: int) -> dict[str, int]:
        """Match the `rows` staged rows to the stored values and set each row's action; {action: count}."""
        d, s = self.dv, "s"
        same = (
            f"m.vnum_old IS NOT DISTINCT FROM {s}.vnum AND m.vtext_old IS NOT DISTINCT FROM {s}.vtext "
            f"AND ({s}.cmt IS NULL OR {s}.cmt = m.cmt_old) AND ({s}.fu IS NULL OR {s}.fu = m.fu_old)"
        )
        action = {
            "CREATE_AND_UPDATE": f"CASE WHEN m.del_old THEN 'R' WHEN {same} THEN 'U' ELSE 'M' END",
            "CREATE": "CASE WHEN m.del_old THEN 'R' ELSE 'E' END",
            "UPDATE": f"CASE WHEN m.del_old THEN 'N' WHEN {same} THEN 'U' ELSE 'M' END",
            "DELETE": "CASE WHEN m.del_old THEN 'N' ELSE 'D' END",
        }[self.strategy]
        key = (
            f"v.{d['data_element']} = x.de AND v.{d['org_unit']} = x.ou AND v.{d['period']} = x.period "
            f"AND v.{d['category_option_combo']} = x.coc"
        )
        matched = (
            "SELECT "  # noqa: S608 (identifiers from model metadata)
            f"x.idx AS idx, v.{d['id']} AS id_old, v.{d['value_num']} AS vnum_old, "
            f"v.{d['value_text']} AS vtext_old, v.{d['comment']} AS cmt_old, v.{d['follow_up']} AS fu_old, "
            f"v.{d['deleted']} AS del_old FROM {self.t_stage} x JOIN {self.t_dv} v ON {key}"
        )
        with connection.cursor() as cursor:
            if self.pg and rows >= TABLE_LOCK_ROWS:
                # A large import locks the value table against other writers until it commits (reads go on):
                # cheaper than locking each of its rows, and what it classifies stays true until it writes.
                cursor.execute(f"LOCK TABLE {self.t_dv} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute(
                    f"UPDATE {self.t_stage} {s} SET dv = m.id_old, onum = m.vnum_old, otext = m.vtext_old, "  # noqa: S608
                    f"act = {action} FROM ({matched}) m WHERE {s}.idx = m.idx"
                )
            elif self.pg:
                # Lock the stored values this import may change (as do_set_value's SELECT … FOR UPDATE).
                cursor.execute(
                    f"WITH m AS ({matched} FOR UPDATE OF v) UPDATE {self.t_stage} {s} SET dv = m.id_old, "  # noqa: S608
                    f"onum = m.vnum_old, otext = m.vtext_old, act = {action} FROM m WHERE {s}.idx = m.idx"
                )
            else:
                cursor.execute(
                    f"UPDATE {self.t_stage} AS {s} SET dv = m.id_old, onum = m.vnum_old, otext = m.vtext_old, "  # noqa: S608
                    f"act = {action} FROM ({matched}) AS m WHERE {s}.idx = m.idx"
                )
            cursor.execute(f"SELECT act, COUNT(*) FROM {self.t_stage} GROUP BY act")  # noqa: S608
            return {str(act): int(n) for act, n in cursor.fetchall()}

    def rows_with(self, actions: Sequence[str]) -> list[int]:
        """The staged row indexes with these actions (for the conflicts of skipped rows), in order."""
        placeholders = ", ".join(["%s"] * len(actions))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT idx FROM {self.t_stage} WHERE act IN ({placeholders}) ORDER BY idx",  # noqa: S608
                list(actions),
            )
            return [int(i) for (i,) in cursor.fetchall()]

    # --- 3. write

    def write(self, progress: Callable[[int], None] | None = None) -> int:
        """History for M/R/D, then the updates, the inserts and the CREATE history. Returns the rows
        inserted."""
        self.lap("before_write")
        d, a = self.dv, self.au
        audit_cols = ", ".join(a[n] for n in ("data_value", "action", "old_value", "new_value", "user", "at", "via"))
        action_name = "CASE s.act WHEN 'M' THEN 'UPDATE' WHEN 'R' THEN 'RESTORE' ELSE 'DELETE' END"
        simple_old = f"(s.vt <> {VT_NUMBER} OR s.onum IS NULL OR (s.onum = ROUND(s.onum) AND ABS(s.onum) < 1e15))"
        new_display = f"CASE WHEN s.act = 'D' THEN NULL ELSE COALESCE(s.disp, {_display_sql('s.vnum', 's.vtext')}) END"
        params = [self.user_id, self.now_db, self.via]
        with connection.cursor() as cursor:
            # History of updates, restores and deletes, old values from the staging table.
            cursor.execute(
                f"INSERT INTO {self.t_au} ({audit_cols}) SELECT s.dv, {action_name}, "  # noqa: S608
                f"{_display_sql('s.onum', 's.otext')}, {new_display}, %s, %s, %s FROM {self.t_stage} s "
                f"WHERE s.act IN ('M', 'R', 'D') AND {simple_old}",
                params,
            )
            cursor.execute(
                f"SELECT s.dv, s.act, s.vt, s.onum, s.otext, s.vnum, s.vtext, s.disp FROM {self.t_stage} s "  # noqa: S608
                f"WHERE s.act IN ('M', 'R', 'D') AND NOT {simple_old}"
            )
            rest = cursor.fetchall()
            if rest:
                names = {"M": "UPDATE", "R": "RESTORE", "D": "DELETE"}
                cursor.executemany(
                    f"INSERT INTO {self.t_au} ({audit_cols}) VALUES (%s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
                    [
                        (
                            dv,
                            names[act],
                            display(vt, onum, otext),
                            None if act == "D" else (disp if disp is not None else display(vt, vnum, vtext)),
                            *params,
                        )
                        for dv, act, vt, onum, otext, vnum, vtext, disp in rest
                    ],
                )
            if progress:
                progress(1)
            self.lap("write_history_of_changes")
            # Updates and restores; deletes.
            cursor.execute(
                f"UPDATE {self.t_dv} SET {d['value_num']} = s.vnum, {d['value_text']} = s.vtext, "  # noqa: S608
                f"{d['comment']} = COALESCE(s.cmt, {self.t_dv}.{d['comment']}), "
                f"{d['follow_up']} = COALESCE(s.fu, {self.t_dv}.{d['follow_up']}), {d['deleted']} = %s, "
                f"{d['stored_by']} = %s, {d['last_updated']} = %s FROM {self.t_stage} s "
                f"WHERE {self.t_dv}.{d['id']} = s.dv AND s.act IN ('M', 'R')",
                [False, self.user_id, self.now_db],
            )
            cursor.execute(
                f"UPDATE {self.t_dv} SET {d['deleted']} = %s, {d['stored_by']} = %s, {d['last_updated']} = %s "  # noqa: S608
                f"FROM {self.t_stage} s WHERE {self.t_dv}.{d['id']} = s.dv AND s.act = 'D'",
                [True, self.user_id, self.now_db],
            )
            if progress:
                progress(1)
            self.lap("write_updates")
            # New values, then their history (joined back by key).
            insert_cols = ", ".join(
                d[n]
                for n in (
                    "data_element",
                    "org_unit",
                    "period",
                    "period_type",
                    "start_date",
                    "end_date",
                    "category_option_combo",
                    "value_num",
                    "value_text",
                    "comment",
                    "follow_up",
                    "stored_by",
                    "created",
                    "last_updated",
                    "deleted",
                )
            )
            cursor.execute(
                f"INSERT INTO {self.t_dv} ({insert_cols}) SELECT s.de, s.ou, s.period, s.ptype, s.sd, s.ed, s.coc, "  # noqa: S608
                f"s.vnum, s.vtext, COALESCE(s.cmt, ''), COALESCE(s.fu, %s), %s, %s, %s, %s FROM {self.t_stage} s "
                "WHERE s.act = 'C' ORDER BY s.idx",
                [False, self.user_id, self.now_db, self.now_db, False],
            )
            inserted = cursor.rowcount
            if progress:
                progress(1)
            self.lap("write_inserts")
            key = (
                f"v.{d['data_element']} = s.de AND v.{d['org_unit']} = s.ou AND v.{d['period']} = s.period "
                f"AND v.{d['category_option_combo']} = s.coc"
            )
            cursor.execute(
                f"INSERT INTO {self.t_au} ({audit_cols}) SELECT v.{d['id']}, 'CREATE', NULL, "  # noqa: S608
                f"COALESCE(s.disp, {_display_sql('s.vnum', 's.vtext')}), %s, %s, %s FROM {self.t_stage} s "
                f"JOIN {self.t_dv} v ON {key} WHERE s.act = 'C'",
                params,
            )
            if progress:
                progress(1)
            self.lap("write_history_of_inserts")
        return int(inserted)


def _display_sql(num: str, text: str) -> str:
    """format_value in SQL for text, yes/no and whole numbers below 1e15 (the rest is Python's: disp)."""
    return (
        f"CASE WHEN s.vt = {VT_TEXT} THEN {text} WHEN {num} IS NULL THEN NULL "
        f"WHEN s.vt = {VT_BOOLEAN} THEN CASE WHEN {num} <> 0 THEN 'true' ELSE 'false' END "
        f"ELSE CAST(CAST({num} AS BIGINT) AS VARCHAR(30)) END"
    )


_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)


def _copy_line(row: StageRow) -> str:
    idx, de, ou, period, ptype, sd, ed, coc, vnum, vtext, cmt, fu, vt, disp = row
    return (
        f"{idx}\t{de}\t{ou}\t{period}\t{ptype}\t{sd}\t{ed}\t{coc}\t"
        f"{_NULL if vnum is None else repr(vnum)}\t{_copy_field(vtext)}\t{_copy_field(cmt)}\t{_copy_field(fu)}\t"
        f"{vt}\t{_copy_field(disp)}\n"
    )
