"""Loading Vietnam's units (load-vn) and importing GeoJSON geometry."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from django.test import override_settings

from ioc.audit.models import AuditEntry
from ioc.core.errors import InvalidInput
from ioc.orgunits.models import OrgUnit, OrgUnitLevel, Succession
from ioc.orgunits.selectors import predecessors, resolve_code, subtree_q, successors
from ioc.orgunits.services import do_import_geojson, do_load_vn
from ioc.orgunits.testing import make_unit

from .conftest import AFTER, BEFORE

pytestmark = pytest.mark.django_db


def _counts(summary, new):
    table = summary.new if new else summary.old
    return {level: c.created for level, c in table.items()}


# --- load-vn --------------------------------------------------------------------------------------------


def test_load_26_creates_the_old_and_new_units(vn26) -> None:
    assert _counts(vn26, new=False) == {1: 1, 2: 9, 3: 121}
    assert _counts(vn26, new=True) == {1: 1, 3: 36}
    assert vn26.successions.created == 122  # 121 communes + the province
    assert vn26.levels_created == 3
    assert OrgUnit.objects.count() == 1 + 9 + 121 + 1 + 36

    old_p = OrgUnit.objects.get(code="26")
    assert (old_p.name_vi, old_p.kind, old_p.level, old_p.opened, old_p.closed) == (
        "Tỉnh Vĩnh Phúc",
        "Tỉnh",
        1,
        None,
        BEFORE,
    )
    assert old_p.latitude and old_p.longitude
    assert OrgUnit.objects.filter(subtree_q(old_p), level=2, closed=BEFORE, opened=None).count() == 9
    assert OrgUnit.objects.filter(subtree_q(old_p), level=3, closed=BEFORE, opened=None).count() == 121
    new_p = OrgUnit.objects.get(code="25", opened=AFTER)
    assert (new_p.name_vi, new_p.level, new_p.closed, new_p.parent) == ("Tỉnh Phú Thọ", 1, None, None)
    assert OrgUnit.objects.filter(parent=new_p, level=3, opened=AFTER, closed=None).count() == 36


def test_names_kinds_and_parents(vn26) -> None:
    tich_son = OrgUnit.objects.get(code="08707", opened=None)
    assert (tich_son.name_vi, tich_son.short_name, tich_son.kind, tich_son.name_en) == (
        "Phường Tích Sơn",
        "Tích Sơn",
        "Phường",
        "Tích Sơn Ward",
    )
    assert tich_son.parent is not None and tich_son.parent.name_vi == "Thành phố Vĩnh Yên"
    assert tich_son.parent.kind == "Thành phố" and tich_son.parent.code == "243"
    assert tich_son.path == f"{tich_son.parent.path}{tich_son.pk}/"
    kinds = set(OrgUnit.objects.filter(level=3, opened=None).values_list("kind", flat=True))
    assert kinds == {"Phường", "Xã", "Thị trấn"}
    assert set(OrgUnit.objects.filter(level=2).values_list("kind", flat=True)) <= {"Thành phố", "Huyện", "Thị xã"}
    assert OrgUnit.objects.filter(latitude__isnull=True).count() == 0
    # every path is the parent's path + own id
    for unit in OrgUnit.objects.select_related("parent"):
        assert unit.path == f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
    assert set(OrgUnitLevel.objects.values_list("level", "code")) == {(1, "province"), (2, "district"), (3, "commune")}


def test_successions_and_the_08707_example(vn26) -> None:
    for commune in OrgUnit.objects.filter(level=3, opened=None):
        assert successors(commune), commune
    for district in OrgUnit.objects.filter(level=2):
        assert successors(district) == []
    assert resolve_code("08707", BEFORE).name_vi == "Phường Tích Sơn"
    vinh_yen = resolve_code("08707", AFTER)
    assert vinh_yen.name_vi == "Phường Vĩnh Yên"
    names = {u.name_vi for u in predecessors(vinh_yen)}
    assert {"Phường Tích Sơn", "Phường Hội Hợp", "Phường Đồng Tâm", "Xã Thanh Trù"} <= names
    link = Succession.objects.get(predecessor__code="08707", predecessor__opened=None)
    assert (link.kind, link.date, link.weight) == ("merge", AFTER, 1.0)
    assert "Thành phố Vĩnh Yên" in link.note
    province_link = Succession.objects.get(predecessor__code="26")
    assert province_link.successor.code == "25" and province_link.kind == "merge"


def test_load_is_audited_once(vn26) -> None:
    [entry] = AuditEntry.objects.filter(action="orgunits.load_vn")
    assert entry.via == "cli"
    assert entry.changes["provinces"] == ["26"]
    assert entry.changes["before"]["3"]["created"] == 121
    assert entry.changes["after"]["3"]["created"] == 36


def test_loading_twice_changes_nothing(vn26) -> None:
    before = list(OrgUnit.objects.order_by("pk").values())
    links = list(Succession.objects.order_by("pk").values())
    again = do_load_vn(None, "26")
    assert all(c.created == 0 and c.updated == 0 for c in [*again.old.values(), *again.new.values()])
    assert (again.successions.created, again.successions.updated, again.successions.unchanged) == (0, 0, 122)
    assert again.levels_created == 0
    assert list(OrgUnit.objects.order_by("pk").values()) == before
    assert list(Succession.objects.order_by("pk").values()) == links


def test_reload_repairs_a_changed_unit(vn26) -> None:
    unit = OrgUnit.objects.get(code="08707", opened=None)
    unit.name_vi = "wrong"
    unit.save()
    again = do_load_vn(None, "26")
    assert again.old[3].updated == 1
    unit.refresh_from_db()
    assert unit.name_vi == "Phường Tích Sơn"


def test_second_province_reuses_the_new_province(vn26) -> None:
    summary = do_load_vn(None, "25")  # old Phú Thọ, same code as the new one
    assert _counts(summary, new=False) == {1: 1, 2: 13, 3: 207}
    assert summary.new[1].created == 0 and summary.new[1].unchanged == 1
    assert summary.new[3].created == 66
    new_p = OrgUnit.objects.get(code="25", opened=AFTER)
    old_pt = OrgUnit.objects.get(code="25", opened=None)
    assert old_pt.closed == BEFORE and old_pt.name_vi == "Tỉnh Phú Thọ"
    assert new_p.children.count() == 36 + 66
    assert {u.code for u in predecessors(new_p)} == {"25", "26"}
    assert resolve_code("25", BEFORE) == old_pt
    assert resolve_code("25", AFTER) == new_p


def test_hanoi_splits_are_weighted_by_area(db) -> None:
    summary = do_load_vn(None, "01")
    assert _counts(summary, new=False) == {1: 1, 2: 30, 3: 526}
    assert summary.new[3].created == 126
    split = Succession.objects.filter(kind="split")
    assert split.exists()
    totals: dict[int, float] = {}
    for s in split:
        totals[s.predecessor_id] = totals.get(s.predecessor_id, 0.0) + s.weight
        assert 0 < s.weight < 1
    assert all(math.isclose(t, 1.0, abs_tol=1e-5) for t in totals.values())
    one = split.first()
    assert one is not None
    shares = {s.successor_id: s.weight for s in Succession.objects.filter(predecessor=one.predecessor)}
    areas = {u.pk: u.area_km2 for u in OrgUnit.objects.filter(pk__in=shares)}
    total = sum(areas.values())  # type: ignore[arg-type]
    assert all(math.isclose(shares[pk], areas[pk] / total, rel_tol=1e-4) for pk in shares)  # type: ignore[operator]


def test_unknown_province_writes_nothing(db) -> None:
    with pytest.raises(InvalidInput, match="unknown province code"):
        do_load_vn(None, ["26", "99"])
    assert OrgUnit.objects.count() == 0
    assert not AuditEntry.objects.exists()


@override_settings(IOC_REORGANISATION_DATE="2025-08-01")
def test_reorganisation_date_comes_from_settings(db) -> None:
    do_load_vn(None, "26")
    assert OrgUnit.objects.get(code="26").closed == dt.date(2025, 7, 31)
    assert OrgUnit.objects.get(code="25").opened == dt.date(2025, 8, 1)
    assert set(Succession.objects.values_list("date", flat=True)) == {dt.date(2025, 8, 1)}


# --- import-geojson -------------------------------------------------------------------------------------

SQUARE = {"type": "Polygon", "coordinates": [[[105.5, 21.3], [105.6, 21.3], [105.6, 21.4], [105.5, 21.3]]]}


def _fc(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(props: dict, geometry: dict | None = SQUARE) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def test_geojson_by_code_at_date(tree) -> None:
    data = _fc(_feature({"code": "08707"}), _feature({"code": "99999"}), _feature({"name": "no code"}))
    report = do_import_geojson(None, data, match="code", on=BEFORE)
    assert [(i, v, uid) for i, v, uid in report.matched] == [(0, "08707", tree["c1"].uid)]
    assert report.unmatched == [(1, "99999"), (2, None)]
    assert report.written == 1
    tree["c1"].refresh_from_db()
    tree["new_c"].refresh_from_db()
    assert tree["c1"].geometry == SQUARE and tree["new_c"].geometry is None
    entry = AuditEntry.objects.get(action="orgunits.import_geojson")
    assert entry.changes["matched"] == 1 and entry.changes["unmatched"] == 2

    after = do_import_geojson(None, json.dumps(data).encode(), match="code", on=AFTER)
    assert after.matched[0][2] == tree["new_c"].uid  # the same code names the new unit after 2025-07-01


def test_geojson_by_name_and_custom_property(tree) -> None:
    OrgUnit.objects.filter(pk=tree["c3"].pk).update(short_name="Trưng Trắc")
    data = _fc(
        _feature({"ten": "Phường Liên Bảo"}),
        _feature({"ten": "phường liên bảo"}),  # case counts
        _feature({"ten": "Phuong Lien Bao"}),  # diacritics count
        _feature({"ten": "Trưng Trắc"}),  # the short name, when no full name matches
    )
    report = do_import_geojson(None, data, match="name", prop="ten", on=BEFORE)
    assert {v for _i, v, _u in report.matched} == {"Phường Liên Bảo", "Trưng Trắc"}
    assert [i for i, _v in report.unmatched] == [1, 2]


def test_geojson_name_in_decomposed_unicode_matches(tree) -> None:
    import unicodedata

    data = _fc(_feature({"name": unicodedata.normalize("NFD", "Phường Tích Sơn")}))
    report = do_import_geojson(None, data, match="name", on=BEFORE)
    assert report.matched and report.matched[0][2] == tree["c1"].uid


def test_geojson_ambiguous_and_duplicates_are_not_written(tree) -> None:
    make_unit("90001", "Xã Tân Lập", tree["d1"], level=3)
    make_unit("90002", "Xã Tân Lập", tree["d2"], level=3)
    data = _fc(
        _feature({"name": "Xã Tân Lập"}),
        _feature({"name": "Phường Hùng Vương"}),
        _feature({"name": "Phường Hùng Vương"}),
    )
    report = do_import_geojson(None, data, match="name", on=BEFORE)
    assert len(report.ambiguous) == 1 and report.ambiguous[0][0] == 0 and len(report.ambiguous[0][2]) == 2
    assert report.duplicates == [(tree["c4"].uid, [1, 2])]
    assert report.written == 0
    assert not OrgUnit.objects.filter(geometry__isnull=False).exists()


def test_geojson_level_narrows_the_match(tree) -> None:
    make_unit("555", "Tỉnh Vĩnh Phúc", level=2)  # a homonym at another level
    data = _fc(_feature({"name": "Tỉnh Vĩnh Phúc"}))
    assert do_import_geojson(None, data, match="name", on=BEFORE, dry_run=True).ambiguous
    report = do_import_geojson(None, data, match="name", on=BEFORE, level=1)
    assert report.matched[0][2] == tree["p"].uid


def test_geojson_dry_run_writes_nothing(tree) -> None:
    report = do_import_geojson(None, _fc(_feature({"code": "08707"})), on=BEFORE, dry_run=True)
    assert len(report.matched) == 1 and report.written == 0
    assert not OrgUnit.objects.filter(geometry__isnull=False).exists()
    assert not AuditEntry.objects.exists()


def test_geojson_null_geometry_is_skipped(tree) -> None:
    report = do_import_geojson(None, _fc(_feature({"code": "08707"}, None)), on=BEFORE)
    assert report.skipped == [(0, "no geometry")] and report.written == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00 not utf-8", "not UTF-8"),
        (b'{"type": "FeatureCollection", "features": [', "not valid JSON"),
        (b"[1, 2]", "not a GeoJSON FeatureCollection"),
        (b'{"type": "Feature", "geometry": null}', "not a GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": {}}', "list of 'features'"),
        (b'{"type": "FeatureCollection", "features": [{"type": "Point"}]}', "not a GeoJSON Feature"),
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "08707"},'
            b' "geometry": {"type": "Circle", "coordinates": [1, 2]}}]}',
            "'Circle' is not a GeoJSON geometry type",
        ),
    ],
)
def test_geojson_bad_file_is_a_clear_error_and_writes_nothing(tree, data, message) -> None:
    good = _feature({"code": "08707"})
    with pytest.raises(InvalidInput, match=message) as exc:
        do_import_geojson(None, data, on=BEFORE, source="units.geojson")
    assert exc.value.message.startswith("units.geojson: ")
    # a valid feature next to an invalid one is not written either
    if data.startswith(b'{"type": "FeatureCollection", "features": [{'):
        mixed = json.loads(data)
        mixed["features"].insert(0, good)
        with pytest.raises(InvalidInput):
            do_import_geojson(None, mixed, on=BEFORE)
    assert not OrgUnit.objects.filter(geometry__isnull=False).exists()
    assert not AuditEntry.objects.exists()


def test_geojson_bad_match_option(tree) -> None:
    with pytest.raises(InvalidInput, match="match must be"):
        do_import_geojson(None, _fc(), match="uid")
