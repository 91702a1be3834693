"""`ioc orgunits load-vn` and `ioc orgunits import-geojson`."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ioc.audit.models import AuditEntry
from ioc.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("orgunits", *args, stdout=out)
    return out.getvalue()


def test_load_vn_prints_a_summary_and_is_idempotent() -> None:
    first = _run("load-vn", "--province", "26")
    assert "26 Tỉnh Vĩnh Phúc" in first
    assert "before 2025-07-01" in first and "from 2025-07-01" in first
    rows = [line.split()[-3:] for line in first.splitlines() if "level " in line or "successions" in line]
    # created, updated, unchanged: old province, districts, communes; new province, communes; successions
    assert rows == [
        ["1", "0", "0"],
        ["9", "0", "0"],
        ["121", "0", "0"],
        ["1", "0", "0"],
        ["36", "0", "0"],
        ["122", "0", "0"],
    ]
    assert OrgUnit.objects.count() == 168
    second = _run("load-vn", "--province", "26")
    assert OrgUnit.objects.count() == 168
    rows = [line.split()[-3:] for line in second.splitlines() if "level " in line or "successions" in line]
    assert rows == [
        ["0", "0", "1"],
        ["0", "0", "9"],
        ["0", "0", "121"],
        ["0", "0", "1"],
        ["0", "0", "36"],
        ["0", "0", "122"],
    ]
    assert AuditEntry.objects.filter(action="orgunits.load_vn", via="cli").count() == 2


def test_load_vn_several_provinces_and_short_codes() -> None:
    _run("load-vn", "--province", "26", "--province", "1", "--no-progress")
    assert OrgUnit.objects.filter(code="01", opened=None).exists()
    assert OrgUnit.objects.filter(code="26").count() == 1


def test_load_vn_list() -> None:
    out = _run("load-vn", "--list")
    assert "26  Tỉnh Vĩnh Phúc" in out and len(out.splitlines()) == 63
    assert OrgUnit.objects.count() == 0


def test_load_vn_errors() -> None:
    with pytest.raises(CommandError, match="--province"):
        _run("load-vn")
    with pytest.raises(CommandError, match="unknown province code '99'"):
        _run("load-vn", "--province", "99")
    assert OrgUnit.objects.count() == 0


def test_import_geojson(tree, tmp_path) -> None:
    path = tmp_path / "communes.geojson"
    features = [
        {"type": "Feature", "properties": {"ma": "08707"}, "geometry": {"type": "Point", "coordinates": [1, 2]}},
        {"type": "Feature", "properties": {"ma": "00000"}, "geometry": {"type": "Point", "coordinates": [1, 2]}},
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    out = _run("import-geojson", str(path), "--property", "ma", "--date", "2025-06-30", "--dry-run")
    assert "matched:    1" in out and "unmatched:  1" in out and "#1: '00000'" in out and "Dry run" in out
    assert not OrgUnit.objects.filter(geometry__isnull=False).exists()
    out = _run("import-geojson", str(path), "--property", "ma", "--date", "2025-06-30")
    assert "Geometry stored on 1 units" in out
    tree["c1"].refresh_from_db()
    assert tree["c1"].geometry == {"type": "Point", "coordinates": [1, 2]}


def test_import_geojson_bad_files(tree, tmp_path) -> None:
    latin = tmp_path / "latin1.geojson"
    latin.write_bytes('{"name": "Phường Tích Sơn"}'.encode("cp1258", errors="replace") + b"\xff")
    with pytest.raises(CommandError, match=r"latin1\.geojson: the file is not UTF-8"):
        _run("import-geojson", str(latin))
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": ', encoding="utf-8")
    with pytest.raises(CommandError, match=r"broken\.json: the file is not valid JSON"):
        _run("import-geojson", str(broken))
    with pytest.raises(CommandError, match=r"missing\.geojson"):
        _run("import-geojson", str(tmp_path / "missing.geojson"))
    with pytest.raises(CommandError, match="not a date"):
        _run("import-geojson", str(broken), "--date", "2025-13-01")
    assert not OrgUnit.objects.filter(geometry__isnull=False).exists()
