"""The demo's metadata document (data/vinhphuc.yaml) and its benchmark copies, loaded through the metadata
app's configuration loader (all or nothing, idempotent, audited)."""

from __future__ import annotations

import copy as copy_module
import functools
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from ioc.audit.models import Via
from ioc.core.errors import InvalidInput
from ioc.metadata.config import LoadReport, load_document, read_file
from ioc.metadata.models import DataElement, DataSet

DEMO_FILE = Path(__file__).resolve().parent / "data" / "vinhphuc.yaml"


def clone_code(code: str, copy: int) -> str:
    """The code of an element or data set in benchmark copy `copy` (copy 1 is the demo itself)."""
    return code if copy == 1 else f"{code}_X{copy}"


@functools.lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    data = read_file(DEMO_FILE)
    if not isinstance(data, dict):
        raise InvalidInput(f"{DEMO_FILE}: not a configuration document")
    return data


def demo_document() -> dict[str, Any]:
    """The parsed demo document (a copy: callers may change it)."""
    return copy_module.deepcopy(_document())


def element_codes(copies: list[int] | None = None) -> list[str]:
    codes = [e["code"] for e in _document()["dataElements"]]
    return [clone_code(code, k) for k in (copies or [1]) for code in codes]


def data_set_codes(copies: list[int] | None = None) -> list[str]:
    codes = [d["code"] for d in _document()["dataSets"]]
    return [clone_code(code, k) for k in (copies or [1]) for code in codes]


def clone_document(copy: int) -> dict[str, Any]:
    """Benchmark copy `copy` (≥ 2): every element and data set again, with codes suffixed `_X{copy}`."""
    if copy < 2:
        raise ValueError("copy 1 is the demo itself")
    doc = _document()
    elements = []
    for element in doc["dataElements"]:
        clone = {k: v for k, v in copy_module.deepcopy(element).items() if k != "uid"}
        clone["code"] = clone_code(element["code"], copy)
        clone["name"] = f"{element['name']} (bản sao {copy})"
        clone["nameEn"] = f"{element.get('nameEn', element['name'])} (copy {copy})"
        if "shortName" in clone:
            clone["shortName"] = f"{element['shortName']} ({copy})"[:80]
        clone["description"] = (
            f"Bản sao mô phỏng số {copy} để đo hiệu năng — synthetic benchmark copy {copy}. {element.get('description', '')}"
        ).strip()
        elements.append(clone)
    data_sets = []
    for data_set in doc["dataSets"]:
        clone = {k: v for k, v in copy_module.deepcopy(data_set).items() if k != "uid"}
        clone["code"] = clone_code(data_set["code"], copy)
        clone["name"] = f"{data_set['name']} (bản sao {copy})"
        clone["nameEn"] = f"{data_set.get('nameEn', data_set['name'])} (copy {copy})"
        clone["dataElements"] = [clone_code(code, copy) for code in data_set["dataElements"]]
        if "compulsoryDataElements" in data_set:
            clone["compulsoryDataElements"] = [clone_code(code, copy) for code in data_set["compulsoryDataElements"]]
        data_sets.append(clone)
    return {"version": doc.get("version", 1), "dataElements": elements, "dataSets": data_sets}


def is_loaded(copies: list[int] | None = None) -> bool:
    """Cheap: every element and data set of these copies exists (not whether they are up to date)."""
    elements = element_codes(copies)
    data_sets = data_set_codes(copies)
    return DataElement.objects.filter(code__in=elements).count() == len(elements) and DataSet.objects.filter(
        code__in=data_sets
    ).count() == len(data_sets)


def do_load_demo_metadata(user: Any, *, copies: list[int] | None = None, via: str = Via.CLI) -> list[LoadReport]:
    """Load the demo document and, for copies ≥ 2, their clones. Raises InvalidInput listing every error."""
    reports = []
    for k in copies or [1]:
        doc = demo_document() if k == 1 else clone_document(k)
        report = load_document(doc, user=user, via=via)
        if not report.ok:
            raise InvalidInput(
                _("The demo metadata did not load: %(errors)s")
                % {"errors": "; ".join(str(e) for e in report.errors[:10])},
                errors=[{"field": e.path, "message": e.message} for e in report.errors],
            )
        reports.append(report)
    return reports
