"""Which units have a form of a data set in a period, and how approval climbs the tree.

A unit *has a form* when the data set is assigned to it (DataSet.org_units) and the unit is open during the
period. A unit *takes part in approval* when it has a form or a unit below it has one: a district without a
form of its own approves its communes' forms as a whole. The *approval children* of a unit are its direct
children that take part; bottom-up approval needs all of them approved first.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ioc.core.periods import Period
from ioc.metadata.models import DataSet
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import subtree_q


def open_during_q(period: Period, prefix: str = "") -> Q:
    """Units open on at least one day of the period."""
    return (Q(**{f"{prefix}opened__isnull": True}) | Q(**{f"{prefix}opened__lte": period.end})) & (
        Q(**{f"{prefix}closed__isnull": True}) | Q(**{f"{prefix}closed__gte": period.start})
    )


def open_during(unit: OrgUnit, period: Period) -> bool:
    return (unit.opened is None or unit.opened <= period.end) and (unit.closed is None or unit.closed >= period.start)


def has_form(data_set: DataSet, unit: OrgUnit, period: Period) -> bool:
    """The data set is assigned to the unit, and the unit is open during the period."""
    return open_during(unit, period) and data_set.org_units.filter(pk=unit.pk).exists()


def units_with_form(data_set: DataSet, period: Period, root: OrgUnit | None = None) -> QuerySet[OrgUnit]:
    """The units (in `root`'s subtree, or everywhere) that have a form of the data set in the period."""
    qs = OrgUnit.objects.filter(open_during_q(period), data_sets=data_set)
    if root is not None:
        qs = qs.filter(subtree_q(root))
    return qs


def depth(unit: OrgUnit) -> int:
    """How many units are on the path from the top to the unit, itself included."""
    return len(unit.ancestor_ids())


def approval_children(data_set: DataSet, unit: OrgUnit, period: Period) -> list[OrgUnit]:
    """The unit's direct children that have a form, or a unit with a form below them; by code."""
    below = units_with_form(data_set, period, unit).exclude(pk=unit.pk).values_list("path", flat=True)
    at = depth(unit)
    child_ids = {int(path.strip("/").split("/")[at]) for path in below}
    return list(OrgUnit.objects.filter(pk__in=child_ids).order_by("code", "name_vi"))


def approval_tree(data_set: DataSet, period: Period, root: OrgUnit) -> dict[int, OrgUnit]:
    """Every unit of `root`'s subtree that takes part in the approval of the data set's period: the units with
    a form and their ancestors up to `root`; by id, in path order."""
    with_form = list(units_with_form(data_set, period, root).values_list("path", flat=True))
    top = depth(root)
    ids: set[int] = set()
    for path in with_form:
        parts = [int(p) for p in path.strip("/").split("/")]
        ids.update(parts[top - 1 :])
    units = OrgUnit.objects.filter(pk__in=ids).order_by("path")
    return {u.pk: u for u in units}
