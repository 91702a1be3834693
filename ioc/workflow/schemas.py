"""API shapes of the workflow, after DHIS2's /completeDataSetRegistrations and /dataApprovals."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from ioc.workflow.completeness import LateReport, RateRow


class FormQuery(Schema):
    ds: str = Field(description="data set code or uid")
    pe: str = Field(description="period id of the data set's type (202506)")
    ou: str = Field(description="org unit uid, or code (the unit with that code open during the period)")


class RegistrationIn(Schema):
    data_set: str = Field(alias="dataSet", description="code or uid")
    period: str
    org_unit: str = Field(alias="orgUnit", description="uid or code")
    completed: bool = Field(True, description="true: submit (complete); false: withdraw the submission")


class RegistrationsIn(Schema):
    complete_data_set_registrations: list[RegistrationIn] = Field(
        alias="completeDataSetRegistrations", min_length=1, max_length=1000
    )


class RegistrationOut(Schema):
    dataSet: str  # noqa: N815 (DHIS2's names)
    period: str
    orgUnit: str  # noqa: N815
    orgUnitUid: str  # noqa: N815
    orgUnitName: str  # noqa: N815
    state: str
    completed: bool
    date: dt.datetime | None
    storedBy: str | None  # noqa: N815
    onTime: bool | None  # noqa: N815
    lastUpdatedBy: str | None  # noqa: N815
    lastUpdated: dt.datetime  # noqa: N815
    reason: str


class RegistrationsOut(Schema):
    completeDataSetRegistrations: list[RegistrationOut]  # noqa: N815


class RegistrationsQuery(Schema):
    data_set: list[str] = Field(default_factory=list, alias="dataSet", description="codes or uids; repeat or comma")
    period: list[str] = Field(default_factory=list, description="period ids; repeat or comma")
    org_unit: str | None = Field(None, alias="orgUnit", description="uid or code")
    children: bool = Field(False, description="the org unit's whole subtree")
    state: str | None = Field(None, description="OPEN, SUBMITTED, APPROVED or RETURNED")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class ChildOut(Schema):
    orgUnit: str  # noqa: N815
    orgUnitUid: str  # noqa: N815
    orgUnitName: str  # noqa: N815
    state: str
    hasForm: bool  # noqa: N815


class ApprovalOut(Schema):
    dataSet: str  # noqa: N815
    period: str
    orgUnit: str  # noqa: N815
    orgUnitUid: str  # noqa: N815
    orgUnitName: str  # noqa: N815
    state: str
    hasForm: bool  # noqa: N815
    dueDate: dt.date  # noqa: N815
    closesDate: dt.date | None  # noqa: N815
    expired: bool
    mayComplete: bool  # noqa: N815
    mayReopen: bool  # noqa: N815
    mayApprove: bool  # noqa: N815
    mayReturn: bool  # noqa: N815
    mayUnapprove: bool  # noqa: N815
    missing: list[str]
    children: list[ChildOut]
    parentState: str | None  # noqa: N815
    submittedBy: str | None  # noqa: N815
    submitted: dt.datetime | None
    onTime: bool | None  # noqa: N815
    decidedBy: str | None  # noqa: N815
    decided: dt.datetime | None
    reason: str


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class CompletenessQuery(Schema):
    data_set: list[str] = Field(default_factory=list, alias="dataSet", description="codes or uids (none: all)")
    period: list[str] = Field(
        default_factory=list, description="period ids; a longer period stands for the data set's periods in it"
    )
    start_date: dt.date | None = Field(None, alias="startDate", description="with endDate: periods ending within")
    end_date: dt.date | None = Field(None, alias="endDate")
    org_unit: str | None = Field(None, alias="orgUnit", description="uid or code: the subtree counted")
    group_by: str = Field("data_set", alias="groupBy", description="data_set, agency, unit, child or period")


class RateOut(Schema):
    key: str
    code: str
    name: str
    expected: int
    received: int
    onTime: int  # noqa: N815
    reportingRate: float | None  # noqa: N815
    reportingRateOnTime: float | None  # noqa: N815

    @staticmethod
    def of(r: RateRow) -> RateOut:
        return RateOut(
            key=r.key,
            code=r.code,
            name=r.label,
            expected=r.expected,
            received=r.received,
            onTime=r.on_time,
            reportingRate=r.rate,
            reportingRateOnTime=r.on_time_rate,
        )


class CompletenessOut(Schema):
    groupBy: str  # noqa: N815
    total: RateOut
    rows: list[RateOut]


class LateOut(Schema):
    dataSet: str  # noqa: N815
    dataSetName: str  # noqa: N815
    orgUnit: str  # noqa: N815
    orgUnitUid: str  # noqa: N815
    orgUnitName: str  # noqa: N815
    agency: str | None
    period: str
    dueDate: dt.date  # noqa: N815
    daysLate: int  # noqa: N815
    state: str
    responsible: list[str]

    @staticmethod
    def of(r: LateReport) -> LateOut:
        return LateOut(
            dataSet=r.data_set.code,
            dataSetName=r.data_set.name,
            orgUnit=r.unit.code,
            orgUnitUid=r.unit.uid,
            orgUnitName=r.unit.name,
            agency=r.agency.code if r.agency else None,
            period=r.period.id,
            dueDate=r.due,
            daysLate=r.days_late,
            state=r.state,
            responsible=[u.username for u in r.responsible],
        )


class LateQuery(CompletenessQuery):
    sort: str | None = Field(
        None, description="data_set, unit, agency, period, due, days_late, state; '-' first: descending"
    )


class LateList(Schema):
    items: list[LateOut]
    count: int
