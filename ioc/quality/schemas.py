"""API shapes of validation results and runs (DHIS2-like names: orgUnit, period, dataSet, importance)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from ioc.core.schemas import CamelSchema


class ResultQuery(Schema):
    org_unit: str | None = Field(None, alias="orgUnit", description="uid or code: the unit and its subtree")
    data_set: str | None = Field(None, alias="dataSet", description="code or uid: the rules of this data set")
    rule: list[str] = Field(default_factory=list, description="rule codes; repeat or separate by commas")
    period: list[str] = Field(default_factory=list, description="period ids; repeat or separate by commas")
    start_date: dt.date | None = Field(None, alias="startDate", description="periods starting on or after")
    end_date: dt.date | None = Field(None, alias="endDate", description="periods ending on or before")
    importance: str | None = Field(None, description="HIGH, MEDIUM or LOW")
    follow_up: bool | None = Field(None, alias="followUp")
    resolved: bool = Field(False, description="false (default): open results; true: resolved ones")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class ValueInvolved(CamelSchema):
    data_element: str
    category_option_combo: str | None
    value: float
    data_set: str | None


class ViolationOut(CamelSchema):
    rule: str
    rule_name: str
    instruction: str
    importance: str
    period: str
    org_unit: str  # uid
    org_unit_name: str
    left_side_value: float
    operator: str
    right_side_value: float
    message: str
    values: list[ValueInvolved]


class ResultOut(ViolationOut):
    id: int
    org_unit_code: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    follow_up: bool
    follow_up_note: str
    resolved: bool
    resolution_note: str


class ResultList(Schema):
    items: list[ResultOut]
    count: int


class RunIn(Schema):
    org_unit: str | None = Field(
        None, alias="orgUnit", description="uid or code of the subtree's root; default: every unit you see"
    )
    data_set: str | None = Field(None, alias="dataSet", description="code or uid: only the rules of this data set")
    start_date: str = Field(alias="startDate", description="2025-01-01, 2025-01 or a period id")
    end_date: str = Field(alias="endDate", description="2025-12-31, 2025-12 or a period id")
    rules: list[str] | None = Field(None, description="rule codes; default: every rule")
    persist: bool = Field(True, description="keep the results (false: only report them)")


class RunOut(CamelSchema):
    status: str  # "DONE" (ran now) or "QUEUED" (a background job)
    run: str | None = None
    job: str | None = None
    job_url: str | None = None
    rules: int = 0
    evaluated: int = 0
    violations: int = 0
    new: int = 0
    cleared: int = 0
    seconds: float = 0.0
    problems: list[str] = []
    items: list[ViolationOut] = []
