"""`ioc demo`: set up once, reuse after; generate; print the logins; serve."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ioc.accounts.models import Agency, User
from ioc.datavalues.models import DataValue
from ioc.demo.management.commands import demo as demo_command
from ioc.demo.models import PlantedAnomaly
from ioc.metadata.models import DataElement
from ioc.orgunits.models import OrgUnit

SLICE = ["--start", "2025-05", "--end", "2025-08", "--districts", "243", "--no-anomalies-file"]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_setup_makes_everything_once(db):
    output = run("setup", *SLICE)
    assert "168 units loaded" in output and "users created" in output and "values" in output
    assert OrgUnit.objects.filter(code="26").exists() and OrgUnit.objects.filter(code="25").exists()
    assert Agency.objects.count() == 24 and User.objects.count() == 8
    assert DataElement.objects.filter(synthetic=True).count() == 50
    values = DataValue.objects.count()
    assert values > 1000
    anomalies = PlantedAnomaly.objects.count()

    again = run("setup", *SLICE)
    assert "The demo is set up" in again and "loaded" not in again
    assert DataValue.objects.count() == values and PlantedAnomaly.objects.count() == anomalies
    assert User.objects.count() == 8 and OrgUnit.objects.count() == 168


def test_generate_scale_and_replace(db):
    run("setup", *SLICE)
    values = DataValue.objects.count()
    output = run("generate", "--scale", "2", *SLICE)
    assert "Copies with values already (use --replace to redo): 1" in output
    assert "copies 2" in output
    assert DataValue.objects.count() > values * 1.8
    output = run("generate", "--scale", "1", "--replace", *SLICE)
    assert "Deleted" in output
    assert DataValue.objects.count() == values  # the same seed makes the same values


def test_users_prints_the_logins(db):
    run("setup", *SLICE)
    output = run("users")
    assert "DEMO ONLY" in output
    for username in ("admin", "vanhanh", "lanhdao", "nhaplieu.vinhyen", "pheduyet", "kehoach", "tichhop"):
        assert username in output
    assert "ioc-demo-2025" in output and "ioc token create tichhop" in output and "createsuperuser" in output


def test_demo_without_a_subcommand_sets_up_prints_and_serves(db, monkeypatch):
    run("setup", *SLICE)
    served: list[tuple[str, dict[str, Any]]] = []
    real_call_command = demo_command.call_command

    def fake_call_command(name: str, *args: Any, **kwargs: Any) -> None:
        if name == "serve":
            served.append((name, kwargs))
            return
        real_call_command(name, *args, **kwargs)

    monkeypatch.setattr(demo_command, "call_command", fake_call_command)
    output = run("--port", "8123", "--host", "127.0.0.1")
    assert "The demo is set up" in output and "lanhdao" in output
    assert served == [("serve", {"host": "127.0.0.1", "port": 8123})]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["generate", "--scale", "0"], "Scale"),
        (["generate", "--start", "2025-13"], "not a month"),
        (["generate", "--start", "2025-06", "--end", "2025-01"], "before the first"),
    ],
)
def test_bad_options_are_clear_errors(db, args, message):
    run("setup", *SLICE)
    values = DataValue.objects.count()
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert DataValue.objects.count() == values


def test_generate_needs_the_units(db):
    with pytest.raises(CommandError, match="load-vn"):
        run("generate", *SLICE)


def test_setup_gives_the_forms_a_workflow_history(db):
    import datetime as dt

    from django.utils import timezone

    from ioc.datavalues.models import PeriodLock
    from ioc.workflow.models import State, Submission

    output = run("setup", *SLICE)
    assert "forms submitted or approved" in output
    forms = Submission.objects.all()
    assert forms.exists()
    # every submission is a form that has values, for a unit its data set is assigned to
    for s in forms[:200]:
        assert s.data_set.org_units.filter(pk=s.org_unit_id).exists()
        assert DataValue.objects.filter(
            org_unit=s.org_unit, period=s.period, data_element__data_sets=s.data_set
        ).exists()
        assert s.submitted_at is not None and s.submitted_at.date() > s.end_date
        assert s.submitted_at <= timezone.now()
        late = s.submitted_at.date() > s.end_date + dt.timedelta(days=s.data_set.timely_days + 1)
        assert s.on_time is not late or s.submitted_at.date() == s.end_date + dt.timedelta(
            days=s.data_set.timely_days + 1
        )
    # old enough forms are approved and locked, each by a unit-only lock of the right kind
    assert forms.filter(state=State.APPROVED).exists()
    for s in forms.filter(state=State.APPROVED)[:50]:
        lock = PeriodLock.objects.get(data_set=s.data_set, period=s.period, org_unit=s.org_unit)
        assert (lock.kind, lock.subtree) == (PeriodLock.Kind.APPROVED, False)
    assert 0.7 < forms.filter(on_time=True).count() / forms.count() < 0.95
    count = forms.count()
    assert "forms submitted or approved" not in run("setup", *SLICE)
    assert Submission.objects.count() == count
