"""What an analytics question and its answer look like (the engine's Python interface).

A question names three dimensions, in DHIS2's words:

- dx: data items — a data element's code (its total over the disaggregations), ``ELEMENT.COC`` (one
  disaggregation), an indicator's code (numerator ÷ denominator × factor, computed after aggregation), or a
  data set's reporting metric ``DATASET.REPORTING_RATE`` / ``.REPORTING_RATE_ON_TIME`` / ``.ACTUAL_REPORTS``
  / ``.EXPECTED_REPORTS`` (from the workflow's completeness);
- pe: periods — ISO ids of any type (``2025``, ``2025Q1``, ``202503``, ``2025W05``, ``20250315``) or relative
  ones (``LAST_12_MONTHS``, ``THIS_YEAR``, …; see ioc.analytics.periods); stored values are rolled up into the
  asked period when the stored period's middle day falls in it;
- ou: units — uids or codes, and the keywords ``LEVEL-n`` (every unit at level n under the other units of the
  dimension) and ``CHILDREN`` (their children), ``USER_ORGUNIT`` (the roots of the user's view scope).

Each dimension is either *split* (a column of the answer) or a *filter* (aggregated over). ``co`` splits by
category option combo. ``structure`` says which units' history: ``AS_IT_WAS`` (values stay on the units
they were reported for, rolled up through that time's hierarchy) or ``TODAY`` (values of closed units
carried to their successors — weighted for splits — and rolled up through today's hierarchy).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Structure = Literal["AS_IT_WAS", "TODAY"]
STRUCTURES: tuple[Structure, ...] = ("AS_IT_WAS", "TODAY")


@dataclass(frozen=True)
class Query:
    dx: tuple[str, ...]
    pe: tuple[str, ...]
    ou: tuple[str, ...] = ("USER_ORGUNIT",)
    # Dimensions named here are filters (aggregated over), not columns of the answer.
    filters: frozenset[Literal["dx", "pe", "ou"]] = frozenset()
    co: bool = False  # split by category option combo (elements only; indicators and rates have none)
    structure: Structure = "AS_IT_WAS"
    # Keep rows whose value is missing out of the answer (DHIS2 never returns them); the dashboards ask
    # for specific cells and read absent ones as missing.


@dataclass(frozen=True)
class Item:
    """Metadata of one item of the answer, for `metaData.items`."""

    uid: str
    code: str
    name: str
    # Extra facts the screens need: for dx items the unit of measure, decimals, higher_is_better, kind
    # ("element", "indicator", "reporting_rate"); for units level, parent uid, path of uids, code.
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class Result:
    """The answer: one row per (dx, pe, ou[, co]) cell that has a value.

    `columns` lists the split dimensions in order ("dx", "pe", "ou", and "co" when asked); each row is those
    ids followed by the value. Ids: dx → the item id as asked (code), pe → the ISO period id, ou → the unit's
    uid, co → the category option combo's code.
    """

    columns: list[str]
    rows: list[tuple[str | float, ...]]
    items: dict[str, Item]
    dimensions: dict[str, list[str]]  # the items of each dimension, in the order asked (resolved)
    generation: int = 0  # the replica's generation: changes whenever data changes
    as_of: dt.datetime | None = None  # the last change of the data the replica holds

    def value(self, **key: str) -> float | None:
        """The value of one cell, e.g. result.value(dx="HLT_OPD_VISITS", pe="202501", ou=uid); None: missing."""
        wanted = tuple(key[c] for c in self.columns)
        if not hasattr(self, "_index"):
            self._index = {tuple(r[:-1]): r[-1] for r in self.rows}
        found = self._index.get(wanted)
        return None if found is None else float(found)
