"""`ioc import`: files, options, the summary printed, the exit code, nothing written on error."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ioc.datavalues.models import DataValue, DataValueAudit, ImportRun

pytestmark = pytest.mark.django_db

H = "dataelement,period,orgunit,catoptcombo,attroptcombo,value,strby,lstupd,cmt\n"


def write(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def run(*args: str):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_imports_several_files_as_one(tree, meta, users, tmp_path):
    a = write(tmp_path, "a.csv", H + "OPD,202503,08707,,,12,,,\n")
    b = write(
        tmp_path,
        "b.json",
        json.dumps({"dataValues": [{"dataElement": "OPD", "period": "202503", "orgUnit": "08710", "value": "3"}]}),
    )
    out = run(a, b, "--user", "approver")
    assert "SUCCESS" in out and "imported 2, updated 0, ignored 0, deleted 0" in out
    assert DataValue.objects.count() == 2
    assert set(DataValueAudit.objects.values_list("via", flat=True)) == {"cli"}
    assert ImportRun.objects.get().source == "a.csv, b.json"
    again = run(a, b, "--user", "approver")
    assert "ignored 2" in again


def test_dry_run_and_strategy(tree, meta, users, tmp_path):
    a = write(tmp_path, "a.csv", H + "OPD,202503,08707,,,12,,,\n")
    assert "imported 1" in run(a, "--user", "approver", "--dry-run")
    assert not DataValue.objects.exists()
    run(a, "--user", "approver")
    out = run(a, "--user", "approver", "--strategy", "delete")
    assert "deleted 1" in out and DataValue.objects.get().deleted


def test_errors_exit_non_zero_and_list_every_bad_row(tree, meta, users, tmp_path):
    lines = "".join(f"NOPE{i},202503,08707,,,1,,,\n" for i in range(25))
    a = write(tmp_path, "bad.csv", H + "OPD,202503,08707,,,12,,,\n" + lines)
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import", a, "--user", "approver", "--show", "5", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "ERROR" in text and "bad.csv, row 3, dataElement" in text and "and 20 more conflicts" in text
    assert not DataValue.objects.exists()
    partial = run(a, "--user", "approver", "--partial", "--show", "0")
    assert "WARNING" in partial and "imported 1" in partial and "and 25 more" in partial


def test_unreadable_file_user_and_scope(tree, meta, users, tmp_path):
    empty = write(tmp_path, "empty.csv", b"")
    with pytest.raises(CommandError, match="empty file"):
        run(empty, "--user", "approver")
    assert ImportRun.objects.get().status == "ERROR"
    with pytest.raises(CommandError, match="unknown or inactive user"):
        run(empty, "--user", "ghost")
    a = write(tmp_path, "a.csv", H + "OPD,202503,08707,,,12,,,\n")
    with pytest.raises(CommandError, match="You may not enter data"):
        run(a, "--user", "leader")
    with pytest.raises(CommandError, match="nothing was imported"):
        run(a, "--user", "officer_b")
    with pytest.raises(CommandError, match="No such file"):
        run(str(tmp_path / "missing.csv"), "--user", "approver")
    assert not DataValue.objects.exists()


def test_id_scheme_and_format(tree, meta, users, tmp_path):
    a = write(tmp_path, "values.txt", H + f"{meta.opd.uid},202503,{tree['c1'].uid},,,12,,,\n")
    assert "imported 1" in run(a, "--user", "approver", "--format", "csv", "--id-scheme", "uid")
