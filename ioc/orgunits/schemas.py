"""API shapes of the org-unit app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from ioc.core.schemas import CamelSchema


class SuccessionRef(CamelSchema):
    """Another unit across a succession link: who, how (merge/split/rename), from when, with what share."""

    uid: str
    code: str
    name: str
    kind: str
    date: dt.date
    weight: float


class OrgUnitOut(CamelSchema):
    uid: str
    code: str
    name: str  # Vietnamese
    name_en: str
    short_name: str
    level: int
    kind: str
    parent: str | None  # the parent's code
    parent_uid: str | None
    opened: dt.date | None
    closed: dt.date | None
    latitude: float | None
    longitude: float | None
    area_km2: float | None
    successors: list[SuccessionRef]
    predecessors: list[SuccessionRef]


class OrgUnitDetail(OrgUnitOut):
    geometry: dict[str, Any] | None
    path: list[str]  # codes of the ancestors, root first


class OrgUnitList(CamelSchema):
    items: list[OrgUnitOut]
    count: int


class OrgUnitFilters(Schema):
    level: int | None = Field(None, ge=1, le=9, description="1 province, 2 district, 3 commune")
    parent: str | None = Field(None, max_length=50, description="code of the parent, resolved at `date`")
    code: str | None = Field(None, max_length=50, description="units with this code (at `date` if given)")
    date: dt.date | None = Field(None, description="only units open on this date (YYYY-MM-DD)")
    q: str | None = Field(None, max_length=100, description="part of the name (vi or en) or the code")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class LevelOut(CamelSchema):
    level: int
    code: str
    name: str
    name_en: str
