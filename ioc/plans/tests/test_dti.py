"""The DTI arithmetic (ioc.plans.dti), without a database: points from values in both directions with their
clamps, missing values, main indices and the total (worked out by hand), scaling, rank with ties, and the
simulator against a brute force over every vertex of the problem."""

from __future__ import annotations

import itertools
import random

import pytest

from ioc.plans import dti
from ioc.plans.dti import ANALYTICS, MANUAL, MISSING, IndexSpec, Option, Reading, SubSpec

UP = SubSpec(code="U", max_points=20, floor=10, ceiling=60)  # 10 → 0 points, 60 → 20 points
DOWN = SubSpec(code="D", max_points=30, floor=2, ceiling=12, higher_is_better=False)  # 12 → 0, 2 → 30
AS_POINTS = SubSpec(code="S", max_points=15, normalisation=dti.SCORE)


@pytest.mark.parametrize(
    ("sub", "value", "points"),
    [
        (UP, 10, 0.0),
        (UP, 35, 10.0),
        (UP, 60, 20.0),
        (UP, 47.5, 15.0),
        (UP, 5, 0.0),  # below the floor: clamped to 0
        (UP, 99, 20.0),  # above the ceiling: clamped to the maximum
        (DOWN, 12, 0.0),
        (DOWN, 7, 15.0),
        (DOWN, 2, 30.0),
        (DOWN, 4.5, 22.5),
        (DOWN, 20, 0.0),  # worse than the worst: 0
        (DOWN, 0, 30.0),  # better than the best: the maximum
        (AS_POINTS, 7.5, 7.5),
        (AS_POINTS, 40, 15.0),
        (AS_POINTS, -3, 0.0),
        (UP, None, 0.0),
    ],
)
def test_points_from_a_value(sub: SubSpec, value: float | None, points: float) -> None:
    assert dti.sub_points(sub, value) == pytest.approx(points)


@pytest.mark.parametrize("sub", [UP, DOWN, AS_POINTS])
def test_value_for_inverts_the_normalisation(sub: SubSpec) -> None:
    for share in (0.0, 0.25, 0.5, 0.9, 1.0):
        points = sub.max_points * share
        assert dti.sub_points(sub, dti.value_for(sub, points)) == pytest.approx(points)
    assert dti.value_for(DOWN, 30) == pytest.approx(2)  # lower is better: full points at the floor
    assert dti.value_for(UP, 15) == pytest.approx(47.5)


def test_a_degenerate_range_is_a_step() -> None:
    flat = SubSpec(code="F", max_points=5, floor=50, ceiling=50)
    assert dti.sub_points(flat, 49.9) == 0
    assert dti.sub_points(flat, 50) == 5


def _small() -> list[IndexSpec]:
    """A: 40 points (A1 linear 0–100 → 20, A2 as points → 20); B: 60 (B1 0–50 → 30, B2 2–12 days, lower is
    better → 30); C: listed, not scored."""
    return [
        IndexSpec("A", 40, (SubSpec("A1", 20), SubSpec("A2", 20, normalisation=dti.SCORE, effort=2))),
        IndexSpec(
            "B",
            60,
            (SubSpec("B1", 30, ceiling=50), SubSpec("B2", 30, floor=2, ceiling=12, higher_is_better=False, effort=3)),
        ),
        IndexSpec("C", None, (SubSpec("C1", 10),)),
    ]


def test_score_worked_out_by_hand() -> None:
    readings = {
        ("A", "A1"): Reading(70, ANALYTICS),  # 20 × 0.7 = 14
        ("A", "A2"): Reading(15, MANUAL),  # 15
        ("B", "B1"): Reading(40, MANUAL),  # 30 × 40/50 = 24
        ("B", "B2"): Reading(7, MANUAL),  # 30 × (12 − 7)/10 = 15
        ("C", "C1"): Reading(100, MANUAL),  # 10, but C is not scored
    }
    score = dti.score(_small(), readings, 2024)
    assert [i.points for i in score.indices] == pytest.approx([29, 39, 10])
    assert score.total == pytest.approx(68)
    assert score.max_total == 100
    assert score.missing == []
    assert [s.source for s in score.indices[0].subs] == [ANALYTICS, MANUAL]


def test_missing_values_score_zero_and_are_listed() -> None:
    score = dti.score(_small(), {("A", "A1"): Reading(50, MANUAL)}, 2024)
    assert score.total == pytest.approx(10)
    assert [(s.index_code, s.spec.code) for s in score.missing] == [("A", "A2"), ("B", "B1"), ("B", "B2"), ("C", "C1")]
    assert all(s.source == MISSING and s.points == 0 for s in score.missing)


def test_an_index_whose_sub_maxima_overshoot_is_scaled_down() -> None:
    index = IndexSpec("X", 10, (SubSpec("X1", 10), SubSpec("X2", 10)))
    assert index.scale == pytest.approx(0.5)
    full = dti.score([index], {("X", "X1"): Reading(100, MANUAL), ("X", "X2"): Reading(100, MANUAL)}, 2024)
    assert full.total == pytest.approx(10)  # never past the index's maximum
    half = dti.score([index], {("X", "X1"): Reading(100, MANUAL)}, 2024)
    assert half.total == pytest.approx(5)
    assert half.indices[0].subs[0].max_points == pytest.approx(5)
    assert IndexSpec("Y", 30, (SubSpec("Y1", 10),)).scale == 1  # an index its sub-indices cannot fill: no scaling up


def test_rank_counts_the_provinces_strictly_ahead_and_ties_share() -> None:
    assert dti.standing(68, [80, 68, 60, 75]) == dti.Standing(rank=3, of=5, ahead=2, tied=1)
    assert dti.standing(90, [80, 75]).rank == 1
    assert dti.standing(10, [80, 75]).rank == 3
    assert dti.standing(75, [75, 75, 75]).rank == 1  # everyone tied: all first
    assert dti.standing(68, []).rank == 1
    assert dti.standing(68 + 1e-12, [68]).tied == 1  # float noise is not a lead


def test_threshold_is_the_rank_th_best_other_total() -> None:
    others = [60, 80, 75, 68]
    assert dti.threshold(others, 1) == 80
    assert dti.threshold(others, 3) == 68
    assert dti.threshold(others, 5) is None  # fewer others than that: any total ranks within 5
    with pytest.raises(ValueError):
        dti.threshold(others, 0)


def _current() -> dti.Score:
    readings = {
        ("A", "A1"): Reading(70, ANALYTICS),
        ("A", "A2"): Reading(15, MANUAL),
        ("B", "B1"): Reading(40, MANUAL),
        ("B", "B2"): Reading(7, MANUAL),
    }
    return dti.score(_small(), readings, 2024)


def test_simulator_by_hand() -> None:
    # 68 points; headroom A1 6 (effort 1), A2 5 (2), B1 6 (1), B2 15 (3). Rank 1 needs 80 + margin = 12.01 more.
    sim = dti.simulate(_current(), [80, 68, 60, 75], 1, {"A": 35, "B": 45})
    assert sim.current.rank == 3
    assert sim.threshold == 80
    assert sim.need == pytest.approx(12.01)
    assert sim.reachable and not sim.already
    gains = {(s.sub.index_code, s.sub.spec.code): round(s.gain, 6) for s in sim.steps}
    assert gains == {("A", "A1"): 6, ("B", "B1"): 6, ("A", "A2"): 0.01}
    assert sim.cost == pytest.approx(6 + 6 + 0.02)
    assert sim.total_after == pytest.approx(80.01)
    after = {s.sub.spec.code: s.value_after for s in sim.steps}
    assert (
        after["A1"] == pytest.approx(100) and after["B1"] == pytest.approx(50) and after["A2"] == pytest.approx(15.01)
    )
    assert dti.standing(sim.total_after, [80, 68, 60, 75]).rank == 1
    gaps = {g.index.spec.code: (g.gap, g.after) for g in sim.gaps}
    assert gaps["A"] == (pytest.approx(6), pytest.approx(35.01))
    assert gaps["B"] == (pytest.approx(6), pytest.approx(45))
    assert "C" not in gaps  # not scored


def test_simulator_already_there_and_out_of_reach() -> None:
    current = _current()
    there = dti.simulate(current, [80, 68, 60, 75], 3)
    assert there.already and there.need == 0 and there.steps == []
    assert dti.simulate(current, [80], 5).threshold is None
    far = dti.simulate(current, [99.5, 101.0], 1)  # 68 + 32 of headroom = 100 < 101
    assert not far.reachable
    assert far.headroom == pytest.approx(32)
    assert far.total_after == pytest.approx(100)  # shows every headroom used
    assert {s.sub.spec.code for s in far.steps} == {"A1", "A2", "B1", "B2"}


def test_a_tie_is_enough_when_the_margin_is_out_of_reach() -> None:
    sim = dti.simulate(_current(), [100.0], 1)  # exactly every headroom: a tie for first
    assert sim.reachable
    assert sim.need == pytest.approx(32)
    assert dti.standing(sim.total_after, [100.0]).rank == 1


# --- the greedy plan is the least-effort plan ----------------------------------------------------------------


def brute_force(options: list[Option], need: float) -> float | None:
    """The least cost of gains x (0 ≤ x_i ≤ headroom_i, Σ x ≥ need) by enumerating every vertex of that
    polytope: an optimum of a linear programme lies at a vertex, and a vertex has at most one x_i strictly
    between its bounds — so it is "these options in full, perhaps one more in part"."""
    best: float | None = None
    n = len(options)
    for full in itertools.product((False, True), repeat=n):
        got = sum(o.headroom for o, f in zip(options, full, strict=True) if f)
        cost = sum(o.headroom * o.cost for o, f in zip(options, full, strict=True) if f)
        candidates = []
        if got >= need - 1e-12:
            candidates.append(cost)
        for j, o in enumerate(options):
            if not full[j] and 0 < need - got <= o.headroom:
                candidates.append(cost + (need - got) * o.cost)
        for c in candidates:
            best = c if best is None or c < best else best
    return best


@pytest.mark.parametrize("seed", range(300))
def test_greedy_matches_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    options = [
        Option(key=("I", f"S{i}"), headroom=rng.choice([0, rng.uniform(0, 10), float(rng.randint(1, 5))]),
               cost=rng.choice([rng.uniform(0.1, 3), float(rng.randint(1, 3))]))
        for i in range(rng.randint(1, 7))
    ]  # fmt: skip
    room = sum(o.headroom for o in options)
    need = rng.uniform(0, room * 1.2) if room else rng.uniform(0, 1)
    gains, cost, reachable = dti.cheapest(options, need)
    best = brute_force(options, need)
    assert reachable == (best is not None)
    if best is not None:
        assert cost == pytest.approx(best, abs=1e-9)
        assert sum(gains.values()) == pytest.approx(need)
        for option in options:
            assert 0 <= gains.get(option.key, 0) <= option.headroom + 1e-12


def test_greedy_takes_the_cheaper_points_first() -> None:
    options = [Option(("I", "dear"), 10, 3.0), Option(("I", "cheap"), 4, 1.0), Option(("I", "middle"), 5, 2.0)]
    gains, cost, reachable = dti.cheapest(options, 6)
    assert gains == {("I", "cheap"): 4, ("I", "middle"): 2}
    assert cost == pytest.approx(8) and reachable


def test_a_scaled_index_costs_more_per_dti_point() -> None:
    # X's sub-indices overshoot (20 for 10 points): a DTI point there needs two sub-index points.
    x = IndexSpec("X", 10, (SubSpec("X1", 10, effort=1), SubSpec("X2", 10, effort=1)))
    y = IndexSpec("Y", 10, (SubSpec("Y1", 10, effort=1.5),))
    sim = dti.simulate(dti.score([x, y], {}, 2024), [4.0], 1)
    assert [s.sub.spec.code for s in sim.steps] == ["Y1"]  # 1.5 per point beats X's 1 ÷ 0.5 = 2
    assert sim.steps[0].value_after == pytest.approx(40.1)
