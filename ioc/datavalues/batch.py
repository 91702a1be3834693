"""Writing many values at once: do_set_values, all or nothing by default.

Every row gets the checks of do_set_value (ioc.datavalues.services), with the metadata fetched once for the
whole batch; every bad row is reported (BatchResult.errors: index, field, value, message) rather than only
the first. The good rows are then written with a few bulk queries (stored values fetched and locked in
chunks, one executemany for the updates, bulk inserts for new values and their audit rows), which is what
makes imports of thousands of values fast.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, require
from ioc.core.errors import InvalidInput, IocError
from ioc.core.periods import Period
from ioc.datavalues import writes
from ioc.datavalues.checker import CHUNK, CheckedRow, Checker, ValueRow
from ioc.datavalues.models import DataValue, DataValueAudit


@dataclass(frozen=True)
class RowError:
    index: int
    field: str | None
    value: object
    message: str

    def as_dict(self) -> dict[str, Any]:
        value = (
            self.value if self.value is None or isinstance(self.value, str | int | float | bool) else str(self.value)
        )
        return {"index": self.index, "field": self.field, "value": value, "message": self.message}


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    restored: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated + self.restored + self.unchanged

    def raise_for_errors(self) -> None:
        """InvalidInput with every bad row in `errors` (index, field, value, message)."""
        if self.errors:
            first = self.errors[0]
            raise InvalidInput(
                _("%(n)s row(s) refused; row %(row)s: %(message)s")
                % {"n": len(self.errors), "row": first.index, "message": first.message},
                errors=[e.as_dict() for e in self.errors],
            )


def _as_row(row: ValueRow | Mapping[str, Any]) -> ValueRow:
    if isinstance(row, ValueRow):
        return row
    return ValueRow(
        data_element=row.get("data_element"),  # type: ignore[arg-type]
        org_unit=row.get("org_unit"),  # type: ignore[arg-type]
        period=row.get("period"),  # type: ignore[arg-type]
        value=row.get("value"),
        category_option_combo=row.get("category_option_combo"),
        comment=row.get("comment"),
        follow_up=row.get("follow_up"),
    )


def _row_value(row: ValueRow, fieldname: str | None) -> object:
    attr = {
        "dataElement": row.data_element,
        "categoryOptionCombo": row.category_option_combo,
        "period": row.period,
        "orgUnit": row.org_unit,
        "value": row.value,
        "comment": row.comment,
        "followUp": row.follow_up,
    }.get(fieldname or "")
    if attr is None or isinstance(attr, str | int | float | bool):
        return attr
    if isinstance(attr, Period):
        return attr.id
    return getattr(attr, "code", str(attr))


@transaction.atomic
def do_set_values(
    user: User,
    rows: Iterable[ValueRow | Mapping[str, Any]],
    *,
    via: str,
    all_or_nothing: bool = True,
) -> BatchResult:
    """Write many values: validate every row first; BatchResult.errors lists every bad row (index, field,
    value, message). With all_or_nothing (the default) nothing is written when any row is bad; otherwise
    the good rows are written. Two rows for the same value are an error (the second one).

    Rows are ValueRow or mappings with the same keys (data_element, org_unit, period, value,
    category_option_combo, comment, follow_up)."""
    require(user, Action.ENTER_DATA)
    batch = [_as_row(r) for r in rows]
    result = BatchResult()
    checker = Checker(user)
    checker.prepare(batch)
    good: list[CheckedRow] = []
    seen: dict[tuple[int, int, str, int], int] = {}
    for index, row in enumerate(batch):
        try:
            checked = checker.check(row)
        except IocError as exc:
            fieldname = exc.errors[0]["field"] if exc.errors else None
            result.errors.append(RowError(index, fieldname, _row_value(row, fieldname), exc.message))
            continue
        if checked.key in seen:
            result.errors.append(
                RowError(
                    index,
                    "value",
                    _row_value(row, "value"),
                    _(
                        "Row %(row)s: the same value (data element, org unit, period, category option combo) as row %(first)s"
                    )
                    % {"row": index, "first": seen[checked.key]},
                )
            )
            continue
        seen[checked.key] = index
        good.append(checked)
    if (result.errors and all_or_nothing) or not good:
        return result
    _write_batch(user, good, via, result)
    result.written = True
    return result


def _existing_values(good: list[CheckedRow]) -> dict[tuple[int, int, str, int], DataValue]:
    """The stored values of the rows' keys, locked for update, in few queries."""
    by_element_period: dict[tuple[int, str], set[int]] = defaultdict(set)
    for c in good:
        by_element_period[(c.element.pk, c.period.id)].add(c.unit.pk)
    element_ids = sorted({c.element.pk for c in good})
    periods = sorted({c.period.id for c in good})
    unit_ids = sorted({c.unit.pk for c in good})
    wanted = {c.key for c in good}
    found: dict[tuple[int, int, str, int], DataValue] = {}
    for i in range(0, len(unit_ids), CHUNK):
        qs = DataValue.objects.select_for_update().filter(
            data_element_id__in=element_ids, period__in=periods, org_unit_id__in=unit_ids[i : i + CHUNK]
        )
        for v in qs:
            key = (v.data_element_id, v.org_unit_id, v.period, v.category_option_combo_id)
            if key in wanted:
                found[key] = v
    return found


def _update_many(values: list[DataValue]) -> None:
    """UPDATE … WHERE id = %s for many rows in one executemany (bulk_update's CASE expressions cost ~5 ms a
    row in Python). The statement is fixed (identifiers quoted from the model's metadata); every value is a
    bound parameter, prepared by its field."""
    meta = DataValue._meta
    fields = [cast("Field[Any, Any]", meta.get_field(name)) for name in writes.UPDATED_FIELDS]
    qn = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (no user input: model metadata only)
        qn(meta.db_table),
        ", ".join(f"{qn(str(f.column))} = %s" for f in fields),
        qn(str(meta.pk.column if meta.pk else "id")),
    )
    params = [[f.get_db_prep_save(getattr(v, f.attname), connection) for f in fields] + [v.pk] for v in values]
    with connection.cursor() as cursor:
        for i in range(0, len(params), 1000):
            cursor.executemany(sql, params[i : i + 1000])


def _write_batch(user: User, good: list[CheckedRow], via: str, result: BatchResult) -> None:
    now = timezone.now()
    existing = _existing_values(good)
    creates: list[tuple[DataValue, CheckedRow]] = []
    updates: list[tuple[DataValue, str, str | None, CheckedRow]] = []
    for checked in good:
        current = existing.get(checked.key)
        if current is None:
            creates.append((writes.new_value(user, checked, now), checked))
            continue
        action, old = writes.apply(user, current, checked, now)
        if action == "UNCHANGED":
            result.unchanged += 1
        else:
            updates.append((current, action, old, checked))
    DataValue.objects.bulk_create([v for v, _c in creates], batch_size=1000)
    if updates:
        _update_many([u[0] for u in updates])
    audits = [
        DataValueAudit(data_value=v, action="CREATE", old_value=None, new_value=c.display, user=user, via=via)
        for v, c in creates
    ]
    audits += [
        DataValueAudit(data_value=v, action=action, old_value=old, new_value=c.display, user=user, via=via)
        for v, action, old, c in updates
    ]
    DataValueAudit.objects.bulk_create(audits, batch_size=1000)
    result.created = len(creates)
    result.updated = sum(1 for u in updates if u[1] == "UPDATE")
    result.restored = sum(1 for u in updates if u[1] == "RESTORE")
    writes.changed([v for v, _c in creates] + [u[0] for u in updates])
