"""The flaws planted on purpose, so that the quality checks have something to find: reports left out and values
spoiled by typing mistakes, each recorded (demo.PlantedAnomaly) with what it replaced.

The draws that decide them are made in the row stream (ioc/demo/generate.py), from the same random stream as
the values, so that the values stay the same for a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ioc.demo.metadata import clone_code
from ioc.metadata.models import ValueType

MISSING_RATE = 0.015  # share of (data set, unit, month) reports left out
OUTLIER_RATE = 0.001  # share of values spoiled


@dataclass
class Anomaly:
    """A report left out (kind "missing_report"), or a value spoiled (its element, option combo, the value
    generated and the value written)."""

    kind: str
    copy: int
    data_set: str
    org_unit_id: int
    period: str
    data_element_id: int | None = None
    category_option_combo_id: int | None = None
    expected: float | None = None
    planted: float | None = None


def spoil(value: float, value_type: str, rng: random.Random) -> tuple[float, str]:
    """A typing mistake: an extra zero, a dropped last digit, a percentage typed a tenth."""
    if value_type == ValueType.PERCENTAGE:
        return (round(value / 10.0, 1), "percent_typo") if value >= 10 else (value, "")
    if value >= 100 and rng.random() < 0.25:
        return (value // 10 if value_type == ValueType.INTEGER else round(value / 10.0, 1)), "dropped_digit"
    if value >= 3:
        return (value * 10 if value_type == ValueType.INTEGER else round(value * 10.0, 1)), "tenfold"
    return value, ""


def as_record(a: Anomaly, seed: int) -> dict[str, Any]:
    """The fields of its demo.PlantedAnomaly."""
    return {
        "kind": a.kind,
        "seed": seed,
        "copy": a.copy,
        "data_set_code": clone_code(a.data_set, a.copy),
        "data_element_id": a.data_element_id,
        "org_unit_id": a.org_unit_id,
        "period": a.period,
        "category_option_combo_id": a.category_option_combo_id,
        "expected": a.expected,
        "planted": a.planted,
    }
