"""The system-level fast path for trusted bulk data: the demo generator and the benchmarks.

`do_bulk_load` writes millions of values in one transaction: one ImportRun row and one audit entry for the
whole load, no per-value history row (the ImportRun is the history of a bulk load). It still keeps the data
honest, cheaply, with in-memory look-ups prepared once: every element, option combo and unit exists, the
option combo belongs to the element's disaggregation, the period parses and is of the type of one of the
element's data sets, the unit is open during the period (services.do_set_value's rules), and the value fits
the element's value type and its minimum/maximum. One bad row and nothing is
written; the error names the row and the field.

Only a superuser (or the system itself, user None) may use it: it skips scopes and period locks, which are
for people entering data (services.do_set_value).

How rows reach the database, by `method`:

* ``copy`` (PostgreSQL): psycopg's ``COPY … FROM STDIN``, the fastest way into PostgreSQL;
* ``executemany``: one prepared INSERT executed for each batch (SQLite's fastest; also works on PostgreSQL);
* ``bulk_create``: Django's ``bulk_create(batch_size=…)``, kept for comparison (benchmarks/demo_generate.py);
* ``auto`` (default): ``copy`` on PostgreSQL, ``executemany`` elsewhere.

Table and column names come from the model's metadata, quoted by the database backend; values are always
bound parameters.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.core.errors import InvalidInput, NotAllowed
from ioc.core.periods import Period, parse_period
from ioc.datavalues import writes
from ioc.datavalues.models import DataValue, DataValueAudit, ImportRun
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSetElement, ValueType
from ioc.orgunits.models import OrgUnit

DEFAULT_BATCH_SIZE = 5000
MAX_REPORTED_ERRORS = 50
METHODS = ("auto", "copy", "executemany", "bulk_create")

# The columns written, in order. id is left to the database.
_COLUMNS = (
    "data_element_id",
    "org_unit_id",
    "period",
    "period_type",
    "start_date",
    "end_date",
    "category_option_combo_id",
    "value_num",
    "value_text",
    "comment",
    "follow_up",
    "stored_by_id",
    "created",
    "last_updated",
    "deleted",
)


class BulkValue(NamedTuple):
    """One value of a bulk load, by database ids (the caller resolved codes once)."""

    data_element_id: int
    org_unit_id: int
    period: str
    category_option_combo_id: int
    value: float | int | str | bool
    comment: str = ""


class _Checker:
    """The in-memory look-ups that validate a row in a microsecond or two."""

    def __init__(self) -> None:
        self.elements: dict[int, tuple[str, int, float | None, float | None, str]] = {
            pk: (vt, combo, lo, hi, code)
            for pk, vt, combo, lo, hi, code in DataElement.objects.values_list(
                "pk", "value_type", "category_combo_id", "min_value", "max_value", "code"
            )
        }
        self.cocs: dict[int, int] = dict(CategoryOptionCombo.objects.values_list("pk", "combo_id"))
        self.units: dict[int, tuple[dt.date | None, dt.date | None, str]] = {
            pk: (opened, closed, code)
            for pk, opened, closed, code in OrgUnit.objects.values_list("pk", "opened", "closed", "code")
        }
        self.period_types: dict[int, set[str]] = {}
        for element_id, period_type in DataSetElement.objects.values_list("data_element_id", "data_set__period_type"):
            self.period_types.setdefault(element_id, set()).add(period_type)
        self.periods: dict[str, Period] = {}
        # What changed, for the analytics cache (writes.values_changed) once the load commits.
        self.element_ids: set[int] = set()
        self.unit_ids: set[int] = set()
        self.period_ids: set[str] = set()

    def period(self, text: str) -> Period:
        period = self.periods.get(text)
        if period is None:
            period = parse_period(text)
            if period.id != text:
                raise InvalidInput(
                    _("period '%(text)s' must be written as '%(id)s'") % {"text": text, "id": period.id}, field="period"
                )
            self.periods[text] = period
        return period

    def check(self, row: BulkValue) -> tuple[Period, float | None, str | None]:
        element = self.elements.get(row.data_element_id)
        if element is None:
            raise InvalidInput(_("unknown data element id %(id)s") % {"id": row.data_element_id}, field="dataElement")
        value_type, combo_id, lo, hi, code = element
        if self.cocs.get(row.category_option_combo_id) != combo_id:
            raise InvalidInput(
                _("option combo id %(coc)s is not a cell of the disaggregation of %(de)s")
                % {"coc": row.category_option_combo_id, "de": code},
                field="categoryOptionCombo",
            )
        unit = self.units.get(row.org_unit_id)
        if unit is None:
            raise InvalidInput(_("unknown org unit id %(id)s") % {"id": row.org_unit_id}, field="orgUnit")
        period = self.period(row.period)
        if period.period_type not in self.period_types.get(row.data_element_id, ()):
            raise InvalidInput(
                _("period %(period)s is not of a type of %(de)s's data sets (%(types)s)")
                % {
                    "period": row.period,
                    "de": code,
                    "types": ", ".join(sorted(self.period_types.get(row.data_element_id, ()))) or _("none"),
                },
                field="period",
            )
        opened, closed, unit_code = unit
        # The rule of services.do_set_value: the unit is open on at least one day of the period.
        if (opened is not None and period.end < opened) or (closed is not None and closed < period.start):
            raise InvalidInput(
                _("org unit %(unit)s (open %(opened)s – %(closed)s) is not open during period %(period)s")
                % {"unit": unit_code, "opened": opened or "…", "closed": closed or "…", "period": row.period},
                field="orgUnit",
            )
        value_num, value_text = _parse(value_type, row.value)
        if value_num is not None and ((lo is not None and value_num < lo) or (hi is not None and value_num > hi)):
            raise InvalidInput(
                _("%(value)s is outside %(de)s's range %(lo)s–%(hi)s")
                % {"value": row.value, "de": code, "lo": "" if lo is None else lo, "hi": "" if hi is None else hi},
                field="value",
            )
        return period, value_num, value_text


def _parse(value_type: str, raw: object) -> tuple[float | None, str | None]:
    """parse_value's rules, with a fast path for the numbers a generator hands over."""
    if type(raw) is int or type(raw) is float:
        number = float(raw)
        if value_type == ValueType.NUMBER and math.isfinite(number):
            return number, None
        if value_type == ValueType.INTEGER and math.isfinite(number) and number.is_integer():
            return number, None
        if value_type == ValueType.PERCENTAGE and 0 <= number <= 100:
            return number, None
    from ioc.datavalues.values import parse_value

    return parse_value(value_type, raw)


def _check_user(user: Any) -> None:
    if user is not None and not getattr(user, "is_superuser", False):
        raise NotAllowed(_("Only a superuser (or the system) may bulk-load values: it bypasses scopes and locks."))


def _resolve_method(method: str) -> str:
    if method not in METHODS:
        raise InvalidInput(
            _("unknown method '%(m)s'; use one of %(all)s") % {"m": method, "all": ", ".join(METHODS)}, field="method"
        )
    if method == "auto":
        return "copy" if connection.vendor == "postgresql" else "executemany"
    if method == "copy" and connection.vendor != "postgresql":
        raise InvalidInput(_("method 'copy' needs PostgreSQL"), field="method")
    return method


def do_bulk_load(
    user: Any,
    rows: Iterable[BulkValue],
    *,
    source: str,
    via: str = Via.SYSTEM,
    batch_size: int = DEFAULT_BATCH_SIZE,
    method: str = "auto",
    progress: Callable[[int], None] | None = None,
    rebuild_indexes: bool = False,
    phase: Callable[[str], None] | None = None,
) -> ImportRun:
    """Insert new values, all or nothing. A key that already has a value is an error (nothing written).

    `progress(n)` is called after each batch with the number of rows just written. `rebuild_indexes` drops
    the value table's non-unique indexes for the load and builds them again before the commit (both
    databases have transactional DDL, so a failed load gets them back): worth it for millions of rows, and
    on PostgreSQL it locks the table for the load's duration — for the demo and benchmarks, not for a
    server in use. `phase("indexes")` is called before they are built again (it takes a while).
    """
    _check_user(user)
    method = _resolve_method(method)
    if batch_size < 1:
        raise InvalidInput(_("batch size must be at least 1"), field="batch_size")
    errors: list[dict[str, Any]] = []
    error_count = 0
    try:
        with transaction.atomic():
            run = ImportRun.objects.create(user=user, source=source[:255], via=via, status=ImportRun.Status.RUNNING)
            checker = _Checker()
            indexes = _drop_secondary_indexes() if rebuild_indexes else []
            with _Writer(method, batch_size, user, timezone.now()) as writer:
                for index, row in enumerate(rows, start=1):
                    try:
                        period, value_num, value_text = checker.check(row)
                    except InvalidInput as exc:
                        error_count += 1
                        if len(errors) < MAX_REPORTED_ERRORS:
                            errors.append({"row": index, "field": _field(exc), "message": exc.message})
                        continue
                    if error_count:
                        continue  # keep checking, write nothing more
                    checker.element_ids.add(row.data_element_id)
                    checker.unit_ids.add(row.org_unit_id)
                    checker.period_ids.add(row.period)
                    written = writer.add(row, period, value_num, value_text)
                    if written and progress:
                        progress(written)
                if error_count:
                    raise InvalidInput(
                        _("%(n)s rows are invalid; nothing was written (first: row %(row)s, %(msg)s)")
                        % {"n": error_count, "row": errors[0]["row"], "msg": errors[0]["message"]},
                        errors=errors,
                    )
                written = writer.flush()
                if written and progress:
                    progress(written)
            if indexes and phase:
                phase("indexes")
            _create_indexes(indexes)
            run.imported = writer.count
            run.status = ImportRun.Status.SUCCESS
            run.finished = timezone.now()
            run.save(update_fields=["imported", "status", "finished"])
            record(
                user,
                "datavalues.bulk_load",
                run,
                via=via,
                changes={"source": source, "imported": writer.count, "method": method},
            )
            writes.notify(checker.element_ids, checker.unit_ids, checker.period_ids, since=writer.now)
        if connection.vendor == "postgresql" and writer.count >= 100_000:
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(DataValue._meta.db_table)}")
        return run
    except InvalidInput as exc:
        _record_failure(user, source, via, exc.errors or [{"message": exc.message}])
        raise
    except IntegrityError as exc:
        message = _(
            "a value already exists for one of the keys (data element, unit, period, option combo), or a key "
            "is repeated; the bulk loader only adds new values, nothing was written (%(db)s)"
        ) % {"db": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}
        _record_failure(user, source, via, [{"message": message}])
        raise InvalidInput(message) from exc


def _drop_secondary_indexes() -> list[str]:
    """Drop what slows a big load down and can be rebuilt in one pass: the value table's indexes that are
    neither unique nor the primary key, and on PostgreSQL its foreign keys (checked row by row by triggers
    otherwise; re-adding one validates the whole table in a single join). Returns the statements that
    create them again, built from the definitions in the database's own catalogue."""
    table = DataValue._meta.db_table
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
            indexes = [(name, sql) for name, sql in cursor.fetchall() if not sql.upper().startswith("CREATE UNIQUE")]
            foreign_keys: list[tuple[str, str]] = []
        elif connection.vendor == "postgresql":
            # Deferred checks already queued on the table (say, of a delete just before) would forbid the DDL.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary",
                [quoted],
            )
            indexes = list(cursor.fetchall())
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
                [quoted],
            )
            foreign_keys = list(cursor.fetchall())
        else:
            return []
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        for name, _sql in foreign_keys:
            cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    return [sql for _name, sql in indexes] + [
        f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
        for name, definition in foreign_keys
    ]


def _create_indexes(definitions: list[str]) -> None:
    if not definitions:
        return
    with connection.cursor() as cursor:
        for sql in definitions:
            cursor.execute(sql)  # built from the database's own catalogue, not from input
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are INITIALLY DEFERRED


def _field(exc: InvalidInput) -> str | None:
    for error in exc.errors:
        if error.get("field"):
            return str(error["field"])
    return None


def _record_failure(user: Any, source: str, via: str, conflicts: list[dict[str, Any]]) -> None:
    ImportRun.objects.create(
        user=user,
        source=source[:255],
        via=via,
        status=ImportRun.Status.ERROR,
        finished=timezone.now(),
        conflicts=conflicts[:MAX_REPORTED_ERRORS],
    )


class _Writer:
    """Buffers checked rows and writes them a batch at a time with the chosen method."""

    def __init__(self, method: str, batch_size: int, user: Any, now: dt.datetime) -> None:
        self.method = method
        self.batch_size = batch_size
        self.user_id = getattr(user, "pk", None)
        self.count = 0
        self.buffer: list[Any] = []  # tuples, or COPY text lines
        self.ops = connection.ops
        self.now = now
        # SQLite stores dates and datetimes as text: adapt once per distinct value, not per row.
        self.adapt = method == "executemany" and connection.vendor != "postgresql"
        self.now_db: Any = self.ops.adapt_datetimefield_value(now) if self.adapt else now
        self.dates: dict[dt.date, Any] = {}
        table = self.ops.quote_name(DataValue._meta.db_table)
        columns = ", ".join(self.ops.quote_name(c) for c in _COLUMNS)
        placeholders = ", ".join(["%s"] * len(_COLUMNS))
        # Names from the model's metadata, quoted by the backend; every value is a bound parameter.
        self.insert_sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        self.copy_table, self.copy_columns = DataValue._meta.db_table, _COLUMNS
        self.copy: Any = None
        self.stack = contextlib.ExitStack()
        user = "\\N" if self.user_id is None else str(int(self.user_id))
        self.copy_tail = f"\tf\t{user}\t{now.isoformat()}\t{now.isoformat()}\tf\n"

    def _date(self, day: dt.date) -> Any:
        if not self.adapt:
            return day
        value = self.dates.get(day)
        if value is None:
            value = self.dates[day] = self.ops.adapt_datefield_value(day)
        return value

    def add(self, row: BulkValue, period: Period, value_num: float | None, value_text: str | None) -> int:
        if self.method == "copy":
            # COPY's text format, built here: psycopg's write_row costs several microseconds a row.
            self.buffer.append(
                f"{row.data_element_id}\t{row.org_unit_id}\t{row.period}\t{period.period_type}\t{period.start}\t"
                f"{period.end}\t{row.category_option_combo_id}\t{_copy_text(value_num)}\t{_copy_text(value_text)}\t"
                f"{_copy_text(row.comment)}{self.copy_tail}"
            )
            if len(self.buffer) >= self.batch_size:
                return self._write()
            return 0
        self.buffer.append(
            (
                row.data_element_id,
                row.org_unit_id,
                row.period,
                period.period_type,
                self._date(period.start),
                self._date(period.end),
                row.category_option_combo_id,
                value_num,
                value_text,
                row.comment,
                False,
                self.user_id,
                self.now_db,
                self.now_db,
                False,
            )
        )
        if len(self.buffer) >= self.batch_size:
            return self._write()
        return 0

    def flush(self) -> int:
        return self._write() if self.buffer else 0

    def _write(self) -> int:
        batch, self.buffer = self.buffer, []
        if self.method == "executemany":
            with connection.cursor() as cursor:
                cursor.executemany(self.insert_sql, batch)
        elif self.method == "copy":
            self._copy_rows(batch)
        else:
            DataValue.objects.bulk_create([_model(r) for r in batch], batch_size=self.batch_size)
        self.count += len(batch)
        return len(batch)

    def _copy_rows(self, batch: Sequence[Any]) -> None:
        if self.copy is None:
            from psycopg import sql

            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(self.copy_table), sql.SQL(", ").join(sql.Identifier(c) for c in self.copy_columns)
            )
            cursor = self.stack.enter_context(connection.cursor())
            self.copy = self.stack.enter_context(cursor.cursor.copy(statement))
        self.copy.write("".join(batch))

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        """Ends an open COPY: completes it, or, after an error, aborts it so the transaction can roll back."""
        self.copy = None
        try:
            self.stack.__exit__(exc_type, exc, tb)
        except Exception as error:  # psycopg's own errors: a duplicate key becomes Django's IntegrityError
            from psycopg import errors as pg_errors

            if isinstance(error, pg_errors.IntegrityError):
                raise IntegrityError(str(error)) from error
            raise


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: float | str | None) -> str:
    """A field in COPY's text format: \\N for NULL, backslash escapes in text."""
    if value is None:
        return "\\N"
    if isinstance(value, float):
        return repr(value)
    return value.translate(_COPY_ESCAPES) if value else ""


def _model(row: tuple[Any, ...]) -> DataValue:
    return DataValue(**dict(zip(_COLUMNS, row, strict=True)))


def do_bulk_delete(user: Any, *, data_element_ids: Sequence[int], source: str, via: str = Via.SYSTEM) -> int:
    """Delete, for good, every value (and its history) of these elements: resetting generated data.

    Not the soft delete of services.do_delete_value: this is for data that a machine made and will make again
    (`ioc demo generate --replace`). One audit entry records it. Returns the number of values deleted.
    """
    _check_user(user)
    ids = sorted(set(data_element_ids))
    if not ids:
        return 0
    with transaction.atomic():
        DataValueAudit.objects.filter(data_value__data_element_id__in=ids).delete()
        count = 0
        for start in range(0, len(ids), 100):
            queryset = DataValue.objects.filter(data_element_id__in=ids[start : start + 100])
            # QuerySet._raw_delete: one DELETE statement, without loading millions of rows into Python (their
            # history was deleted just above, nothing else points at generated values).
            count += queryset._raw_delete(queryset.db)
        record(
            user,
            "datavalues.bulk_delete",
            None,
            via=via,
            object_type="datavalues.datavalue",
            object_repr=source[:250],
            changes={"source": source, "deleted": count, "data_elements": len(ids)},
        )
        if count:
            writes.notify(set(ids), set(), set(), since=None)
    return count
