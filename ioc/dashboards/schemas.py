"""Shapes of the dashboards API (ioc.dashboards.api). Item configs stay a free object here: they are
validated by ioc.dashboards.config, whose errors name the field (400), not by the request parser."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class DashboardSummary(Schema):
    code: str
    name: str
    sector: str | None
    is_overview: bool
    item_count: int


class DashboardList(Schema):
    items: list[DashboardSummary]
    count: int


class ItemOut(Schema):
    uid: str
    kind: str
    title: str
    title_vi: str
    title_en: str
    width: int
    sort_order: int
    config: dict[str, Any]


class DashboardOut(Schema):
    code: str
    name: str
    name_vi: str
    name_en: str
    sector: str | None
    sort_order: int
    is_overview: bool
    rotate_seconds: int
    items: list[ItemOut]


class DashboardIn(Schema):
    code: str
    name_vi: str
    name_en: str = ""
    sector: str | None = None
    sort_order: int | None = None
    is_overview: bool = False
    rotate_seconds: int = 30


class DashboardPatch(Schema):
    code: str | None = None
    name_vi: str | None = None
    name_en: str | None = None
    sector: str | None = None
    sort_order: int | None = None
    is_overview: bool | None = None
    rotate_seconds: int | None = None


class ItemIn(Schema):
    kind: str
    config: dict[str, Any] = {}
    title_vi: str = ""
    title_en: str = ""
    width: int | None = None
    position: int | None = None


class ItemPatch(Schema):
    kind: str | None = None
    config: dict[str, Any] | None = None
    title_vi: str | None = None
    title_en: str | None = None
    width: int | None = None


class MoveIn(Schema):
    direction: str | None = None
    position: int | None = None


class OrderIn(Schema):
    items: list[str]


class DataQuery(Schema):
    pe: str | None = None
    ou: str | None = None
    structure: str | None = None
