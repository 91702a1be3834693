"""Importing a parsed file: do_import — every rule of do_set_value, for a million values at a time.

    summary = do_import(user, parse_file(data, "file.csv"), source="file.csv")

The pipeline is set-based rather than row by row (ioc.datavalues.checker.Checker checks one row at a time,
far too slow for a million):

1. resolve the file's references once each: data elements by uid/code/name (the row's IdSchemes; a name
   matches name_vi or name_en), their option combos (none given: the combo's only cell, as do_set_value),
   ADX disaggregations (adx.map_disaggregations), periods, and org units per distinct (reference, period)
   with the reorganisation rule (a code names the unit open during the period; a code closed by then is an
   error naming its successor);
2. check each row with the rules of do_set_value (ioc.datavalues.checks, in its order): element, option
   combo, period type, unit open during the period, unit within the user's entry scope, the value for the
   element's type and min/max, comment and follow-up, then locks (PeriodLock: manual, submitted, approved),
   expiry (admins may still write into expired periods) and future periods. Rules that do not depend on
   the row are run once per distinct combination ((element, period), (unit, period), (data sets, unit,
   period)) and remembered. Two rows with the same key and different values are both refused, each
   naming the other; identical duplicates are written once (the others count as ignored);
3. all or nothing (default): any bad row and nothing is written, the summary (status ERROR) lists every bad
   row; with all_or_nothing=False the good rows are written and the bad ones listed (status WARNING);
4. write, set-based and audited (ioc.ingest.staging): unchanged values are not written (ignored), so that
   importing a file twice changes nothing the second time; the importStrategy decides what happens to
   stored values (CREATE, UPDATE, CREATE_AND_UPDATE, DELETE: a soft delete as do_delete_value). A dry run
   does everything, classification included, then rolls back and reports what would have happened.

Every import leaves an ImportRun row (status, counts, the first conflicts) and an audit entry.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, require
from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.core.errors import InvalidInput, IocError
from ioc.datavalues import writes
from ioc.datavalues.models import ImportRun
from ioc.ingest.resolve import Resolver
from ioc.ingest.rows import (
    R_DISAGG,
    R_ELEMENT,
    R_KIND,
    R_POSITION,
    R_SCHEMES,
    R_SOURCE,
    IdSchemes,
    ParseResult,
    RowIssue,
    without_gc,
)
from ioc.ingest.rules import Checked, check_rows
from ioc.ingest.staging import COLUMNS, Stage, prepare_connection
from ioc.ingest.summary import ERROR, MAX_STORED_CONFLICTS, STRATEGIES, SUCCESS, WARNING, ImportSummary

Progress = Callable[[int, int], None]
# Up to this many (unit, period) pairs changed, an import runs the validation rules on them at once.
VALIDATE_INLINE_PAIRS = 5_000


def check_strategy(strategy: str | None) -> str:
    value = (strategy or "CREATE_AND_UPDATE").strip().upper()
    if value == "NEW_AND_UPDATES":  # DHIS2's older name
        value = "CREATE_AND_UPDATE"
    if value == "NEW":
        value = "CREATE"
    if value == "UPDATES":
        value = "UPDATE"
    if value not in STRATEGIES:
        raise InvalidInput(
            _("importStrategy must be one of %(all)s, not '%(value)s'")
            % {"all": ", ".join(STRATEGIES), "value": strategy},
            field="importStrategy",
        )
    return value


def _map_adx(parsed: ParseResult) -> ParseResult:
    """ADX rows carry their disaggregation as category/option codes: map them to option combos."""
    if not any(r[R_DISAGG] for r in parsed.records):
        return parsed
    from ioc.ingest.adx import map_disaggregations
    from ioc.ingest.lookups import element_combos

    by_scheme: dict[str, set[str]] = defaultdict(set)
    for r in parsed.records:
        if r[R_DISAGG]:
            scheme = r[R_SCHEMES].data_element if isinstance(r[R_SCHEMES], IdSchemes) else "uid"
            by_scheme[scheme].add(r[R_ELEMENT])
    combos: dict[str, Any] = {}
    for scheme, refs in by_scheme.items():
        combos.update(element_combos(refs, scheme=scheme))
    return map_disaggregations(parsed, combos)


@without_gc
def do_import(
    user: User,
    parsed: ParseResult | Iterable[ParseResult],
    *,
    strategy: str = "CREATE_AND_UPDATE",
    dry_run: bool = False,
    all_or_nothing: bool = True,
    via: str = Via.IMPORT,
    source: str,
    progress: Progress | None = None,
    options: dict[str, Any] | None = None,
    validate: bool = True,
) -> ImportSummary:
    """Import the rows of one or more parsed files (see the module's docstring). NotAllowed when the user
    may not enter data at all; every other problem is a conflict in the summary. With `validate`, the
    validation rules then run on the (unit, period) pairs the import changed (summary.validation)."""
    require(user, Action.ENTER_DATA)
    strategy = check_strategy(strategy)
    started = time.perf_counter()
    results = [parsed] if isinstance(parsed, ParseResult) else list(parsed)
    summary = ImportSummary(
        strategy=strategy, dry_run=dry_run, all_or_nothing=all_or_nothing, options=dict(options or {})
    )
    run = ImportRun.objects.create(user=user, source=source[:255], via=via, dry_run=dry_run)
    summary.import_run = run.pk
    results = [_map_adx(r) for r in results]
    records = [rec for r in results for rec in r.records]
    issues = [i for r in results for i in r.issues]
    total = len(records) + len(issues)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(min(done, 3 * total), 3 * total)

    bad = len(issues)
    good = 0
    touched: set[tuple[int, str]] = set()
    timings = summary.timings
    prepare_connection()
    lap = time.perf_counter()
    try:
        with transaction.atomic():
            # Take the write lock first (SQLite) so that what is classified below stays true until the writes.
            ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
            checked = None
            if records:
                lap = time.perf_counter()
                resolver = Resolver(user, records, strategy)
                timings["resolve"] = time.perf_counter() - lap
                lap = time.perf_counter()
                checked = check_rows(resolver, records, tick)
                timings["check"] = time.perf_counter() - lap
            conflicts = sorted(issues, key=lambda i: (i.source, i.position))
            if checked is not None:
                conflicts = _merge(conflicts, checked.conflicts)
                bad += checked.bad_rows
                good = len(checked.rows)
            summary.conflicts = conflicts
            if checked is None or not good or (bad and all_or_nothing):
                summary.ignored = total
                tick(3 * total)
            else:
                summary.ignored = bad + checked.duplicates
                _stage_and_write(user, strategy, via, dry_run, checked, summary, tick, timings)
                if summary.imported + summary.updated + summary.deleted:
                    touched = {(row[OU], row[PERIOD]) for row in checked.rows}
            if dry_run:
                transaction.set_rollback(True)
            lap = time.perf_counter()
        timings["commit"] = time.perf_counter() - lap
    except IntegrityError as exc:
        summary.imported = summary.updated = summary.deleted = 0
        summary.ignored = total
        bad = max(bad, 1)
        summary.conflicts.append(
            RowIssue(
                source,
                "row",
                0,
                None,
                None,
                _(
                    "some of these values were written by someone else during the import; nothing was written, "
                    "import the file again (%(db)s)"
                )
                % {"db": str(exc).splitlines()[0] if str(exc) else type(exc).__name__},
            )
        )
    if total == 0:
        bad = 1
        summary.conflicts.append(RowIssue(source, "row", 0, None, None, _("the file has no data values")))
    if bad and (all_or_nothing or not good):
        summary.status = ERROR
    elif summary.conflicts:
        summary.status = WARNING
    else:
        summary.status = SUCCESS
    summary.description = _describe(summary, len(summary.conflicts))
    summary.seconds = time.perf_counter() - started
    _finish(user, run, summary, source, via)
    if validate and not dry_run and summary.status != ERROR and touched:
        summary.validation = validate_after_import(user, touched, via)
    return summary


OU, PERIOD = COLUMNS.index("ou"), COLUMNS.index("period")


def validate_after_import(user: User, touched: set[tuple[int, str]], via: str) -> dict[str, Any]:
    """Run the validation rules at the (unit, period) pairs an import changed and keep the results (the
    results page, the follow-up list). A very large import leaves it to the nightly run and says so."""
    from ioc.quality.services import validate_and_record

    if len(touched) > VALIDATE_INLINE_PAIRS:
        return {
            "ran": False,
            "pairs": len(touched),
            "message": _(
                "Validation rules were not run on this import (%(n)s units × periods); they run tonight, or "
                "on the data quality page"
            )
            % {"n": f"{len(touched):,}"},
        }
    found = validate_and_record(user, touched, via=via)
    shown = [v.message for v in found.violation_list()[:20]]
    return {
        "ran": True,
        "pairs": len(touched),
        "rules": found.rules,
        "violations": found.violations,
        "examples": shown,
        "message": _("Validation rules: %(n)s broken") % {"n": found.violations}
        if found.violations
        else _("Validation rules: none broken"),
    }


def record_failure(
    user: User,
    source: str,
    via: str,
    error: IocError,
    *,
    strategy: str = "CREATE_AND_UPDATE",
    dry_run: bool = False,
    all_or_nothing: bool = True,
) -> ImportSummary:
    """The summary (status ERROR) of a file refused as a whole (too large, empty, wrong encoding, malformed),
    recorded like any import (an ImportRun row and an audit entry)."""
    require(user, Action.ENTER_DATA)
    run = ImportRun.objects.create(user=user, source=source[:255], via=via, dry_run=dry_run)
    field = next((str(e["field"]) for e in error.errors if e.get("field")), None)
    summary = ImportSummary(
        status=ERROR,
        strategy=strategy,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        import_run=run.pk,
        conflicts=[RowIssue(source, "row", 0, field, None, error.message)],
    )
    summary.description = error.message
    _finish(user, run, summary, source, via)
    return summary


def _merge(a: list[RowIssue], b: list[RowIssue]) -> list[RowIssue]:
    if not a:
        return b
    if not b:
        return a
    return sorted(a + b, key=lambda i: (i.source, i.position))


def _stage_and_write(
    user: User,
    strategy: str,
    via: str,
    dry_run: bool,
    checked: Checked,
    summary: ImportSummary,
    tick: Callable[[int], None],
    timings: dict[str, float],
) -> None:
    n = len(checked.rows)
    lap = time.perf_counter()
    stage = Stage(strategy, user.pk, via, timezone.now())
    stage.create()
    stage.load(checked.rows, tick)
    timings["stage"] = time.perf_counter() - lap
    lap = time.perf_counter()
    counts = stage.classify(n)
    timings["classify"] = time.perf_counter() - lap
    skipped = {"E": "exists", "N": "missing"}
    skipped_rows = stage.rows_with(list(skipped)) if any(counts.get(a) for a in skipped) else []
    for idx in skipped_rows:
        rec = checked.origin[idx]
        if strategy == "CREATE":
            why = _("a value is already stored for this key; importStrategy CREATE only adds new values")
        elif strategy == "UPDATE":
            why = _("no value is stored for this key; importStrategy UPDATE only changes stored values")
        else:
            why = _("no value is stored for this key; there is nothing to delete")
        summary.conflicts.append(RowIssue(rec[R_SOURCE], rec[R_KIND], rec[R_POSITION], "value", rec[4], why))
    if skipped_rows:
        summary.conflicts.sort(key=lambda c: (c.source, c.position))
    summary.imported = counts.get("C", 0) + counts.get("R", 0)
    summary.updated = counts.get("M", 0)
    summary.deleted = counts.get("D", 0)
    summary.ignored += counts.get("U", 0) + counts.get("E", 0) + counts.get("N", 0)
    changed = summary.imported + summary.updated + summary.deleted
    if not dry_run and changed:
        steps = 0

        def write_tick(_k: int) -> None:
            nonlocal steps
            steps += 1
            tick(n // 4 if steps < 4 else n - 3 * (n // 4))

        lap = time.perf_counter()
        stage.write(write_tick)
        timings["write"] = time.perf_counter() - lap
        timings.update((k, v) for k, v in stage.timings.items() if k.startswith("write_"))
        writes.notify(checked.element_ids, checked.unit_ids, checked.periods, since=stage.now)
    else:
        tick(n)
    stage.drop()


def _describe(summary: ImportSummary, conflicts: int) -> str:
    counts = {
        "imported": summary.imported,
        "updated": summary.updated,
        "ignored": summary.ignored,
        "deleted": summary.deleted,
        "conflicts": conflicts,
    }
    if summary.status == ERROR:
        text = _("Nothing was imported: %(conflicts)s conflict(s); fix every row listed and import again.") % counts
    elif summary.status == WARNING:
        text = (
            _(
                "Imported with conflicts: %(imported)s imported, %(updated)s updated, %(deleted)s deleted, "
                "%(ignored)s ignored; %(conflicts)s row(s) skipped, listed below."
            )
            % counts
        )
    else:
        text = (
            _("Import complete: %(imported)s imported, %(updated)s updated, %(deleted)s deleted, %(ignored)s ignored.")
            % counts
        )
    if summary.dry_run:
        text = _("Dry run, nothing was written. %(text)s") % {"text": text}
    return text


def _finish(user: User, run: ImportRun, summary: ImportSummary, source: str, via: str) -> None:
    run.status = {SUCCESS: ImportRun.Status.SUCCESS, WARNING: ImportRun.Status.WARNING}.get(
        summary.status, ImportRun.Status.ERROR
    )
    run.imported, run.updated, run.ignored, run.deleted = (
        summary.imported,
        summary.updated,
        summary.ignored,
        summary.deleted,
    )
    run.conflicts = summary.stored_conflicts(MAX_STORED_CONFLICTS)
    run.finished = timezone.now()
    run.save(update_fields=["status", "imported", "updated", "ignored", "deleted", "conflicts", "finished"])
    record(
        user,
        "datavalues.import",
        run,
        via=via,
        changes={
            "source": source,
            "status": summary.status,
            "strategy": summary.strategy,
            "dry_run": summary.dry_run,
            "all_or_nothing": summary.all_or_nothing,
            **summary.import_count,
            "conflicts": len(summary.conflicts),
        },
    )
