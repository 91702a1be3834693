"""Precision and recall of the outlier checks against the outliers the demo generator planted.

    IOC_VAR_DIR=/tmp/qvar DATABASE_URL=sqlite:////tmp/qvar/q.sqlite3 .venv/bin/ioc demo setup [--seed S]
    IOC_VAR_DIR=/tmp/qvar DATABASE_URL=sqlite:////tmp/qvar/q.sqlite3 .venv/bin/python scripts/measure_outliers.py

Runs the seasonal check (for each --k) and the plain z-score over every monthly commune series and compares
the flagged values with demo.PlantedAnomaly (the kinds that are outliers: tenfold, dropped digit, percentage
typed a tenth; a missing report is not a value). A flag on a value nobody planted counts as a false alarm,
although the generator's own shocks (COVID months, festivals) may make a few of them real surprises.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ioc.settings")

import django

django.setup()

from ioc.demo.models import PlantedAnomaly  # noqa: E402
from ioc.quality import outliers  # noqa: E402
from ioc.quality.selectors import CONSOLE, monthly_series  # noqa: E402

OUTLIER_KINDS = (
    PlantedAnomaly.Kind.TENFOLD,
    PlantedAnomaly.Kind.DROPPED_DIGIT,
    PlantedAnomaly.Kind.PERCENT_TYPO,
)

Key = tuple[int, int, int, str]  # element, unit, option combo, period


def report(name: str, flagged: set[Key], planted: dict[Key, str], seconds: float) -> None:
    hits = flagged & planted.keys()
    precision = len(hits) / len(flagged) if flagged else 0.0
    recall = len(hits) / len(planted) if planted else 0.0
    by_kind = Counter(planted[k] for k in hits)
    total_kind = Counter(planted.values())
    kinds = ", ".join(f"{kind} {by_kind[kind]}/{n}" for kind, n in sorted(total_kind.items()))
    print(
        f"{name:<18} flagged {len(flagged):>5}  true {len(hits):>4}  false {len(flagged) - len(hits):>5}  "
        f"missed {len(planted) - len(hits):>4}  precision {precision:6.1%}  recall {recall:6.1%}  "
        f"({kinds}; {seconds:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k", type=float, nargs="+", default=[outliers.DEFAULT_K], help="seasonal thresholds")
    parser.add_argument("--level", type=int, default=3, help="unit level of the series (3: communes)")
    parser.add_argument("--alone", action="store_true", help="also without the peers' common shocks")
    args = parser.parse_args()

    started = time.perf_counter()
    series = monthly_series(CONSOLE, level=args.level)
    values = sum(len(s) for s in series.values())
    print(f"{len(series)} series, {values} values read in {time.perf_counter() - started:.1f} s")
    planted: dict[Key, str] = {}
    for a in PlantedAnomaly.objects.filter(kind__in=OUTLIER_KINDS, copy=1).values_list(
        "data_element_id", "org_unit_id", "category_option_combo_id", "period", "kind"
    ):
        element_id, unit_id, coc_id, period, kind = a
        if element_id is None or coc_id is None:
            continue
        if period in series.get((element_id, unit_id, coc_id), {}):
            planted[(element_id, unit_id, coc_id, period)] = kind
    seeds = sorted(set(PlantedAnomaly.objects.values_list("seed", flat=True)))
    print(f"planted outliers in these series: {len(planted)} {dict(Counter(planted.values()))} (seed {seeds})")

    started = time.perf_counter()
    flagged: set[Key] = set()
    for (element_id, unit_id, coc_id), s in series.items():
        flagged.update((element_id, unit_id, coc_id, f.period) for f in outliers.zscore_outliers(s))
    report("z-score |z|>3", flagged, planted, time.perf_counter() - started)

    for k in args.k:
        started = time.perf_counter()
        by_key = outliers.seasonal_outliers_of_groups(series, lambda key: (key[0], key[2]), k=k)
        flagged = {(*key, f.period) for key, flags in by_key.items() for f in flags}
        report(f"seasonal k={k:g}", flagged, planted, time.perf_counter() - started)
        if args.alone:
            started = time.perf_counter()
            flagged = set()
            for key, s in series.items():
                flagged.update((*key, f.period) for f in outliers.seasonal_outliers(s, k=k))
            report(f"  (no peers) k={k:g}", flagged, planted, time.perf_counter() - started)


if __name__ == "__main__":
    main()
