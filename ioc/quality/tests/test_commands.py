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
