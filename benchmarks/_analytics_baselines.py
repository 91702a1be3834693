"""The two baselines of benchmarks/analytics.py, in the measuring child (Django set up).

- `naive_group_by`: an engine question answered the obvious way — one plain SQL GROUP BY over the data-value
  table joined to the org-unit table (`path LIKE` for each asked unit's subtree), grouped by asked unit,
  element (and option combo when an ELEMENT.COC or an indicator asks for one) and stored period, then rolled
  up in Python into the asked periods (sum; average; the latest stored period for stocks), indicators
  evaluated from their operands. The units and periods are the ones the engine resolved for the question
  (scope and relative periods are not what is compared); for "today's units" a unit's subtree also takes its
  predecessors' subtrees (closed units whose successors are under it, split shares ignored).
- `raw_scan`: DuckDB's `SELECT sum(v) FROM t` over the value table's columns (element, unit, period middle
  day, option combo, value) loaded into an in-memory DuckDB with default settings — the limit.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from typing import Any

CHUNK = 200_000


class Naive:
    def __init__(self) -> None:
        from ioc.metadata.expressions import parse
        from ioc.metadata.models import CategoryOptionCombo, DataElement, Indicator
        from ioc.orgunits.models import OrgUnit, Succession

        self.elements = {
            code: (pk, agg) for pk, code, agg in DataElement.objects.values_list("pk", "code", "aggregation_type")
        }
        self.cocs = dict(CategoryOptionCombo.objects.values_list("code", "pk"))
        self.indicators = {
            i.code: (parse(i.numerator), parse(i.denominator), i.factor) for i in Indicator.objects.all()
        }
        self.units = {
            uid: (pk, path, closed)
            for uid, pk, path, closed in OrgUnit.objects.values_list("uid", "pk", "path", "closed")
        }
        self.path_by_id = {pk: path for pk, path, _c in self.units.values()}
        nexts: dict[int, list[int]] = defaultdict(list)
        for pred, succ in Succession.objects.values_list("predecessor_id", "successor_id"):
            nexts[pred].append(succ)
        closed = {pk for pk, _p, c in self.units.values() if c is not None}
        self.final: dict[int, set[int]] = {}  # closed unit → the open units its history goes to

        def finals(pk: int, seen: frozenset[int]) -> set[int]:
            if pk not in closed or pk in seen:
                return {pk}
            out: set[int] = set()
            for nxt in nexts.get(pk, []):
                out |= finals(nxt, seen | {pk})
            return out

        for pk in closed:
            self.final[pk] = {f for f in finals(pk, frozenset()) if f != pk}
        from django.db import connection

        from ioc.datavalues.models import DataValue

        self.connection = connection
        self.dv = DataValue._meta.db_table
        self.ou = OrgUnit._meta.db_table

    def _patterns(self, uid: str, today_units: bool) -> list[str]:
        _pk, path, _c = self.units[uid]
        patterns = [path]
        if today_units:
            for pred, finals in self.final.items():
                if any(self.path_by_id[f].startswith(path) for f in finals):
                    patterns.append(self.path_by_id[pred])
        # Drop the patterns inside another one: each value is counted once per asked unit.
        patterns = sorted(set(patterns))
        kept = [p for p in patterns if not any(o != p and p.startswith(o) for o in patterns)]
        return [p + "%" for p in kept]

    def answer(self, query: Any, dims: dict[str, list[str]]) -> dict[tuple[str, str, str], float]:
        """{(dx, period id, unit uid): value} for the engine's resolved dimensions `dims`."""
        from ioc.core.periods import parse_period
        from ioc.quality.evaluate import MissingValueStrategy, evaluate

        # The operands: (element code, coc code or None) of every dx item.
        operands: set[tuple[str, str | None]] = set()
        for dx in dims["dx"]:
            if dx in self.indicators:
                num, den, _f = self.indicators[dx]
                operands |= {(r.element_code, r.coc_code) for r in num.references | den.references}
            elif "." in dx and dx.split(".", 1)[0] in self.elements:
                code, coc = dx.split(".", 1)
                operands.add((code, coc))
            elif dx in self.elements:
                operands.add((dx, None))
        if not operands:
            return {}
        by_coc = any(coc is not None for _e, coc in operands)
        element_ids = sorted({self.elements[e][0] for e, _c in operands})
        periods = [parse_period(p) for p in dims["pe"]]
        start = min(p.start for p in periods)
        end = max(p.end for p in periods)
        targets = [(uid, pattern) for uid in dims["ou"] for pattern in self._patterns(uid, query.structure == "TODAY")]
        union = " UNION ALL ".join(["SELECT %s AS k, %s AS pattern"] * len(targets))
        coc_col = "dv.category_option_combo_id" if by_coc else "0"
        sql = (
            f"SELECT t.k, dv.data_element_id, {coc_col}, dv.period, SUM(dv.value_num), COUNT(dv.value_num) "
            f"FROM {self.dv} dv JOIN {self.ou} ou ON ou.id = dv.org_unit_id "
            f"JOIN ({union}) t ON ou.path LIKE t.pattern "
            f"WHERE dv.data_element_id IN ({', '.join(['%s'] * len(element_ids))}) "
            "AND dv.start_date >= %s AND dv.start_date <= %s AND dv.deleted = %s AND dv.value_num IS NOT NULL "
            f"GROUP BY t.k, dv.data_element_id, {'dv.category_option_combo_id, ' if by_coc else ''}dv.period"
        )
        params: list[Any] = [x for pair in targets for x in pair] + element_ids + [start, end, False]
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        # (unit, element id, coc id or 0, stored period) → (sum, count); rolled up into the asked periods.
        stored: dict[str, Any] = {}
        sums: dict[tuple[str, int], list[tuple[int, str, float, int]]] = defaultdict(list)
        for k, de, coc, pe, total, count in rows:
            sums[(k, de)].append((coc, pe, float(total), int(count)))
            if pe not in stored:
                stored[pe] = parse_period(pe)
        value: dict[tuple[str, str | None, str, str], float] = {}
        for p in periods:
            inside = {
                pe
                for pe, sp in stored.items()
                if p.contains_date(sp.start + (sp.end - sp.start) / 2) and _rank(sp) <= _rank(p)
            }
            for element, wanted in operands:
                de, agg = self.elements[element]
                coc_id = self.cocs.get(wanted, -1) if wanted is not None else None
                for uid in dims["ou"]:
                    cells = [
                        (pe, s, n)
                        for c, pe, s, n in sums.get((uid, de), [])
                        if pe in inside and (coc_id is None or c == coc_id)
                    ]
                    if not cells:
                        continue
                    if agg == "LAST":
                        latest = max(stored[pe].start for pe, _s, _n in cells)
                        v = sum(s for pe, s, _n in cells if stored[pe].start == latest)
                    elif agg == "AVERAGE":
                        v = sum(s for _pe, s, _n in cells) / max(1, sum(n for _pe, _s, n in cells))
                    else:
                        v = sum(s for _pe, s, _n in cells)
                    value[(element, wanted, p.id, uid)] = v
        out: dict[tuple[str, str, str], float] = {}
        for dx in dims["dx"]:
            for p in periods:
                for uid in dims["ou"]:
                    if dx in self.indicators:
                        num, den, factor = self.indicators[dx]
                        refs = {
                            r: value.get((r.element_code, r.coc_code, p.id, uid))
                            for r in num.references | den.references
                        }
                        n = evaluate(num, refs, MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING)
                        d = evaluate(den, refs, MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING)
                        if n is not None and d:
                            out[(dx, p.id, uid)] = n / d * factor
                    else:
                        code, _dot, coc_code = dx.partition(".")
                        found = value.get((code, coc_code or None, p.id, uid))
                        if found is not None:
                            out[(dx, p.id, uid)] = found
        return out


def _rank(p: Any) -> int:
    from ioc.core.periods import PERIOD_TYPES

    return PERIOD_TYPES.index(p.period_type)


def agreement(engine_rows: dict[tuple[str, str, str], float], naive: dict[tuple[str, str, str], float]) -> float:
    """Share of the engine's cells the naive answer gives within 0.5 % (a sanity check of the baseline)."""
    if not engine_rows:
        return 1.0
    close = 0
    for key, v in engine_rows.items():
        n = naive.get(key)
        if n is not None and abs(n - v) <= 0.005 * max(abs(v), 1e-9):
            close += 1
    return close / len(engine_rows)


def raw_scan(repeat: int) -> dict[str, float]:
    """Load the value table's columns into an in-memory DuckDB; time `SELECT sum(v) FROM t`."""
    import duckdb
    import numpy as np
    from django.db import connection

    from ioc.datavalues.models import DataValue

    began = time.perf_counter()
    con = duckdb.connect()
    con.execute("CREATE TABLE t (de INTEGER, ou INTEGER, mid INTEGER, coc INTEGER, v DOUBLE)")
    qs = DataValue.objects.filter(deleted=False, value_num__isnull=False).values_list(
        "data_element_id", "org_unit_id", "start_date", "end_date", "category_option_combo_id", "value_num"
    )
    sql, params = qs.query.sql_with_params()
    epoch = np.datetime64("1970-01-01", "D")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            de, ou, start, end, coc, v = zip(*rows, strict=True)
            s = (np.array(start, dtype="datetime64[D]") - epoch).astype(np.int64)
            e = (np.array(end, dtype="datetime64[D]") - epoch).astype(np.int64)
            batch = {
                "de": np.array(de, dtype=np.int32),
                "ou": np.array(ou, dtype=np.int32),
                "mid": ((s + e) // 2).astype(np.int32),
                "coc": np.array(coc, dtype=np.int32),
                "v": np.array(v, dtype=np.float64),
            }
            con.register("batch", batch)
            con.execute("INSERT INTO t SELECT * FROM batch")
            con.unregister("batch")
    loaded = time.perf_counter() - began
    row = con.execute("SELECT count(*) FROM t").fetchone()
    times = []
    for _ in range(repeat + 1):
        t0 = time.perf_counter()
        con.execute("SELECT sum(v) FROM t").fetchone()
        times.append((time.perf_counter() - t0) * 1000)
    con.close()
    times = times[1:]  # the first scan pages the table in
    return {"p50": statistics.median(times), "rows": float(row[0] if row else 0), "load_s": loaded}
