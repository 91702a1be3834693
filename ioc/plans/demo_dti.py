"""The demo's DTI (ioc/plans/data/dti_922.yaml): the structure of Decision 922/QĐ-BTTTT with illustrative
sub-indices, the province's synthetic entered values for 2022–2025, and synthetic published scores of the 63
provinces for 2022–2024 (totals from the file; each total split into main-index scores here, at random but
reproducibly). Nothing in it is a real DTI result: the sources say "Dữ liệu mô phỏng — synthetic".

install_demo_dti is idempotent: each part (structure, values, published scores) is written only while it is
missing. A linked indicator the database does not know (the demo metadata not loaded) is dropped from its
sub-index, which then shows as missing.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import yaml

from ioc.audit.models import Via
from ioc.plans.models_dti import DtiIndex, DtiPublishedScore, DtiValue, DtiVersion
from ioc.plans.services_dti import do_import_published, do_load_version, do_set_values
from ioc.plans.services_targets import check_dx

DATA = Path(__file__).parent / "data" / "dti_922.yaml"
log = logging.getLogger(__name__)


def demo_document() -> dict[str, Any]:
    with DATA.open(encoding="utf-8") as f:
        document: dict[str, Any] = yaml.safe_load(f)
    return document


def _structure(document: dict[str, Any]) -> dict[str, Any]:
    """The version part of the file, without links to indicators the database does not know."""
    known: dict[str, bool] = {}
    indices = []
    for index in document["indices"]:
        subs = []
        for sub in index["sub_indices"]:
            dx = sub.get("dx") or ""
            if dx and dx not in known:
                known[dx] = check_dx(dx) is None
                if not known[dx]:
                    log.warning("DTI demo: %s is not an analytics item here; %s stays without it", dx, sub["code"])
            subs.append({**sub, "dx": dx if dx and known[dx] else ""})
        indices.append({**index, "sub_indices": subs})
    return {k: v for k, v in document.items() if k != "demo"} | {"indices": indices}


def split(total: float, maxima: dict[str, float], rng: random.Random) -> dict[str, float]:
    """A total spread over the main indices roughly in proportion to their maxima (none past 95 % of it)."""
    weights = {code: top * rng.lognormvariate(0, 0.18) for code, top in maxima.items()}
    shares: dict[str, float] = {}
    left, free = total, dict(weights)
    while free:
        scale = left / sum(free.values())
        capped = {c: maxima[c] * 0.95 for c, w in free.items() if w * scale > maxima[c] * 0.95}
        if not capped:
            shares.update({c: w * scale for c, w in free.items()})
            break
        shares.update(capped)
        left -= sum(capped.values())
        free = {c: w for c, w in free.items() if c not in capped}
    rounded = {c: round(v, 2) for c, v in shares.items()}
    biggest = max(rounded, key=lambda c: rounded[c])
    rounded[biggest] = round(rounded[biggest] + total - sum(rounded.values()), 2)
    return rounded


def published_rows(document: dict[str, Any], v: DtiVersion) -> list[dict[str, Any]]:
    demo = document["demo"]
    maxima = {i.code: i.max_points for i in DtiIndex.objects.filter(version=v) if i.max_points is not None}
    rows = []
    for code, name, *totals in demo["published"]:
        for year, total in zip(demo["published_years"], totals, strict=True):
            base = {"year": year, "province_code": code, "province_name": name, "source": demo["source"]}
            rows.append({**base, "score": total, "index": ""})
            rng = random.Random(f"{code}-{year}")
            rows.extend({**base, "score": s, "index": c} for c, s in split(float(total), maxima, rng).items())
    return rows


def install_demo_dti(user: Any = None, *, via: str = Via.CLI) -> int:
    """The demo's DTI where missing; returns how many objects were written (0 when everything was there)."""
    document = demo_document()
    written = 0
    v = DtiVersion.objects.filter(code=document["code"]).first()
    if v is None:
        v, written = do_load_version(user, _structure(document), via=via)
    demo = document["demo"]
    if not DtiValue.objects.filter(sub_index__index__version=v).exists():
        for n, year in enumerate(demo["years"]):
            values = {key: row[n] for key, row in demo["values"].items()}
            note = demo["source"]
            written += do_set_values(user, v, year, values, note=note, via=via)["created"]
    if not DtiPublishedScore.objects.filter(version=v).exists():
        written += do_import_published(user, v, published_rows(document, v), via=via)["created"]
    return written
