"""DTI writes (ioc.plans.services_dti) and reads (ioc.plans.selectors_dti) on the plan world of
ioc.plans.testing: a version's structure from a document, a year's values, published scores from CSV or JSON
(every error with its row, field and why; nothing written on any error), the province's score from entered
and live values, its rank without its own published row, and who may read and write.

The small version (built with the ORM by small_dti, used by the page and API tests too), 100 points:
    A  foundation 40   A1 linear 0–100 → 20, live FIBRE_HH (%)       A2 as points → 20 (effort 2)
    B  activities 60   B1 linear 0–50 → 30                           B2 2–12 days, lower is better → 30 (effort 3)
    C  not scored      C1 linear 0–100 → 10
2024: FIBRE_HH 70 at the province (A1 14), A2 15, B1 40 (24), B2 7 days (15) → A 29, B 39, total 68.
Published 2024 totals: 01 80 (A 35, B 45), 04 75 (A 30), 02 68, 03 60, and our own 26: 66 (left out).
→ rank 3 of 5, tied with 02.
"""

from __future__ import annotations

from typing import Any

import pytest

from ioc.audit.models import AuditEntry
from ioc.core.errors import InvalidInput, NotAllowed, NotFound
from ioc.plans import dti, selectors_dti, services_dti
from ioc.plans.models_dti import DtiIndex, DtiPublishedScore, DtiSubIndex, DtiValue, DtiVersion, Normalisation
from ioc.plans.testing import PlanWorld, build_plan_world, put_yearly

pytestmark = pytest.mark.django_db
PUBLISHED_2024 = [("01", "Hà Nội", 80.0), ("04", "Lào Cai", 75.0), ("02", "Hà Giang", 68.0), ("03", "Tỉnh Ba", 60.0)]


def small_dti(*, published: bool = True, values: bool = True) -> DtiVersion:
    v = DtiVersion.objects.create(code="T", name_vi="Bộ chỉ số thử", total_points=100, is_current=True)
    a = DtiIndex.objects.create(
        version=v, code="A", name_vi="Nền tảng A", group="foundation", max_points=40, sort_order=1
    )
    b = DtiIndex.objects.create(
        version=v, code="B", name_vi="Hoạt động B", group="activities", max_points=60, sort_order=2
    )
    c = DtiIndex.objects.create(version=v, code="C", name_vi="Chưa tính điểm C", max_points=None, sort_order=3)
    sub = DtiSubIndex.objects.create
    a1 = sub(index=a, code="A1", name_vi="Hộ có cáp quang", max_points=20, unit="%", dx="FIBRE_HH", sort_order=1)
    a2 = sub(
        index=a,
        code="A2",
        name_vi="Đánh giá A2",
        max_points=20,
        normalisation=Normalisation.SCORE,
        effort=2,
        sort_order=2,
    )
    b1 = sub(index=b, code="B1", name_vi="Tỷ lệ B1", max_points=30, ceiling=50, unit="%", sort_order=1)
    b2 = sub(index=b, code="B2", name_vi="Số ngày B2", max_points=30, floor=2, ceiling=12, higher_is_better=False, unit="ngày", effort=3, sort_order=2)  # fmt: skip
    sub(index=c, code="C1", name_vi="Chỉ số C1", max_points=10, unit="%")
    if values:
        for s, value in ((a2, 15.0), (b1, 40.0), (b2, 7.0)):
            DtiValue.objects.create(sub_index=s, year=2024, value=value)
    if published:
        for code, name, total in [*PUBLISHED_2024, ("26", "Vĩnh Phúc", 66.0)]:
            DtiPublishedScore.objects.create(version=v, year=2024, province_code=code, province_name=name, score=total)
        for code, index, score in (("01", a, 35.0), ("01", b, 45.0), ("04", a, 30.0)):
            DtiPublishedScore.objects.create(version=v, year=2024, province_code=code, province_name=code, index=index, score=score)  # fmt: skip
    assert a1.pk
    return v


@pytest.fixture
def w() -> PlanWorld:
    world = build_plan_world()
    put_yearly(world, {2024: 70.0, 2025: 80.0})  # 2024 at the province (26), 2025 at its successor (25)
    return world


def counts() -> tuple[int, ...]:
    return (
        DtiVersion.objects.count(), DtiIndex.objects.count(), DtiSubIndex.objects.count(), DtiValue.objects.count(),
        DtiPublishedScore.objects.count(), AuditEntry.objects.count(),
    )  # fmt: skip


# --- reads ----------------------------------------------------------------------------------------------


def test_score_rank_and_history(w: PlanWorld) -> None:
    small_dti()
    ov = selectors_dti.overview(w.manager)
    assert ov.year == 2024  # the latest year with published totals
    assert ov.province.code == "26"
    assert [round(i.points, 6) for i in ov.score.indices] == [29, 39, 0]
    assert ov.score.total == pytest.approx(68)
    sources = {s.spec.code: (s.value, s.source) for s in ov.score.subs}
    assert sources["A1"] == (pytest.approx(70), dti.ANALYTICS)
    assert sources["B2"] == (7.0, dti.MANUAL)
    assert ov.standing == dti.Standing(rank=3, of=5, ahead=2, tied=1)
    assert ov.ours_published is not None and ov.ours_published.score == 66
    assert sorted(ov.others) == [60, 68, 75, 80]  # our own published row is not one of the others
    assert [s.spec.code for s in ov.score.missing] == ["C1"]


def test_an_entered_value_overrides_the_data(w: PlanWorld) -> None:
    v = small_dti()
    DtiValue.objects.create(sub_index=DtiSubIndex.objects.get(index__version=v, code="A1"), year=2024, value=90)
    ov = selectors_dti.overview(w.manager, year=2024)
    a1 = next(s for s in ov.score.subs if s.spec.code == "A1")
    assert (a1.value, a1.source, a1.points) == (90, dti.MANUAL, pytest.approx(18))


def test_after_the_province_closed_the_data_come_from_its_successor(w: PlanWorld) -> None:
    small_dti()
    ov = selectors_dti.overview(w.manager, year=2025)  # 26 closed 2025-06-30: 2025 is read on 25
    a1 = next(s for s in ov.score.subs if s.spec.code == "A1")
    assert a1.value == pytest.approx(80)
    assert ov.score.total == pytest.approx(16)
    assert {s.spec.code for s in ov.score.missing} == {"A2", "B1", "B2", "C1"}
    assert ov.standing is None  # no published totals for 2025
    assert [h.year for h in ov.history] == [2024, 2025]
    assert ov.ranks[2024].rank == 3 and 2025 not in ov.ranks


def test_an_unknown_indicator_is_reported_and_the_rest_still_read(w: PlanWorld) -> None:
    v = small_dti()
    DtiSubIndex.objects.create(
        index=DtiIndex.objects.get(version=v, code="C"), code="C2", name_vi="?", max_points=5, dx="NOPE"
    )
    ov = selectors_dti.overview(w.manager)
    assert "NOPE" in ov.readings.problems
    assert next(s for s in ov.score.subs if s.spec.code == "A1").value == pytest.approx(70)


def test_the_province_code_can_be_set(w: PlanWorld, settings: Any) -> None:
    small_dti()
    settings.IOC_DTI_PROVINCE_CODE = "02"  # the published table names our province "02"
    ov = selectors_dti.overview(w.manager)
    assert ov.ours_published is not None and ov.ours_published.score == 68
    assert ov.standing == dti.Standing(rank=3, of=5, ahead=2, tied=0)  # 80 and 75 ahead; 26's 66 is an other now
    assert sorted(ov.others) == [60, 66, 75, 80]


def test_references_of_the_simulator(w: PlanWorld) -> None:
    v = small_dti()
    refs, kind, name = selectors_dti.references(v, 2024, "26", 1)
    assert (refs, kind, name) == ({"A": 35, "B": 45}, "province", "Hà Nội")
    refs, kind, name = selectors_dti.references(v, 2024, "26", 2)  # Lào Cai has A only: B from the top 2's mean
    assert (refs, kind, name) == ({"A": 30, "B": 45}, "mixed", "Lào Cai")
    refs, kind, _name = selectors_dti.references(v, 2024, "26", 3)  # Hà Giang has none: the top 3's means
    assert (refs, kind) == ({"A": 32.5, "B": 45}, "average")
    facts = selectors_dti.simulation(w.manager, rank=1)
    assert facts.simulation.need == pytest.approx(12.01)
    assert {g.index.spec.code: g.gap for g in facts.simulation.gaps} == {"A": pytest.approx(6), "B": pytest.approx(6)}


@pytest.mark.parametrize("who", ["officer", "other", "nobody"])
def test_only_those_who_see_the_province_read_the_dti(w: PlanWorld, who: str) -> None:
    small_dti()
    with pytest.raises(NotFound):
        selectors_dti.overview(getattr(w, who))


def test_a_leader_of_the_successor_province_reads_it(w: PlanWorld) -> None:
    small_dti()
    assert selectors_dti.overview(w.leader).score.total == pytest.approx(68)


def test_bad_year_and_rank(w: PlanWorld) -> None:
    small_dti()
    with pytest.raises(InvalidInput) as year:
        selectors_dti.overview(w.manager, year=3000)
    assert year.value.errors[0]["field"] == "year"
    with pytest.raises(InvalidInput) as rank:
        selectors_dti.simulation(w.manager, rank=0)
    assert rank.value.errors[0]["field"] == "rank"
    with pytest.raises(NotFound):
        selectors_dti.overview(w.manager, version_code="NONE")


# --- structure ------------------------------------------------------------------------------------------


def document(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "code": "V2", "name_vi": "Bộ chỉ số mới", "name_en": "New index", "decision": "QĐ thử", "total_points": 50,
        "indices": [
            {"code": "X", "name_vi": "Chỉ số X", "group": "foundation", "max_points": 20, "sub_indices": [
                {"code": "X1", "name_vi": "X1", "max_points": 20, "unit": "%", "dx": "FIBRE_HH"}]},
            {"code": "Y", "name_vi": "Chỉ số Y", "group": "activities", "max_points": 30, "sub_indices": [
                {"code": "Y1", "name_vi": "Y1", "max_points": 15, "normalisation": "score"},
                {"code": "Y2", "name_vi": "Y2", "max_points": 15, "floor": 1, "ceiling": 9, "higher_is_better": False,
                 "effort": 2.5}]},
        ],
    }  # fmt: skip
    doc.update(changes)
    return doc


def test_load_a_version_and_again(w: PlanWorld) -> None:
    v, created = services_dti.do_load_version(w.manager, document())
    assert created == 1 + 2 + 3
    assert [s.code for s in DtiSubIndex.objects.filter(index__version=v).order_by("index__sort_order", "sort_order")] == ["X1", "Y1", "Y2"]  # fmt: skip
    assert DtiSubIndex.objects.get(code="Y2").effort == 2.5
    again, created = services_dti.do_load_version(w.manager, document(name_vi="Tên mới"))
    assert (again.pk, created, again.name_vi) == (v.pk, 0, "Tên mới")
    assert AuditEntry.objects.filter(action="dti_version.load").count() == 2


def _fields(exc: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return {e["field"] for e in exc.value.errors}


def test_a_bad_version_names_each_field_and_writes_nothing(w: PlanWorld) -> None:
    doc = document()
    doc["indices"][1]["sub_indices"][1].update(floor=9, ceiling=1, effort=0)
    doc["indices"][1]["sub_indices"][0]["normalisation"] = "magic"
    doc["indices"][0]["sub_indices"][0]["dx"] = "NOT_AN_ITEM"
    doc["indices"].append({"code": "X", "name_vi": "again", "max_points": 0, "colour": "red"})
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services_dti.do_load_version(w.manager, doc)
    assert _fields(exc) >= {
        "indices[1].sub_indices[1].ceiling", "indices[1].sub_indices[1].effort",
        "indices[1].sub_indices[0].normalisation", "indices[0].sub_indices[0].dx", "indices[2].code", "indices[2]",
    }  # fmt: skip
    assert counts() == before


def test_the_main_indices_must_add_up_to_the_total(w: PlanWorld) -> None:
    with pytest.raises(InvalidInput) as exc:
        services_dti.do_load_version(w.manager, document(total_points=60))
    assert _fields(exc) == {"total_points"}


def test_only_plan_managers_change_the_structure(w: PlanWorld) -> None:
    v = small_dti()
    before = counts()
    for user in (w.officer, w.leader):
        with pytest.raises(NotAllowed):
            services_dti.do_load_version(user, document())
        with pytest.raises(NotAllowed):
            services_dti.do_update_sub_index(user, DtiSubIndex.objects.get(code="B1"), effort=9)
        with pytest.raises(NotAllowed):
            services_dti.do_set_current_version(user, v)
    assert counts() == before
    assert DtiSubIndex.objects.get(code="B1").effort == 1


def test_update_a_sub_index_and_the_current_version(w: PlanWorld) -> None:
    v = small_dti()
    b1 = services_dti.do_update_sub_index(w.manager, DtiSubIndex.objects.get(code="B1"), effort=0.5, ceiling=80)
    assert (b1.effort, b1.ceiling) == (0.5, 80)
    assert AuditEntry.objects.get(action="dti_sub_index.update").changes["effort"] == [1.0, 0.5]
    with pytest.raises(InvalidInput) as exc:
        services_dti.do_update_sub_index(w.manager, b1, floor=90, code="Z")
    assert _fields(exc) == {"ceiling", "code"}
    v2, _n = services_dti.do_load_version(w.manager, document())
    services_dti.do_set_current_version(w.manager, v2)
    assert list(DtiVersion.objects.filter(is_current=True)) == [v2]
    assert selectors_dti.version().pk == v2.pk and v.pk != v2.pk


# --- values ---------------------------------------------------------------------------------------------


def test_set_clear_and_replace_values(w: PlanWorld) -> None:
    v = small_dti(values=False)
    done = services_dti.do_set_values(w.manager, v, 2023, {"A/A2": "12,5", "B/B1": 20, "B/B2": ""}, note=" Sở TT&TT ")
    assert done == {"created": 2, "updated": 0, "deleted": 0}
    row = DtiValue.objects.get(sub_index__code="A2", year=2023)
    assert (row.value, row.note, row.by) == (12.5, "Sở TT&TT", w.manager)
    done = services_dti.do_set_values(w.manager, v, 2023, {"A/A2": 13, "B/B1": None})
    assert done == {"created": 0, "updated": 1, "deleted": 1}
    entry = AuditEntry.objects.filter(action="dti_value.set").latest("at")
    assert entry.changes == {"year": 2023, "values": {"A/A2": [12.5, 13.0], "B/B1": [20.0, None]}}


def test_bad_values_are_named_and_nothing_is_written(w: PlanWorld) -> None:
    v = small_dti()
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services_dti.do_set_values(
            w.manager, v, 2024, {"A/A2": 25, "B/B1": "abc", "A/A1": 101, "Z/Z9": 1, "B/B2": 3, "C/C1": "nan"}
        )
    by_field = {e["field"]: e["message"] for e in exc.value.errors}
    assert set(by_field) == {"A/A2", "B/B1", "A/A1", "Z/Z9", "C/C1"}  # B2 = 3 days is fine
    assert "0 to 20" in by_field["A/A2"]
    assert "not a number" in by_field["B/B1"]
    assert "between 0 and 100" in by_field["A/A1"]
    assert counts() == before
    assert DtiValue.objects.get(sub_index__code="B2", year=2024).value == 7
    with pytest.raises(InvalidInput) as year:
        services_dti.do_set_values(w.manager, v, 1800, {"A/A2": 1})
    assert _fields(year) == {"year"}


def test_only_plan_managers_enter_values(w: PlanWorld) -> None:
    v = small_dti()
    before = counts()
    for user in (w.officer, w.leader, w.nobody):
        with pytest.raises(NotAllowed):
            services_dti.do_set_values(user, v, 2024, {"A/A2": 1})
    assert counts() == before
    services_dti.do_set_values(w.admin, v, 2024, {"A/A2": 1})
    assert DtiValue.objects.get(sub_index__code="A2", year=2024).value == 1


# --- published scores -----------------------------------------------------------------------------------


def test_import_csv_with_bom_semicolons_and_vietnamese_headings(w: PlanWorld) -> None:
    v = small_dti(published=False)
    text = "Năm;Mã tỉnh;Tỉnh;Chỉ số;Điểm;Nguồn\n2024;01;Hà Nội;;80,5;Bộ TT&TT\n2024;01;Hà Nội;A;35;\n\n2023;26;Vĩnh Phúc;;61;\n"
    done = services_dti.do_import_published(w.manager, v, ("\ufeff" + text).encode("utf-8"))
    assert done == {"created": 3, "updated": 0}
    total = DtiPublishedScore.objects.get(province_code="01", year=2024, index__isnull=True)
    assert (total.score, total.province_name, total.source) == (80.5, "Hà Nội", "Bộ TT&TT")
    assert DtiPublishedScore.objects.get(province_code="01", index__code="A").score == 35
    again = "year,province_code,province_name,index,score\n2024,01,Hà Nội,,81\n"
    assert services_dti.do_import_published(w.manager, v, again.encode()) == {"created": 0, "updated": 1}
    assert DtiPublishedScore.objects.get(province_code="01", year=2024, index__isnull=True).score == 81


def test_import_errors_name_row_field_and_why_and_write_nothing(w: PlanWorld) -> None:
    v = small_dti()
    text = (
        "year,province_code,province_name,index,score,source\n"
        "2024,05,Tỉnh Năm,,55,\n"  # fine (line 2)
        "20x4,06,Tỉnh Sáu,,50,\n"  # line 3: year
        "2024,07,,B,70,\n"  # line 4: name; B's maximum is 60
        "2024,08,Tỉnh Tám,Q,5,\n"  # line 5: no such index
        "2024,09,Tỉnh Chín,C,5,\n"  # line 6: C is not scored
        "2024,10,Tỉnh Mười,,abc,\n"  # line 7: score
        "2024,05,Tỉnh Năm,,56,\n"  # line 8: twice
        "2024,11,Tỉnh Mười một,,101,\n"  # line 9: past the version's 100
    )
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services_dti.do_import_published(w.manager, v, text.encode())
    found = {(e["row"], e["field"]) for e in exc.value.errors}
    assert found == {
        (3, "year"), (4, "province_name"), (4, "score"), (5, "index"), (6, "index"), (7, "score"),
        (8, "province_code"), (9, "score"),
    }  # fmt: skip
    assert all(e["message"] for e in exc.value.errors)
    assert "row 3" in exc.value.message
    assert counts() == before


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("Tỉnh,điểm\nHà Nội,5\n".encode("cp1258", errors="replace") + b"\xff", "not UTF-8"),
        (b"", "empty"),
        (b"year,province_name,score\n2024,X,5\n", "Columns missing: province_code"),
        (b"year,province_code,province_name,score\n", "no rows"),
    ],
)
def test_unreadable_files(w: PlanWorld, content: bytes, says: str) -> None:
    v = small_dti()
    with pytest.raises(InvalidInput) as exc:
        services_dti.do_import_published(w.manager, v, content)
    assert says in exc.value.message


def test_import_json_rows_and_who_may(w: PlanWorld) -> None:
    v = small_dti(published=False)
    rows: list[dict[str, Any]] = [
        {"year": 2024, "province_code": "01", "province_name": "Hà Nội", "score": 70},
        {"year": 2024},
    ]
    with pytest.raises(InvalidInput) as exc:
        services_dti.do_import_published(w.manager, v, rows)
    assert {(e["row"], e["field"]) for e in exc.value.errors} == {
        (2, "province_code"),
        (2, "province_name"),
        (2, "score"),
    }
    assert not DtiPublishedScore.objects.exists()
    with pytest.raises(NotAllowed):
        services_dti.do_import_published(w.officer, v, rows[:1])
    assert not DtiPublishedScore.objects.exists()
    assert services_dti.do_import_published(w.manager, v, rows[:1]) == {"created": 1, "updated": 0}
    assert services_dti.do_delete_published(w.manager, v, 2024) == 1
