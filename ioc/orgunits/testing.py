"""Helpers for tests of any app: a small tree of units, without loading the real data."""

from __future__ import annotations

import datetime as dt

from ioc.orgunits.models import OrgUnit


def make_unit(
    code: str,
    name: str,
    parent: OrgUnit | None = None,
    *,
    level: int | None = None,
    opened: dt.date | None = None,
    closed: dt.date | None = None,
) -> OrgUnit:
    return OrgUnit.objects.create(
        code=code,
        name_vi=name,
        name_en=name,
        parent=parent,
        level=level if level is not None else (parent.level + 1 if parent else 1),
        opened=opened,
        closed=closed,
    )


def small_tree() -> dict[str, OrgUnit]:
    """Province P (26) with two districts (243, 244), two communes each; 08707 reused after 2025-07-01
    by a new commune directly under the new province 25 — the reorganisation in miniature."""
    closed = dt.date(2025, 6, 30)
    opened = dt.date(2025, 7, 1)
    p = make_unit("26", "Tỉnh Vĩnh Phúc", closed=closed)
    d1 = make_unit("243", "Thành phố Vĩnh Yên", p, closed=closed)
    d2 = make_unit("244", "Thành phố Phúc Yên", p, closed=closed)
    c1 = make_unit("08707", "Phường Tích Sơn", d1, level=3, closed=closed)
    c2 = make_unit("08710", "Phường Liên Bảo", d1, level=3, closed=closed)
    c3 = make_unit("08773", "Phường Trưng Trắc", d2, level=3, closed=closed)
    c4 = make_unit("08776", "Phường Hùng Vương", d2, level=3, closed=closed)
    new_p = make_unit("25", "Tỉnh Phú Thọ", opened=opened)
    new_c = make_unit("08707", "Phường Vĩnh Yên", new_p, level=3, opened=opened)
    return {"p": p, "d1": d1, "d2": d2, "c1": c1, "c2": c2, "c3": c3, "c4": c4, "new_p": new_p, "new_c": new_c}
