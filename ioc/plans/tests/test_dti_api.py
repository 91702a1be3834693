"""/api/v1/plans/dti: the shapes of the answers (the small version of test_dti_services), scopes (a token needs
data:read to read, plans:write to write, and its user the plan manager role) and that a refused or bad write
writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ioc.accounts.models import ApiToken, User
from ioc.accounts.testing import bearer, english, token_for
from ioc.plans.models_dti import DtiPublishedScore, DtiValue
from ioc.plans.testing import PlanWorld, build_plan_world, put_yearly
from ioc.plans.tests.test_dti_services import counts, small_dti

pytestmark = pytest.mark.django_db
URL = "/api/v1/plans/dti"
READ, WRITE = ApiToken.Scope.DATA_READ, ApiToken.Scope.PLANS_WRITE


@pytest.fixture
def w() -> PlanWorld:
    world = build_plan_world()
    put_yearly(world, {2024: 70.0})
    small_dti()
    return world


def session(user: User) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


def post(client: Client, path: str, body: Any, content_type: str = "application/json") -> Any:
    data = json.dumps(body) if content_type == "application/json" else body
    return client.post(f"{URL}/{path}", data=data, content_type=content_type)


def test_versions(w: PlanWorld) -> None:
    body = session(w.leader).get(URL).json()
    assert body["count"] == 1
    version = body["items"][0]
    assert (version["code"], version["total_points"], version["is_current"]) == ("T", 100, True)
    assert [i["code"] for i in version["indices"]] == ["A", "B", "C"]
    a1 = version["indices"][0]["sub_indices"][0]
    assert a1 == {
        "code": "A1", "name": "Hộ có cáp quang", "max_points": 20, "normalisation": "linear", "floor": 0,
        "ceiling": 100, "higher_is_better": True, "unit": "%", "dx": "FIBRE_HH", "effort": 1,
    }  # fmt: skip


def test_score(w: PlanWorld) -> None:
    body = session(w.manager).get(f"{URL}/score?year=2024").json()
    assert body["year"] == 2024 and body["total"] == 68 and body["max_total"] == 100
    assert body["province"] == {"code": "26", "name": "Tỉnh Vĩnh Phúc", "plan": "CDS"}
    assert [(i["code"], i["points"], i["max_points"], i["scored"]) for i in body["indices"]] == [
        ("A", 29, 40, True), ("B", 39, 60, True), ("C", 0, None, False),
    ]  # fmt: skip
    a1 = body["indices"][0]["sub_indices"][0]
    assert (a1["key"], a1["value"], a1["source"], a1["points"]) == ("A/A1", 70, "analytics", 14)
    assert body["missing"] == ["C/C1"]
    assert body["rank"] == {"rank": 3, "of": 5, "ahead": 2, "tied": 1}
    assert body["published_total"] == 66
    assert body["history"] == [{"year": 2024, "total": 68, "rank": {"rank": 3, "of": 5, "ahead": 2, "tied": 1}}]


def test_simulate(w: PlanWorld) -> None:
    body = session(w.manager).get(f"{URL}/simulate?rank=1").json()
    assert (body["target_rank"], body["threshold"], body["need"], body["reachable"], body["already"]) == (
        1, 80, 12.01, True, False,
    )  # fmt: skip
    assert [(s["index"], s["code"], s["gain"], s["value_after"]) for s in body["steps"]] == [
        ("A", "A1", 6, 100), ("B", "B1", 6, 50), ("A", "A2", 0.01, 15.01),
    ]  # fmt: skip
    assert body["gaps"][0] == {
        "index": "A", "name": "Nền tảng A", "points": 29, "max_points": 40, "reference": 35, "gap": 6, "after": 35.01,
    }  # fmt: skip
    assert body["reference"] == {"kind": "province", "province": "Hà Nội"}
    assert session(w.manager).get(f"{URL}/simulate?rank=3").json()["already"] is True


def test_bad_queries(w: PlanWorld) -> None:
    client = session(w.manager)
    assert client.get(f"{URL}/simulate?rank=0").json()["errors"][0]["field"] == "rank"
    assert client.get(f"{URL}/score?year=abc").status_code == 422
    assert client.get(f"{URL}/score?version=NOPE").status_code == 404


@pytest.mark.parametrize("who", ["officer", "nobody"])
def test_reads_need_a_view_of_the_province(w: PlanWorld, who: str) -> None:
    client = session(getattr(w, who))
    for path in ("", "/score", "/simulate"):
        assert client.get(URL + path).status_code == 404


def test_tokens(w: PlanWorld) -> None:
    reader = bearer(token_for(w.manager, [READ]))
    assert reader.get(f"{URL}/score").status_code == 200
    before = counts()
    refused = post(reader, "values", {"year": 2024, "values": {"A/A2": 1}})
    assert refused.status_code == 403 and "plans:write" in refused.json()["message"]
    writer = bearer(token_for(w.manager, [WRITE]))
    assert writer.get(f"{URL}/score").status_code == 403  # reading needs data:read
    assert post(writer, "values", {"year": 2024, "values": {"A/A2": 1}}).status_code == 200
    assert DtiValue.objects.get(sub_index__code="A2", year=2024).value == 1
    officer = bearer(token_for(w.officer, [READ, WRITE]))
    assert post(officer, "values", {"year": 2024, "values": {"A/A2": 2}}).status_code == 403
    assert counts()[3] == before[3] and DtiValue.objects.get(sub_index__code="A2", year=2024).value == 1


def test_post_values(w: PlanWorld) -> None:
    client = session(w.manager)
    response = post(client, "values", {"year": 2023, "values": {"A/A2": "12,5", "B/B1": 20}, "note": "API"})
    assert response.status_code == 200
    assert response.json() == {"version": "T", "year": 2023, "created": 2, "updated": 0, "deleted": 0}
    before = counts()
    bad = post(client, "values", {"year": 2023, "values": {"A/A2": 99, "X/Y": 1}})
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"A/A2", "X/Y"}
    assert counts() == before


@pytest.mark.parametrize("who", ["leader", "officer"])
def test_writes_are_for_plan_managers(w: PlanWorld, who: str) -> None:
    client = session(getattr(w, who))
    before = counts()
    assert post(client, "values", {"year": 2024, "values": {"A/A2": 1}}).status_code == 403
    csv = "year,province_code,province_name,score\n2024,05,X,5\n"
    assert post(client, "published", csv, "text/csv").status_code == 403
    assert counts() == before


def test_post_published_csv_and_json(w: PlanWorld) -> None:
    client = session(w.manager)
    csv = "\ufeffyear,province_code,province_name,index,score\n2024,05,Tỉnh Năm,,55\n2024,05,Tỉnh Năm,A,20\n"
    response = post(client, "published", csv.encode(), "text/csv")
    assert response.status_code == 200 and response.json() == {"version": "T", "created": 2, "updated": 0}
    rows = {"version": "T", "rows": [{"year": 2024, "province_code": "05", "province_name": "Tỉnh Năm", "score": 56}]}
    assert post(client, "published", rows).json() == {"version": "T", "created": 0, "updated": 1}
    assert DtiPublishedScore.objects.get(province_code="05", index__isnull=True).score == 56
    assert post(client, "published", [{"year": 2024, "province_code": "06", "province_name": "S", "score": 1}]).json()["created"] == 1  # fmt: skip


def test_post_published_errors_name_the_row(w: PlanWorld) -> None:
    client = session(w.manager)
    before = counts()
    csv = "year,province_code,province_name,index,score\n2024,05,Tỉnh Năm,,55\n2024,06,,Q,abc\n"
    response = post(client, "published", csv, "text/csv")
    assert response.status_code == 400
    assert {(e["row"], e["field"]) for e in response.json()["errors"]} == {
        (3, "province_name"), (3, "index"), (3, "score"),
    }  # fmt: skip
    assert post(client, "published", "{not json", "application/json").status_code == 400
    assert post(client, "published", {"rows": "x"}).json()["errors"][0]["field"] == "rows"
    assert counts() == before
