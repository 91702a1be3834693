"""Validation rules over stored values: which (unit, period) pairs break which rule, set-based.

A rule (ioc.metadata.models.ValidationRule: left, operator, right, importance, period type) is evaluated for
every unit and period of its period type that has a value of one of its elements: left and right are computed
with ioc.quality.evaluate (missing values: SKIP_IF_ALL_VALUES_MISSING on each side, as DHIS2's default), and
`left operator right` false is a violation. A side without a result (no value at all, a division by zero)
means the rule is not evaluated there. Values are each unit's own (no sums over its subtree) and of the rule's
period type exactly.

Reads only: nothing here writes. `validate_form` serves the data-entry form's "Run validation" button;
`validate_values` the (unit, period) pairs an import touched; `evaluate_scope` the runs of
ioc.quality.services.run_validation, which keeps the results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from ioc.accounts.permissions import Action, require
from ioc.accounts.scopes import can_view_unit, visible_q
from ioc.core.errors import InvalidInput, NotAllowed, NotFound
from ioc.core.periods import Period, parse_period
from ioc.core.uid import is_valid_uid
from ioc.metadata.models import DataSet, ValidationRule
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import resolve_code
from ioc.quality.evaluate import Key
from ioc.quality.evaluate import fetch_values as fetch
from ioc.quality.rules import (
    ScopeResult,
    compile_rules,
    evaluate_fetched,
    evaluate_scope,
    parse_expression,
    type_of_period,
)
from ioc.quality.violations import Labels, Violation, violations_of


def rules_for_data_set(data_set: DataSet, codes: set[str] | None = None) -> list[ValidationRule]:
    """The rules of the data set's period type all of whose elements are in the data set (DHIS2's rule);
    `codes`: the data set's element codes when the caller has them."""
    if codes is None:
        codes = set(data_set.elements.values_list("code", flat=True))
    out = []
    for rule in ValidationRule.objects.filter(period_type=data_set.period_type).order_by("code"):
        try:
            needed = parse_expression(rule.left).element_codes | parse_expression(rule.right).element_codes
        except InvalidInput:
            continue
        if needed and needed <= codes:
            out.append(rule)
    return out


def _data_set(ref: DataSet | str) -> DataSet:
    if isinstance(ref, DataSet):
        return ref
    found = DataSet.objects.filter(Q(code=ref) | Q(uid=ref)).first()
    if found is None:
        raise NotFound(_("No data set with code or uid '%(ref)s'") % {"ref": ref}, field="dataSet")
    return found


def _unit(ref: OrgUnit | str, on: dt.date) -> OrgUnit:
    if isinstance(ref, OrgUnit):
        return ref
    if is_valid_uid(ref):
        found = OrgUnit.objects.filter(uid=ref).first()
        if found is not None:
            return found
    return resolve_code(ref, on, field="orgUnit")


def validate_form(user: Any, data_set: DataSet | str, org_unit: OrgUnit | str, period: Period | str) -> list[Violation]:
    """The violations of the data set's rules by the values of one form (unit, period), most important first.
    Not stored. The unit must be in the user's view scope (NotAllowed otherwise). A few queries."""
    require(user, Action.VIEW_DATA)
    ds = _data_set(data_set)
    the_period = period if isinstance(period, Period) else parse_period(period)
    if the_period.period_type != ds.period_type:
        raise InvalidInput(
            _("Period %(period)s is not a %(type)s period of data set %(code)s")
            % {"period": the_period.id, "type": ds.period_type, "code": ds.code},
            field="period",
        )
    unit = _unit(org_unit, the_period.start)
    if not can_view_unit(user, unit):
        raise NotAllowed(_("Org unit %(code)s is outside your view scope") % {"code": unit.code})
    elements = list(ds.elements.all())
    rules = rules_for_data_set(ds, {e.code for e in elements})
    compiled, _problems = compile_rules(rules)
    if not compiled:
        return []
    codes = set().union(*(c.element_codes for c in compiled))
    fetched = fetch(codes, period_type=ds.period_type, periods=[the_period.id], unit_ids=[unit.pk])
    outcomes = list(evaluate_fetched(compiled, fetched))
    return violations_of(
        outcomes,
        compiled,
        labels=Labels(compiled, elements=elements),
        homes={(code, ds.period_type): ds.code for code in codes},  # the values live in this form
        units={unit.pk: unit},
    )


def validate_values(
    user: Any, keys: Iterable[tuple[OrgUnit | int, Period | str]], *, rules: Iterable[ValidationRule] | None = None
) -> list[Violation]:
    """After an import: the violations at the (unit, period) pairs it touched (units as OrgUnit or id,
    periods as Period or id), every rule of each period's type; pairs outside the user's view scope are left
    out. Not stored: ioc.quality.services.validate_and_record(user, keys) stores them on the results page."""
    if user is not None:
        require(user, Action.VIEW_DATA)
    result = evaluate_keys(user, keys, rules=rules)
    return violations_of(result.outcomes, result.rules)


def normalise_keys(keys: Iterable[tuple[OrgUnit | int, Period | str]]) -> set[Key]:
    out: set[Key] = set()
    for unit, period in keys:
        unit_id = unit.pk if isinstance(unit, OrgUnit) else int(unit)
        out.add((unit_id, period.id if isinstance(period, Period) else str(period)))
    return out


def evaluate_keys(
    user: Any, keys: Iterable[tuple[OrgUnit | int, Period | str]], *, rules: Iterable[ValidationRule] | None = None
) -> ScopeResult:
    wanted = normalise_keys(keys)
    if not wanted:
        return ScopeResult()
    period_types = {t for t in (type_of_period(p) for _u, p in wanted) if t}
    chosen = list(rules) if rules is not None else list(ValidationRule.objects.filter(period_type__in=period_types))
    return evaluate_scope(
        chosen,
        units=None,
        scope=None if user is None else visible_q(user, "org_unit__"),
        periods=sorted({p for _u, p in wanted}),
        unit_ids=sorted({u for u, _p in wanted}),
        keys=wanted,
    )
