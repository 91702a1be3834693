"""Writes to targets (create, update, delete, milestones, dated manual values) and the helpers every plan
service shares; ioc.plans.services re-exports them (import from there). Plan managers edit everything; a
manual target's responsible agency (REPORT_PROGRESS) reports its values; nobody reports a live target's.
Validated first (one InvalidInput naming every bad field), atomic, audited on the target (its history), and
the target's verdict is recomputed after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import Agency
from ioc.accounts.permissions import Action, require
from ioc.audit.models import Via
from ioc.audit.services import diff, record
from ioc.core.errors import FieldErrors, InvalidInput, NotAllowed
from ioc.orgunits.models import OrgUnit
from ioc.plans.live import check_dx
from ioc.plans.models import Milestone, Pillar, Plan, Source, Target, TargetReport, Task
from ioc.plans.refresh import refresh_after_commit
from ioc.plans.selectors import can_report_target

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# What ioc.plans.services re-exports.
__all__ = ["MAX_ATTACHMENT_BYTES", "TARGET_FIELDS", "check_dx", "do_create_target", "do_delete_target",
           "do_report_target_value", "do_set_milestones", "do_update_target"]  # fmt: skip

# --- shared helpers -------------------------------------------------------------------------------------


def require_manager(user: Any) -> None:
    """A plan manager or administrator; None is the system itself (the demo set-up, commands)."""
    if user is not None:
        require(user, Action.MANAGE_PLANS)


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def jsonable(value: Any) -> Any:
    """A value as the audit log stores it: dates as ISO text, agencies, pillars, tasks and units as codes."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Agency | Pillar | Task | OrgUnit):
        return value.code
    return str(value) if isinstance(value, models.Model) else value


def snapshot(obj: models.Model, fields: Sequence[str]) -> dict[str, Any]:
    return {name: jsonable(getattr(obj, name)) for name in fields}


def resolve_agency(ref: Agency | str | None, errors: FieldErrors, field: str) -> Agency | None:
    if isinstance(ref, Agency):
        return ref
    code = strip(ref) or ""
    if not code:
        errors.add(field, _("Choose an agency."))
        return None
    found = Agency.objects.filter(code=code).first()
    if found is None:
        errors.add(field, _("No agency with the code '%(code)s'.") % {"code": code})
    return found


def resolve_in_plan(model: type[Pillar | Task], plan: Plan, ref: Any, field: str, errors: FieldErrors) -> Any:
    """A pillar or task of the plan, given as itself or by its code (None for none)."""
    if ref is None or ref == "":
        return None
    found = ref if isinstance(ref, model) else model.objects.filter(plan=plan, code=strip(ref)).first()
    if found is None or found.plan_id != plan.pk:
        errors.add(
            field,
            _("The plan has no %(what)s with the code '%(code)s'.")
            % {"what": model._meta.verbose_name, "code": getattr(ref, "code", ref)},
        )
    return found


def resolve_unit(ref: OrgUnit | str | None, on: dt.date | None, errors: FieldErrors) -> OrgUnit | None:
    """A unit, or its uid, or its code (the unit with that code open on `on`, else the latest)."""
    if ref is None or isinstance(ref, OrgUnit):
        return ref
    key = strip(ref) or ""
    if not key:
        return None
    candidates = list(OrgUnit.objects.filter(uid=key)) or list(OrgUnit.objects.filter(code=key).order_by("-opened"))
    open_then = [u for u in candidates if on is not None and u.is_open_on(on)]
    found = next(iter(open_then or candidates), None)
    if found is None:
        errors.add("org_unit", _("No organisation unit with the uid or code '%(key)s'.") % {"key": key})
    return found


def check_attachment(upload: UploadedFile | None, errors: FieldErrors) -> None:
    if upload is not None and (upload.size or 0) > MAX_ATTACHMENT_BYTES:
        errors.add(
            "attachment",
            _("The file is %(size).1f MB; at most %(max)d MB may be attached.")
            % {"size": (upload.size or 0) / 1024 / 1024, "max": MAX_ATTACHMENT_BYTES // 1024 // 1024},
        )


# --- targets --------------------------------------------------------------------------------------------

TARGET_FIELDS = (
    "code", "name_vi", "name_en", "description", "unit", "baseline_value", "baseline_date", "target_value",
    "deadline", "direction", "mandatory", "responsible_agency", "source", "dx", "org_unit", "series_period",
    "lower_bound", "upper_bound", "pillar", "task", "sort_order",
)  # fmt: skip
MilestoneInput = Sequence[Any] | Mapping[str, Any]


def _within_bounds(target: Target, value: float | None, field: str, errors: FieldErrors) -> None:
    if value is None:
        return
    low, high = target.lower_bound, target.upper_bound
    if (low is not None and value < low) or (high is not None and value > high):
        errors.add(
            field,
            _("%(value)g is outside the possible values %(low)s–%(high)s.")
            % {"value": value, "low": "…" if low is None else f"{low:g}", "high": "…" if high is None else f"{high:g}"},
        )


def _check_target(target: Target, errors: FieldErrors) -> None:
    errors.clean(
        target, exclude=["plan", "responsible_agency", "pillar", "task", "org_unit"], validate_constraints=False
    )
    if target.code and Target.objects.filter(plan=target.plan, code=target.code).exclude(pk=target.pk).exists():
        errors.add("code", _("The plan already has a target with the code '%(code)s'.") % {"code": target.code})
    if target.source == Source.ANALYTICS:
        if not target.dx:
            errors.add("dx", _("A live target needs an indicator or data element."))
        else:
            problem = check_dx(target.dx)
            if problem:
                errors.add("dx", problem)
    elif target.dx:
        errors.add("dx", _("A target with manual reports takes no indicator: clear it, or choose live values."))
    low, high = target.lower_bound, target.upper_bound
    if low is not None and high is not None and low >= high:
        errors.add("upper_bound", _("The highest possible value must be above the lowest."))
    else:
        _within_bounds(target, target.target_value, "target_value", errors)
        _within_bounds(target, target.baseline_value, "baseline_value", errors)
    if (target.baseline_value is None) != (target.baseline_date is None):
        missing = "baseline_date" if target.baseline_date is None else "baseline_value"
        errors.add(missing, _("Give the baseline's value and its date together."))
    if target.baseline_date and target.deadline and target.baseline_date >= target.deadline:
        errors.add("baseline_date", _("The baseline must be dated before the deadline."))


def _milestones(target: Target, items: Sequence[MilestoneInput], errors: FieldErrors) -> list[Milestone]:
    """Milestone rows from (date, value[, note]) or {"date", "value", "note"}: dates unique, values possible."""
    out: list[Milestone] = []
    seen: set[dt.date] = set()
    for index, item in enumerate(items, start=1):
        if isinstance(item, Mapping):
            day, value, note = item.get("date"), item.get("value"), item.get("note", "")
        else:
            day, value, note = [*list(item), ""][:3]
        field = "milestones"
        day = _iso_date(day)
        if day is None:
            errors.add(field, _("Milestone %(n)d: give a date as YYYY-MM-DD.") % {"n": index})
            continue
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            errors.add(field, _("Milestone %(n)d: the value must be a number.") % {"n": index})
            continue
        if day in seen:
            errors.add(field, _("Two milestones on %(date)s: one per date.") % {"date": day.isoformat()})
            continue
        seen.add(day)
        _within_bounds(target, number, field, errors)
        out.append(Milestone(target=target, date=day, value=number, note=str(note or "")[:200]))
    return sorted(out, key=lambda m: m.date)


def _iso_date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return value if isinstance(value, dt.date) else None


def _milestone_list(milestones: Sequence[Milestone]) -> list[list[Any]]:
    return [[m.date.isoformat(), m.value, m.note] for m in sorted(milestones, key=lambda m: m.date)]


@transaction.atomic
def do_create_target(
    user: Any,
    plan: Plan,
    *,
    code: str,
    name_vi: str,
    target_value: float,
    deadline: dt.date,
    responsible_agency: Agency | str,
    name_en: str = "",
    description: str = "",
    unit: str = "",
    baseline_value: float | None = None,
    baseline_date: dt.date | None = None,
    direction: str = "increase",
    mandatory: bool = True,
    source: str = Source.MANUAL,
    dx: str = "",
    org_unit: OrgUnit | str | None = None,
    series_period: str = "Yearly",
    lower_bound: float | None = None,
    upper_bound: float | None = None,
    pillar: Pillar | str | None = None,
    task: Task | str | None = None,
    milestones: Sequence[MilestoneInput] = (),
    sort_order: int = 0,
    via: str = Via.FORM,
) -> Target:
    require_manager(user)
    errors = FieldErrors()
    target = Target(
        plan=plan, code=strip(code), name_vi=strip(name_vi), name_en=strip(name_en) or "",
        description=description or "", unit=strip(unit) or "", baseline_value=baseline_value,
        baseline_date=baseline_date, target_value=target_value, deadline=deadline, direction=direction,
        mandatory=bool(mandatory), responsible_agency=resolve_agency(responsible_agency, errors, "responsible_agency"),
        source=source, dx=strip(dx) or "", org_unit=resolve_unit(org_unit, deadline, errors), series_period=series_period,
        lower_bound=lower_bound, upper_bound=upper_bound, pillar=resolve_in_plan(Pillar, plan, pillar, "pillar", errors),
        task=resolve_in_plan(Task, plan, task, "task", errors), sort_order=sort_order,
    )  # fmt: skip
    _check_target(target, errors)
    rows = _milestones(target, milestones, errors)
    errors.raise_if_any()
    target.save()
    Milestone.objects.bulk_create(rows)
    changes = {k: [None, v] for k, v in snapshot(target, TARGET_FIELDS).items()}
    if rows:
        changes["milestones"] = [None, _milestone_list(rows)]
    record(user, "target.create", target, via=via, changes=changes)
    refresh_after_commit(target.pk)
    return target


@transaction.atomic
def do_update_target(user: Any, target: Target, *, via: str = Via.FORM, **fields: Any) -> Target:
    """Change any of TARGET_FIELDS (and "milestones", replacing them all); the others stay as they are."""
    require_manager(user)
    unknown = set(fields) - set(TARGET_FIELDS) - {"milestones"}
    if unknown:
        raise InvalidInput(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    target = Target.objects.select_for_update().select_related("plan").get(pk=target.pk)
    before = snapshot(target, TARGET_FIELDS)
    errors = FieldErrors()
    for name, value in fields.items():
        if name == "responsible_agency":
            target.responsible_agency = resolve_agency(value, errors, name)  # type: ignore[assignment]
        elif name == "pillar":
            target.pillar = resolve_in_plan(Pillar, target.plan, value, name, errors)
        elif name == "task":
            target.task = resolve_in_plan(Task, target.plan, value, name, errors)
        elif name == "org_unit":
            target.org_unit = resolve_unit(value, target.deadline, errors)
        elif name in ("name_en", "description", "unit", "dx"):
            setattr(target, name, strip(value) or "")
        elif name != "milestones":
            setattr(target, name, strip(value))
    _check_target(target, errors)
    rows = _milestones(target, fields["milestones"], errors) if "milestones" in fields else None
    errors.raise_if_any()
    delta = diff(before, snapshot(target, TARGET_FIELDS))
    old = list(target.milestones.all())
    if rows is not None and _milestone_list(old) != _milestone_list(rows):
        delta["milestones"] = [_milestone_list(old), _milestone_list(rows)]
        target.milestones.all().delete()
        Milestone.objects.bulk_create(rows)
    if delta:
        target.save()  # also when only milestones changed: the periodic refresh notices changed targets by this
        record(user, "target.update", target, via=via, changes=delta)
        refresh_after_commit(target.pk)
    return target


@transaction.atomic
def do_delete_target(user: Any, target: Target, *, via: str = Via.FORM) -> None:
    require_manager(user)
    changes: dict[str, Any] = {k: [v, None] for k, v in snapshot(target, TARGET_FIELDS).items()}
    changes["reports"] = [target.reports.count(), 0]
    files = [r.attachment for r in target.reports.exclude(attachment="")]
    record(user, "target.delete", target, via=via, changes=changes)
    target.delete()
    delete_files_after_commit(files)


def delete_files_after_commit(files: Sequence[Any]) -> None:
    """Evidence files of deleted rows (the audit log keeps what they were; the files are no longer served)."""
    if files:
        transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])


def do_set_milestones(
    user: Any, target: Target, milestones: Sequence[MilestoneInput], *, via: str = Via.FORM
) -> list[Milestone]:
    """Replace the target's milestones (dates unique, values within the target's bounds)."""
    do_update_target(user, target, milestones=milestones, via=via)
    return list(Milestone.objects.filter(target=target).order_by("date"))


@transaction.atomic
def do_report_target_value(
    user: Any,
    target: Target,
    *,
    date: dt.date,
    value: float,
    note: str = "",
    link: str = "",
    attachment: UploadedFile | None = None,
    via: str = Via.FORM,
) -> TargetReport:
    """A dated value of a manual target, with evidence; a value for a date already reported replaces it."""
    if target.source != Source.MANUAL:
        raise InvalidInput(
            _("The values of %(code)s come from the data (%(dx)s); they are not reported by hand.")
            % {"code": target.code, "dx": target.dx},
            field="value",
        )
    if user is not None and not can_report_target(user, target):
        raise NotAllowed(
            _("Only plan managers and %(agency)s may report values of the target %(code)s.")
            % {"agency": target.responsible_agency.name, "code": target.code}
        )
    if not isinstance(date, dt.date):
        raise InvalidInput(_("Give the date the value is as of (YYYY-MM-DD)."), field="date")
    errors = FieldErrors()
    if date > timezone.localdate():
        errors.add("date", _("A value cannot be as of a future date."))
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.add("value", _("The value must be a number."))
        number = 0.0
    else:
        _within_bounds(target, number, "value", errors)
    check_attachment(attachment, errors)
    report = TargetReport.objects.select_for_update().filter(target=target, date=date).first()
    before = {"value": report.value, "note": report.note, "link": report.link} if report else {}
    old_file = report.attachment if report and attachment is not None and report.attachment else None
    report = report or TargetReport(target=target, date=date)
    report.value, report.note, report.link, report.by = number, note or "", strip(link) or "", user
    if attachment is not None:
        report.attachment = attachment
    errors.clean(report, exclude=["target", "by", "attachment"], validate_constraints=False)
    errors.raise_if_any()
    report.save()
    changes = diff(before, {"value": report.value, "note": report.note, "link": report.link})
    changes["date"] = date.isoformat()
    if attachment is not None:
        changes["attachment"] = report.attachment.name
    record(user, "target.report", target, via=via, changes=changes)
    if old_file is not None:
        delete_files_after_commit([old_file])
    Target.objects.filter(pk=target.pk).update(last_updated=timezone.now())
    refresh_after_commit(target.pk)
    return report
