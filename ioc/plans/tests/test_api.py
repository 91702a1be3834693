"""The plans API (/api/v1/plans): reads scoped like the pages, writes by the right users only, errors naming
the field, and nothing written when a request is refused."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from ioc.accounts.models import Role, User
from ioc.accounts.testing import bearer, english, make_user, token_for
from ioc.audit.models import AuditEntry
from ioc.plans import api, forecast
from ioc.plans.models import Target, TargetReport, Task, TaskUpdate
from ioc.plans.refresh import refresh_all
from ioc.plans.testing import TODAY, PlanWorld, build_plan_world, put_yearly

pytestmark = pytest.mark.django_db
URL = "/api/v1/plans"


@pytest.fixture
def w(monkeypatch: pytest.MonkeyPatch) -> PlanWorld:
    monkeypatch.setattr(api, "today", lambda: TODAY)
    return build_plan_world()


def session(user: User) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


def send(client: Client, method: str, path: str, body: Any) -> Any:
    call = getattr(client, method)
    return call(f"{URL}/{path}", data=json.dumps(body), content_type="application/json")


def fields_of(response: Any) -> set[str]:
    """The fields an error names (a malformed body's are "payload.<field>" from Ninja; read as "<field>")."""
    return {e["field"].removeprefix("payload.") for e in response.json().get("errors") or []}


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def snapshot() -> tuple[int, ...]:
    """Counts of everything a write could touch: unchanged after a refused request."""
    return (
        Task.objects.count(),
        Target.objects.count(),
        TaskUpdate.objects.count(),
        TargetReport.objects.count(),
        AuditEntry.objects.count(),
    )


# --- reads ---------------------------------------------------------------------------------------------


def test_plans_the_reader_sees(w: PlanWorld) -> None:
    body = session(w.manager).get(f"{URL}/").json()
    assert body["count"] == 1
    plan = body["items"][0]
    assert (plan["code"], plan["full_view"], plan["org_unit"]["code"]) == ("CDS", True, "26")
    assert [p["code"] for p in plan["pillars"]] == ["HT", "CQS"]
    assert plan["pillars"][0]["name"] == "Digital infrastructure"
    assert session(w.officer).get(f"{URL}/").json()["items"][0]["full_view"] is False
    assert session(w.nobody).get(f"{URL}/").json() == {"items": [], "count": 0}
    assert session(w.officer).get(URL).json()["count"] == 1  # without the slash too


def test_tasks_carry_their_flags(w: PlanWorld) -> None:
    body = session(w.manager).get(f"{URL}/tasks").json()
    assert body["count"] == 3
    nv01 = body["items"][0]
    assert nv01["code"] == "NV01" and nv01["title"] == "Fibre to every village"
    assert nv01["title_vi"] == "Phát triển hạ tầng cáp quang đến thôn, xóm"
    assert nv01["lead_agency"] == {"code": "STTTT", "name": "Department of Information and Communications"}
    assert nv01["cooperating_agencies"] == [{"code": "SYT", "name": "Department of Health"}]
    assert (nv01["overdue"], nv01["days_overdue"], nv01["stalled"]) == (True, 166, True)
    assert (nv01["due"], nv01["progress"], nv01["status"]) == ("2025-12-31", 60, "in_progress")
    nv02, nv03 = body["items"][1:]
    assert (nv02["overdue"], nv02["stalled"], nv02["due_soon"]) == (False, False, True)
    assert (nv03["completed"], nv03["overdue"], nv03["pillar"]) == ("2025-06-20", False, None)


def test_the_language_follows_accept_language_and_lang(w: PlanWorld) -> None:
    plain = Client(HTTP_ACCEPT_LANGUAGE="vi")
    plain.force_login(w.manager)
    assert plain.get(f"{URL}/tasks").json()["items"][0]["title"] == "Phát triển hạ tầng cáp quang đến thôn, xóm"
    assert plain.get(f"{URL}/tasks?lang=en").json()["items"][0]["title"] == "Fibre to every village"
    english_client = session(w.manager)
    assert english_client.get(f"{URL}/tasks/NV01?lang=vi").json()["lead_agency"]["name"] == (
        "Sở Thông tin và Truyền thông"
    )
    refused = english_client.get(f"{URL}/tasks?lang=fr")
    assert refused.status_code == 400 and fields_of(refused) == {"lang"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("overdue=true", ["NV01"]),
        ("overdue=false", ["NV02", "NV03"]),
        ("pillar=CQS", ["NV02"]),
        ("pillar=-", ["NV03"]),
        ("agency=SGDDT", ["NV02", "NV03"]),
        ("status=done", ["NV03"]),
        ("plan=CDS&status=in_progress", ["NV01", "NV02"]),
    ],
)
def test_task_filters(w: PlanWorld, query: str, expected: list[str]) -> None:
    assert codes(session(w.manager).get(f"{URL}/tasks?{query}")) == expected


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("tasks?status=late", 400, "status"),
        ("tasks?pillar=XX", 400, "pillar"),
        ("tasks?agency=NOPE", 400, "agency"),
        ("tasks?overdue=maybe", 422, "overdue"),
        ("tasks?plan=NOPE", 404, "plan"),
        ("targets?status=late", 400, "status"),
        ("targets?mandatory=perhaps", 422, "mandatory"),
        ("targets?agency=NOPE", 400, "agency"),
    ],
)
def test_bad_filters_name_the_field(w: PlanWorld, path: str, status: int, field: str) -> None:
    response = session(w.manager).get(f"{URL}/{path}")
    assert response.status_code == status, response.content
    assert fields_of(response) == {field}


def test_reads_are_scoped(w: PlanWorld) -> None:
    officer = session(w.officer)  # syt: leads NV02, cooperates on NV01, responsible for CT02
    assert codes(officer.get(f"{URL}/tasks")) == ["NV01", "NV02"]
    assert codes(officer.get(f"{URL}/targets")) == ["CT02"]
    assert officer.get(f"{URL}/tasks/NV03").status_code == 404
    assert officer.get(f"{URL}/tasks/NV01").json()["targets"] == []  # CT01 is not syt's
    assert session(w.manager).get(f"{URL}/tasks/NV01").json()["targets"] == ["CT01"]
    assert officer.get(f"{URL}/targets/CT01").status_code == 404
    assert officer.get(f"{URL}/targets/CT03/reports").status_code == 404
    other = session(w.other)  # sgddt: cooperates on NV02, leads NV03, responsible for CT03
    assert codes(other.get(f"{URL}/tasks")) == ["NV02", "NV03"]
    assert codes(other.get(f"{URL}/targets")) == ["CT03"]
    leader = session(w.leader)  # the whole plan through the succession Vĩnh Phúc 26 → Phú Thọ 25
    assert codes(leader.get(f"{URL}/targets")) == ["CT01", "CT02", "CT03"]
    nobody = session(w.nobody)
    assert nobody.get(f"{URL}/tasks").status_code == 404
    assert nobody.get(f"{URL}/targets/CT01").status_code == 404


def test_tokens_need_data_read(w: PlanWorld) -> None:
    assert bearer(token_for(w.leader, ["data:read"])).get(f"{URL}/tasks").status_code == 200
    refused = bearer(token_for(w.leader, ["metadata:read"])).get(f"{URL}/tasks")
    assert refused.status_code == 403 and "data:read" in refused.json()["message"]
    assert Client().get(f"{URL}/tasks").status_code == 401


def test_targets_carry_their_verdicts(w: PlanWorld) -> None:
    put_yearly(w, {2022: 50, 2023: 58, 2024: 63, 2025: 66})
    refresh_all(today=TODAY)
    body = session(w.manager).get(f"{URL}/targets").json()
    assert body["count"] == 3
    by_code = {t["code"]: t for t in body["items"]}
    ct1 = by_code["CT01"]
    assert (ct1["source"], ct1["dx"], ct1["unit"], ct1["direction"]) == ("analytics", "FIBRE_HH", "%", "increase")
    assert ct1["baseline"] == {"value": 45.0, "date": "2021-12-31"}
    assert (ct1["target_value"], ct1["deadline"], ct1["mandatory"]) == (80.0, "2025-12-31", True)
    assert ct1["responsible_agency"]["code"] == "STTTT" and ct1["task"]["code"] == "NV01"
    assert (ct1["current_value"], ct1["current_date"]) == (66.0, "2025-12-31")
    assert ct1["status"] in {"off_track", "infeasible"}  # 66 % at the deadline of 80 %
    assert [m["date"] for m in ct1["milestones"]] == ["2023-12-31", "2030-12-31"]
    assert ct1["milestones"][1]["value"] == 95.0
    for target in body["items"]:
        assert target["status"] in {"achieved", "on_track", "at_risk", "off_track", "infeasible", "insufficient_data"}
        assert target["computed_at"] and target["explanation"]
    ct3 = by_code["CT03"]  # a baseline and no report
    assert (ct3["status"], ct3["probability"], ct3["mandatory"]) == ("insufficient_data", None, False)
    stored = Target.objects.get(code="CT02").forecast
    with translation.override("en"):
        assert by_code["CT02"]["explanation"] == forecast.explain(stored.details)
    assert by_code["CT02"]["probability"] == stored.probability
    assert by_code["CT02"]["proposed_date"] == (stored.proposed_date.isoformat() if stored.proposed_date else None)
    vietnamese = session(w.manager).get(f"{URL}/targets?lang=vi").json()["items"][1]
    with translation.override("vi"):
        assert vietnamese["explanation"] == forecast.explain(stored.details)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("mandatory=false", ["CT03"]), ("mandatory=true", ["CT01", "CT02"]), ("agency=SYT", ["CT02"]),
     ("pillar=HT", ["CT01"]), ("status=insufficient_data", ["CT01", "CT03"]), ("status=pending", [])],
)  # fmt: skip
def test_target_filters(w: PlanWorld, query: str, expected: list[str]) -> None:
    """(No values of CT01 are written: like CT03 it has only its baseline.)"""
    refresh_all(today=TODAY)
    assert codes(session(w.manager).get(f"{URL}/targets?{query}")) == expected


def test_a_target_has_its_history_and_fan(w: PlanWorld) -> None:
    refresh_all(today=TODAY)
    body = session(w.officer).get(f"{URL}/targets/CT02").json()
    assert [(p["date"], p["value"]) for p in body["points"]] == [
        ("2022-01-01", 10.0), ("2023-06-30", 30.0), ("2024-06-30", 50.0), ("2025-06-30", 65.0),
    ]  # fmt: skip
    assert body["fan"] and {"date", "p10", "p50", "p90"} <= set(body["fan"][0])
    assert body["fan"][0]["p10"] <= body["fan"][0]["p50"] <= body["fan"][0]["p90"]
    assert (body["lower_bound"], body["upper_bound"], body["series_period"]) == (0.0, 100.0, "Yearly")
    reports = session(w.officer).get(f"{URL}/targets/CT02/reports").json()
    assert [(r["date"], r["value"], r["by"]) for r in reports["items"]] == [
        ("2023-06-30", 30.0, "Lê Thị Hạnh"), ("2024-06-30", 50.0, "Lê Thị Hạnh"), ("2025-06-30", 65.0, "Lê Thị Hạnh"),
    ]  # fmt: skip


def test_a_target_without_a_verdict_yet(w: PlanWorld) -> None:
    body = session(w.manager).get(f"{URL}/targets/CT03").json()
    assert (body["status"], body["computed_at"], body["explanation"], body["points"]) == (None, None, "", [])


def test_the_openapi_schema_builds(w: PlanWorld) -> None:
    schema = session(w.manager).get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/plans/tasks", "/api/v1/plans/targets/{code}/reports", "/api/v1/plans/tasks/{code}"):
        assert path in paths, path


# --- task writes ---------------------------------------------------------------------------------------

NEW_TASK = {
    "code": "NV04", "title_vi": "Xây dựng trung tâm dữ liệu", "title_en": "Build the data centre", "pillar": "HT",
    "lead_agency": "SYT", "cooperating_agencies": ["SGDDT", "STTTT"], "start": "2026-01-01", "due": "2027-06-30",
}  # fmt: skip


def test_a_manager_creates_a_task(w: PlanWorld) -> None:
    response = send(session(w.manager), "post", "tasks?plan=CDS", NEW_TASK)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["title"], body["status"], body["progress"]) == (
        "NV04",
        "Build the data centre",
        "not_started",
        0,
    )
    assert [a["code"] for a in body["cooperating_agencies"]] == ["SGDDT", "STTTT"]
    assert body["lead_agency"]["code"] == "SYT" and body["pillar"]["code"] == "HT"
    assert [(e["action"], e["via"]) for e in body["history"]] == [("task.create", "api")]
    assert Task.objects.get(code="NV04").cooperating_agencies.count() == 2
    token = bearer(token_for(w.manager, ["plans:write"]))
    assert send(token, "post", "tasks", {**NEW_TASK, "code": "NV05"}).status_code == 201


@pytest.mark.parametrize(
    ("change", "status", "fields"),
    [
        ({"lead_agency": "NOPE"}, 400, {"lead_agency"}),
        ({"cooperating_agencies": ["SYT", "NOPE"]}, 400, {"cooperating_agencies"}),
        ({"pillar": "XX"}, 400, {"pillar"}),
        ({"code": "NV01"}, 400, {"code"}),
        ({"due": "2025-12-31"}, 400, {"due"}),  # before the start
        ({"status": "late"}, 400, {"status"}),
        ({"progress": 140}, 400, {"progress"}),
        ({"due": "30/06/2027"}, 422, {"due"}),
        ({"title_vi": None}, 422, {"title_vi"}),
    ],
)
def test_bad_tasks_are_refused_naming_the_field(
    w: PlanWorld, change: dict[str, Any], status: int, fields: set[str]
) -> None:
    before = snapshot()
    response = send(session(w.manager), "post", "tasks", {**NEW_TASK, **change})
    assert response.status_code == status, response.content
    assert fields_of(response) == fields
    assert snapshot() == before


def test_only_plan_managers_create_tasks(w: PlanWorld) -> None:
    before = snapshot()
    for client in (session(w.officer), session(w.leader), bearer(token_for(w.manager, ["data:read"]))):
        assert send(client, "post", "tasks", NEW_TASK).status_code == 403
    refused = send(bearer(token_for(w.manager, ["data:read"])), "post", "tasks", NEW_TASK)
    assert "plans:write" in refused.json()["message"]
    assert snapshot() == before


def test_the_lead_agency_reports_progress_on_its_task(w: PlanWorld) -> None:
    officer = session(w.officer)  # syt leads NV02
    changed = send(officer, "patch", "tasks/NV02", {"progress": 55})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["progress"], Task.objects.get(code="NV02").progress) == (55, 55)
    update = send(officer, "post", "tasks/NV02/updates", {"text": "Đã cấp 12.000 hồ sơ", "progress": 60,
                                                          "link": "https://syt.vinhphuc.gov.vn/bao-cao"})  # fmt: skip
    assert update.status_code == 201, update.content
    assert (update.json()["by"], update.json()["progress"], update.json()["attachment"]) == ("Lê Thị Hạnh", 60, None)
    task = Task.objects.get(code="NV02")
    assert task.progress == 60 and task.updates.count() == 1
    assert task.last_reported is not None and task.last_reported.date() > dt.date(2026, 6, 1)
    detail = officer.get(f"{URL}/tasks/NV02").json()
    assert [u["text"] for u in detail["updates"]] == ["Đã cấp 12.000 hồ sơ"]
    assert [e["action"] for e in detail["history"]] == ["task.report", "task.update"]


def test_agencies_cannot_change_other_tasks_or_more_than_progress(w: PlanWorld) -> None:
    before = snapshot()
    officer = session(w.officer)
    # NV01: syt only cooperates on it (sees it, may not change it)
    assert send(officer, "patch", "tasks/NV01", {"progress": 90}).status_code == 403
    assert send(officer, "post", "tasks/NV01/updates", {"text": "Xong"}).status_code == 403
    # NV02 is syt's own, but its title and due date are the plan manager's
    assert send(officer, "patch", "tasks/NV02", {"due": "2027-12-31"}).status_code == 403
    # sgddt cooperates on NV02: sees it, may not report on it; NV01 it does not see at all
    other = session(w.other)
    assert send(other, "post", "tasks/NV02/updates", {"text": "Xong", "progress": 100}).status_code == 403
    assert send(other, "patch", "tasks/NV01", {"progress": 90}).status_code == 404
    # a leader reads only; a token without plans:write writes nothing
    assert send(session(w.leader), "patch", "tasks/NV01", {"progress": 90}).status_code == 403
    token = bearer(token_for(w.officer, ["data:read", "data:write"]))
    assert send(token, "post", "tasks/NV02/updates", {"text": "Xong"}).status_code == 403
    assert snapshot() == before
    assert (Task.objects.get(code="NV01").progress, Task.objects.get(code="NV02").progress) == (60, 40)


def test_task_patch_errors(w: PlanWorld) -> None:
    manager = session(w.manager)
    before = snapshot()
    nulled = send(manager, "patch", "tasks/NV01", {"title_vi": None, "due": None})
    assert nulled.status_code == 400 and fields_of(nulled) == {"title_vi", "due"}
    bad = send(manager, "patch", "tasks/NV01", {"lead_agency": "NOPE", "progress": -1})
    assert bad.status_code in (400, 422) and "lead_agency" in fields_of(bad)
    empty = send(manager, "post", "tasks/NV01/updates", {"text": "  ", "status": "late"})
    assert empty.status_code == 400 and fields_of(empty) == {"text", "status"}
    assert send(manager, "patch", "tasks/NV99", {"progress": 1}).status_code == 404
    assert snapshot() == before
    cleared = send(manager, "patch", "tasks/NV01", {"pillar": None, "cooperating_agencies": []})
    assert cleared.status_code == 200 and (cleared.json()["pillar"], cleared.json()["cooperating_agencies"]) == (
        None,
        [],
    )


# --- target writes -------------------------------------------------------------------------------------

NEW_TARGET = {
    "code": "CT04", "name_vi": "Tỷ lệ hồ sơ trực tuyến toàn trình", "name_en": "Full-process online files",
    "pillar": "CQS", "task": "NV02", "unit": "%", "baseline": {"value": 20, "date": "2023-12-31"},
    "target_value": 80, "deadline": "2027-12-31", "responsible_agency": "SYT", "lower_bound": 0, "upper_bound": 100,
    "milestones": [{"date": "2025-12-31", "value": 50}, {"date": "2030-12-31", "value": 95, "note": "Định hướng 2030"}],
}  # fmt: skip


def test_a_manager_creates_a_target_with_milestones(w: PlanWorld, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = send(session(w.manager), "post", "targets", NEW_TARGET)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["name"], body["source"], body["mandatory"]) == (
        "CT04",
        "Full-process online files",
        "manual",
        True,
    )
    assert body["baseline"] == {"value": 20.0, "date": "2023-12-31"}
    assert (body["pillar"]["code"], body["task"]["code"], body["responsible_agency"]["code"]) == ("CQS", "NV02", "SYT")
    assert [(m["date"], m["value"], m["note"]) for m in body["milestones"]] == [
        ("2025-12-31", 50.0, ""), ("2030-12-31", 95.0, "Định hướng 2030"),
    ]  # fmt: skip
    assert [(e["action"], e["via"]) for e in body["history"]] == [("target.create", "api")]
    # the verdict is computed after the commit: one baseline point is too little data
    assert session(w.manager).get(f"{URL}/targets/CT04").json()["status"] == "insufficient_data"
    live = {**NEW_TARGET, "code": "CT05", "source": "analytics", "dx": "FIBRE_HH", "org_unit": "26", "milestones": []}
    created = send(bearer(token_for(w.manager, ["plans:write", "data:read"])), "post", "targets", live)
    assert created.status_code == 201, created.content
    assert (created.json()["dx"], created.json()["org_unit"]["code"]) == ("FIBRE_HH", "26")


@pytest.mark.parametrize(
    ("change", "status", "fields"),
    [
        ({"responsible_agency": "NOPE"}, 400, {"responsible_agency"}),
        ({"deadline": "2023-06-30"}, 400, {"baseline.date"}),  # before the baseline
        ({"baseline": {"value": 20}}, 400, {"baseline.date"}),
        ({"source": "analytics", "dx": "NOPE"}, 400, {"dx"}),
        ({"source": "analytics"}, 400, {"dx"}),
        ({"target_value": 120}, 400, {"target_value"}),
        ({"pillar": "XX", "task": "NV99"}, 400, {"pillar", "task"}),
        ({"org_unit": "99999"}, 400, {"org_unit"}),
        ({"direction": "up"}, 400, {"direction"}),
        ({"code": "CT01"}, 400, {"code"}),
        ({"milestones": [{"date": "2025-12-31", "value": 150}]}, 400, {"milestones"}),
        ({"deadline": "2027-13-01"}, 422, {"deadline"}),
        ({"target_value": "tám mươi"}, 422, {"target_value"}),
        ({"milestones": [{"date": "cuối năm", "value": 50}]}, 422, {"milestones.0.date"}),
    ],
)
def test_bad_targets_are_refused_naming_the_field(
    w: PlanWorld, change: dict[str, Any], status: int, fields: set[str]
) -> None:
    before = snapshot()
    response = send(session(w.manager), "post", "targets", {**NEW_TARGET, **change})
    assert response.status_code == status, response.content
    assert fields_of(response) == fields
    assert snapshot() == before
    if "baseline.date" in fields:
        assert response.json()["message"].startswith("baseline.date: ")


def test_only_plan_managers_create_and_change_targets(w: PlanWorld) -> None:
    before = snapshot()
    for client in (session(w.officer), session(w.leader), bearer(token_for(w.manager, ["data:read"]))):
        assert send(client, "post", "targets", NEW_TARGET).status_code == 403
        assert send(client, "patch", "targets/CT02", {"target_value": 70}).status_code in (403, 404)
    assert send(session(w.officer), "patch", "targets/CT02", {"target_value": 70}).status_code == 403  # its own
    assert send(session(w.other), "patch", "targets/CT02", {"target_value": 70}).status_code == 404  # not seen
    assert snapshot() == before
    assert Target.objects.get(code="CT02").target_value == 90


def test_a_manager_changes_a_target(w: PlanWorld) -> None:
    manager = session(w.manager)
    body = {"target_value": 85, "baseline": {"value": 12, "date": "2022-01-01"}, "mandatory": False,
            "milestones": [{"date": "2025-12-31", "value": 70}]}  # fmt: skip
    changed = send(manager, "patch", "targets/CT02", body)
    assert changed.status_code == 200, changed.content
    out = changed.json()
    assert (out["target_value"], out["baseline"], out["mandatory"]) == (
        85.0,
        {"value": 12.0, "date": "2022-01-01"},
        False,
    )
    assert [(m["date"], m["value"]) for m in out["milestones"]] == [("2025-12-31", 70.0)]
    assert out["history"][0]["action"] == "target.update"
    before = snapshot()
    for bad, field in (({"deadline": "2021-12-31"}, "baseline.date"), ({"name_vi": None}, "name_vi"),
                       ({"responsible_agency": "NOPE"}, "responsible_agency")):  # fmt: skip
        refused = send(manager, "patch", "targets/CT02", bad)
        assert refused.status_code == 400 and fields_of(refused) == {field}, refused.content
    assert snapshot() == before
    cleared = send(manager, "patch", "targets/CT02", {"pillar": None, "task": None, "milestones": []})
    assert (cleared.json()["pillar"], cleared.json()["task"], cleared.json()["milestones"]) == (None, None, [])


# --- reported values -----------------------------------------------------------------------------------


def test_the_responsible_agency_reports_values(w: PlanWorld, django_capture_on_commit_callbacks: Any) -> None:
    officer = session(w.officer)
    with django_capture_on_commit_callbacks(execute=True):
        one = send(officer, "post", "targets/CT02/reports", {"date": "2025-12-31", "value": 72.5, "note": "Quý IV",
                                                              "link": "https://syt.vinhphuc.gov.vn/hssk"})  # fmt: skip
    assert one.status_code == 201, one.content
    assert one.json()["items"][0] == {
        **one.json()["items"][0],
        "date": "2025-12-31",
        "value": 72.5,
        "by": "Lê Thị Hạnh",
    }
    assert session(w.manager).get(f"{URL}/targets/CT02").json()["current_value"] == 72.5  # recomputed
    several = send(officer, "post", "targets/CT02/reports",
                   {"reports": [{"date": "2026-03-31", "value": 75}, {"date": "2025-12-31", "value": 73}]})  # fmt: skip
    assert several.status_code == 201 and several.json()["count"] == 2
    listed = officer.get(f"{URL}/targets/CT02/reports").json()
    assert [(r["date"], r["value"]) for r in listed["items"]][-3:] == [
        ("2025-06-30", 65.0),
        ("2025-12-31", 73.0),
        ("2026-03-31", 75.0),
    ]  # fmt: skip  (the same date replaces)
    assert (
        send(session(w.manager), "post", "targets/CT03/reports", {"date": "2025-06-30", "value": 9}).status_code == 201
    )


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        (
            {"reports": [{"date": "2025-12-31", "value": 70}, {"date": "2099-12-31", "value": 75}]},
            400,
            {"reports[1].date"},
        ),
        (
            {"reports": [{"date": "2025-12-31", "value": 70}, {"date": "2026-03-31", "value": 120}]},
            400,
            {"reports[1].value"},
        ),
        (
            {"reports": [{"date": "2025-12-31", "value": 70}, {"date": "31/03/2026", "value": 75}]},
            422,
            {"reports.1.date"},
        ),
        ({"date": "2025-12-31", "value": 70, "reports": [{"date": "2026-03-31", "value": 75}]}, 400, {"reports"}),
        ({"reports": []}, 400, {"reports"}),
        ({"date": "2025-12-31"}, 400, {"value"}),
        ({"value": 70, "link": "not a link"}, 400, {"date"}),
        ({"date": "2025-12-31", "value": 70, "link": "không phải đường dẫn"}, 400, {"link"}),
        ({"date": "2025-12-31", "value": "bảy mươi"}, 422, {"value"}),
    ],
)
def test_bad_reports_write_nothing(w: PlanWorld, body: dict[str, Any], status: int, fields: set[str]) -> None:
    before = snapshot()
    response = send(session(w.officer), "post", "targets/CT02/reports", body)
    assert response.status_code == status, response.content
    assert fields_of(response) == fields
    assert snapshot() == before


def test_reports_from_the_wrong_side_are_refused(w: PlanWorld) -> None:
    watcher = make_user("gd_xem", [Role.DATA_OFFICER], view=[w.units["p"]], agency=w.sgddt)  # sees CT02, not its own
    value = {"date": "2025-12-31", "value": 70}
    before = snapshot()
    refused = send(session(watcher), "post", "targets/CT02/reports", value)
    assert refused.status_code == 403 and "Department of Health" in refused.json()["message"]
    assert send(session(w.leader), "post", "targets/CT02/reports", value).status_code == 403
    assert send(session(w.other), "post", "targets/CT02/reports", value).status_code == 404
    assert (
        send(
            bearer(token_for(w.officer, ["data:read", "data:write"])), "post", "targets/CT02/reports", value
        ).status_code
        == 403
    )
    live = send(session(w.manager), "post", "targets/CT01/reports", value)
    assert live.status_code == 400 and fields_of(live) == {"source"}
    assert "analytics" in live.json()["message"] and "FIBRE_HH" in live.json()["message"]
    assert snapshot() == before
    token = bearer(token_for(w.officer, ["plans:write"]))
    assert send(token, "post", "targets/CT02/reports", value).status_code == 201


def test_session_writes_need_the_csrf_token(w: PlanWorld) -> None:
    client = english(Client(enforce_csrf_checks=True))
    client.force_login(w.officer)
    before = snapshot()
    assert send(client, "post", "targets/CT02/reports", {"date": "2025-12-31", "value": 70}).status_code == 403
    assert snapshot() == before


def test_lists_take_the_same_queries_however_many_items(w: PlanWorld) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = session(w.manager)

    def queries(path: str) -> int:
        client.get(path)  # warm the per-request caches' first use out of the count
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured.captured_queries)

    before = (queries(f"{URL}/tasks"), queries(f"{URL}/targets"))
    for i in range(5):
        task = Task.objects.create(plan=w.plan, code=f"X{i}", title_vi=f"Thêm {i}", lead_agency=w.stttt, due=TODAY)
        Target.objects.create(
            plan=w.plan, code=f"Y{i}", name_vi=f"Thêm {i}", target_value=1, deadline=TODAY,
            responsible_agency=w.stttt, task=task,
        )  # fmt: skip
    assert (queries(f"{URL}/tasks"), queries(f"{URL}/targets")) == before
