"""Setting up the Vĩnh Phúc demo: units, agencies, metadata, users, synthetic values — each step only when
what it makes is missing, so a second `ioc demo` starts in seconds.

The acting user is None (the command line, the system): whoever runs `ioc demo` holds the database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.audit.models import Via
from ioc.core.errors import InvalidInput, NotAllowed
from ioc.dashboards.demo import install_demo_dashboards
from ioc.dashboards.models import Dashboard
from ioc.datavalues.bulk import DEFAULT_BATCH_SIZE, do_bulk_delete, do_bulk_load
from ioc.datavalues.models import DataValue, ImportRun
from ioc.demo import agencies, generate
from ioc.demo.anomalies import Anomaly, as_record
from ioc.demo.metadata import clone_code, do_load_demo_metadata, element_codes, is_loaded
from ioc.demo.models import PlantedAnomaly
from ioc.demo.months import last_complete_month, month_id, month_index
from ioc.demo.places import load_province
from ioc.demo.submissions import do_create_demo_submissions
from ioc.metadata.models import DataElement
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.services import do_load_vn
from ioc.plans.demo import install_demo_plan, plan_code
from ioc.plans.demo_dti import install_demo_dti
from ioc.plans.models import DtiVersion, Plan, Target
from ioc.plans.refresh import refresh_all
from ioc.workflow.models import Submission

DEFAULT_SEED = 2025
MAX_SCALE = 100
_MONTH = re.compile(r"^(\d{4})-?(\d{2})$")


# --- what is there ------------------------------------------------------------------------------------


def orgunits_loaded() -> bool:
    return (
        OrgUnit.objects.filter(code=agencies.OLD_PROVINCE, level=1).exists()
        and OrgUnit.objects.filter(code=agencies.NEW_PROVINCE, level=1).exists()
    )


def values_exist(copy: int = 1) -> bool:
    """Cheap (one indexed look-up): does copy `copy` have values? Its first element is always generated."""
    code = clone_code("HLT_OPD_VISITS", copy)
    return DataValue.objects.filter(data_element__code=code).exists()


@dataclass
class Status:
    orgunits: bool
    agencies: bool
    metadata: bool
    users: bool
    values: bool
    dashboards: bool
    plan: bool
    dti: bool
    forecasts: bool

    @property
    def complete(self) -> bool:
        return all(getattr(self, f.name) for f in fields(self))


def status() -> Status:
    units = orgunits_loaded()
    return Status(
        orgunits=units,
        agencies=units and agencies.agencies_exist(),
        metadata=is_loaded([1]),
        users=agencies.users_exist(),
        values=values_exist(1),
        # Any dashboard: once the demo set is installed, an operator's deletions are respected.
        dashboards=Dashboard.objects.exists(),
        plan=Plan.objects.filter(code=plan_code()).exists(),
        dti=DtiVersion.objects.exists(),  # any version: entered or imported ones count
        forecasts=not Target.objects.filter(forecast__isnull=True).exists(),
    )


# --- generating -----------------------------------------------------------------------------------------


def parse_month(text: str, field_name: str) -> int:
    """ "2025-07" or "202507" → the generator's month index."""
    match = _MONTH.match((text or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise InvalidInput(_("%(field)s: '%(text)s' is not a month like 2025-07") % {"field": field_name, "text": text})
    month = month_index(dt.date(int(match[1]), int(match[2]), 1))
    if month < 0:
        raise InvalidInput(_("%(field)s: the demo starts in January 2019") % {"field": field_name}, field=field_name)
    return month


@dataclass
class GenerateResult:
    run: ImportRun | None = None
    values: int = 0
    generated: list[int] = field(default_factory=list)  # copies generated now
    skipped: list[int] = field(default_factory=list)  # copies that had values already
    deleted: int = 0
    missing_reports: int = 0
    outliers: int = 0
    seconds: float = 0.0
    anomalies_file: Path | None = None

    @property
    def rate(self) -> float:
        return self.values / self.seconds if self.seconds else 0.0


def _demo_element_ids() -> list[int]:
    """Every demo element and every benchmark clone of one."""
    base = set(element_codes([1]))
    ids = []
    for pk, code in DataElement.objects.filter(synthetic=True).values_list("pk", "code"):
        stem, _sep, copy = code.rpartition("_X")
        if code in base or (stem in base and copy.isdigit()):
            ids.append(pk)
    return ids


def do_generate(
    user: Any,
    *,
    scale: int = 1,
    seed: int = DEFAULT_SEED,
    replace: bool = False,
    start: str | None = None,
    end: str | None = None,
    districts: list[str] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    method: str = "auto",
    on_total: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
    phase: Callable[[str], None] | None = None,
    anomalies_path: Path | None = None,
    via: str = Via.CLI,
    today: dt.date | None = None,
) -> GenerateResult:
    """Generate the synthetic values of copies 1…scale that have none (all of them with `replace`, after
    deleting every generated value). All or nothing. `on_total(n)` is told about how many values to expect,
    `progress(n)` how many were just written; `anomalies_path` gets the planted anomalies as JSON."""
    if user is not None and not getattr(user, "is_superuser", False):
        raise NotAllowed(_("Only a superuser may generate demo data."))
    if not 1 <= scale <= MAX_SCALE:
        raise InvalidInput(_("Scale: give a whole number from 1 to %(max)s") % {"max": MAX_SCALE}, field="scale")
    today = today or timezone.localdate()
    first = parse_month(start, "start") if start else 0
    last = parse_month(end, "end") if end else last_complete_month(today)
    if last < first:
        raise InvalidInput(_("End: the last month is before the first"), field="end")
    if not orgunits_loaded():
        raise InvalidInput(_("The units of Vĩnh Phúc are not loaded: run `ioc orgunits load-vn --province 26` first"))
    copies = list(range(1, scale + 1))
    result = GenerateResult()
    with transaction.atomic():
        if replace:
            result.deleted = do_bulk_delete(
                user, data_element_ids=_demo_element_ids(), source="ioc demo generate --replace", via=via
            )
            PlantedAnomaly.objects.all().delete()
        for copy in copies:
            if not is_loaded([copy]):
                do_load_demo_metadata(user, copies=[copy], via=via)
        result.skipped = [k for k in copies if values_exist(k)]
        result.generated = [k for k in copies if k not in result.skipped]
        if not result.generated:
            return result
        plan = generate.Plan(
            seed=seed, copies=result.generated, first=first, last=last, districts=set(districts) if districts else None
        )
        province = load_province(seed, plan.districts)
        catalog = generate.Catalog(result.generated)
        estimate = plan.estimate(province)
        if on_total:
            on_total(estimate)
        # Dropping the value table's secondary indexes (and PostgreSQL's foreign keys) for the load and
        # building them again at the end pays when the load is big next to what the table holds.
        rebuild = estimate >= 200_000 and estimate * 3 >= DataValue.objects.count()
        began = time.monotonic()  # the values: generating, checking, writing, indexing
        anomalies: list[Anomaly] = []
        source = _("ioc demo generate: synthetic values, seed %(seed)s, copies %(copies)s, %(first)s–%(last)s") % {
            "seed": seed,
            "copies": ", ".join(map(str, result.generated)),
            "first": month_id(first),
            "last": month_id(last),
        }
        run = do_bulk_load(
            user,
            generate.generate(plan, province, catalog, anomalies),
            source=source,
            via=via,
            batch_size=batch_size,
            method=method,
            progress=progress,
            rebuild_indexes=rebuild,
            phase=phase,
        )
        PlantedAnomaly.objects.bulk_create([PlantedAnomaly(**as_record(a, seed)) for a in anomalies], batch_size=2000)
        result.missing_reports = sum(1 for a in anomalies if a.kind == PlantedAnomaly.Kind.MISSING_REPORT)
        result.outliers = len(anomalies) - result.missing_reports
        run.source = f"{source} — {result.missing_reports} missing reports, {result.outliers} outliers planted"[:255]
        run.save(update_fields=["source"])
        result.run, result.values = run, run.imported
    result.seconds = time.monotonic() - began  # with the commit
    if anomalies_path is not None:
        write_anomalies(anomalies_path)
        result.anomalies_file = anomalies_path
    return result


def anomalies_as_dicts() -> list[dict[str, Any]]:
    """The planted anomalies by codes (a unit code with its opening date, since codes are reused)."""
    rows = PlantedAnomaly.objects.select_related("data_element", "org_unit", "category_option_combo").order_by("pk")
    return [
        {
            "kind": a.kind,
            "seed": a.seed,
            "copy": a.copy,
            "dataSet": a.data_set_code,
            "dataElement": a.data_element.code if a.data_element else None,
            "categoryOptionCombo": a.category_option_combo.code if a.category_option_combo else None,
            "orgUnit": a.org_unit.code,
            "orgUnitOpened": a.org_unit.opened.isoformat() if a.org_unit.opened else None,
            "period": a.period,
            "expected": a.expected,
            "planted": a.planted,
        }
        for a in rows.iterator(chunk_size=2000)
    ]


def write_anomalies(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"generated": timezone.now().isoformat(), "anomalies": anomalies_as_dicts()}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


# --- setting up -----------------------------------------------------------------------------------------


@dataclass
class SetupStep:
    name: str
    done: bool  # True: made now; False: it was there
    detail: str = ""


def do_setup(
    user: Any,
    *,
    seed: int = DEFAULT_SEED,
    scale: int = 1,
    start: str | None = None,
    end: str | None = None,
    districts: list[str] | None = None,
    report: Callable[[SetupStep], None] | None = None,
    unit_progress: Callable[[int, int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
    phase: Callable[[str], None] | None = None,
    anomalies_path: Path | None = None,
    via: str = Via.CLI,
    step_progress: Callable[[str, int, int], None] | None = None,
) -> list[SetupStep]:
    """Everything but serving, each step only when missing. Returns what was done. `step_progress(step,
    done, total)` follows the longer steps that have no bar of their own (the forecasts)."""
    steps: list[SetupStep] = []

    def done(step: SetupStep) -> None:
        steps.append(step)
        if report:
            report(step)

    if orgunits_loaded():
        done(SetupStep("orgunits", False))
    else:
        summary = do_load_vn(user, agencies.OLD_PROVINCE, via=via, progress=unit_progress)
        units = sum(c.created for c in [*summary.old.values(), *summary.new.values()])
        done(SetupStep("orgunits", True, _("%(n)s units loaded") % {"n": units}))
    if agencies.agencies_exist():
        done(SetupStep("agencies", False))
    else:
        n = agencies.do_create_demo_agencies(user, via=via)
        done(SetupStep("agencies", True, _("%(n)s agencies created") % {"n": n}))
    if is_loaded([1]):
        done(SetupStep("metadata", False))
    else:
        do_load_demo_metadata(user, copies=[1], via=via)
        done(SetupStep("metadata", True, _("demo metadata loaded")))
    if agencies.users_exist():
        done(SetupStep("users", False))
    else:
        n = agencies.do_create_demo_users(user, via=via)
        done(SetupStep("users", True, _("%(n)s users created") % {"n": n}))
    if all(values_exist(k) for k in range(1, scale + 1)):
        done(SetupStep("values", False))
    else:
        result = do_generate(
            user,
            scale=scale,
            seed=seed,
            start=start,
            end=end,
            districts=districts,
            on_total=on_total,
            progress=progress,
            phase=phase,
            anomalies_path=anomalies_path,
            via=via,
        )
        done(
            SetupStep(
                "values",
                True,
                _(
                    "%(n)s values in %(s).0f s (%(rate).0f a second); %(missing)s missing reports, %(outliers)s outliers planted"
                )
                % {
                    "n": f"{result.values:,}",
                    "s": result.seconds,
                    "rate": result.rate,
                    "missing": result.missing_reports,
                    "outliers": result.outliers,
                },
            )
        )
    if Submission.objects.filter(data_set__synthetic=True).exists():
        done(SetupStep("submissions", False))
    else:
        n = do_create_demo_submissions(user, seed=seed)
        done(SetupStep("submissions", True, _("%(n)s forms submitted or approved") % {"n": f"{n:,}"}))
    created = install_demo_dashboards(user, via=via)
    done(SetupStep("dashboards", created > 0, _("%(n)s dashboards created") % {"n": created} if created else ""))
    _plan_steps(user, via, done, step_progress)
    return steps


def _plan_steps(
    user: Any,
    via: str,
    done: Callable[[SetupStep], None],
    step_progress: Callable[[str, int, int], None] | None,
) -> None:
    """The digital-transformation plan (after the values: live targets read their baselines from them), the
    DTI, and the first verdicts of every target (the services compute them only after a commit)."""
    if Plan.objects.filter(code=plan_code()).exists():
        done(SetupStep("plan", False))
    else:
        n = install_demo_plan(user, via=via)
        done(SetupStep("plan", True, _("the Vĩnh Phúc plan: %(n)s tasks and targets") % {"n": n}))
    created = install_demo_dti(user, via=via)
    done(SetupStep("dti", created > 0, _("the DTI: %(n)s items created") % {"n": created} if created else ""))

    def progress(n: int, total: int) -> None:
        if step_progress:
            step_progress("forecasts", n, total)

    result = refresh_all(progress=progress)
    done(
        SetupStep(
            "forecasts",
            result["recomputed"] > 0,
            _("%(n)s of %(total)s targets' verdicts computed")
            % {"n": result["recomputed"], "total": result["checked"]},
        )
    )
