"""ioc quality outliers: prints the flags with their reasons; bad options are clear errors."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ioc.accounts.testing import make_user

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("quality", "outliers", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_seasonal_check_finds_the_two_typos_and_says_why(seasonal_data, elements):
    out = run()
    assert "4 series, 240 values checked, 2 flagged (seasonal)." in out
    assert "202307  TOU_VISITORS @ Phường Tích Sơn (08707)" in out
    assert "× the usual July for Phường Tích Sơn" in out
    assert "× the usual March for Phường Trưng Trắc" in out


def test_the_zscore_check_alarms_on_the_peaks(seasonal_data, elements):
    out = run("--method", "zscore", "--limit", "3")
    assert "(zscore)." in out and "standard deviations from the mean" in out


def test_options_narrow_the_check(seasonal_data, elements):
    assert "2 series, 120 values checked, 1 flagged" in run("--unit", "243")
    # the earlier years are still the baseline of a window: its summer peak is usual
    assert "4 series, 240 values checked, 0 flagged" in run("--element", "TOU_VISITORS", "--start", "2023-08")
    out = run("--start", "2023-01", "--end", "2023-12")
    assert "1 flagged" in out and "202307  TOU_VISITORS" in out
    make_user("viewer_244", ["leader"], view=[seasonal_data["d2"]])
    out = run("--user", "viewer_244")
    assert "2 series, 120 values checked, 1 flagged" in out and "Trưng Trắc" in out and "Tích Sơn" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2025-13"], "--start: expected a month as YYYY-MM"),
        (["--end", "March"], "--end: expected a month as YYYY-MM"),
        (["--element", "NOPE"], "--element: unknown data elements: NOPE"),
        (["--unit", "99999"], "--unit: no unit has the code 99999"),
        (["--user", "ghost"], "--user: no user is called ghost"),
        (["--limit", "-1"], "--limit: expected 0 or more"),
    ],
)
def test_bad_options(seasonal_data, elements, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


# --- ioc quality validate ------------------------------------------------------------------------------------


def validate(*args: str) -> str:
    out = StringIO()
    call_command("quality", "validate", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def broken(vworld):
    w = vworld
    for unit, month, imm, u1 in [("c1", "202501", 130, 100), ("c3", "202502", 90, 80), ("c2", "202501", 10, 50)]:
        w.put(w.imm, unit, month, imm, w.male)
        w.put(w.u1, unit, month, u1)
    return w


def test_validate_keeps_the_results_and_a_rerun_clears_the_fixed(broken):
    from ioc.datavalues.models import DataValue
    from ioc.quality.models import ValidationResult, ValidationRun

    out = validate("--start", "2025-01", "--end", "2025-03")
    assert "4 rules, 3 evaluations, 2 violations (2 new, 0 cleared)" in out
    assert "[HIGH] 202501  Phường Tích Sơn  R_IMM: Children fully immunised (130) ≤ Children under 1 (100)" in out
    run = ValidationRun.objects.get()
    assert run.via == "cli" and run.user is None
    DataValue.objects.filter(org_unit=broken.units["c1"], data_element=broken.imm).update(value_num=1)
    out = validate("--start", "2025-01", "--end", "2025-03", "--root", "243")
    assert "0 violations (0 new, 1 cleared)" in out
    assert {r.org_unit.code for r in ValidationResult.objects.all()} == {"08773"}


def test_validate_options(broken):
    from ioc.quality.models import ValidationRun

    out = validate("--start", "2025-01", "--end", "2025-03", "--dry-run", "--rules", "R_IMM", "--limit", "1")
    assert "1 rules, 3 evaluations, 2 violations" in out and "Dry run: nothing kept." in out
    assert "… and 1 more violations (--limit 0 shows all)." in out
    assert not ValidationRun.objects.exists()
    out = validate("--start", "2025-01", "--end", "2025-03", "--user", "viewer_b", "--dry-run")
    assert "1 violations" in out and "Phường Trưng Trắc" in out and "Tích Sơn" not in out
    out = validate("--start", "2025-01", "--end", "2025-12", "--data-set", "EDU", "--dry-run")
    assert "1 rules, 0 evaluations, 0 violations" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2025-13", "--end", "2025-12"], "--start: expected a month as YYYY-MM"),
        (["--start", "2025-03", "--end", "2025-01"], "--end: before --start"),
        (["--start", "2025-01", "--end", "2025-03", "--root", "99999"], "--root: no unit has the code 99999"),
        (["--start", "2025-01", "--end", "2025-03", "--rules", "NOPE"], "Unknown validation rules: NOPE"),
        (["--start", "2025-01", "--end", "2025-03", "--user", "ghost"], "--user: no user is called ghost"),
        (["--start", "2025-01", "--end", "2025-03", "--user", "viewer_b", "--root", "243"], "outside your view scope"),
        (["--start", "2025-01", "--end", "2025-03", "--data-set", "NOPE"], "No data set"),
    ],
)
def test_validate_bad_options(broken, args, message):
    with pytest.raises(CommandError, match=message):
        validate(*args)
