"""API shapes of data values (DHIS2's names: dataElement, period, orgUnit, categoryOptionCombo, …)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from ioc.datavalues.models import DataValue

RawValue = str | int | float | bool | None


class ValueQuery(Schema):
    data_element: list[str] = Field(
        default_factory=list, alias="dataElement", description="code or uid; repeat or separate by commas"
    )
    org_unit: str | None = Field(
        None, alias="orgUnit", description="uid, or code resolved at the date of the (first) period or startDate"
    )
    period: list[str] = Field(default_factory=list, description="period ids; repeat or separate by commas")
    children: bool = Field(False, description="the org unit's whole subtree")
    start_date: dt.date | None = Field(None, alias="startDate", description="periods starting on or after")
    end_date: dt.date | None = Field(None, alias="endDate", description="periods ending on or before")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class ValueKeyQuery(Schema):
    data_element: str = Field(alias="dataElement")
    period: str
    org_unit: str = Field(alias="orgUnit")
    category_option_combo: str | None = Field(None, alias="categoryOptionCombo")


class ValueIn(Schema):
    data_element: str = Field(alias="dataElement", description="code or uid")
    period: str = Field(description="DHIS2 period id (202503) or ADX (2025-03-01/P1M)")
    org_unit: str = Field(alias="orgUnit", description="uid, or code (resolved to the unit open during the period)")
    category_option_combo: str | None = Field(None, alias="categoryOptionCombo", description="code or uid")
    value: RawValue
    comment: str | None = None
    follow_up: bool | None = Field(None, alias="followUp")


class ValueOut(Schema):
    dataElement: str  # noqa: N815 (DHIS2's names)
    period: str
    orgUnit: str  # noqa: N815
    orgUnitUid: str  # noqa: N815
    orgUnitName: str  # noqa: N815
    categoryOptionCombo: str  # noqa: N815
    value: str | None
    comment: str
    followUp: bool  # noqa: N815
    storedBy: str | None  # noqa: N815
    created: dt.datetime
    lastUpdated: dt.datetime  # noqa: N815
    deleted: bool

    @staticmethod
    def of(v: DataValue) -> ValueOut:
        return ValueOut(
            dataElement=v.data_element.code,
            period=v.period,
            orgUnit=v.org_unit.code,
            orgUnitUid=v.org_unit.uid,
            orgUnitName=v.org_unit.name,
            categoryOptionCombo=v.category_option_combo.code,
            value=v.value,
            comment=v.comment,
            followUp=v.follow_up,
            storedBy=v.stored_by.username if v.stored_by else None,
            created=v.created,
            lastUpdated=v.last_updated,
            deleted=v.deleted,
        )


class ValueList(Schema):
    items: list[ValueOut]
    count: int


class SetOut(Schema):
    action: str
    value: ValueOut
