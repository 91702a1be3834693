"""Every rule of do_set_value applied to every row of a file, set-based: the third step of
ioc.ingest.importer's pipeline. Gives the staging rows of the good rows and a conflict for each bad one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from ioc.core.errors import IocError
from ioc.core.periods import Period
from ioc.datavalues import checks
from ioc.ingest.resolve import Bad, Element, Resolver, refusal
from ioc.ingest.rows import (
    R_KIND,
    R_POSITION,
    R_SOURCE,
    IdSchemes,
    Record,
    RowIssue,
)
from ioc.ingest.staging import display, sql_simple
from ioc.metadata.models import ValueType
from ioc.orgunits.models import OrgUnit

# Progress is reported every this many rows.
VALIDATE_CHUNK = 50_000


@dataclass
class Checked:
    rows: list[tuple[Any, ...]]  # staging rows (ioc.ingest.staging.COLUMNS)
    origin: list[Record]  # the record of each staging row
    conflicts: list[RowIssue]
    bad_rows: int
    duplicates: int
    element_ids: set[int]
    unit_ids: set[int]
    periods: set[str]


def check_rows(resolver: Resolver, records: list[Record], tick: Callable[[int], None]) -> Checked:
    """Every rule, for every row; the staging rows of the good ones."""
    conflicts: list[RowIssue] = []
    stage: list[tuple[Any, ...]] = []
    origin: list[Record] = []
    el_cache: dict[tuple[Any, ...], tuple[Element, int] | Bad] = {}
    unit_cache: dict[tuple[Any, ...], tuple[int, OrgUnit, Period, tuple[str, Any, Any]] | Bad] = {}
    pt_cache: dict[tuple[int, str], Bad | None] = {}
    lock_cache: dict[tuple[int, int, str], Bad | None] = {}
    extra_cache: dict[tuple[Any, ...], Bad | None] = {}
    seen: dict[tuple[int, int, str, int], int] = {}
    clashes: dict[tuple[int, int, str, int], list[int]] = {}
    duplicates = 0
    bad_rows = 0
    deleting = resolver.strategy == "DELETE"
    sqlite_dates = not is_postgres()
    last_schemes: object = None
    de_scheme = coc_scheme = ou_scheme = ds_scheme = "uid"

    def refuse(rec: Record, bad: Bad) -> None:
        conflicts.append(RowIssue(rec[R_SOURCE], rec[R_KIND], rec[R_POSITION], bad.field, bad.value, bad.message))

    for n, rec in enumerate(records, start=1):
        if n % VALIDATE_CHUNK == 0:
            tick(VALIDATE_CHUNK)
        de_ref, pid, ou_ref, coc_ref, raw, comment, follow_up, aoc, _s, _k, _p, schemes, ds_ref = rec[:13]
        if schemes is not last_schemes:
            last_schemes = schemes
            sch = schemes if isinstance(schemes, IdSchemes) else IdSchemes()
            de_scheme, coc_scheme, ou_scheme, ds_scheme = (
                sch.data_element,
                sch.category_option_combo,
                sch.org_unit,
                sch.data_set,
            )
        # 1. element and option combo
        key = (de_ref, coc_ref, de_scheme, coc_scheme)
        ec = el_cache.get(key)
        if ec is None:
            found = resolver.element(de_ref, de_scheme)
            if isinstance(found, Bad):
                ec = found
            else:
                coc = resolver.option_combo(found, coc_ref, coc_scheme)
                ec = coc if isinstance(coc, Bad) else (resolver.elements[found.pk], coc.pk)
            el_cache[key] = ec
        if type(ec) is Bad:
            refuse(rec, ec)
            bad_rows += 1
            continue
        el, coc_id = ec  # type: ignore[misc]
        # 2. period type
        pkey = (el.pk, pid)
        bad = pt_cache.get(pkey, False)
        if bad is False:
            bad = pt_cache[pkey] = resolver.period_type(el.obj, resolver.periods[pid])
        if bad is not None:
            refuse(rec, bad)  # type: ignore[arg-type]
            bad_rows += 1
            continue
        # 3. unit: resolved for the period, open, within the entry scope
        ukey = (ou_ref, pid, ou_scheme)
        uc = unit_cache.get(ukey)
        if uc is None:
            period = resolver.periods[pid]
            found_unit = resolver.unit(ou_ref, period, ou_scheme)
            if isinstance(found_unit, Bad):
                uc = found_unit
            else:
                dates = (
                    (period.period_type, str(period.start), str(period.end))
                    if sqlite_dates
                    else (period.period_type, period.start, period.end)
                )
                uc = (found_unit.pk, found_unit, period, dates)
            unit_cache[ukey] = uc
        if type(uc) is Bad:
            refuse(rec, uc)
            bad_rows += 1
            continue
        unit_id, unit, period, dates = uc  # type: ignore[misc]
        # data set (when the file names one) and attribute option combo
        if ds_ref is not None or aoc is not None:
            xkey = (ds_ref, ds_scheme, el.pk, aoc)
            if xkey not in extra_cache:
                extra_cache[xkey] = (
                    resolver.in_data_set(ds_ref, ds_scheme, el.obj) if ds_ref is not None else None
                ) or (resolver.attribute_combo(aoc) if aoc is not None else None)
            bad = extra_cache[xkey]
            if bad is not None:
                refuse(rec, bad)
                bad_rows += 1
                continue
        # 4. value, comment, follow-up
        num: float | None = None
        text: str | None = None
        disp: str | None = None
        if not deleting:
            if el.numeric and raw is not None:
                try:
                    num = float(raw)
                except (ValueError, TypeError):
                    num = None
                if (
                    num is None
                    or num - num != 0
                    or (el.lo is not None and num < el.lo)
                    or (el.hi is not None and num > el.hi)
                    or (el.value_type == ValueType.INTEGER and not num.is_integer())
                    or (el.value_type == ValueType.PERCENTAGE and not 0 <= num <= 100)
                ):
                    num = None
            if num is None:
                try:
                    num, text = checks.value(el.obj, raw)
                except IocError as exc:
                    refuse(rec, refusal(exc, raw))
                    bad_rows += 1
                    continue
            if not sql_simple(el.vt, num):
                disp = display(el.vt, num, text)
            if comment is not None and len(comment) > checks.MAX_COMMENT:
                refuse(rec, Bad("comment", _("Comment: at most %(n)s characters") % {"n": f"{checks.MAX_COMMENT:,}"}))
                bad_rows += 1
                continue
        # 5. locks, future periods, expiry
        lkey = (el.sets_key, unit_id, pid)
        bad = lock_cache.get(lkey, False)
        if bad is False:
            bad = lock_cache[lkey] = resolver.locked(el.sets_key, unit, period)
        if bad is not None:
            refuse(rec, bad)  # type: ignore[arg-type]
            bad_rows += 1
            continue
        # 6. the same key twice
        vkey = (el.pk, unit_id, pid, coc_id)
        first = seen.get(vkey)
        if first is not None:
            other = stage[first]
            if (
                vkey not in clashes
                and other[8] == num
                and other[9] == text
                and other[10] == comment
                and other[11] == follow_up
            ):
                duplicates += 1
                continue
            clashes.setdefault(vkey, [first]).append(len(stage))
        else:
            seen[vkey] = len(stage)
        ptype, sd, ed = dates
        stage.append(
            (len(stage), el.pk, unit_id, pid, ptype, sd, ed, coc_id, num, text, comment, follow_up, el.vt, disp)
        )
        origin.append(rec)
    tick(len(records) % VALIDATE_CHUNK)
    if clashes:
        drop: set[int] = set()
        for indexes in clashes.values():
            for i in indexes:
                others = ", ".join(str(origin[j][R_POSITION]) for j in indexes if j != i)
                rec = origin[i]
                conflicts.append(
                    RowIssue(
                        rec[R_SOURCE],
                        rec[R_KIND],
                        rec[R_POSITION],
                        "value",
                        rec[4],
                        _(
                            "the same data element, org unit, period and category option combo as %(kind)s %(others)s, "
                            "with a different value, comment or follow-up; keep one"
                        )
                        % {"kind": _(rec[R_KIND]), "others": others},
                    )
                )
                drop.add(i)
        bad_rows += len(drop)
        kept = [(row, rec) for row, rec in zip(stage, origin, strict=True) if row[0] not in drop]
        stage = [(i, *row[1:]) for i, (row, _rec) in enumerate(kept)]
        origin = [rec for _row, rec in kept]
        conflicts.sort(key=lambda c: (c.source, c.position))
    element_ids = {el_pk for el_pk, _pid in pt_cache}
    unit_ids = {k[1] for k in lock_cache}
    periods = {k[2] for k in lock_cache}
    return Checked(stage, origin, conflicts, bad_rows, duplicates, element_ids, unit_ids, periods)


def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
