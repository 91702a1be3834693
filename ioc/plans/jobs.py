"""The background job "plans.refresh_forecasts": recompute the targets' verdicts (of one plan, or all), with
progress on the job page. Submitted by the plan managers' "recompute" button (ioc.plans.views_edit) with
ioc.jobs.services.do_submit_job(user, REFRESH_JOB, {"plan": code}); a manual recompute is forced (every
verdict is fitted again) unless the params say {"force": false}.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ioc.accounts.permissions import Action, require
from ioc.core.errors import InvalidInput, NotAllowed
from ioc.jobs.models import Job
from ioc.jobs.registry import Progress, job_kind
from ioc.plans.models import Plan
from ioc.plans.refresh import refresh_all

REFRESH_JOB = "plans.refresh_forecasts"


@job_kind(REFRESH_JOB)
def run_refresh(job: Job, progress: Progress) -> dict[str, Any]:
    user = job.user
    if user is not None:  # None: the system submitted it
        if not user.is_active:
            raise NotAllowed(_("The user who asked for this no longer exists or is inactive"))
        require(user, Action.MANAGE_PLANS)
    params = job.params or {}
    plan = None
    if params.get("plan"):
        plan = Plan.objects.filter(code=params["plan"]).first()
        if plan is None:
            raise InvalidInput(_("No plan with the code '%(code)s'.") % {"code": params["plan"]}, field="plan")
    progress.note(_("Recomputing the forecasts of the targets"))
    result = refresh_all(plan=plan, progress=progress.update, force=bool(params.get("force", True)))
    progress.note("")
    message = _("%(checked)d targets checked, %(recomputed)d forecasts recomputed.") % result
    out: dict[str, Any] = {**result, "message": message, "plan": plan.code if plan else ""}
    if result.get("failed"):
        out["status"] = Job.Status.WARNING
        out["message"] = message + " " + _("%(failed)d could not be computed (see the log).") % result
    return out
