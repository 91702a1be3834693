"""Reads for the import page and the XLSX template, scoped to the user's data-entry units.

The template holds the units of a subtree that lie in the user's entry scope, are assigned to the data set and
are open during the period; its columns are the data set's elements × their category option combos.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can, require
from ioc.accounts.scopes import can_enter_unit, enterable_q, scope_description
from ioc.core.errors import InvalidInput, NotAllowed, NotFound
from ioc.core.periods import Period, parse_period
from ioc.datavalues.models import DataValue, ImportRun
from ioc.datavalues.selectors import values_for
from ioc.jobs.models import Job
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSet, DataSetElement
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import subtree_q

IMPORT_JOB = "ingest.import"


@dataclass(frozen=True)
class Column:
    """One value column of the template: a data element and one of its category option combos."""

    element: DataElement
    coc: CategoryOptionCombo
    default: bool  # the element has no disaggregation (its combo is "default")

    @property
    def code(self) -> str:
        """ELEMENT for an element without disaggregation, else ELEMENT.COMBO (codes never hold dots)."""
        return self.element.code if self.default else f"{self.element.code}.{self.coc.code}"


def import_data_sets(user: User) -> QuerySet[DataSet]:
    """The data sets assigned to at least one unit where the user may enter data."""
    if not can(user, Action.ENTER_DATA):
        return DataSet.objects.none()
    ids = DataSet.objects.filter(enterable_q(user, "org_units__")).values("pk")
    return DataSet.objects.filter(pk__in=ids).order_by("code")


def template_roots(user: User) -> list[OrgUnit]:
    """The units offered as the template's subtree: the user's entry roots and their children (for a user
    without limits, the top-level units and their children), ordered by path."""
    if not can(user, Action.ENTER_DATA):
        return []
    roots = user.entry_root_units()
    if roots is None:
        roots = list(OrgUnit.objects.filter(parent__isnull=True))
    if not roots:
        return []
    children = OrgUnit.objects.filter(parent__in=roots)
    units = {u.pk: u for u in [*roots, *children]}
    return sorted(units.values(), key=lambda u: u.path)


def data_set_by_ref(ref: str) -> DataSet:
    ref = (ref or "").strip()
    found = DataSet.objects.filter(Q(uid=ref) | Q(code=ref)).first() if ref else None
    if found is None:
        raise NotFound(_("Unknown data set '%(ref)s'") % {"ref": ref}, field="data_set")
    return found


def unit_by_ref(ref: str, period: Period | None = None) -> OrgUnit:
    """A unit by uid, or by code (the one open during `period` when the code was reused)."""
    ref = (ref or "").strip()
    if not ref:
        raise NotFound(_("Choose a unit"), field="org_unit")
    unit = OrgUnit.objects.filter(uid=ref).first()
    if unit is None:
        candidates = list(OrgUnit.objects.filter(code=ref))
        if period is not None and len(candidates) > 1:
            candidates = [u for u in candidates if _open_during(u, period)] or candidates
        unit = candidates[0] if len(candidates) == 1 else None
        if len(candidates) > 1:
            raise InvalidInput(
                _("Unit code '%(code)s' names several units; choose the unit from the list") % {"code": ref},
                field="org_unit",
            )
    if unit is None:
        raise NotFound(_("Unknown unit '%(ref)s'") % {"ref": ref}, field="org_unit")
    return unit


def _open_during(unit: OrgUnit, period: Period) -> bool:
    return (unit.opened is None or unit.opened <= period.end) and (unit.closed is None or unit.closed >= period.start)


def parse_period_for(data_set: DataSet, text: str) -> Period:
    """The period of a template request (its type is checked by check_template_request)."""
    if not (text or "").strip():
        raise InvalidInput(
            _("Choose a period of data set %(code)s (%(type)s)")
            % {"code": data_set.code, "type": data_set.period_type},
            field="period",
        )
    return parse_period(text.strip())


def check_template_request(user: User, data_set: DataSet, root: OrgUnit, period: Period | str) -> Period:
    """The checks before a template is built: role, the root within the entry scope, the period's type."""
    require(user, Action.ENTER_DATA)
    if not can_enter_unit(user, root):
        raise NotAllowed(
            _("%(name)s (%(code)s) is outside your data entry units (%(roots)s)")
            % {"name": root.name, "code": root.code, "roots": scope_description(user.entry_root_units())},
            field="org_unit",
        )
    parsed = period if isinstance(period, Period) else parse_period(str(period))
    if parsed.period_type != data_set.period_type:
        raise InvalidInput(
            _("Period %(period)s is a %(type)s period; data set %(code)s is collected %(expected)s")
            % {
                "period": parsed.id,
                "type": parsed.period_type,
                "code": data_set.code,
                "expected": data_set.period_type,
            },
            field="period",
        )
    return parsed


def template_units(user: User, data_set: DataSet, root: OrgUnit, period: Period) -> list[OrgUnit]:
    """The root's subtree within the user's entry scope, assigned to the data set, open during the period;
    by path (a district before its communes)."""
    return list(
        OrgUnit.objects.filter(subtree_q(root), enterable_q(user, ""), data_sets=data_set)
        .filter(Q(opened__isnull=True) | Q(opened__lte=period.end))
        .filter(Q(closed__isnull=True) | Q(closed__gte=period.start))
        .distinct()
        .order_by("path")
    )


def template_columns(data_set: DataSet) -> list[Column]:
    """The data set's elements in their order, each with the option combos of its disaggregation."""
    links = list(
        DataSetElement.objects.filter(data_set=data_set)
        .select_related("data_element__category_combo")
        .order_by("sort_order", "data_element__code")
    )
    combos = {link.data_element.category_combo_id for link in links}
    cocs: dict[int, list[CategoryOptionCombo]] = {}
    for coc in CategoryOptionCombo.objects.filter(combo_id__in=combos).order_by("combo_id", "sort_order", "code"):
        cocs.setdefault(coc.combo_id, []).append(coc)
    columns: list[Column] = []
    for link in links:
        element = link.data_element
        default = element.category_combo.is_default
        for coc in cocs.get(element.category_combo_id, []):
            columns.append(Column(element, coc, default))
    return columns


def template_values(
    user: User, columns: list[Column], units: list[OrgUnit], period: Period
) -> dict[tuple[int, int, int], DataValue]:
    """The stored values of the template's cells (what the user may see): {(unit, element, coc): value}."""
    if not columns or not units:
        return {}
    wanted = {(c.element.pk, c.coc.pk) for c in columns}
    unit_ids = {u.pk for u in units}
    found: dict[tuple[int, int, int], DataValue] = {}
    qs = values_for(user, data_elements={c.element.pk for c in columns}, periods=[period]).filter(
        org_unit_id__in=unit_ids
    )
    for value in qs:
        if (value.data_element_id, value.category_option_combo_id) in wanted:
            found[(value.org_unit_id, value.data_element_id, value.category_option_combo_id)] = value
    return found


def recent_import_runs(user: User, limit: int = 20) -> list[ImportRun]:
    """The user's own latest imports (any way they reached the system)."""
    return list(ImportRun.objects.filter(user=user).order_by("-started")[:limit])


def recent_import_jobs(user: User, limit: int = 20) -> list[Job]:
    """The user's own latest import jobs (the upload page's)."""
    return list(Job.objects.filter(user=user, kind=IMPORT_JOB).order_by("-created")[:limit])


def import_job_for(user: User, uid: str) -> Job:
    """An import job of this user (its owner only: the conflicts may name values of units others cannot
    see); NotFound otherwise, as for a job that does not exist."""
    job = Job.objects.filter(uid=uid, kind=IMPORT_JOB, user=user).first()
    if job is None:
        raise NotFound(_("No import job %(uid)s") % {"uid": uid})
    return job
