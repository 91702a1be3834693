"""/api/v1/dataValueSets: DHIS2-compatible import (JSON, CSV, ADX; options; the WebMessage and import
summary) and export (json/csv/adx, scoped), a lossless round trip, limits and bad input, both sides of
every permission."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings

from ioc.accounts.testing import bearer, english, token_for
from ioc.datavalues.models import DataValue, DataValueAudit, ImportRun
from ioc.ingest.adx import ADX_NS
from ioc.ingest.api import read_body
from ioc.ingest.rows import TooLarge

pytestmark = pytest.mark.django_db

URL = "/api/v1/dataValueSets"
H = "dataelement,period,orgunit,catoptcombo,attroptcombo,value,strby,lstupd,cmt\n"


def session(user) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


def post_json(client: Client, doc: object, **params: str):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(f"{URL}?{query}", data=json.dumps(doc), content_type="application/json")


DOC = {
    "dataSet": "HEALTH",
    "period": "202503",
    "orgUnit": "08707",
    "dataValues": [
        {"dataElement": "OPD", "value": "12", "comment": "đã kiểm tra"},
        {"dataElement": "BEDS", "value": 3.5},
        {"dataElement": "OPD", "orgUnit": "08710", "value": "8"},
    ],
}


def test_json_import_answers_dhis2s_web_message(tree, meta, users):
    response = post_json(session(users.officer_a), DOC)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["httpStatus"], body["httpStatusCode"], body["status"]) == ("OK", 200, "OK")
    summary = body["response"]
    assert summary["responseType"] == "ImportSummary" and summary["status"] == "SUCCESS"
    assert summary["importCount"] == {"imported": 3, "updated": 0, "ignored": 0, "deleted": 0}
    assert summary["importOptions"]["importStrategy"] == "CREATE_AND_UPDATE"
    assert set(DataValueAudit.objects.values_list("via", flat=True)) == {"api"}
    assert ImportRun.objects.get(pk=summary["importRun"]).via == "api"


def test_conflicts_answer_409_with_the_summary(tree, meta, users):
    doc = {**DOC, "dataValues": [*DOC["dataValues"], {"dataElement": "OPD", "orgUnit": "08773", "value": "x"}]}
    response = post_json(session(users.officer_a), doc)
    assert response.status_code == 409
    body = response.json()
    assert (body["httpStatus"], body["status"]) == ("Conflict", "ERROR")
    (conflict,) = body["response"]["conflicts"]
    assert (conflict["object"], conflict["property"], conflict["indexes"], conflict["value"]) == (
        "08773",
        "orgUnit",
        [3],
        "Org unit: Phường Trưng Trắc (08773) is outside your data entry units (Thành phố Vĩnh Yên (243))",
    )
    assert not DataValue.objects.exists()
    partial = post_json(session(users.officer_a), doc, atomicMode="NONE")
    assert partial.status_code == 409 and partial.json()["status"] == "WARNING"
    assert partial.json()["response"]["importCount"]["imported"] == 3


def test_csv_and_adx_bodies(tree, meta, users):
    client = session(users.approver)
    data = H + "OPD,202503,08707,,,12,,,\nPUPILS,2024,08707,SEX_F,,30,,,\n"
    response = client.post(URL, data=data.encode(), content_type="application/csv")
    assert response.status_code == 200 and response.json()["response"]["importCount"]["imported"] == 2
    response = client.post(URL, data=data.encode(), content_type="text/csv")
    assert response.json()["response"]["importCount"]["ignored"] == 2
    adx = (
        f'<adx xmlns="{ADX_NS}"><group dataSet="EDU" period="2024-01-01/P1Y" orgUnit="08707">'
        '<dataValue dataElement="PUPILS" SEX_CAT="F" value="31"/></group></adx>'
    )
    response = client.post(URL, data=adx.encode(), content_type="application/adx+xml")
    assert response.status_code == 200 and response.json()["response"]["importCount"]["updated"] == 1


def test_options_dry_run_strategy_and_id_schemes(tree, meta, users):
    client = session(users.approver)
    doc = {"dataValues": [{"dataElement": meta.opd.uid, "period": "202503", "orgUnit": tree["c1"].uid, "value": "5"}]}
    dry = post_json(client, doc, dryRun="true")
    assert dry.status_code == 200 and dry.json()["response"]["importCount"]["imported"] == 1
    assert dry.json()["response"]["importOptions"]["dryRun"] is True
    assert not DataValue.objects.exists()
    assert post_json(client, doc, preheatCache="true").json()["response"]["importCount"]["imported"] == 1
    by_name = {
        "dataValues": [{"dataElement": "Chỉ tiêu OPD", "period": "202503", "orgUnit": "Phường Tích Sơn", "value": "6"}]
    }
    assert post_json(client, by_name, dataElementIdScheme="name", orgUnitIdScheme="name").status_code == 200
    assert DataValue.objects.get().value_num == 6
    create = post_json(client, doc, importStrategy="CREATE")
    assert create.status_code == 409 and create.json()["status"] == "WARNING"
    delete = post_json(client, doc, importStrategy="DELETE")
    assert delete.json()["response"]["importCount"]["deleted"] == 1 and DataValue.objects.get().deleted


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"skipAudit": "true"}, "skipAudit"),
        ({"importStrategy": "MERGE"}, "importStrategy"),
        ({"idScheme": "ATTRIBUTE"}, "idScheme"),
        ({"atomicMode": "SOME"}, "atomicMode"),
        ({"dryRun": "maybe"}, "dryRun"),
    ],
)
def test_bad_options_are_400(tree, meta, users, params, field):
    response = post_json(session(users.approver), DOC, **params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert not DataValue.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "why"),
    [
        (b"", "application/json", "empty file"),
        (b'{"dataValues": [', "application/json", "malformed JSON at line 1"),
        (b"[1, 2]", "application/json", "expected a JSON object"),
        ("Mã,Kỳ\n".encode("utf-16"), "application/csv", "not UTF-8"),
        (b"dataelement,period,value\n", "application/csv", "missing column(s) orgunit"),
        (f'<adx xmlns="{ADX_NS}"><group>'.encode(), "application/adx+xml", "malformed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol9 "&lol;&lol;&lol;&lol;&lol;">]>'
            b'<adx xmlns="urn:ihe:qrph:adx:2015">&lol9;</adx>',
            "application/adx+xml",
            "declares a DTD or entities",
        ),
    ],
)
def test_unreadable_bodies_are_409_with_an_error_summary(tree, meta, users, body, content_type, why):
    response = session(users.approver).post(URL, data=body, content_type=content_type)
    assert response.status_code == 409, response.content
    data = response.json()
    assert data["status"] == "ERROR" and data["response"]["status"] == "ERROR"
    assert why in data["response"]["conflicts"][0]["value"]
    assert ImportRun.objects.get(pk=data["response"]["importRun"]).status == "ERROR"
    assert not DataValue.objects.exists()


@override_settings(IOC_INGEST_MAX_BYTES=1000)
def test_a_body_over_the_limit_is_413(tree, meta, users):
    big = json.dumps(
        {"dataValues": [{"dataElement": "OPD", "period": "202503", "orgUnit": "08707", "value": "1"}] * 100}
    )
    response = session(users.approver).post(URL, data=big.encode(), content_type="application/json")
    assert response.status_code == 413
    body = response.json()
    assert body["httpStatus"] == "Payload Too Large" and "larger than the limit" in body["message"]
    assert not DataValue.objects.exists()


class EndlessBody(io.RawIOBase):
    """A request body of `size` bytes that is never held in memory; counts what is read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.size - self.served)
        buffer[:n] = b" " * n
        self.served += n
        return n


@pytest.mark.parametrize("declare_length", [True, False])
def test_a_200_mb_body_is_refused_without_reading_it(declare_length):
    size = 200 * 1024 * 1024
    request = RequestFactory().post(URL, data=b"", content_type="application/json")
    stream = EndlessBody(size)
    request._stream = stream  # type: ignore[assignment]
    if declare_length:
        request.META["CONTENT_LENGTH"] = str(size)
    else:
        request.META.pop("CONTENT_LENGTH", None)
    with pytest.raises(TooLarge, match=r"larger than the limit of 100\.0 MB"):
        read_body(request, 100 * 1024 * 1024, "big.json")
    assert stream.served <= 100 * 1024 * 1024 + 1
    if declare_length:
        assert stream.served == 0


# --- who may import ----------------------------------------------------------------------------------------


def test_tokens_need_data_write_and_an_entry_role(tree, meta, users):
    read_only = bearer(token_for(users.integrator, ["data:read"]))
    response = read_only.post(URL, data=json.dumps(DOC), content_type="application/json")
    assert response.status_code == 403 and "data:write" in response.json()["message"]
    writer = bearer(token_for(users.integrator, ["data:write"]))
    assert writer.post(URL, data=json.dumps(DOC), content_type="application/json").status_code == 200
    leader = bearer(token_for(users.leader, ["data:write"]))
    assert leader.post(URL, data=json.dumps(DOC), content_type="application/json").status_code == 403
    assert Client().post(URL, data=json.dumps(DOC), content_type="application/json").status_code == 401
    assert DataValue.objects.count() == 3


def test_users_without_the_entry_role_get_403_and_nothing_is_written(tree, meta, users):
    response = post_json(session(users.nobody), DOC)
    assert response.status_code == 403
    assert not DataValue.objects.exists()


def test_another_district_is_a_conflict_per_row_not_an_error_page(tree, meta, users):
    response = post_json(session(users.officer_b), DOC)
    assert response.status_code == 409
    assert [c["indexes"] for c in response.json()["response"]["conflicts"]] == [[0], [1], [2]]


# --- export and the round trip -------------------------------------------------------------------------------


@pytest.fixture
def imported(tree, meta, users):
    data = (
        H
        + 'OPD,202503,08707,,,12,,,"có dấu phẩy, và ""ngoặc"""\n'
        + "BEDS,202503,08707,,,2.75,,,\n"
        + "OPD,202503,08773,,,9,,,\n"
        + "NOTE,202503,08710,,,Ghi chú,,,\n"
        + "FIBRE,202503,08710,,,false,,,\n"
        + "PUPILS,2024,08707,SEX_F,,30,,,\n"
        + "PUPILS,2024,08707,SEX_M,,31,,,\n"
    )
    response = session(users.admin).post(URL, data=data.encode(), content_type="application/csv")
    assert response.json()["response"]["importCount"]["imported"] == 7


@pytest.mark.parametrize("fmt", ["json", "csv", "adx"])
@pytest.mark.parametrize("scheme", ["uid", "code", "name"])
def test_export_then_import_changes_nothing(tree, meta, users, imported, fmt, scheme):
    client = session(users.approver)
    params = {
        "dataSet": "HEALTH,EDU",
        "period": "202503,2024",
        "orgUnit": "26",
        "children": "true",
        "idScheme": scheme,
        "format": fmt,
    }
    exported = client.get(URL, params)
    assert exported.status_code == 200, exported.content
    content_type = {"json": "application/json", "csv": "application/csv", "adx": "application/adx+xml"}[fmt]
    assert exported["Content-Type"].startswith(content_type)
    if fmt == "json":
        assert len(exported.json()["dataValues"]) == 7
    audits = DataValueAudit.objects.count()
    again = client.post(f"{URL}?idScheme={scheme}", data=exported.content, content_type=content_type)
    assert again.status_code == 200, again.content
    assert again.json()["response"]["importCount"] == {"imported": 0, "updated": 0, "ignored": 7, "deleted": 0}
    assert DataValueAudit.objects.count() == audits


def test_export_is_scoped_and_checks_its_parameters(tree, meta, users, imported):
    officer = session(users.officer_a)
    mine = officer.get(URL, {"dataSet": "HEALTH", "period": "202503", "orgUnit": "243", "children": "true"})
    assert {v["orgUnit"] for v in mine.json()["dataValues"]} == {tree["c1"].uid, tree["c2"].uid}
    only_unit = officer.get(URL, {"dataSet": "HEALTH", "period": "202503", "orgUnit": "08707", "idScheme": "code"})
    assert {(v["dataElement"], v["value"]) for v in only_unit.json()["dataValues"]} == {("OPD", "12"), ("BEDS", "2.75")}
    assert officer.get(URL, {"dataSet": "HEALTH", "period": "202503", "orgUnit": "244"}).status_code == 403
    assert officer.get(URL, {"dataSet": "HEALTH", "orgUnit": "243"}).status_code == 400
    assert officer.get(URL, {"dataSet": "NOPE", "period": "202503", "orgUnit": "243"}).status_code == 400
    assert (
        officer.get(URL, {"dataSet": "HEALTH", "period": "202503", "orgUnit": "243", "format": "pdf"}).status_code
        == 400
    )
    csv_by_accept = officer.get(
        URL, {"dataSet": "HEALTH", "period": "202503", "orgUnit": "243"}, HTTP_ACCEPT="application/csv"
    )
    assert csv_by_accept["Content-Type"].startswith("application/csv")
    assert csv_by_accept.content.decode().startswith("dataelement,period,orgunit")
    dates = officer.get(
        URL,
        {"dataSet": "HEALTH", "startDate": "2025-03-01", "endDate": "2025-03-31", "orgUnit": "243", "children": "true"},
    )
    assert len(dates.json()["dataValues"]) == 4
    reader = bearer(token_for(users.leader, ["metadata:read"]))
    assert reader.get(URL, {"dataSet": "HEALTH", "period": "202503", "orgUnit": "26"}).status_code == 403


def test_async_import_runs_as_a_background_job(tree, meta, users):
    response = post_json(session(users.approver), DOC, **{"async": "true"})
    assert response.status_code == 202, response.content
    body = response.json()["response"]
    assert body["jobType"] == "ingest.import" and body["url"].endswith(f"/jobs/{body['id']}/")
    from ioc.jobs.models import Job

    job = Job.objects.get(uid=body["id"])
    assert job.user == users.approver and job.file_name.endswith(".json")
