"""Recomputing the stored verdicts (TargetForecast) of targets — in the background, never on a page view.

Each verdict remembers `inputs_key`: a SHA-256 of what it was computed from — the target's forecast-relevant
fields, its points, its milestones and the month it was computed in (so verdicts age: a target with no new
data slides from on track towards at risk as its deadline nears; monthly is fine for deadlines in years).
A refresh reads the series (a few ms per target) and fits the forecast only when the key changed.

Callers: the services after a write (transaction.on_commit → refresh_target), the job "plans.refresh_forecasts"
(ioc.plans.jobs), the periodic task (ioc.plans.tasks) and `ioc plans refresh`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from ioc.core.errors import IocError
from ioc.plans import forecast
from ioc.plans.live import series, spec_of
from ioc.plans.models import Plan, Target, TargetForecast

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def inputs_key(target: Target, spec: forecast.Spec, points: list[forecast.Point], today: dt.date) -> str:
    """The fingerprint of a verdict's inputs (see the module's docstring)."""
    payload = {
        "v": getattr(forecast, "VERSION", ""),  # a new forecast method recomputes every verdict
        "source": target.source,
        "dx": target.dx,
        "unit": target.org_unit_id or target.plan.org_unit_id,
        "spec": [
            spec.target_value,
            spec.deadline.isoformat(),
            spec.direction,
            spec.lower_bound,
            spec.upper_bound,
            spec.period,
            spec.unit,
            [[d.isoformat(), v] for d, v in spec.milestones],
        ],
        "points": [[p.date.isoformat(), p.value] for p in points],
        "month": today.strftime("%Y-%m"),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _compute(target: Target, today: dt.date, force: bool) -> tuple[TargetForecast, bool]:
    """The target's stored verdict, recomputed when its inputs changed (or forced): (verdict, recomputed)."""
    error = ""
    try:
        points = series(target, today=today)
    except IocError as exc:  # a live target whose item no longer exists: no data, and say why
        points, error = [], exc.message
    spec = spec_of(target)
    key = inputs_key(target, spec, points, today)
    stored = TargetForecast.objects.filter(target=target).first()
    if stored is not None and stored.inputs_key == key and not force:
        return stored, False
    result = forecast.forecast(points, spec, today=today)
    details = result.as_dict()
    details.setdefault("points", [{"date": p.date.isoformat(), "value": p.value} for p in points])
    if error:
        details["error"] = error
    now = timezone.now()
    values: dict[str, Any] = {
        "computed_at": now,
        "inputs_key": key,
        "status": result.status,
        "probability": result.probability,
        "proposed_date": result.proposed_date,
        "proposed_date_80": result.proposed_date_80,
        "current_value": result.current_value,
        "current_date": result.current_date,
        "method": result.method,
        "details": details,
    }
    if stored is None:
        # A first verdict is not a change of status (the briefing lists targets that *became* at risk).
        values.update(previous_status="", status_changed=None)
        try:
            with transaction.atomic():
                stored = TargetForecast.objects.create(target=target, **values)
            return stored, True
        except IntegrityError:  # computed at the same moment by another process: update that one
            stored = TargetForecast.objects.get(target=target)
    if stored.status != result.status:
        values.update(previous_status=stored.status, status_changed=now)
    for name, value in values.items():
        setattr(stored, name, value)
    stored.save()
    return stored, True


def refresh_target(target: Target, *, today: dt.date | None = None, force: bool = False) -> TargetForecast:
    """Store the target's verdict when its inputs changed (or `force`); on a change of status, remember the
    previous one and when it changed. Returns the stored verdict."""
    stored, _recomputed = _compute(target, today or timezone.localdate(), force)
    target.forecast = stored
    return stored


def targets_to_refresh(plan: Plan | None = None) -> QuerySet[Target]:
    qs = Target.objects.select_related("plan", "plan__org_unit", "org_unit").prefetch_related("milestones", "reports")
    if plan is not None:
        qs = qs.filter(plan=plan)
    return qs.order_by("plan_id", "sort_order", "code")


def refresh_all(
    *, plan: Plan | None = None, today: dt.date | None = None, progress: Progress | None = None, force: bool = False
) -> dict[str, int]:
    """Refresh every target (of `plan`, or of every plan): {"checked": n, "recomputed": m}; with "failed": k
    when some could not be computed (logged; the others are stored). `progress(done, total)` after each."""
    today = today or timezone.localdate()
    targets = list(targets_to_refresh(plan))
    total = len(targets)
    if progress:
        progress(0, total)
    recomputed = failed = 0
    for done, target in enumerate(targets, start=1):
        try:
            _stored, changed = _compute(target, today, force)
            recomputed += changed
        except Exception:  # one broken target must not stop the others' verdicts
            log.exception("plans: the forecast of target %s (plan %s) failed", target.code, target.plan.code)
            failed += 1
        if progress:
            progress(done, total)
    out = {"checked": total, "recomputed": recomputed}
    if failed:
        out["failed"] = failed
    return out


def refresh_after_commit(target_id: int) -> None:
    """After the current transaction commits, recompute the target's verdict (the services' writes): pages then
    always show a verdict for what was just entered. A failure is logged, never raised into the request that
    made the (committed) change; the periodic refresh tries again."""

    connection = transaction.get_connection()
    # One recomputation per target and transaction: a target created with its milestones and reports queues
    # several writes, and each recomputation reads the target's whole series. (run_on_commit holds the
    # callbacks of the open transaction; Django drops them on a rollback.)
    if any(getattr(entry[1], "target_id", None) == target_id for entry in connection.run_on_commit):
        return

    def run() -> None:
        target = targets_to_refresh().filter(pk=target_id).first()
        if target is None:
            return
        try:
            refresh_target(target)
        except Exception:
            log.exception("plans: the forecast of target %s failed after a change", target.code)

    run.target_id = target_id  # type: ignore[attr-defined]
    transaction.on_commit(run)
