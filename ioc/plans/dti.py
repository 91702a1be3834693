"""The DTI's arithmetic, on plain data (no database): a sub-index's points from its value, a main index's and
the total, the rank among published totals, and the simulator's cheapest way to a target rank.

Points of a sub-index (model ioc.plans.models_dti.DtiSubIndex):
    LINEAR  max_points × clamp((value − floor) / (ceiling − floor), 0, 1), or max_points × clamp((ceiling −
            value) / (ceiling − floor), 0, 1) when lower is better (floor < ceiling is the range either way)
    SCORE   the value is the points, clamped to [0, max_points]
A missing value scores 0 and is listed as missing.

A main index's points are the sum of its sub-indices' points. When the sub-indices' maxima add up to more
than the index's maximum, every sub-index counts scaled by index max ÷ sum of sub maxima (so the index never
passes its maximum and the sub-indices keep their relative weights); the `points`/`max_points` of a SubScore
are already scaled (DTI points). An index without max_points (Smart city in 2022) is shown but not scored.
The total is the sum of the scored main indices.

Rank: 1 + the number of other provinces' published totals strictly greater than ours (ties share a rank).

Simulator: to reach rank R we need at least the R-th best other total (then at most R − 1 are ahead); we aim
MARGIN above it, as published totals are rounded. Raising sub-index i by x_i DTI points (0 ≤ x_i ≤ headroom_i)
costs effort_i ÷ scale_i per DTI point. Minimising Σ cost_i·x_i subject to Σ x_i ≥ need is a continuous
knapsack: taking the cheapest points first is optimal (exchange argument: any plan that uses a dearer point
while a cheaper one is left can swap them and cost no more). tests/test_dti.py checks it against brute force.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

LINEAR = "linear"
SCORE = "score"
MANUAL = "manual"
ANALYTICS = "analytics"
MISSING = "missing"
# Aim this many points above the total that ranks us at R (published totals carry two decimals).
MARGIN = 0.01
# Totals closer than this are equal (float sums of sub-index points).
TIE = 1e-9

SubKey = tuple[str, str]  # (main index code, sub-index code): sub-index codes are unique per main index


@dataclass(frozen=True)
class SubSpec:
    code: str
    max_points: float
    normalisation: str = LINEAR
    floor: float = 0.0
    ceiling: float = 100.0
    higher_is_better: bool = True
    effort: float = 1.0
    name: str = ""
    unit: str = ""
    dx: str = ""


@dataclass(frozen=True)
class IndexSpec:
    code: str
    max_points: float | None
    subs: tuple[SubSpec, ...]
    name: str = ""
    group: str = ""

    @property
    def scored(self) -> bool:
        return self.max_points is not None

    @property
    def scale(self) -> float:
        """What a sub-index point is worth in DTI points (< 1 only when the sub maxima overshoot the index's)."""
        total = sum(s.max_points for s in self.subs)
        if self.max_points is None or total <= self.max_points or total <= 0:
            return 1.0
        return self.max_points / total


@dataclass(frozen=True)
class Reading:
    value: float
    source: str  # MANUAL | ANALYTICS


def _clamp(x: float, low: float, high: float) -> float:
    return max(low, min(high, x))


def sub_points(sub: SubSpec, value: float | None) -> float:
    """The sub-index's own points (before any scaling of its main index)."""
    if value is None:
        return 0.0
    if sub.normalisation == SCORE:
        return _clamp(value, 0.0, sub.max_points)
    span = sub.ceiling - sub.floor
    if span <= 0:  # a degenerate range: full points from the ceiling on (the services refuse it)
        reached = value >= sub.ceiling if sub.higher_is_better else value <= sub.floor
        return sub.max_points if reached else 0.0
    share = (value - sub.floor) / span if sub.higher_is_better else (sub.ceiling - value) / span
    return sub.max_points * _clamp(share, 0.0, 1.0)


def value_for(sub: SubSpec, points: float) -> float:
    """The value that scores `points` (the inverse of sub_points on [0, max_points])."""
    points = _clamp(points, 0.0, sub.max_points)
    if sub.normalisation == SCORE:
        return points
    share = points / sub.max_points if sub.max_points > 0 else 1.0
    span = sub.ceiling - sub.floor
    return sub.floor + share * span if sub.higher_is_better else sub.ceiling - share * span


# --- scores ---------------------------------------------------------------------------------------------


@dataclass
class SubScore:
    index_code: str
    spec: SubSpec
    value: float | None
    source: str  # MANUAL | ANALYTICS | MISSING
    raw_points: float  # on the sub-index's own scale
    points: float  # DTI points (raw × the index's scale)
    max_points: float  # DTI points
    scale: float
    scored: bool  # its main index counts in the total

    @property
    def key(self) -> SubKey:
        return (self.index_code, self.spec.code)

    @property
    def headroom(self) -> float:
        return max(0.0, self.max_points - self.points)


@dataclass
class IndexScore:
    spec: IndexSpec
    points: float
    max_points: float | None
    subs: list[SubScore]

    @property
    def scored(self) -> bool:
        return self.spec.scored

    @property
    def missing(self) -> list[SubScore]:
        return [s for s in self.subs if s.source == MISSING]


@dataclass
class Score:
    year: int
    total: float
    max_total: float
    indices: list[IndexScore]

    @property
    def subs(self) -> list[SubScore]:
        return [s for index in self.indices for s in index.subs]

    @property
    def missing(self) -> list[SubScore]:
        return [s for s in self.subs if s.source == MISSING]


def score(indices: Sequence[IndexSpec], readings: Mapping[SubKey, Reading], year: int) -> Score:
    out: list[IndexScore] = []
    for index in indices:
        scale = index.scale
        subs = []
        for sub in index.subs:
            reading = readings.get((index.code, sub.code))
            value = reading.value if reading is not None else None
            raw = sub_points(sub, value)
            subs.append(
                SubScore(
                    index_code=index.code,
                    spec=sub,
                    value=value,
                    source=reading.source if reading else MISSING,
                    raw_points=raw,
                    points=raw * scale,
                    max_points=sub.max_points * scale,
                    scale=scale,
                    scored=index.scored,
                )
            )
        points = sum(s.points for s in subs)
        if index.max_points is not None:
            points = min(points, index.max_points)  # only float noise can pass it: the scale caps it
        out.append(IndexScore(spec=index, points=points, max_points=index.max_points, subs=subs))
    total = sum(i.points for i in out if i.scored)
    max_total = sum(i.max_points or 0.0 for i in out if i.scored)
    return Score(year=year, total=total, max_total=max_total, indices=out)


# --- rank -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    rank: int
    of: int  # provinces ranked, ours included
    ahead: int  # others strictly greater
    tied: int  # others equal


def standing(total: float, others: Sequence[float]) -> Standing:
    ahead = sum(1 for o in others if o > total + TIE)
    tied = sum(1 for o in others if abs(o - total) <= TIE)
    return Standing(rank=1 + ahead, of=len(others) + 1, ahead=ahead, tied=tied)


def threshold(others: Sequence[float], rank: int) -> float | None:
    """The total that ranks us at `rank`: the rank-th best other total (None: fewer others, any total will do)."""
    if rank < 1:
        raise ValueError("rank must be at least 1")
    ordered = sorted(others, reverse=True)
    return ordered[rank - 1] if len(ordered) >= rank else None


# --- the simulator --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    key: SubKey
    headroom: float  # DTI points still to gain
    cost: float  # effort per DTI point


def cheapest(options: Sequence[Option], need: float) -> tuple[dict[SubKey, float], float, bool]:
    """The least-cost gains {key: DTI points} adding up to `need` (the cheapest points first), their cost, and
    whether `need` is reachable at all (if not: every headroom, used in full)."""
    gains: dict[SubKey, float] = {}
    cost = 0.0
    left = need
    for option in sorted(options, key=lambda o: (o.cost, -o.headroom, o.key)):
        if left <= TIE:
            break
        if option.headroom <= 0:
            continue
        take = min(option.headroom, left)
        gains[option.key] = take
        cost += take * option.cost
        left -= take
    return gains, cost, left <= TIE


@dataclass
class Step:
    sub: SubScore
    gain: float  # DTI points
    points_after: float  # DTI points
    value_after: float
    cost: float


@dataclass
class IndexGap:
    index: IndexScore
    reference: float | None
    after: float  # the index's points once the plan is carried out

    @property
    def gap(self) -> float | None:
        return None if self.reference is None else self.reference - self.index.points


@dataclass
class Simulation:
    score: Score
    target_rank: int
    current: Standing
    threshold: float | None  # the total that ranks us at target_rank (None: fewer others than that)
    need: float  # DTI points to gain (0: already there)
    reachable: bool
    steps: list[Step]
    cost: float
    headroom: float  # every scored sub-index's headroom together
    gaps: list[IndexGap] = field(default_factory=list)

    @property
    def already(self) -> bool:
        return self.need <= 0

    @property
    def total_after(self) -> float:
        return self.score.total + sum(s.gain for s in self.steps)


def options_of(current: Score) -> list[Option]:
    return [
        Option(key=s.key, headroom=s.headroom, cost=s.spec.effort / s.scale)
        for s in current.subs
        if s.scored and s.headroom > TIE
    ]


def simulate(
    current: Score, others: Sequence[float], target_rank: int, references: Mapping[str, float] | None = None
) -> Simulation:
    """The cheapest improvements that bring `current` to `target_rank` among `others` (published totals of the
    other provinces); `references`: per main index code, the score to compare with (the gap per index)."""
    now = standing(current.total, others)
    bar = threshold(others, target_rank)
    need = 0.0 if bar is None or current.total >= bar - TIE else bar - current.total + MARGIN
    options = options_of(current)
    room = sum(o.headroom for o in options)
    if bar is not None and need > room and room >= bar - current.total - TIE:
        need = bar - current.total  # the margin is out of reach, a tie with the rank-th is not: ties share a rank
    gains, cost, reachable = cheapest(options, need) if need > 0 else ({}, 0.0, True)
    if not reachable:
        # Show what every headroom would give; the page says the rank is out of reach.
        gains = {o.key: o.headroom for o in options}
        cost = sum(o.headroom * o.cost for o in options)
    steps = []
    for sub in current.subs:
        gain = gains.get(sub.key, 0.0)
        if gain <= 0:
            continue
        after = min(sub.max_points, sub.points + gain)
        steps.append(
            Step(sub=sub, gain=gain, points_after=after, value_after=value_for(sub.spec, after / sub.scale),
                 cost=gain * sub.spec.effort / sub.scale)
        )  # fmt: skip
    steps.sort(key=lambda s: (s.cost / s.gain, -s.gain, s.sub.key))
    gained: dict[str, float] = {}
    for step in steps:
        gained[step.sub.index_code] = gained.get(step.sub.index_code, 0.0) + step.gain
    refs = references or {}
    gaps = [
        IndexGap(index=i, reference=refs.get(i.spec.code), after=i.points + gained.get(i.spec.code, 0.0))
        for i in current.indices
        if i.scored
    ]
    return Simulation(
        score=current, target_rank=target_rank, current=now, threshold=bar, need=need, reachable=reachable,
        steps=steps, cost=cost, headroom=room, gaps=gaps,
    )  # fmt: skip
