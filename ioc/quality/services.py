"""Writes of the quality app: validation runs (their results kept), follow-up and resolution of results.

`run_validation` evaluates the rules over a unit subtree and a range of periods (ioc.quality.validation) and,
with persist=True, makes the stored results of that scope — the rules run × the subtree's units × the periods —
match what it found: new violations are added, those found again updated (values, last seen; a resolved one
whose values changed is reopened), those no longer found deleted (the data were fixed). One ValidationRun row
and one audit record per persisted run.

Who may do what: running needs the VIEW_DATA action (every role) and a root inside the user's view scope — it
only derives results from values the user may see; marking a result for follow-up or resolving it needs the
role to enter or approve data and the unit inside the user's entry scope (as ioc.datavalues'
do_set_follow_up for values). `user=None` is the system (the schedule, the command line without --user): all
units.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.permissions import Action, can, require
from ioc.accounts.scopes import can_enter_unit, can_view_unit, visible_q
from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.core.errors import InvalidInput, NotAllowed, NotFound
from ioc.core.periods import Period, parse_period
from ioc.core.uid import is_valid_uid
from ioc.metadata.models import DataSet, ValidationRule
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import resolve_code, subtree_q
from ioc.quality.models import ValidationResult, ValidationRun
from ioc.quality.rules import Outcome, ScopeResult, evaluate_scope, periods_in
from ioc.quality.validation import evaluate_keys, rules_for_data_set
from ioc.quality.violations import Violation, home_data_sets, violations_of

ProgressFn = Callable[[int, int], None]
# Runs estimated at more rule evaluations than this (units × periods × rules) go to a background job from the
# page and the API; the whole demo province for a year is about 25,000 and takes under a second.
SYNC_LIMIT = 60_000
CHUNK = 2000  # ids per DELETE/UPDATE statement (well under SQLite's limit on bound parameters)


@dataclass
class RunSummary:
    run: ValidationRun | None
    rules: int
    evaluated: int
    violations: int
    new: int = 0
    cleared: int = 0
    values_read: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    _scope: ScopeResult | None = None

    def violation_list(self) -> list[Violation]:
        """The violations found, described in the active language (a few queries)."""
        if self._scope is None:
            return []
        return violations_of(self.outcomes, self._scope.rules)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run.uid if self.run else None,
            "rules": self.rules,
            "evaluated": self.evaluated,
            "violations": self.violations,
            "new": self.new,
            "cleared": self.cleared,
            "valuesRead": self.values_read,
            "seconds": round(self.seconds, 3),
            "problems": self.problems,
        }


# --- resolving the arguments ------------------------------------------------------------------------------


def resolve_root(root: OrgUnit | str | None, on: dt.date) -> OrgUnit | None:
    """An OrgUnit, a uid, or a code (the unit with that code open on `on`)."""
    if root is None or isinstance(root, OrgUnit):
        return root
    text = root.strip()
    if is_valid_uid(text):
        found = OrgUnit.objects.filter(uid=text).first()
        if found is not None:
            return found
    return resolve_code(text, on, field="orgUnit")


def resolve_rules(rules: Iterable[ValidationRule | str] | None, data_set: DataSet | None) -> list[ValidationRule]:
    """The rules named (codes or objects; every rule when None), narrowed to the data set's rules if given."""
    if rules is None:
        chosen = list(ValidationRule.objects.order_by("code"))
    else:
        items = list(rules)
        codes = [r for r in items if isinstance(r, str)]
        found = {r.code: r for r in ValidationRule.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise InvalidInput(_("Unknown validation rules: %(codes)s") % {"codes": ", ".join(unknown)}, field="rules")
        chosen = [r if isinstance(r, ValidationRule) else found[r] for r in items]
        chosen = list({r.pk: r for r in chosen}.values())
    if data_set is not None:
        allowed = {r.pk for r in rules_for_data_set(data_set)}
        chosen = [r for r in chosen if r.pk in allowed]
    return chosen


def resolve_data_set(ref: DataSet | str | None) -> DataSet | None:
    if ref is None or isinstance(ref, DataSet):
        return ref
    found = DataSet.objects.filter(Q(code=ref) | Q(uid=ref)).first()
    if found is None:
        raise InvalidInput(_("No data set with code or uid '%(ref)s'") % {"ref": ref}, field="dataSet")
    return found


def _as_date(value: dt.date | str | None, name: str, *, end: bool = False) -> dt.date | None:
    """A date, an ISO date text, or a period id (its first day; with end=True its last day)."""
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        period = parse_period(text.replace("-", "") if len(text) == 7 else text)
    except InvalidInput:
        raise InvalidInput(
            _("%(name)s: expected a date (2025-01-31), a month (2025-01) or a period id, got '%(value)s'")
            % {"name": name, "value": text},
            field=name,
        ) from None
    return period.end if end else period.start


@dataclass(frozen=True)
class Scope:
    """What a run covers: the rules, the unit subtree (None: every unit the actor sees), the periods."""

    rules: list[ValidationRule]
    root: OrgUnit | None
    start: dt.date
    end: dt.date
    periods: list[str] | None  # explicit period ids, or None: every period of each rule's type within range
    data_set: DataSet | None

    def units_q(self) -> Q | None:
        """The subtree as a condition on DataValue: org_unit_id IN (the subtree's ids), a subquery, so that the
        database reads a small subtree's values through the (org_unit, start_date) index."""
        if self.root is None:
            return None
        return Q(org_unit_id__in=OrgUnit.objects.filter(subtree_q(self.root)).values("id"))

    def evaluations(self, user: Any = None) -> int:
        """An estimate of the work: units of the subtree (that `user` sees) × periods × rules (one query)."""
        units = OrgUnit.objects.filter(subtree_q(self.root)) if self.root is not None else OrgUnit.objects.all()
        if user is not None:
            units = units.filter(visible_q(user, ""))
        n_units = units.count()
        total = 0
        for rule in self.rules:
            if self.periods is not None:
                n = sum(1 for p in self.periods if parse_period(p).period_type == rule.period_type)
            else:
                n = len(periods_in(rule.period_type, self.start, self.end))
            total += n * n_units
        return total


def build_scope(
    user: Any,
    *,
    root_unit: OrgUnit | str | None = None,
    periods: Sequence[Period | str] | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    rules: Iterable[ValidationRule | str] | None = None,
    data_set: DataSet | str | None = None,
) -> Scope:
    """Check and resolve a run's arguments: InvalidInput naming the field, NotAllowed outside the scope."""
    if user is not None:
        require(user, Action.VIEW_DATA)
    period_ids: list[str] | None = None
    if periods:
        parsed = [p if isinstance(p, Period) else parse_period(p) for p in periods]
        period_ids = sorted({p.id for p in parsed})
        first, last = min(p.start for p in parsed), max(p.end for p in parsed)
    else:
        first_d = _as_date(start, "startDate")
        last_d = _as_date(end, "endDate", end=True)
        if first_d is None or last_d is None:
            raise InvalidInput(_("Give the periods, or a start and an end date"), field="startDate")
        first, last = first_d, last_d
    if last < first:
        raise InvalidInput(_("endDate: before startDate"), field="endDate")
    if (last - first).days > 366 * 10:
        raise InvalidInput(_("The period range is longer than ten years; validate it in parts"), field="endDate")
    root = resolve_root(root_unit, first)
    if root is not None and user is not None and not can_view_unit(user, root):
        raise NotAllowed(_("Org unit %(code)s is outside your view scope") % {"code": root.code})
    ds = resolve_data_set(data_set)
    return Scope(resolve_rules(rules, ds), root, first, last, period_ids, ds)


# --- running ---------------------------------------------------------------------------------------------


def run_validation(
    user: Any,
    *,
    root_unit: OrgUnit | str | None = None,
    periods: Sequence[Period | str] | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    rules: Iterable[ValidationRule | str] | None = None,
    data_set: DataSet | str | None = None,
    persist: bool = True,
    progress: ProgressFn | None = None,
    via: str = Via.FORM,
) -> RunSummary:
    """Evaluate the rules (codes or objects; default every rule, or the data set's) for every unit of the
    subtree of `root_unit` (default: all the user sees) within the user's view scope, and every period of each
    rule's type listed in `periods` or lying within [start, end] (dates, "2025-01" months or period ids).
    With persist=True the results of that scope are replaced (see the module's docstring)."""
    scope = build_scope(
        user, root_unit=root_unit, periods=periods, start=start, end=end, rules=rules, data_set=data_set
    )
    return run_scope(user, scope, persist=persist, progress=progress, via=via)


def run_scope(
    user: Any, scope: Scope, *, persist: bool = True, progress: ProgressFn | None = None, via: str = Via.FORM
) -> RunSummary:
    began = time.monotonic()
    started = timezone.now()
    visible = None if user is None else visible_q(user, "org_unit__")
    found = evaluate_scope(
        scope.rules,
        units=scope.units_q(),
        scope=visible,
        periods=scope.periods,
        start=None if scope.periods else scope.start,
        end=None if scope.periods else scope.end,
        progress=progress,
    )
    summary = RunSummary(
        run=None,
        rules=len(found.rules),
        evaluated=len(found.outcomes),
        violations=len(found.violations),
        values_read=found.values_read,
        problems=found.problems,
        outcomes=found.violations,
        _scope=found,
    )
    if persist:
        existing = ValidationResult.objects.filter(rule__in=[c.rule.pk for c in found.rules])
        if scope.root is not None:
            existing = existing.filter(subtree_q(scope.root, "org_unit__"))
        if visible is not None:
            existing = existing.filter(visible)
        if scope.periods is not None:
            existing = existing.filter(period__in=scope.periods)
        else:
            existing = existing.filter(start_date__gte=scope.start, end_date__lte=scope.end)
        with transaction.atomic():
            run = ValidationRun.objects.create(
                user=user if getattr(user, "pk", None) else None,
                via=via,
                root=scope.root,
                start_date=scope.start,
                end_date=scope.end,
                periods=scope.periods or [],
                rules=[r.code for r in scope.rules],
                data_set=scope.data_set,
                started=started,
            )
            new, cleared = _store(run, found, existing)
            run.finished = timezone.now()
            run.evaluated, run.violations, run.new, run.cleared = summary.evaluated, summary.violations, new, cleared
            run.save(update_fields=["finished", "evaluated", "violations", "new", "cleared"])
            record(
                user,
                "quality.validate",
                run,
                via=via,
                changes={
                    "root": scope.root.code if scope.root else None,
                    "start": scope.start.isoformat(),
                    "end": scope.end.isoformat(),
                    "rules": len(found.rules),
                    "evaluated": summary.evaluated,
                    "violations": summary.violations,
                    "new": new,
                    "cleared": cleared,
                },
            )
        summary.run, summary.new, summary.cleared = run, new, cleared
    summary.seconds = time.monotonic() - began
    return summary


def _values_json(outcome: Outcome, homes: dict[tuple[str, str], str]) -> list[dict[str, Any]]:
    return [
        {"element": code, "coc": coc, "value": value, "dataSet": homes.get((code, outcome.rule.period_type))}
        for code, coc, value in outcome.involved()
    ]


def _store(run: ValidationRun, found: ScopeResult, existing_qs: Any) -> tuple[int, int]:
    """Make the stored results of the scope (existing_qs) match the violations found; (new, cleared)."""
    now = run.started
    current = {(r.rule_id, r.org_unit_id, r.period): r for r in existing_qs.select_for_update(of=("self",))}
    homes = home_data_sets(found.rules)
    to_create: list[ValidationResult] = []
    to_update: list[ValidationResult] = []
    seen: set[tuple[int, int, str]] = set()
    for o in found.violations:
        key = (o.rule.pk, o.unit_id, o.period)
        seen.add(key)
        values = _values_json(o, homes)
        stored = current.get(key)
        if stored is None:
            period = parse_period(o.period)
            to_create.append(
                ValidationResult(
                    rule=o.rule,
                    org_unit_id=o.unit_id,
                    period=o.period,
                    period_type=period.period_type,
                    start_date=period.start,
                    end_date=period.end,
                    left_value=o.left,
                    right_value=o.right,
                    importance=o.rule.importance,
                    values=values,
                    first_seen=now,
                    last_seen=now,
                    run=run,
                )
            )
            continue
        if stored.resolved and (stored.left_value != o.left or stored.right_value != o.right):
            stored.resolved = False  # resolved with other values: a new situation, open again
        stored.left_value, stored.right_value, stored.values = o.left, o.right, values
        stored.importance, stored.last_seen, stored.run = o.rule.importance, now, run
        to_update.append(stored)
    ValidationResult.objects.bulk_create(
        to_create,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["rule", "org_unit", "period"],
        update_fields=["left_value", "right_value", "values", "importance", "last_seen", "run"],
    )
    ValidationResult.objects.bulk_update(
        to_update,
        ["left_value", "right_value", "values", "importance", "last_seen", "run", "resolved"],
        batch_size=500,
    )
    stale = [r.pk for key, r in current.items() if key not in seen]
    for i in range(0, len(stale), CHUNK):
        ValidationResult.objects.filter(pk__in=stale[i : i + CHUNK]).delete()
    return len(to_create), len(stale)


def validate_and_record(
    user: Any, keys: Iterable[tuple[OrgUnit | int, Period | str]], *, via: str = Via.IMPORT
) -> RunSummary:
    """After an import (or any batch of writes): evaluate every rule of each period's type at the (unit, period)
    pairs touched and make their stored results match (added, updated, cleared). Pairs outside the user's view
    scope are left alone. Returns the summary; summary.violation_list() describes what was found."""
    if user is not None:
        require(user, Action.VIEW_DATA)
    from ioc.quality.validation import normalise_keys

    wanted = normalise_keys(keys)
    started = timezone.now()
    found = evaluate_keys(user, wanted)
    summary = RunSummary(
        run=None,
        rules=len(found.rules),
        evaluated=len(found.outcomes),
        violations=len(found.violations),
        values_read=found.values_read,
        problems=found.problems,
        outcomes=found.violations,
        _scope=found,
    )
    if not wanted or not found.rules:
        return summary
    pair_q = Q(pk__in=[])
    by_unit: dict[int, set[str]] = {}
    for unit_id, period in wanted:
        by_unit.setdefault(unit_id, set()).add(period)
    for unit_id, periods in by_unit.items():
        pair_q |= Q(org_unit_id=unit_id, period__in=sorted(periods))
    existing = ValidationResult.objects.filter(pair_q, rule__in=[c.rule.pk for c in found.rules])
    if user is not None:
        existing = existing.filter(visible_q(user, "org_unit__"))
    first = min(parse_period(p).start for _u, p in wanted)
    last = max(parse_period(p).end for _u, p in wanted)
    with transaction.atomic():
        run = ValidationRun.objects.create(
            user=user if getattr(user, "pk", None) else None,
            via=via,
            start_date=first,
            end_date=last,
            periods=sorted({p for _u, p in wanted}),
            rules=[c.rule.code for c in found.rules],
            started=started,
        )
        new, cleared = _store(run, found, existing)
        run.finished = timezone.now()
        run.evaluated, run.violations, run.new, run.cleared = summary.evaluated, summary.violations, new, cleared
        run.save(update_fields=["finished", "evaluated", "violations", "new", "cleared"])
        record(
            user,
            "quality.validate",
            run,
            via=via,
            changes={"pairs": len(wanted), "violations": summary.violations, "new": new, "cleared": cleared},
        )
    summary.run, summary.new, summary.cleared = run, new, cleared
    return summary


# --- follow-up -------------------------------------------------------------------------------------------


def _check_follow_up_rights(user: Any, result: ValidationResult) -> None:
    if not (can(user, Action.ENTER_DATA) or can(user, Action.APPROVE_DATA)):
        require(user, Action.ENTER_DATA)
    if not can_enter_unit(user, result.org_unit):
        raise NotAllowed(_("Org unit %(code)s is outside your data entry scope") % {"code": result.org_unit.code})


def _get_result(user: Any, result: ValidationResult | int) -> ValidationResult:
    pk = result.pk if isinstance(result, ValidationResult) else int(result)
    found = ValidationResult.objects.select_for_update().select_related("org_unit", "rule").filter(pk=pk).first()
    if found is None or not can_view_unit(user, found.org_unit):
        raise NotFound(_("No validation result %(id)s") % {"id": pk})
    return found


@transaction.atomic
def do_set_result_follow_up(
    user: Any, result: ValidationResult | int, *, follow_up: bool, note: str = "", via: str = Via.FORM
) -> ValidationResult:
    """Mark (or unmark) a validation result for follow-up, with an optional note. Audited."""
    found = _get_result(user, result)
    _check_follow_up_rights(user, found)
    if len(note) > 2000:
        raise InvalidInput(_("The note is longer than 2000 characters"), field="note")
    before = {"follow_up": found.follow_up, "follow_up_note": found.follow_up_note}
    found.follow_up = bool(follow_up)
    if note:
        found.follow_up_note = note.strip()
    after = {"follow_up": found.follow_up, "follow_up_note": found.follow_up_note}
    if before == after:
        return found
    found.save(update_fields=["follow_up", "follow_up_note"])
    record(
        user,
        "quality.follow_up",
        found,
        via=via,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return found


@transaction.atomic
def do_resolve_result(
    user: Any, result: ValidationResult | int, *, note: str = "", resolved: bool = True, via: str = Via.FORM
) -> ValidationResult:
    """Mark a validation result resolved (explained, or fixed outside the system), taking it off the follow-up
    list; resolved=False reopens it. Audited. A later run that finds other values reopens it."""
    found = _get_result(user, result)
    _check_follow_up_rights(user, found)
    if len(note) > 2000:
        raise InvalidInput(_("The note is longer than 2000 characters"), field="note")
    if found.resolved == resolved:
        return found
    before = {"resolved": found.resolved, "follow_up": found.follow_up}
    found.resolved = resolved
    if resolved:
        found.follow_up = False
        found.resolved_by = user if getattr(user, "pk", None) else None
        found.resolved_at = timezone.now()
        found.resolution_note = note.strip()
    else:
        found.resolved_by, found.resolved_at = None, None
    found.save(update_fields=["resolved", "follow_up", "resolved_by", "resolved_at", "resolution_note"])
    record(
        user,
        "quality.resolve" if resolved else "quality.reopen",
        found,
        via=via,
        changes={
            "resolved": [before["resolved"], found.resolved],
            "follow_up": [before["follow_up"], found.follow_up],
            **({"note": [None, found.resolution_note]} if resolved and found.resolution_note else {}),
        },
    )
    return found
