from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from ioc.audit.models import AuditEntry
from ioc.metadata import config
from ioc.metadata.models import DataElement, Sector
from ioc.metadata.tests.test_config import TODAY, docs_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(tree):
    from ioc.accounts.models import Agency

    Agency.objects.create(code="SGDDT", name_vi="Sở Giáo dục và Đào tạo")
    report = config.load_document(docs_example(), today=TODAY)
    assert report.ok, report.as_text()
    return tree


def client_for(user=None, token: str | None = None) -> Client:
    headers: dict[str, str] = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    client = Client(headers=headers)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


# ----- reading -----------------------------------------------------------------------------------------


def test_lists_and_filters(loaded, leader):
    c = client_for(leader)
    body = c.get("/api/v1/dataElements").json()
    assert body["count"] == 5 and len(body["items"]) == 5
    pupils = next(i for i in body["items"] if i["code"] == "EDU_PUPILS")
    assert pupils["uid"] == "Ab12Cd34Ef5"
    assert pupils["name"] == "Số học sinh" and pupils["nameEn"] == "Pupils"
    assert (
        pupils["valueType"] == "INTEGER" and pupils["categoryCombo"] == "SEX_LEVEL" and pupils["sector"] == "EDUCATION"
    )

    assert [i["code"] for i in c.get("/api/v1/dataElements?sector=HEALTH").json()["items"]] == [
        "HLT_INSURANCE_PCT",
        "HLT_INSURED",
        "HLT_OPD_VISITS",
    ]
    assert c.get("/api/v1/dataElements?code=POPULATION").json()["count"] == 1
    assert c.get("/api/v1/dataElements?q=ngoại trú").json()["items"][0]["code"] == "HLT_OPD_VISITS"
    assert c.get("/api/v1/dataElements?q=pupils").json()["items"][0]["code"] == "EDU_PUPILS"
    assert [i["code"] for i in c.get("/api/v1/dataElements?dataSet=EDU_MONTHLY").json()["items"]] == ["EDU_PUPILS"]
    paged = c.get("/api/v1/dataElements?limit=2&offset=1").json()
    assert paged["count"] == 5 and len(paged["items"]) == 2

    ds = c.get("/api/v1/dataSets").json()["items"][0]
    assert ds["periodType"] == "Monthly" and ds["agency"] == "SGDDT"
    assert [e["code"] for e in ds["dataElements"]] == ["EDU_PUPILS"]
    assert sorted(u["code"] for u in ds["orgUnits"]) == ["08707", "08707", "25"]

    assert c.get("/api/v1/indicators?sector=HEALTH").json()["items"][0]["factor"] == 100
    assert c.get("/api/v1/validationRules").json()["items"][0]["operator"] == "<="
    assert [s["code"] for s in c.get("/api/v1/sectors").json()["items"]] == ["HEALTH", "EDUCATION"]

    combos = {c_["code"]: c_ for c_ in c.get("/api/v1/categoryCombos").json()["items"]}
    assert set(combos) == {"default", "SEX_LEVEL"}
    assert [cat["code"] for cat in combos["SEX_LEVEL"]["categories"]] == ["SEX", "SCHOOL_LEVEL"]
    assert combos["SEX_LEVEL"]["optionCombos"][2]["name"] == "Nữ, Tiểu học"
    cocs = c.get("/api/v1/categoryOptionCombos?categoryCombo=SEX_LEVEL").json()
    assert cocs["count"] == 4
    assert cocs["items"][0]["options"] == ["MALE", "PRIMARY"]
    assert c.get("/api/v1/categoryOptionCombos?code=default").json()["items"][0]["uid"] == "HllvX50cXC0"


def test_one_object_by_uid_or_code(loaded, leader):
    c = client_for(leader)
    assert c.get("/api/v1/dataElements/Ab12Cd34Ef5").json()["code"] == "EDU_PUPILS"
    assert c.get("/api/v1/dataElements/EDU_PUPILS").json()["uid"] == "Ab12Cd34Ef5"
    uid = DataElement.objects.get(code="POPULATION").uid
    assert c.get(f"/api/v1/dataElements/{uid}").json()["code"] == "POPULATION"
    assert c.get("/api/v1/dataSets/EDU_MONTHLY").json()["code"] == "EDU_MONTHLY"
    assert c.get("/api/v1/indicators/HLT_INSURANCE_COVERAGE").json()["numerator"] == "#{HLT_INSURED}"
    assert c.get("/api/v1/categoryCombos/bjDvmb4bfuf").json()["code"] == "default"
    assert c.get("/api/v1/validationRules/EDU_FEMALE_LE_TOTAL").json()["importance"] == "HIGH"
    missing = c.get("/api/v1/dataElements/NOPE")
    assert missing.status_code == 404
    assert missing.json()["message"] == "no data element with uid or code 'NOPE'"
    assert c.get("/api/v1/dataElements?dataSet=NOPE").status_code == 404


def test_periods(leader, db):
    c = client_for(leader)
    body = c.get("/api/v1/periods?type=Monthly&start=2025-01-01&end=2025-12-31").json()
    assert body["count"] == 12
    assert body["items"][0] == {
        "id": "202501",
        "type": "Monthly",
        "start": "2025-01-01",
        "end": "2025-01-31",
        "name": body["items"][0]["name"],
        "iso": "2025-01-01/P1M",
    }
    assert c.get("/api/v1/periods?type=Quarterly&start=2025-02-10&end=2025-04-01").json()["count"] == 2
    assert c.get("/api/v1/periods/2025Q2").json()["end"] == "2025-06-30"
    adx = c.get("/api/v1/periods/2025-03-01/P1M").json()
    assert adx["id"] == "202503" and adx["type"] == "Monthly"
    assert c.get("/api/v1/periods/2025-03-01%2FP1M").json()["id"] == "202503"


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/api/v1/periods?type=Fortnightly&start=2025-01-01&end=2025-02-01", 400, "periodType"),
        ("/api/v1/periods?type=Monthly&start=2025-02-01&end=2025-01-01", 400, "end"),
        ("/api/v1/periods?type=Daily&start=2000-01-01&end=2025-01-01", 400, "end"),
        ("/api/v1/periods?type=Monthly&start=2025-13-01&end=2025-12-31", 422, "start"),
        ("/api/v1/periods?type=Monthly", 422, "start"),
        ("/api/v1/periods/202513", 400, "period"),
        ("/api/v1/periods/2025-03-02/P1M", 400, "period"),
        ("/api/v1/dataElements?limit=0", 400, "limit"),
        ("/api/v1/dataElements?offset=-1", 400, "offset"),
        ("/api/v1/dataElements?limit=abc", 422, "limit"),
    ],
)
def test_bad_queries_are_clear_errors(leader, url, status, field):
    response = client_for(leader).get(url)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == status and body["message"]
    assert any(e["field"] == field for e in body["errors"]), body


# ----- permissions: reading ------------------------------------------------------------------------------


def test_reading_needs_authentication(db):
    response = client_for().get("/api/v1/dataElements")
    assert response.status_code == 401


def test_reading_with_a_token_needs_metadata_read(loaded, leader, make_token):
    ok = client_for(token=make_token(leader, ["metadata:read"])).get("/api/v1/dataElements")
    assert ok.status_code == 200 and ok.json()["count"] == 5
    refused = client_for(token=make_token(leader, ["data:read"])).get("/api/v1/dataElements")
    assert refused.status_code == 403
    assert "metadata:read" in refused.json()["message"]
    assert client_for(token=make_token(leader, ["data:read"])).get("/api/v1/periods/2025").status_code == 403


def test_reading_needs_a_role(db, no_role_user):
    assert client_for(no_role_user).get("/api/v1/dataElements").status_code == 403


# ----- writing -------------------------------------------------------------------------------------------


def _post(client: Client, doc, query: str = "", content_type: str = "application/json"):
    body = doc if isinstance(doc, str) else json.dumps(doc, default=str)
    return client.post(f"/api/v1/metadata{query}", data=body, content_type=content_type)


def test_operator_loads_a_document(tree, operator):
    doc = {"sectors": [{"code": "TOURISM", "name": "Du lịch", "nameEn": "Tourism"}]}
    response = _post(client_for(operator), doc)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and body["written"] and body["counts"]["sectors"]["created"] == 1
    assert Sector.objects.get(code="TOURISM").name_vi == "Du lịch"
    entry = AuditEntry.objects.get(object_type="metadata.sector")
    assert entry.via == "api" and entry.user == operator
    again = _post(client_for(operator), doc).json()
    assert not again["written"] and again["items"][0]["action"] == "unchanged"


def test_dry_run_and_yaml_body(tree, admin_user):
    yaml_doc = "sectors:\n  - code: TOURISM\n    name: Du lịch\n"
    response = _post(client_for(admin_user), yaml_doc, "?dryRun=true", "application/yaml")
    assert response.status_code == 200, response.content
    assert response.json()["dryRun"] and not Sector.objects.exists()
    assert _post(client_for(admin_user), yaml_doc, "", "application/yaml").status_code == 200
    assert Sector.objects.filter(code="TOURISM").exists()


def test_token_with_metadata_write_may_load(tree, operator, make_token):
    doc = {"sectors": [{"code": "TOURISM", "name": "Du lịch"}]}
    assert _post(client_for(token=make_token(operator, ["metadata:write"])), doc).status_code == 200
    refused = _post(client_for(token=make_token(operator, ["metadata:read"])), doc)
    assert refused.status_code == 403 and "metadata:write" in refused.json()["message"]


@pytest.mark.parametrize("who", ["leader", "no_role_user"])
def test_others_may_not_load(tree, request, who, make_token):
    user = request.getfixturevalue(who)
    doc = {"sectors": [{"code": "TOURISM", "name": "Du lịch"}]}
    assert _post(client_for(user), doc).status_code == 403
    # not even with a token holding the scope: a token never grants more than its user has
    assert _post(client_for(token=make_token(user, ["metadata:write"])), doc).status_code == 403
    assert not Sector.objects.exists()
    assert _post(client_for(), doc).status_code == 401


def test_bad_documents_are_400_with_every_error_and_nothing_written(tree, operator):
    doc = {
        "sectors": [{"code": "TOURISM", "name": "Du lịch"}],
        "dataElements": [
            {"code": "A", "name": "a", "valueType": "NUMBR"},
            {"code": "B", "name": "b", "sector": "NOPE"},
        ],
    }
    response = _post(client_for(operator), doc)
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "2 error(s) in the document: nothing written"
    assert body["errors"] == [
        {
            "field": "dataElements[0].valueType",
            "message": "'NUMBR' is not one of INTEGER, NUMBER, PERCENTAGE, BOOLEAN, TEXT",
        },
        {"field": "dataElements[1].sector", "message": "unknown sector 'NOPE'"},
    ]
    assert not Sector.objects.exists() and not DataElement.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ("{not json", "application/json", "not valid JSON"),
        ("", "application/json", "the body is empty"),
        ("[1, 2]", "application/json", "1 error(s)"),
        ("a: [", "application/yaml", "not valid YAML"),
    ],
)
def test_unparseable_bodies_are_400(db, operator, body, content_type, message):
    response = _post(client_for(operator), body, content_type=content_type)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_export_over_the_api(loaded, leader):
    body = client_for(leader).get("/api/v1/metadata").json()
    assert body["version"] == 1
    assert body["dataElements"][0]["code"] == "EDU_PUPILS"


def test_openapi_lists_the_metadata_endpoints(db):
    schema = Client().get("/api/v1/openapi.json").json()
    for path in ("/api/v1/dataElements", "/api/v1/dataSets/{id}", "/api/v1/periods", "/api/v1/metadata"):
        assert path in schema["paths"]


def test_lists_do_not_query_per_item(loaded, leader, make_element, django_assert_max_num_queries):
    c = client_for(leader)
    c.get("/api/v1/dataElements")  # warm up the session and the user
    with django_assert_max_num_queries(12) as few:
        c.get("/api/v1/dataElements")
    for i in range(20):
        make_element(f"EXTRA_{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert c.get("/api/v1/dataElements").json()["count"] == 25
    with django_assert_max_num_queries(14):
        c.get("/api/v1/dataSets")
