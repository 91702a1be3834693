"""Reading the DTI's inputs without the database: numbers as people type them ("12,5"), CSV files of published
scores (UTF-8 with or without BOM, comma or semicolon, English or Vietnamese headings), and the errors found
while checking them (each with its field and, for a file, its line), raised together.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from ioc.core.errors import InvalidInput

MAX_IMPORT_BYTES = 2 * 1024 * 1024
# CSV columns of the published scores, with the Vietnamese headings accepted for them.
COLUMNS = {
    "year": ("year", "năm", "nam"),
    "province_code": ("province_code", "mã tỉnh", "ma_tinh", "code"),
    "province_name": ("province_name", "tỉnh", "tinh", "tên tỉnh", "province"),
    "index": ("index", "chỉ số", "chi_so", "index_code"),
    "score": ("score", "điểm", "diem", "points"),
    "source": ("source", "nguồn", "nguon"),
}
REQUIRED_COLUMNS = ("year", "province_code", "province_name", "score")


class Errors:
    """Errors collected while checking; raised together. A row number (1 = the first data row's line in a file:
    the header is line 1) goes with each error of an import."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field: str | None, message: str, row: int | None = None) -> None:
        self.items.append({"field": field, "message": message, **({"row": row} if row is not None else {})})

    def clean(self, obj: models.Model, prefix: str, exclude: Sequence[str] = ()) -> None:
        try:
            obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.add(f"{prefix}{name}" if name != "__all__" else prefix.rstrip(".") or None, message)

    def raise_if_any(self) -> None:
        if self.items:
            head = [
                (_("row %(row)s") % {"row": e["row"]} + ", " if "row" in e else "")
                + (f"{e['field']}: " if e["field"] else "")
                + e["message"]
                for e in self.items[:20]
            ]
            more = len(self.items) - len(head)
            text = "; ".join(head) + (_(" (and %(n)s more)") % {"n": more} if more > 0 else "")
            raise InvalidInput(text, errors=self.items)


def number(raw: Any) -> float | None:
    """A number from a form, a file or JSON: "12,5" and "12.5" alike; None for blank; ValueError otherwise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValueError
    value = float(raw.strip().replace(" ", "").replace(",", ".")) if isinstance(raw, str) else float(raw)
    if not math.isfinite(value):
        raise ValueError
    return value


def read_csv(content: bytes | str, errors: Errors) -> list[dict[str, str]]:
    """The rows of a CSV file (UTF-8 with or without BOM; comma or semicolon), by column name."""
    if isinstance(content, bytes):
        if len(content) > MAX_IMPORT_BYTES:
            errors.add(None, _("The file is larger than %(mb)d MB.") % {"mb": MAX_IMPORT_BYTES // 1024 // 1024})
            return []
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors.add(None, _("The file is not UTF-8 text: save it as 'CSV UTF-8'."))
            return []
    content = content.lstrip("\ufeff")
    first = content.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        errors.add(None, _("The file is empty."))
        return []
    names: list[str | None] = []
    for heading in header:
        key = heading.strip().lower()
        names.append(next((col for col, aliases in COLUMNS.items() if key in aliases), None))
    missing = [col for col in REQUIRED_COLUMNS if col not in names]
    if missing:
        errors.add(None, _("Columns missing: %(names)s (expected: %(all)s).")
                   % {"names": ", ".join(missing), "all": ", ".join(COLUMNS)})  # fmt: skip
        return []
    rows = []
    for line in reader:
        if any(cell.strip() for cell in line):
            rows.append({n: cell for n, cell in zip(names, line, strict=False) if n})
            rows[-1]["_line"] = str(reader.line_num)
    return rows
