"""Reads of the data-entry form, scoped to the user: the data sets, units and periods they may choose, the
state of a form (open, submitted, approved, returned, expired, locked), the grid of cells with their stored
values, and a cell's history and audit trail.

The rules that decide whether a period is open are those of every write path (ioc.datavalues.checks:
not_locked, not_future, not_expired, unit_open); this module only asks them, for one data set, to label the
periods and the form. The services still check every write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.accounts.scopes import can_enter_unit, can_view_unit, enterable_q, scope_description
from ioc.core.errors import InvalidInput, Locked, NotAllowed, NotFound
from ioc.core.periods import Period, parse_period, period_for_date
from ioc.datavalues import checks
from ioc.datavalues.checker import locks_covering
from ioc.datavalues.models import DataValue, DataValueAudit, PeriodLock
from ioc.datavalues.selectors import value_history, values_for
from ioc.datavalues.values import format_value
from ioc.metadata.models import CategoryCombo, CategoryOptionCombo, DataElement, DataSet, DataSetElement, ValueType
from ioc.orgunits.models import OrgUnit
from ioc.workflow.models import State as WorkflowState
from ioc.workflow.models import Submission
from ioc.workflow.services import Allowed, FormKey, allowed

# How many periods back the period list offers, by period type (expired ones are left out anyway).
PERIODS_BACK = {"Daily": 62, "Weekly": 27, "Monthly": 24, "Quarterly": 8, "Yearly": 6}
# The value history in the details panel: this many periods up to the form's.
HISTORY_PERIODS = 12


# --- the form's state ------------------------------------------------------------------------------------


class State:
    OPEN = "open"
    RETURNED = "returned"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    LOCKED = "locked"
    EXPIRED = "expired"
    FUTURE = "future"
    UNIT_CLOSED = "unit_closed"


STATE_LABELS = {
    State.OPEN: gettext_lazy("open for entry"),
    State.RETURNED: gettext_lazy("returned for correction"),
    State.SUBMITTED: gettext_lazy("submitted"),
    State.APPROVED: gettext_lazy("approved"),
    State.LOCKED: gettext_lazy("locked"),
    State.EXPIRED: gettext_lazy("expired"),
    State.FUTURE: gettext_lazy("not open yet"),
    State.UNIT_CLOSED: gettext_lazy("unit not open"),
}


@dataclass
class FormState:
    code: str
    message: str = ""
    read_only: bool = False
    reason: str = ""  # a returned form: the approver's reason; a manual lock: the administrator's
    submission: Submission | None = None

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.code])

    @property
    def is_open(self) -> bool:
        return not self.read_only


class _Locks:
    """The period locks of one data set on one unit and its ancestors, asked through checks.not_locked."""

    ORDER = (PeriodLock.Kind.APPROVED, PeriodLock.Kind.SUBMITTED, PeriodLock.Kind.MANUAL)

    def __init__(self, data_set: DataSet, unit: OrgUnit, periods: Iterable[Period]) -> None:
        self.data_set = data_set
        self.unit = unit
        self.locks = locks_covering([data_set.pk], periods, [unit]).get(data_set.pk, [])
        self.locks.sort(key=lambda pl: self.ORDER.index(PeriodLock.Kind(pl[1].kind)))

    def covering(self, period: Period) -> tuple[PeriodLock, str] | None:
        """The lock that stops writes of this period (approved first, then submitted, then manual)."""
        for lock_period, lock in self.locks:
            try:
                checks.not_locked(self.unit, period, [self.data_set], {self.data_set.pk: [(lock_period, lock)]})
            except Locked as exc:
                return lock, exc.message
        return None


def submission_of(data_set: DataSet, unit: OrgUnit, period: Period) -> Submission | None:
    """The workflow's record of the form (None: never submitted)."""
    return (
        Submission.objects.select_related("submitted_by", "decided_by")
        .filter(data_set=data_set, org_unit=unit, period=period.id)
        .first()
    )


def form_state(
    user: User,
    data_set: DataSet,
    unit: OrgUnit,
    period: Period,
    *,
    today: dt.date | None = None,
    locks: _Locks | None = None,
    submissions: Mapping[str, Submission] | None = None,
) -> FormState:
    """Whether the form may be edited, and why not, by the rules every write path applies. `locks` and
    `submissions` (by period id): preloaded for many periods of one unit."""
    today = today or timezone.localdate()

    def submission() -> Submission | None:
        if submissions is not None:
            return submissions.get(period.id)
        return submission_of(data_set, unit, period)

    try:
        checks.unit_open(unit, period)
    except InvalidInput as exc:
        return FormState(State.UNIT_CLOSED, exc.message, read_only=True)
    covering = (locks or _Locks(data_set, unit, [period])).covering(period)
    if covering is not None:
        lock, message = covering
        code = {
            PeriodLock.Kind.APPROVED: State.APPROVED,
            PeriodLock.Kind.SUBMITTED: State.SUBMITTED,
        }.get(PeriodLock.Kind(lock.kind), State.LOCKED)
        found_submission = submission() if code != State.LOCKED else None
        return FormState(code, message, read_only=True, reason=lock.reason, submission=found_submission)
    try:
        checks.not_future(period, [data_set], today)
    except Locked as exc:
        return FormState(State.FUTURE, exc.message, read_only=True)
    try:
        checks.not_expired(unit, period, [data_set], {(data_set.pk, unit.pk)}, today)
    except Locked as exc:
        if user.sees_everything:  # administrators may still write into expired periods
            return FormState(
                State.EXPIRED, exc.message + " " + _("As an administrator you may still enter values."), read_only=False
            )
        return FormState(State.EXPIRED, exc.message, read_only=True)
    found = submission()
    if found is not None and found.state == WorkflowState.RETURNED:
        return FormState(State.RETURNED, read_only=False, reason=found.reason, submission=found)
    return FormState(State.OPEN, submission=found)


# --- choosing a data set, a period, a unit ---------------------------------------------------------------


def entry_data_sets(user: User) -> QuerySet[DataSet]:
    """The data sets assigned to at least one unit in the user's entry scope (none without the right)."""
    if not can(user, Action.ENTER_DATA):
        return DataSet.objects.none()
    inside = OrgUnit.objects.filter(enterable_q(user, "")).values("pk")
    return DataSet.objects.filter(org_units__in=inside).distinct().select_related("sector").order_by("code")


def entry_data_set(user: User, code: str) -> DataSet:
    found = entry_data_sets(user).filter(Q(code=code) | Q(uid=code)).first()
    if found is None:
        raise NotFound(_("Data set: '%(code)s' is not a data set you enter data for") % {"code": code}, field="dataSet")
    return found


def _open_between(start: dt.date, end: dt.date) -> Q:
    return (Q(opened__isnull=True) | Q(opened__lte=end)) & (Q(closed__isnull=True) | Q(closed__gte=start))


def entry_units(user: User, data_set: DataSet, periods: Iterable[Period] = ()) -> list[OrgUnit]:
    """The units assigned to the data set within the user's entry scope, open during some of `periods` (the
    chosen period, or the periods offered), in tree order."""
    if not can(user, Action.ENTER_DATA):
        return []
    qs = data_set.org_units.filter(enterable_q(user, "")).select_related("parent")
    chosen = list(periods)
    if chosen:
        qs = qs.filter(_open_between(min(p.start for p in chosen), max(p.end for p in chosen)))
    return list(qs.order_by("path"))


def entry_unit(user: User, data_set: DataSet, uid: str) -> OrgUnit:
    """The unit `uid`, if the data set is assigned to it and it lies within the user's entry scope."""
    assigned = DataSet.org_units.through.objects.filter(dataset_id=data_set.pk, orgunit_id=OuterRef("pk"))
    unit = OrgUnit.objects.select_related("parent").annotate(assigned=Exists(assigned)).filter(uid=uid).first()
    _check_entry_unit(user, data_set, unit, uid)
    assert unit is not None
    return unit


def _check_entry_unit(user: User, data_set: DataSet, unit: OrgUnit | None, uid: str) -> None:
    """`unit` (annotated `assigned`) exists, lies within the user's entry scope and has the data set."""
    if unit is None:
        raise NotFound(_("Org unit: no org unit with uid '%(uid)s'") % {"uid": uid}, field="orgUnit")
    if not can(user, Action.ENTER_DATA) or not can_enter_unit(user, unit):
        raise NotAllowed(
            _("Org unit: %(name)s (%(code)s) is outside your data entry units (%(roots)s)")
            % {"name": unit.name, "code": unit.code, "roots": scope_description(user.entry_root_units())},
            field="orgUnit",
        )
    if not getattr(unit, "assigned", False):
        raise NotFound(
            _("Org unit: data set %(set)s is not collected from %(name)s (%(code)s)")
            % {"set": data_set.code, "name": unit.name, "code": unit.code},
            field="orgUnit",
        )


def parse_form_period(data_set: DataSet, text: str) -> Period:
    """The period `text`, of the data set's period type."""
    period = parse_period(text)
    if period.period_type != data_set.period_type:
        raise InvalidInput(
            _("Period: %(period)s is a %(type)s period; data set %(set)s is %(set_type)s")
            % {"period": period.id, "type": period.period_type, "set": data_set.code, "set_type": data_set.period_type},
            field="period",
        )
    return period


@dataclass
class PeriodChoice:
    period: Period
    state: FormState | None = None

    @property
    def label(self) -> str:
        name = self.period.name()
        if self.state is not None and self.state.code != State.OPEN:
            return f"{name} — {self.state.label}"
        return name


def period_choices(
    user: User, data_set: DataSet, unit: OrgUnit | None = None, *, today: dt.date | None = None
) -> list[PeriodChoice]:
    """The periods to offer, newest first: from the last open future period back, stopping at the first
    expired one (unless the user may write into expired periods); each labelled with its state for the unit."""
    today = today or timezone.localdate()
    current = period_for_date(data_set.period_type, today)
    last = current.shift(data_set.open_future_periods)
    periods = [last.shift(-i) for i in range(PERIODS_BACK.get(data_set.period_type, 12))]
    locks = _Locks(data_set, unit, periods) if unit is not None else None
    submissions = (
        {
            s.period: s
            for s in Submission.objects.filter(data_set=data_set, org_unit=unit, period__in=[p.id for p in periods])
        }
        if unit is not None
        else None
    )
    choices = []
    for period in periods:
        expires = data_set.expiry_days > 0 and not user.sees_everything
        if expires and period.end + dt.timedelta(days=data_set.expiry_days) < today:
            break  # expired, and so is every earlier period
        state = (
            form_state(user, data_set, unit, period, today=today, locks=locks, submissions=submissions)
            if unit is not None
            else None
        )
        if state is not None and state.code == State.UNIT_CLOSED:
            continue
        choices.append(PeriodChoice(period, state))
    return choices


def unit_label(unit: OrgUnit) -> str:
    parent = f" — {unit.parent.name}" if unit.parent_id and unit.parent is not None else ""
    closed = ""
    if unit.closed is not None:
        closed = " " + _("(until %(date)s)") % {"date": unit.closed.strftime("%d/%m/%Y")}
    return f"{unit.name}{parent} ({unit.code}){closed}"


# --- the grid ---------------------------------------------------------------------------------------------


@dataclass
class Cell:
    element: DataElement
    coc: CategoryOptionCombo
    value: str = ""
    comment: str = ""
    follow_up: bool = False
    stored: bool = False

    @property
    def key(self) -> str:
        return f"{self.element.code}.{self.coc.code}"

    @property
    def label(self) -> str:
        """The input's accessible name: "element — option combo"."""
        if self.coc.code == "default":
            return self.element.name
        return f"{self.element.name} — {self.coc.name}"

    @property
    def dom_id(self) -> str:
        return f"cell-{self.element.code}--{self.coc.code}"


@dataclass
class Row:
    element: DataElement
    compulsory: bool
    cells: list[Cell]

    @property
    def summable(self) -> bool:
        return self.element.value_type in (ValueType.INTEGER, ValueType.NUMBER)

    @property
    def input_kind(self) -> str:
        return {
            ValueType.INTEGER: "integer",
            ValueType.NUMBER: "number",
            ValueType.PERCENTAGE: "percentage",
            ValueType.BOOLEAN: "boolean",
            ValueType.TEXT: "text",
        }[ValueType(self.element.value_type)]

    @property
    def minimum(self) -> float | None:
        if self.element.value_type == ValueType.PERCENTAGE:
            return max(0.0, self.element.min_value) if self.element.min_value is not None else 0.0
        return self.element.min_value

    @property
    def maximum(self) -> float | None:
        if self.element.value_type == ValueType.PERCENTAGE:
            return min(100.0, self.element.max_value) if self.element.max_value is not None else 100.0
        return self.element.max_value

    @property
    def total(self) -> float | None:
        if not self.summable:
            return None
        numbers = [float(c.value) for c in self.cells if c.value != ""]
        return sum(numbers) if numbers else None


@dataclass
class Block:
    """Elements sharing one disaggregation: one header row of option combos."""

    index: int
    combo: CategoryCombo
    cocs: list[CategoryOptionCombo]
    rows: list[Row] = field(default_factory=list)

    @property
    def row_totals(self) -> bool:
        return len(self.cocs) > 1 and any(r.summable for r in self.rows)

    @property
    def column_totals(self) -> bool:
        return sum(1 for r in self.rows if r.summable) > 1

    @property
    def columns(self) -> list[dict[str, Any]]:
        """Each option combo with the total of its summable cells."""
        out = []
        for i, coc in enumerate(self.cocs):
            numbers = [float(r.cells[i].value) for r in self.rows if r.summable and r.cells[i].value != ""]
            out.append({"coc": coc, "total": sum(numbers) if numbers else None})
        return out


@dataclass
class Grid:
    blocks: list[Block]

    @property
    def cells(self) -> list[Cell]:
        return [c for b in self.blocks for r in b.rows for c in r.cells]

    @property
    def filled(self) -> int:
        return sum(1 for c in self.cells if c.stored)

    @property
    def compulsory_missing(self) -> list[Cell]:
        return [c for b in self.blocks for r in b.rows if r.compulsory for c in r.cells if not c.stored]


def form_grid(user: User, data_set: DataSet, unit: OrgUnit, period: Period) -> Grid:
    """The data set's elements (in the form's order) grouped by disaggregation, each cell with its stored
    value, comment and follow-up flag. The caller has checked that the user may enter data for the unit."""
    links = list(
        DataSetElement.objects.filter(data_set=data_set)
        .select_related("data_element__category_combo")
        .order_by("sort_order", "id")
    )
    combo_ids = {link.data_element.category_combo_id for link in links}
    cocs_by_combo: dict[int, list[CategoryOptionCombo]] = {}
    for coc in CategoryOptionCombo.objects.filter(combo_id__in=combo_ids).order_by("combo_id", "sort_order", "code"):
        cocs_by_combo.setdefault(coc.combo_id, []).append(coc)
    stored: dict[tuple[int, int], DataValue] = {
        (v.data_element_id, v.category_option_combo_id): v
        for v in values_for(user, data_elements=[link.data_element for link in links], org_unit=unit, periods=[period])
    }
    blocks: dict[int, Block] = {}
    for link in links:
        element = link.data_element
        combo = element.category_combo
        block = blocks.get(combo.pk)
        if block is None:
            block = blocks[combo.pk] = Block(len(blocks), combo, cocs_by_combo.get(combo.pk, []))
        cells = []
        for coc in block.cocs:
            value = stored.get((element.pk, coc.pk))
            cell = Cell(element, coc)
            if value is not None:
                cell.value = format_value(element.value_type, value.value_num, value.value_text) or ""
                cell.comment = value.comment
                cell.follow_up = value.follow_up
                cell.stored = True
            cells.append(cell)
        block.rows.append(Row(element, link.compulsory, cells))
    return Grid(list(blocks.values()))


# --- one cell ---------------------------------------------------------------------------------------------


@dataclass
class CellTarget:
    data_set: DataSet
    element: DataElement
    unit: OrgUnit
    period: Period
    coc: CategoryOptionCombo


@dataclass
class WriteTarget:
    """A cell to write: the option combo is the code as given (the write service checks it)."""

    data_set: DataSet
    element: DataElement
    unit: OrgUnit
    period: Period
    coc: str


def form_element(data_set: DataSet, code: str) -> DataElement:
    link = (
        DataSetElement.objects.select_related("data_element__category_combo")
        .filter(data_set=data_set, data_element__code=code)
        .first()
    )
    if link is None:
        raise NotFound(
            _("Data element: '%(code)s' is not in data set %(set)s") % {"code": code, "set": data_set.code},
            field="dataElement",
        )
    return link.data_element


def form_coc(element: DataElement, code: str) -> CategoryOptionCombo:
    coc = CategoryOptionCombo.objects.filter(combo_id=element.category_combo_id, code=code).first()
    if coc is None:
        raise NotFound(
            _("Category option combo: '%(coc)s' is not a disaggregation of %(element)s")
            % {"coc": code, "element": element.code},
            field="categoryOptionCombo",
        )
    return coc


def viewable_cell(user: User, params: Mapping[str, str]) -> CellTarget:
    """A cell the user may see (view scope), from the request's data_set, org_unit, period, de, coc."""
    data_set = DataSet.objects.filter(code=params.get("data_set", "")).first()
    unit = OrgUnit.objects.select_related("parent").filter(uid=params.get("org_unit", "")).first()
    if data_set is None or unit is None or not can(user, Action.VIEW_DATA) or not can_view_unit(user, unit):
        raise NotFound(_("No such cell, or not one you may see"))
    element = form_element(data_set, params.get("de", ""))
    coc = form_coc(element, params.get("coc", ""))
    period = parse_form_period(data_set, params.get("period", ""))
    return CellTarget(data_set, element, unit, period, coc)


@dataclass
class Details:
    target: CellTarget
    value: DataValue | None
    history: list[dict[str, Any]]
    audits: list[DataValueAudit]

    @property
    def display(self) -> str:
        if self.value is None or self.value.deleted:
            return ""
        v = self.value
        return format_value(self.target.element.value_type, v.value_num, v.value_text) or ""


def cell_details(user: User, target: CellTarget) -> Details:
    """The value, its history over the last HISTORY_PERIODS periods, and its audit trail (newest first)."""
    periods = [target.period.shift(-i) for i in range(HISTORY_PERIODS - 1, -1, -1)]
    found = {
        v.period: v
        for v in values_for(user, data_elements=[target.element], org_unit=target.unit, periods=periods).filter(
            category_option_combo=target.coc
        )
    }
    history = []
    for period in periods:
        v = found.get(period.id)
        number = v.value_num if v is not None and target.element.value_type != ValueType.TEXT else None
        history.append({"period": period.id, "label": period.name(), "value": number})
    value = (
        values_for(
            user, data_elements=[target.element], org_unit=target.unit, periods=[target.period], include_deleted=True
        )
        .filter(category_option_combo=target.coc)
        .first()
    )
    audits = list(value_history(user, value)[:50]) if value is not None else []
    return Details(target, value, history, audits)


def entry_cell(user: User, params: Mapping[str, str]) -> WriteTarget:
    """A cell the user may write (entry scope, an element of the data set, a unit the data set is collected
    from), from the request's data_set, org_unit, period, de, coc. Few queries: this runs on every cell save.

    The option combo is left to the write service to check (it knows the element's combos); `coc` is then
    the code as given."""
    code, de = params.get("data_set", ""), params.get("de", "")
    link = (
        DataSetElement.objects.select_related("data_set", "data_element__category_combo")
        .filter(data_set__code=code, data_element__code=de)
        .first()
    )
    if link is None:
        if not DataSet.objects.filter(code=code).exists():
            raise NotFound(_("Data set: no data set with code '%(code)s'") % {"code": code}, field="dataSet")
        raise NotFound(
            _("Data element: '%(code)s' is not in data set %(set)s") % {"code": de, "set": code}, field="dataElement"
        )
    data_set = link.data_set
    assigned = DataSet.org_units.through.objects.filter(dataset_id=data_set.pk, orgunit_id=OuterRef("pk"))
    unit = (
        OrgUnit.objects.select_related("parent")
        .annotate(assigned=Exists(assigned))
        .filter(uid=params.get("org_unit", ""))
        .first()
    )
    _check_entry_unit(user, data_set, unit, params.get("org_unit", ""))
    assert unit is not None
    period = parse_form_period(data_set, params.get("period", ""))
    return WriteTarget(data_set, link.data_element, unit, period, params.get("coc", ""))


def form_actions(user: User, data_set: DataSet, unit: OrgUnit, period: Period, state: FormState) -> Allowed:
    """Which workflow buttons to offer (the workflow's own rule of who may do what in which state)."""
    return allowed(user, FormKey(data_set, unit, period), state.submission)
