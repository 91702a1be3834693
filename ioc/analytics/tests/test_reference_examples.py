"""Small examples computed by hand: they pin the semantics, for the reference and for the engine alike.

Each example is asked of both (`ask` is parametrised), so a wrong reference cannot hide a wrong engine in
the property tests, and the engine is held to numbers a person worked out.

    P ─┬─ D1 ─┬─ C1
       │      ├─ C2  closed 2024-06-30, merged into N ┐
       │      └─ N   opened 2024-07-01  ◄─────────────┤
       └─ D2 ─┬─ C3  closed 2024-06-30, merged into N ┘
              ├─ C4  closed 2024-06-30, split: S1 0.25, S2 0.75
              ├─ S1  opened 2024-07-01
              └─ S2  opened 2024-07-01

Elements: VISITS (SUM, by sex M/F; monthly, quarterly, yearly), BEDS (LAST), RATE (AVERAGE), LOW (MIN),
HIGH (MAX) — those three with the same values —, PAIR (AVERAGE by sex), ZERO (SUM). TODAY is 2025-01-15.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ioc.analytics.query import Query
from ioc.analytics.tests.reference import answer, delete, load, make_element, option_combos, superuser
from ioc.metadata.models import Indicator
from ioc.orgunits.models import OrgUnit, Succession
from ioc.orgunits.testing import make_unit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 1, 15)
CLOSED, OPENED = dt.date(2024, 6, 30), dt.date(2024, 7, 1)
Ask = Callable[..., dict[tuple[str, ...], float]]


@pytest.fixture
def w(db: None) -> dict[str, Any]:
    p = make_unit("P", "P")
    d1, d2 = make_unit("D1", "D1", p), make_unit("D2", "D2", p)
    c1 = make_unit("C1", "C1", d1)
    c2 = make_unit("C2", "C2", d1, closed=CLOSED)
    n = make_unit("N", "N", d1, opened=OPENED)
    c3 = make_unit("C3", "C3", d2, closed=CLOSED)
    c4 = make_unit("C4", "C4", d2, closed=CLOSED)
    s1, s2 = make_unit("S1", "S1", d2, opened=OPENED), make_unit("S2", "S2", d2, opened=OPENED)
    for pred, succ, kind, weight in [(c2, n, "merge", 1.0), (c3, n, "merge", 1.0), (c4, s1, "split", 0.25)]:
        Succession.objects.create(predecessor=pred, successor=succ, kind=kind, date=OPENED, weight=weight)
    Succession.objects.create(predecessor=c4, successor=s2, kind="split", date=OPENED, weight=0.75)
    m, f = option_combos("SEX", 2)
    (default,) = option_combos("default", 1)
    monthly = ["Monthly"]
    visits = make_element("VISITS", "SUM", [m, f], ["Monthly", "Quarterly", "Yearly"])
    beds = make_element("BEDS", "LAST", [default], monthly)
    rates = [
        make_element(code, agg, [default], monthly)
        for code, agg in [("RATE", "AVERAGE"), ("LOW", "MIN"), ("HIGH", "MAX")]
    ]
    pair = make_element("PAIR", "AVERAGE", [m, f], monthly)
    zero = make_element("ZERO", "SUM", [default], monthly)
    mixed = [
        make_element(c, a, [default], ["Monthly", "Quarterly"])
        for c, a in [("QAVG", "AVERAGE"), ("QLAST", "LAST"), ("QMAX", "MAX")]
    ]
    user = superuser()
    rows = [
        (visits, c1, "202401", m, 10), (visits, c1, "202401", f, 5), (visits, c1, "202402", m, 1),
        (visits, c1, "202402", f, 2), (visits, c1, "202407", m, 3), (visits, c1, "2024Q1", m, 50),
        (visits, c1, "2023", m, 1000),
        (visits, c2, "202401", m, 4), (visits, c2, "202406", f, 6),
        (visits, c3, "202403", m, 7), (visits, c3, "202403", f, 1), (visits, c3, "202402", m, 100),
        (visits, c4, "202405", m, 8),
        (visits, n, "202408", m, 2), (visits, n, "202408", f, 2),
        (visits, s1, "202409", f, 4),
        (beds, c1, "202401", default, 10), (beds, c1, "202403", default, 12), (beds, c1, "202405", default, 11),
        (beds, c2, "202402", default, 5), (beds, c2, "202406", default, 6),
        (beds, n, "202407", default, 20), (beds, n, "202409", default, 21),
        (beds, c4, "202406", default, 8), (beds, s1, "202412", default, 3),
        (pair, c1, "202401", m, 2), (pair, c1, "202401", f, 4), (pair, c1, "202402", m, 6),
        (zero, c1, "202401", default, 0), (zero, c1, "202402", default, 4),
    ]  # fmt: skip
    for element in rates:
        for unit, period, value in [(c1, "202401", 80), (c1, "202402", 90), (c2, "202401", 60), (c3, "202401", 70),
                                    (c4, "202402", 40), (s1, "202408", 50)]:  # fmt: skip
            rows.append((element, unit, period, default, value))
    for element in mixed:  # a quarter's middle day is its middle month's: 15 February 2024 for both
        rows += [(element, c1, "202401", default, 10), (element, c1, "202402", default, 20)]
        rows += [(element, c1, "2024Q1", default, 60), (element, c2, "202402", default, 25)]
    load(user, rows)
    delete(user, visits, c3, "202402", m)  # deleted values never count
    for code, numerator, denominator, factor in [
        ("PCT_F", "#{VISITS.SEX_1}", "#{VISITS}", 100.0),
        ("PER_ZERO", "#{VISITS}", "#{ZERO}", 1.0),
        ("MIXED", "#{VISITS} + #{BEDS}", "1", 1.0),
        ("CONST", "2", "#{ZERO}", 10.0),
        ("PER_RATE", "#{VISITS}", "#{RATE}", 1000.0),
    ]:
        Indicator.objects.create(code=code, name_vi=code, numerator=numerator, denominator=denominator, factor=factor)
    units = {"p": p, "d1": d1, "d2": d2, "c1": c1, "c2": c2, "c3": c3, "c4": c4, "n": n, "s1": s1, "s2": s2}
    return {**units, "user": user}


@pytest.fixture(autouse=True)
def _fresh_replica() -> Iterator[None]:
    """The engine's in-process replica must not keep a rolled-back test's values."""
    from ioc.analytics.replica import replica

    replica.reset()
    yield
    replica.reset()


@pytest.fixture(params=["reference", "engine"])
def ask(request: pytest.FixtureRequest, w: dict[str, Any]) -> Ask:
    """ask(dx, pe, ou, filters=…, co=…, structure=…) → {row key without the value: value}."""

    def run_it(dx: str, pe: str, ou: str, today: dt.date = TODAY, **options: Any) -> dict[tuple[str, ...], float]:
        units = ";".join(w[o].uid if o in w else o for o in ou.split(";"))
        query = Query(dx=tuple(dx.split(";")), pe=tuple(pe.split(";")), ou=tuple(units.split(";")), **options)
        if request.param == "reference":
            _columns, rows = answer(query, today)
            return rows
        from ioc.analytics.engine import run

        result = run(w["user"], query, today=today)
        return {tuple(str(c) for c in r[:-1]): float(r[-1]) for r in result.rows}

    return run_it


def one(rows: dict[tuple[str, ...], float]) -> float | None:
    assert len(rows) <= 1, rows
    return next(iter(rows.values()), None)


def close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9))


def by_code(rows: dict[tuple[str, ...], float], at: int = -1) -> dict[str, float]:
    """Rows keyed by the unit code found at position `at` of the key."""
    code = {u.uid: u.code for u in OrgUnit.objects.all()}
    return {code[k[at]]: v for k, v in rows.items()}


# --- periods: the middle day, not longer than the period ---------------------------------------------------


def test_sum_rolls_months_quarters_and_years_up(ask: Ask) -> None:
    assert one(ask("VISITS", "202401", "c1")) == 15  # the quarter and the year are longer than a month
    assert one(ask("VISITS", "2024Q1", "c1")) == 15 + 3 + 50
    assert one(ask("VISITS", "2024", "c1")) == 15 + 3 + 3 + 50
    assert one(ask("VISITS", "2023", "c1")) == 1000
    assert one(ask("VISITS", "2023Q4", "c1")) is None  # no row for a cell without a value
    assert one(ask("VISITS", "202404", "c1")) is None


def test_deleted_values_never_count(ask: Ask) -> None:
    assert one(ask("VISITS", "202402", "c3")) is None
    assert one(ask("VISITS", "2024Q1", "c3")) == 8


# --- units: subtrees, as it was and today ----------------------------------------------------------------


def test_sum_over_subtrees_as_it_was_and_today(ask: Ask) -> None:
    assert one(ask("VISITS", "2024", "d1")) == 71 + 10 + 4  # C1 + C2 + N
    assert one(ask("VISITS", "2024", "d2")) == 8 + 8 + 4  # C3 + C4 + S1
    assert one(ask("VISITS", "2024", "d1", structure="TODAY")) == 71 + 10 + 8 + 4  # C3 now in N
    assert one(ask("VISITS", "2024", "d2", structure="TODAY")) == 2 + 6 + 4  # C4 split 1/4 : 3/4
    for structure in ("AS_IT_WAS", "TODAY"):
        assert one(ask("VISITS", "2024", "p", structure=structure)) == 105


def test_today_is_the_day_asked_for(ask: Ask) -> None:
    """On 1 May 2024 the reorganisation had not happened: TODAY is the structure of that day."""
    may = dt.date(2024, 5, 1)
    assert one(ask("VISITS", "2024Q1", "c2", structure="TODAY", today=may)) == 4
    assert one(ask("VISITS", "2024Q1", "d2", structure="TODAY", today=may)) == 8  # C3 still in D2
    assert by_code(ask("VISITS", "2024Q1", "p;LEVEL-3", structure="TODAY", today=may)) == {"C1": 68, "C2": 4, "C3": 8}


def test_level_and_children(ask: Ask) -> None:
    level = ask("VISITS", "2024", "p;LEVEL-3")
    assert by_code(level) == {"C1": 71, "C2": 10, "C3": 8, "C4": 8, "N": 4, "S1": 4}  # no row for S2
    today = ask("VISITS", "2024", "p;LEVEL-3", structure="TODAY")
    assert by_code(today) == {"C1": 71, "N": 22, "S1": 6, "S2": 6}  # closed units are not listed
    assert by_code(ask("VISITS", "2024", "d2;CHILDREN", structure="TODAY")) == {"S1": 6, "S2": 6}
    assert by_code(ask("VISITS", "2024", "p;CHILDREN")) == {"D1": 85, "D2": 20}


# --- disaggregations -------------------------------------------------------------------------------------


def test_one_option_combo_and_the_co_split(ask: Ask, w: dict[str, Any]) -> None:
    assert one(ask("VISITS.SEX_0", "2024", "p")) == 64 + 4 + 7 + 8 + 2
    assert one(ask("VISITS.SEX_1", "2024", "p")) == 5 + 2 + 6 + 1 + 2 + 4
    split = ask("VISITS", "2024", "c1", co=True)
    assert {k[-1]: v for k, v in split.items()} == {"SEX_0": 64, "SEX_1": 7}
    assert split.keys() == {("VISITS", "2024", w["c1"].uid, "SEX_0"), ("VISITS", "2024", w["c1"].uid, "SEX_1")}
    # one option combo asked, split by option combo: its own row, under its own code
    assert ask("VISITS.SEX_1", "2024", "c1", co=True) == {("VISITS.SEX_1", "2024", w["c1"].uid, "SEX_1"): 7}
    both = ask("VISITS.SEX_1;VISITS", "2024", "c1", co=True)
    assert {(k[0], k[-1]): v for k, v in both.items()} == {
        ("VISITS.SEX_1", "SEX_1"): 7,
        ("VISITS", "SEX_0"): 64,
        ("VISITS", "SEX_1"): 7,
    }


def test_average_is_over_unit_period_sums_of_the_option_combos(ask: Ask) -> None:
    assert one(ask("PAIR", "2024Q1", "c1")) == 6  # mean(2 + 4, 6), not mean(2, 4, 6)


def test_a_quarter_and_its_middle_month_are_two_stored_periods(ask: Ask) -> None:
    """Stored 202401 10, 202402 20 and 2024Q1 60 at C1 (and 202402 25 at C2)."""
    assert one(ask("QAVG", "2024Q1", "c1")) == (10 + 20 + 60) / 3
    assert one(ask("QAVG", "2024Q1", "d1")) == (10 + 20 + 60 + 25) / 4
    assert one(ask("QLAST", "2024Q1", "c1")) == 60  # the quarter ends last
    assert one(ask("QLAST", "2024Q1", "d1")) == 60 + 25
    assert one(ask("QMAX", "2024Q1", "c1")) == 60
    for code in ("QAVG", "QLAST", "QMAX"):
        assert one(ask(code, "202402", "c1")) == 20  # a quarter is longer than a month


# --- stocks, averages, min, max ----------------------------------------------------------------------------


def test_stock_is_the_latest_value_of_each_unit(ask: Ask) -> None:
    assert one(ask("BEDS", "2024Q1", "c1")) == 12
    assert one(ask("BEDS", "2024Q2", "c1")) == 11  # May: June has no value
    assert one(ask("BEDS", "202404", "c1")) is None
    assert one(ask("BEDS", "2024Q1", "d1")) == 12 + 5
    assert one(ask("BEDS", "2024", "d1")) == 11 + 6 + 21
    assert one(ask("BEDS", "2024", "p")) == 11 + 6 + 21 + 8 + 3


def test_stock_today_takes_the_successor_latest_value(ask: Ask) -> None:
    assert one(ask("BEDS", "2024", "d1", structure="TODAY")) == 11 + 21  # N's September, not C2's June too
    assert one(ask("BEDS", "2024Q2", "d1", structure="TODAY")) == 11 + 6  # C2's June, carried into N
    assert one(ask("BEDS", "2024", "p", structure="TODAY")) == 11 + 21 + 3 + 6  # S1: its December; S2: 3/4 of C4


def test_average_min_max(ask: Ask) -> None:
    assert one(ask("RATE", "202401", "p")) == 70
    assert close(one(ask("RATE", "2024Q1", "d1")), 230 / 3)
    assert one(ask("RATE", "2024", "p")) == 390 / 6
    assert one(ask("LOW", "2024", "p")) == 40
    assert one(ask("HIGH", "2024", "p")) == 90


def test_average_min_max_today(ask: Ask) -> None:
    # C2's and C3's Januaries stay two cells in N; C4's February counts once though split into S1 and S2
    assert one(ask("RATE", "2024", "p", structure="TODAY")) == 390 / 6
    assert by_code(ask("RATE", "2024", "p;LEVEL-3", structure="TODAY")) == {"C1": 85, "N": 65, "S1": 45, "S2": 40}
    # unweighted: C4's 40 counts as a whole value beside C1's, though S1 holds only a quarter of C4
    assert one(ask("RATE", "2024", "s1;c1", filters=frozenset({"ou"}), structure="TODAY")) == (80 + 90 + 40 + 50) / 4
    assert one(ask("HIGH", "2024", "p", structure="TODAY")) == 90
    assert one(ask("HIGH", "2024", "n", structure="TODAY")) == 70
    assert one(ask("LOW", "2024", "d2", structure="TODAY")) == 40  # C3's 70 went to N, in D1


# --- indicators --------------------------------------------------------------------------------------------


def test_indicators_are_computed_after_aggregation(ask: Ask) -> None:
    assert close(one(ask("PCT_F", "2024", "p")), 20 / 105 * 100)
    assert close(one(ask("PCT_F", "202402", "c1")), 2 / 3 * 100)
    assert close(one(ask("PER_RATE", "2024Q1", "d1")), (68 + 4) / (230 / 3) * 1000)


def test_indicators_with_missing_and_zero_operands(ask: Ask) -> None:
    assert one(ask("PCT_F", "202405", "c4")) is None  # every reference of the numerator is missing
    assert one(ask("PER_ZERO", "202401", "c1")) is None  # zero denominator
    assert one(ask("PER_ZERO", "202401", "c2")) is None  # missing denominator
    assert one(ask("MIXED", "202403", "c3")) == 8  # BEDS missing, VISITS not: the missing one counts as 0
    assert one(ask("MIXED", "202406", "c2")) == 6 + 6
    assert one(ask("MIXED", "202404", "c1")) is None
    assert one(ask("CONST", "202402", "c1")) == 2 / 4 * 10  # a constant side is never missing
    assert one(ask("CONST", "202403", "c1")) is None


# --- filters -----------------------------------------------------------------------------------------------


def test_period_filter_counts_each_stored_value_once(ask: Ask, w: dict[str, Any]) -> None:
    rows = ask("VISITS", "202401;202402", "c1", filters=frozenset({"pe"}))
    assert rows == {("VISITS", w["c1"].uid): 18}
    assert one(ask("VISITS", "2024Q1;202401", "c1", filters=frozenset({"pe"}))) == 68
    assert one(ask("BEDS", "202401;202403", "c1", filters=frozenset({"pe"}))) == 12
    assert one(ask("BEDS", "202401;202402", "c1", filters=frozenset({"pe"}))) == 10


def test_unit_filter_counts_each_value_once(ask: Ask) -> None:
    assert one(ask("VISITS", "2024", "d1;c1", filters=frozenset({"ou"}))) == 85
    assert one(ask("VISITS", "2024", "c1;c3", filters=frozenset({"ou"}))) == 71 + 8
    assert one(ask("BEDS", "2024", "c1;c2", filters=frozenset({"ou"}))) == 11 + 6
    assert one(ask("RATE", "202401", "c1;c2", filters=frozenset({"ou"}))) == 70
    assert one(ask("VISITS", "2024", "s1;s2", filters=frozenset({"ou"}), structure="TODAY")) == 12


def test_data_filter(ask: Ask, w: dict[str, Any]) -> None:
    rows = ask("VISITS;ZERO", "202402", "c1", filters=frozenset({"dx"}))
    assert rows == {("202402", w["c1"].uid): 3 + 4}
