"""The metadata the ADX mapping and export need, read from ioc.metadata (a few queries for any number of
elements)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from ioc.ingest.adx import ComboCell
from ioc.metadata.models import CategoryOptionCombo, DataElement


def element_combos(refs: Iterable[str], *, scheme: str = "uid") -> dict[str, list[ComboCell]]:
    """For each element reference (code or uid; a name, name_vi or name_en, with scheme "name") found, the
    cells of its category combo (COC by code)."""
    wanted = {r.strip() for r in refs if r and r.strip()}
    condition = (
        Q(name_vi__in=wanted) | Q(name_en__in=wanted) if scheme == "name" else Q(code__in=wanted) | Q(uid__in=wanted)
    )
    elements = list(DataElement.objects.filter(condition).only("code", "uid", "name_vi", "name_en", "category_combo"))
    cells: dict[int, list[ComboCell]] = defaultdict(list)
    cocs = CategoryOptionCombo.objects.filter(combo_id__in={e.category_combo_id for e in elements}).prefetch_related(
        "options__category"
    )
    for coc in cocs:
        options = frozenset((o.category.code, o.code) for o in coc.options.all())
        cells[coc.combo_id].append(ComboCell(coc.code, options))
    result: dict[str, list[ComboCell]] = {}
    for e in elements:
        for key in (e.name_vi, e.name_en) if scheme == "name" else (e.code, e.uid):
            if key in wanted:
                result[key] = cells[e.category_combo_id]
    return result


def coc_disaggregations(coc_codes: Iterable[str]) -> dict[str, dict[str, str]]:
    """{COC code: {category code: option code}} for the ADX export."""
    cocs = CategoryOptionCombo.objects.filter(code__in=set(coc_codes)).prefetch_related("options__category")
    return {coc.code: {o.category.code: o.code for o in coc.options.all()} for coc in cocs}
