"""What writing a checked row takes, shared by the single-value services and the batch.

The row's key as a filter, a new DataValue from a checked row, applying a checked row to a stored value
(deciding CREATE / UPDATE / RESTORE / UNCHANGED), and, after the transaction commits, dropping the cached
counts and sending values_changed. Kept apart so that ioc.datavalues.services and ioc.datavalues.batch
write values the same way without one importing the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal

from ioc.accounts.models import User
from ioc.datavalues.checker import CheckedRow
from ioc.datavalues.models import DataValue, ValueChange
from ioc.datavalues.values import format_value

ActionName = Literal["CREATE", "UPDATE", "UNCHANGED", "RESTORE", "DELETE"]

COUNTS_CACHE_KEY = "datavalues:counts"

# Sent after a transaction that changed values commits: kwargs data_element_ids, org_unit_ids, periods (sets).
# The analytics cache listens to it.
values_changed = Signal()

UPDATED_FIELDS = ["value_num", "value_text", "comment", "follow_up", "deleted", "stored_by", "last_updated"]


def key_q(key: tuple[int, int, str, int]) -> Q:
    element_id, unit_id, period_id, coc_id = key
    return Q(data_element_id=element_id, org_unit_id=unit_id, period=period_id, category_option_combo_id=coc_id)


def new_value(user: User, checked: CheckedRow, now: dt.datetime) -> DataValue:
    return DataValue(
        data_element=checked.element,
        org_unit=checked.unit,
        period=checked.period.id,
        period_type=checked.period.period_type,
        start_date=checked.period.start,
        end_date=checked.period.end,
        category_option_combo=checked.coc,
        value_num=checked.value_num,
        value_text=checked.value_text,
        comment=checked.comment or "",
        follow_up=bool(checked.follow_up),
        stored_by=user,
        created=now,
        last_updated=now,
        deleted=False,
    )


def apply(user: User, existing: DataValue, checked: CheckedRow, now: dt.datetime) -> tuple[ActionName, str | None]:
    """Change `existing` in memory to the checked row; (action, old display value)."""
    old = format_value(checked.element.value_type, existing.value_num, existing.value_text)
    same_value = existing.value_num == checked.value_num and existing.value_text == checked.value_text
    same_comment = checked.comment is None or checked.comment == existing.comment
    same_follow_up = checked.follow_up is None or checked.follow_up == existing.follow_up
    if not existing.deleted and same_value and same_comment and same_follow_up:
        return "UNCHANGED", old
    action: ActionName = "RESTORE" if existing.deleted else "UPDATE"
    existing.value_num, existing.value_text = checked.value_num, checked.value_text
    if checked.comment is not None:
        existing.comment = checked.comment
    if checked.follow_up is not None:
        existing.follow_up = checked.follow_up
    existing.deleted = False
    existing.stored_by = user
    existing.last_updated = now
    return action, old


def changed(values: Iterable[DataValue]) -> None:
    """Log the change (in the transaction) and, after commit, tell listeners (analytics) what changed."""
    element_ids: set[int] = set()
    unit_ids: set[int] = set()
    periods: set[str] = set()
    since: dt.datetime | None = None
    for v in values:
        element_ids.add(v.data_element_id)
        unit_ids.add(v.org_unit_id)
        periods.add(v.period)
        if since is None or v.last_updated < since:
            since = v.last_updated
    notify(element_ids, unit_ids, periods, since=since)


def notify(element_ids: set[int], unit_ids: set[int], periods: set[str], *, since: dt.datetime | None) -> None:
    """Write the ValueChange row now, inside the writing transaction (so it commits with the values, or not
    at all), and after commit drop the cached counts and send values_changed. `since`: a lower bound of
    the changed rows' last_updated; None when rows were hard-deleted (readers reload those elements)."""
    if not element_ids:
        return
    ValueChange.objects.create(since=since, element_ids=sorted(element_ids))

    def send() -> None:
        cache.delete(COUNTS_CACHE_KEY)
        values_changed.send(sender=DataValue, data_element_ids=element_ids, org_unit_ids=unit_ids, periods=periods)

    transaction.on_commit(send)
