"""Writes to plans: plans, pillars, tasks and their progress reports here; targets, milestones and manual values in
ioc.plans.services_targets (re-exported below: import every service from this module).

Each do_* takes the acting user first (None is the system: the demo set-up, commands), checks the rights —
plan managers (Action.MANAGE_PLANS) edit everything; a task's lead agency's users holding REPORT_PROGRESS
report on it and change its status, progress and completion date only —, validates everything first (one
InvalidInput naming every bad field), runs in one transaction and writes one audit record on the object
("plan.update", "task.report", …): a task's or target's audit records are its history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import Agency
from ioc.audit.models import Via
from ioc.audit.services import diff, record
from ioc.core.errors import InvalidInput, NotAllowed
from ioc.orgunits.models import OrgUnit
from ioc.plans.models import Pillar, Plan, Task, TaskStatus, TaskUpdate
from ioc.plans.selectors import can_edit_plan, can_report_task
from ioc.plans.services_targets import *  # noqa: F403 (the target services, re-exported)
from ioc.plans.services_targets import (
    FieldErrors,
    check_attachment,
    delete_files_after_commit,
    require_manager,
    resolve_agency,
    resolve_in_plan,
    resolve_unit,
    snapshot,
    strip,
)

PLAN_FIELDS = ("code", "name_vi", "name_en", "org_unit", "start", "end", "decision", "description", "is_active")
PILLAR_FIELDS = ("code", "name_vi", "name_en", "sort_order")
TASK_FIELDS = (
    "code", "title_vi", "title_en", "description", "pillar", "lead_agency", "start", "due", "status", "progress",
    "completed", "sort_order",
)  # fmt: skip
# What a task's lead agency may change itself (everything else is the plan manager's).
AGENCY_TASK_FIELDS = frozenset({"status", "progress", "completed"})

# --- plans ----------------------------------------------------------------------------------------------


def _check_plan(plan: Plan, errors: FieldErrors) -> None:
    errors.clean(plan, exclude=["org_unit"], validate_constraints=False)
    if plan.code and Plan.objects.filter(code=plan.code).exclude(pk=plan.pk).exists():
        errors.add("code", _("There is already a plan with the code '%(code)s'.") % {"code": plan.code})
    if plan.start and plan.end and plan.start >= plan.end:
        errors.add("end", _("The plan must end after it starts."))


@transaction.atomic
def do_create_plan(
    user: Any,
    *,
    code: str,
    name_vi: str,
    org_unit: OrgUnit | str,
    start: dt.date,
    end: dt.date,
    name_en: str = "",
    decision: str = "",
    description: str = "",
    is_active: bool = True,
    via: str = Via.FORM,
) -> Plan:
    require_manager(user)
    errors = FieldErrors()
    plan = Plan(
        code=strip(code), name_vi=strip(name_vi), name_en=strip(name_en) or "", start=start, end=end,
        org_unit=resolve_unit(org_unit, start, errors), decision=strip(decision) or "", description=description or "",
        is_active=bool(is_active),
    )  # fmt: skip
    _check_plan(plan, errors)
    errors.raise_if_any()
    plan.save()
    record(user, "plan.create", plan, via=via, changes={k: [None, v] for k, v in snapshot(plan, PLAN_FIELDS).items()})
    return plan


@transaction.atomic
def do_update_plan(user: Any, plan: Plan, *, via: str = Via.FORM, **fields: Any) -> Plan:
    """Change any of PLAN_FIELDS; the others stay as they are."""
    require_manager(user)
    _no_unknown(fields, PLAN_FIELDS)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    before = snapshot(plan, PLAN_FIELDS)
    errors = FieldErrors()
    for name, value in fields.items():
        if name == "org_unit":
            plan.org_unit = resolve_unit(value, fields.get("start", plan.start), errors)  # type: ignore[assignment]
        elif name in ("name_en", "decision", "description"):
            setattr(plan, name, strip(value) or "")
        else:
            setattr(plan, name, strip(value))
    _check_plan(plan, errors)
    errors.raise_if_any()
    delta = diff(before, snapshot(plan, PLAN_FIELDS))
    if delta:
        plan.save()
        record(user, "plan.update", plan, via=via, changes=delta)
        if "org_unit" in delta:  # live targets without their own unit read the plan's
            from ioc.plans.refresh import refresh_after_commit

            for target_id in plan.targets.filter(org_unit__isnull=True).values_list("pk", flat=True):
                refresh_after_commit(target_id)
    return plan


def _no_unknown(fields: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise InvalidInput(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})


# --- pillars --------------------------------------------------------------------------------------------


def _check_pillar(pillar: Pillar, errors: FieldErrors) -> None:
    errors.clean(pillar, exclude=["plan"], validate_constraints=False)
    if pillar.code and Pillar.objects.filter(plan=pillar.plan, code=pillar.code).exclude(pk=pillar.pk).exists():
        errors.add("code", _("The plan already has a pillar with the code '%(code)s'.") % {"code": pillar.code})


@transaction.atomic
def do_create_pillar(
    user: Any, plan: Plan, *, code: str, name_vi: str, name_en: str = "", sort_order: int = 0, via: str = Via.FORM
) -> Pillar:
    require_manager(user)
    errors = FieldErrors()
    pillar = Pillar(
        plan=plan, code=strip(code), name_vi=strip(name_vi), name_en=strip(name_en) or "", sort_order=sort_order
    )
    _check_pillar(pillar, errors)
    errors.raise_if_any()
    pillar.save()
    after = snapshot(pillar, PILLAR_FIELDS)
    record(
        user, "pillar.create", pillar, via=via, changes={"plan": plan.code, **{k: [None, v] for k, v in after.items()}}
    )
    return pillar


@transaction.atomic
def do_update_pillar(user: Any, pillar: Pillar, *, via: str = Via.FORM, **fields: Any) -> Pillar:
    require_manager(user)
    _no_unknown(fields, PILLAR_FIELDS)
    pillar = Pillar.objects.select_for_update().select_related("plan").get(pk=pillar.pk)
    before = snapshot(pillar, PILLAR_FIELDS)
    for name, value in fields.items():
        setattr(pillar, name, (strip(value) or "") if name == "name_en" else strip(value))
    errors = FieldErrors()
    _check_pillar(pillar, errors)
    errors.raise_if_any()
    delta = diff(before, snapshot(pillar, PILLAR_FIELDS))
    if delta:
        pillar.save()
        record(user, "pillar.update", pillar, via=via, changes={"plan": pillar.plan.code, **delta})
    return pillar


@transaction.atomic
def do_delete_pillar(user: Any, pillar: Pillar, *, via: str = Via.FORM) -> None:
    """Its tasks and targets stay, without a pillar."""
    require_manager(user)
    changes: dict[str, Any] = {k: [v, None] for k, v in snapshot(pillar, PILLAR_FIELDS).items()}
    changes["tasks"] = [pillar.tasks.count(), 0]
    changes["targets"] = [pillar.targets.count(), 0]
    record(user, "pillar.delete", pillar, via=via, changes={"plan": pillar.plan.code, **changes})
    pillar.delete()


# --- tasks ----------------------------------------------------------------------------------------------


def _agencies(refs: Iterable[Agency | str], errors: FieldErrors) -> list[Agency]:
    out = []
    for ref in refs or ():
        found = resolve_agency(ref, errors, "cooperating_agencies")
        if found is not None and found not in out:
            out.append(found)
    return out


def _coop_codes(task: Task) -> list[str]:
    return sorted(a.code for a in task.cooperating_agencies.all())


def _settle_status(task: Task, explicit: set[str], today: dt.date) -> None:
    """A task marked done is complete (100 %, today unless a date is given); reopened, it is no longer complete."""
    if task.status == TaskStatus.DONE:
        if task.completed is None:
            task.completed = today
        if "progress" not in explicit:
            task.progress = 100
    elif "completed" not in explicit:
        task.completed = None


def _check_task(task: Task, errors: FieldErrors) -> None:
    errors.clean(task, exclude=["plan", "pillar", "lead_agency", "last_reported"], validate_constraints=False)
    if task.code and Task.objects.filter(plan=task.plan, code=task.code).exclude(pk=task.pk).exists():
        errors.add("code", _("The plan already has a task with the code '%(code)s'.") % {"code": task.code})
    if task.start and task.due and task.start > task.due:
        errors.add("due", _("The due date cannot be before the start."))
    if task.completed and task.completed > timezone.localdate():
        errors.add("completed", _("A task cannot be completed on a future date."))


@transaction.atomic
def do_create_task(
    user: Any,
    plan: Plan,
    *,
    code: str,
    title_vi: str,
    due: dt.date,
    lead_agency: Agency | str,
    title_en: str = "",
    description: str = "",
    pillar: Pillar | str | None = None,
    cooperating_agencies: Iterable[Agency | str] = (),
    start: dt.date | None = None,
    status: str = TaskStatus.NOT_STARTED,
    progress: int = 0,
    sort_order: int = 0,
    completed: dt.date | None = None,
    via: str = Via.FORM,
) -> Task:
    require_manager(user)
    errors = FieldErrors()
    task = Task(
        plan=plan, code=strip(code), title_vi=strip(title_vi), title_en=strip(title_en) or "",
        description=description or "", pillar=resolve_in_plan(Pillar, plan, pillar, "pillar", errors),
        lead_agency=resolve_agency(lead_agency, errors, "lead_agency"), start=start, due=due, status=status,
        progress=progress, completed=completed, sort_order=sort_order,
    )  # fmt: skip
    coop = _agencies(cooperating_agencies, errors)
    given = {name for name, value in (("progress", progress), ("completed", completed)) if value}
    _settle_status(task, given, timezone.localdate())
    _check_task(task, errors)
    errors.raise_if_any()
    task.save()
    task.cooperating_agencies.set(coop)
    changes = {k: [None, v] for k, v in snapshot(task, TASK_FIELDS).items()}
    changes["cooperating_agencies"] = [None, _coop_codes(task)]
    record(user, "task.create", task, via=via, changes=changes)
    return task


@transaction.atomic
def do_update_task(user: Any, task: Task, *, via: str = Via.FORM, **fields: Any) -> Task:
    """Plan managers change any of TASK_FIELDS and cooperating_agencies; the lead agency's users only
    AGENCY_TASK_FIELDS (status, progress, completed)."""
    _no_unknown(fields, (*TASK_FIELDS, "cooperating_agencies"))
    _require_task_rights(user, task, set(fields))
    task = Task.objects.select_for_update().select_related("plan").get(pk=task.pk)
    before = snapshot(task, TASK_FIELDS)
    before_coop = _coop_codes(task)
    errors = FieldErrors()
    coop = None
    for name, value in fields.items():
        if name == "pillar":
            task.pillar = resolve_in_plan(Pillar, task.plan, value, name, errors)
        elif name == "lead_agency":
            task.lead_agency = resolve_agency(value, errors, name)  # type: ignore[assignment]
        elif name == "cooperating_agencies":
            coop = _agencies(value, errors)
        elif name in ("title_en", "description"):
            setattr(task, name, strip(value) or "")
        else:
            setattr(task, name, strip(value))
    if "status" in fields:
        _settle_status(task, set(fields), timezone.localdate())
    _check_task(task, errors)
    errors.raise_if_any()
    delta = diff(before, snapshot(task, TASK_FIELDS))
    if coop is not None and sorted(a.code for a in coop) != before_coop:
        task.cooperating_agencies.set(coop)
        delta["cooperating_agencies"] = [before_coop, _coop_codes(task)]
    if delta:
        if {"status", "progress"} & set(delta):
            task.last_reported = timezone.now()
        task.save()
        record(user, "task.update", task, via=via, changes=delta)
    return task


def _require_task_rights(user: Any, task: Task, fields: set[str]) -> None:
    if user is None or can_edit_plan(user):
        return
    if not fields <= AGENCY_TASK_FIELDS:
        raise NotAllowed(
            _("Only plan managers may change a task's %(fields)s.")
            % {"fields": ", ".join(sorted(fields - AGENCY_TASK_FIELDS))}
        )
    if not can_report_task(user, task):
        raise NotAllowed(
            _("Only plan managers and %(agency)s may update the task %(code)s.")
            % {"agency": task.lead_agency.name, "code": task.code}
        )


@transaction.atomic
def do_delete_task(user: Any, task: Task, *, via: str = Via.FORM) -> None:
    """Its targets stay, without a task; its progress reports and their files go (the audit log keeps them)."""
    require_manager(user)
    changes: dict[str, Any] = {k: [v, None] for k, v in snapshot(task, TASK_FIELDS).items()}
    changes["updates"] = [task.updates.count(), 0]
    files = [u.attachment for u in task.updates.exclude(attachment="")]
    record(user, "task.delete", task, via=via, changes=changes)
    task.delete()
    delete_files_after_commit(files)


@transaction.atomic
def do_add_task_update(
    user: Any,
    task: Task,
    *,
    text: str,
    link: str = "",
    attachment: UploadedFile | None = None,
    progress: int | None = None,
    status: str | None = None,
    via: str = Via.FORM,
) -> TaskUpdate:
    """A progress report with evidence; sets the task's last report, and its progress and status when given."""
    if user is not None and not can_report_task(user, task):
        raise NotAllowed(
            _("Only plan managers and %(agency)s may report on the task %(code)s.")
            % {"agency": task.lead_agency.name, "code": task.code}
        )
    task = Task.objects.select_for_update().get(pk=task.pk)
    errors = FieldErrors()
    if not strip(text):
        errors.add("text", _("Say what was done."))
    if progress is not None and not (isinstance(progress, int) and 0 <= progress <= 100):
        errors.add("progress", _("Progress is a whole number from 0 to 100."))
    if status and status not in TaskStatus.values:
        errors.add("status", _("Unknown status '%(status)s'.") % {"status": status})
    check_attachment(attachment, errors)
    update = TaskUpdate(task=task, by=user if getattr(user, "pk", None) else None, text=strip(text) or "",
                        link=strip(link) or "", progress=progress, status=status or "")  # fmt: skip
    if attachment is not None:
        update.attachment = attachment
    errors.clean(update, exclude=["task", "by", "attachment"], validate_constraints=False)
    errors.raise_if_any()
    update.save()
    before = snapshot(task, ("status", "progress", "completed"))
    if progress is not None:
        task.progress = progress
    if status:
        task.status = status
        _settle_status(task, {"progress"} if progress is not None else set(), timezone.localdate())
    task.last_reported = timezone.now()
    task.save()
    changes = diff(before, snapshot(task, ("status", "progress", "completed")))
    changes["text"] = update.text
    if update.link:
        changes["link"] = update.link
    if update.attachment:
        changes["attachment"] = update.attachment.name
    record(user, "task.report", task, via=via, changes=changes)
    return update
