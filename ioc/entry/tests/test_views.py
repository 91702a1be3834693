"""The data-entry form through the Django client: the page, cell saves, follow-up, details, scope, CSRF."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from ioc.audit.models import AuditEntry
from ioc.datavalues.locks import do_lock_period
from ioc.datavalues.models import DataValue, DataValueAudit
from ioc.entry.tests.conftest import World, client_for

pytestmark = pytest.mark.django_db


def grab(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found, pattern
    return found.group(1)


def form_url(world: World, unit, period) -> str:
    return f"/entry/?data_set=HEALTH&org_unit={unit.uid}&period={period.id}"


def cell(world: World, unit, period, de: str, coc: str = "default", **extra) -> dict:
    return {"data_set": "HEALTH", "org_unit": unit.uid, "period": period.id, "de": de, "coc": coc, **extra}


def stored(element, unit, period, coc) -> DataValue:
    return DataValue.objects.get(data_element=element, org_unit=unit, period=period.id, category_option_combo=coc)


# ---- the page ---------------------------------------------------------------------------------------------


def test_page_offers_only_what_the_officer_may_enter(world, month):
    page = client_for(world.officer1).get("/entry/?data_set=HEALTH")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Health report (HEALTH)" in html and "Old report (OLD)" in html
    assert world.c1.uid in html and world.c2.uid in html
    assert world.c3.uid not in html  # another district
    assert f'value="{month.id}"' in html


def test_page_shows_the_grid_with_stable_selectors(world, month):
    DataValue.objects.create(
        data_element=world.opd, org_unit=world.c1, period=month.id, period_type="Monthly",
        start_date=month.start, end_date=month.end, category_option_combo=world.default, value_num=42,
        created=timezone.now(), last_updated=timezone.now(), comment="kiểm tra",
    )  # fmt: skip
    page = client_for(world.officer1).get(form_url(world, world.c1, month))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="form-state"' in html and 'data-state="open"' in html
    for selector in ('id="run-validation"', 'id="complete-form"', 'id="validation-results"'):
        assert selector in html
    assert re.search(r'data-de="OPD" data-coc="default"[^>]*data-saved="42"', html)
    assert 'data-de="PUPILS" data-coc="SEX_M"' in html and 'data-de="PUPILS" data-coc="SEX_F"' in html
    assert 'aria-label="Pupils — Male"' in html
    assert 'aria-describedby="msg-cell-PUPILS--SEX_F"' in html and 'id="msg-cell-PUPILS--SEX_F"' in html
    assert 'data-max="1000.0"' in html and 'data-kind="percentage"' in html and 'data-kind="boolean"' in html
    assert "cell--commented" in html
    assert html.count('aria-required="true"') == 3  # OPD and the two PUPILS cells
    assert "<script>" not in html  # CSP: scripts from files only


@pytest.mark.parametrize("who", ["officer2", "leader"])
def test_page_outside_the_entry_scope_is_refused(world, month, who):
    page = client_for(getattr(world, who)).get(form_url(world, world.c1, month))
    assert page.status_code == 403
    assert 'id="form-state"' not in page.content.decode()


def test_page_of_unknown_things_is_404(world, month):
    client = client_for(world.officer1)
    assert client.get("/entry/?data_set=NOPE").status_code == 404
    assert client.get(f"/entry/?data_set=HEALTH&org_unit=Zz000000000&period={month.id}").status_code == 404
    bad_period = client.get(f"/entry/?data_set=HEALTH&org_unit={world.c1.uid}&period=2025Q1")
    assert bad_period.status_code == 400
    assert "Quarterly period" in bad_period.content.decode()


def test_page_needs_a_login(world, month):
    from django.test import Client

    response = Client().get(form_url(world, world.c1, month))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_locked_form_is_read_only(world, month):
    do_lock_period(world.admin, world.health, month, world.d1, reason="kiểm toán")
    html = client_for(world.officer1).get(form_url(world, world.c1, month)).content.decode()
    assert 'data-state="locked"' in html and "kiểm toán" in html
    assert re.search(r'data-de="OPD" data-coc="default"[^>]*disabled', html)
    assert 'id="complete-form"' not in html


# ---- saving a cell ----------------------------------------------------------------------------------------


def test_save_creates_updates_and_deletes_through_the_service(world, month):
    client = client_for(world.officer1)
    created = client.post("/entry/cell/", cell(world, world.c1, month, "PUPILS", "SEX_F", value="15"))
    assert created.status_code == 200, created.content
    assert created.json() == {"ok": True, "action": "CREATE", "value": "15", "comment": "", "followUp": False}
    value = stored(world.pupils, world.c1, month, world.female)
    assert value.value_num == 15 and value.stored_by == world.officer1

    updated = client.post("/entry/cell/", cell(world, world.c1, month, "PUPILS", "SEX_F", value=" 16 "))
    assert updated.json()["action"] == "UPDATE" and updated.json()["value"] == "16"
    same = client.post("/entry/cell/", cell(world, world.c1, month, "PUPILS", "SEX_F", value="16"))
    assert same.json()["action"] == "UNCHANGED"

    deleted = client.post("/entry/cell/", cell(world, world.c1, month, "PUPILS", "SEX_F", value=""))
    assert deleted.json()["action"] == "DELETE"
    value.refresh_from_db()
    assert value.deleted
    again = client.post("/entry/cell/", cell(world, world.c1, month, "PUPILS", "SEX_F", value=""))
    assert again.json() == {"ok": True, "action": "UNCHANGED", "value": "", "comment": "", "followUp": False}

    audits = list(
        DataValueAudit.objects.filter(data_value=value)
        .order_by("id")
        .values_list("action", "old_value", "new_value", "via")
    )
    assert audits == [
        ("CREATE", None, "15", "form"),
        ("UPDATE", "15", "16", "form"),
        ("DELETE", "16", None, "form"),
    ]


def test_save_text_boolean_and_comment(world, month):
    client = client_for(world.officer1)
    assert client.post("/entry/cell/", cell(world, world.c1, month, "NOTE", value="Mưa lớn")).json()["ok"]
    answer = client.post("/entry/cell/", cell(world, world.c1, month, "INSURED", value="true")).json()
    assert answer["value"] == "true"
    answer = client.post("/entry/cell/", cell(world, world.c1, month, "OPD", value="120", comment="đã kiểm tra")).json()
    assert answer["comment"] == "đã kiểm tra"
    assert stored(world.opd, world.c1, month, world.default).comment == "đã kiểm tra"
    refused = client.post("/entry/cell/", cell(world, world.c1, month, "RATE", value="", comment="x"))
    assert refused.status_code == 400 and refused.json()["field"] == "comment"


@pytest.mark.parametrize(
    ("de", "coc", "value", "message"),
    [
        ("OPD", "default", "abc", "Value: 'abc' is not a number"),
        ("OPD", "default", "1.5", "Value: '1.5' is not a whole number"),
        ("OPD", "default", "-3", "Value: -3 is below the minimum 0 of data element OPD"),
        ("PUPILS", "SEX_M", "1001", "Value: 1001 is above the maximum 1000 of data element PUPILS"),
        ("RATE", "default", "101", "Value: '101' is not a percentage between 0 and 100"),
        ("INSURED", "default", "maybe", "Value: 'maybe' is not yes/no (true/false)"),
    ],
)
def test_bad_value_is_refused_with_the_message_and_nothing_written(world, month, de, coc, value, message):
    response = client_for(world.officer1).post("/entry/cell/", cell(world, world.c1, month, de, coc, value=value))
    assert response.status_code == 400
    assert response.json() == {"ok": False, "message": message, "field": "value"}
    assert not DataValue.objects.exists() and not DataValueAudit.objects.exists()


def test_messages_follow_the_language(world, month):
    client = client_for(world.officer1)
    client.cookies["ioc_language"] = "vi"
    answer = client.post("/entry/cell/", cell(world, world.c1, month, "OPD", value="-3")).json()
    assert answer["message"] != "Value: -3 is below the minimum 0 of data element OPD"
    assert "-3" in answer["message"] and "OPD" in answer["message"]


def test_save_outside_the_entry_scope_is_refused_and_writes_nothing(world, month):
    response = client_for(world.officer2).post("/entry/cell/", cell(world, world.c1, month, "OPD", value="5"))
    assert response.status_code == 403
    assert "outside your data entry units" in response.json()["message"]
    leader = client_for(world.leader).post("/entry/cell/", cell(world, world.c1, month, "OPD", value="5"))
    assert leader.status_code == 403
    assert not DataValue.objects.exists()


def test_save_of_an_element_or_unit_not_in_the_data_set_is_404(world, month):
    client = client_for(world.admin)
    other = cell(world, world.c1, month, "OPD", value="5")
    assert client.post("/entry/cell/", {**other, "de": "NOPE"}).status_code == 404
    wrong_coc = client.post("/entry/cell/", {**other, "coc": "SEX_M"})
    assert wrong_coc.status_code == 400
    assert wrong_coc.json()["message"].startswith("Category option combo: 'SEX_M' belongs to SEX, not to default")
    assert client.post("/entry/cell/", {**other, "org_unit": world.d1.uid}).status_code == 404  # not assigned
    assert client.post("/entry/cell/", {**other, "data_set": "NOPE"}).status_code == 404
    assert not DataValue.objects.exists()


def test_save_into_a_locked_or_expired_period_is_refused(world, month):
    do_lock_period(world.admin, world.health, month, world.d1)
    locked = client_for(world.officer1).post("/entry/cell/", cell(world, world.c1, month, "OPD", value="5"))
    assert locked.status_code == 409
    assert f"Period: {month.id} is locked for data set HEALTH" in locked.json()["message"]
    expired = client_for(world.officer1).post(
        "/entry/cell/", {**cell(world, world.c1, month, "RATE", value="5"), "data_set": "OLD", "period": "202001"}
    )
    assert expired.status_code == 409 and "closed for entry" in expired.json()["message"]
    assert not DataValue.objects.exists()


def test_save_needs_the_csrf_token(world, month):
    client = client_for(world.officer1, csrf=True)
    refused = client.post("/entry/cell/", cell(world, world.c1, month, "OPD", value="5"))
    assert refused.status_code == 403
    assert not DataValue.objects.exists()
    client.get(form_url(world, world.c1, month))  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    ok = client.post("/entry/cell/", cell(world, world.c1, month, "OPD", value="5"), HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 200 and ok.json()["action"] == "CREATE"


def test_save_is_post_only(world, month):
    assert client_for(world.officer1).get("/entry/cell/").status_code == 405


# ---- follow-up and details ---------------------------------------------------------------------------------


def test_follow_up_flag(world, month):
    client = client_for(world.officer1)
    missing = client.post("/entry/follow-up/", cell(world, world.c1, month, "OPD", follow_up="true"))
    assert missing.status_code == 404
    client.post("/entry/cell/", cell(world, world.c1, month, "OPD", value="5"))
    marked = client.post("/entry/follow-up/", cell(world, world.c1, month, "OPD", follow_up="true"))
    assert marked.json() == {"ok": True, "action": "UPDATE", "followUp": True}
    assert stored(world.opd, world.c1, month, world.default).follow_up
    assert AuditEntry.objects.filter(action="datavalue.follow_up", via="form").count() == 1
    other = client_for(world.officer2).post("/entry/follow-up/", cell(world, world.c1, month, "OPD", follow_up="false"))
    assert other.status_code == 403
    assert stored(world.opd, world.c1, month, world.default).follow_up


def test_details_show_history_and_audit_trail(world, month):
    client = client_for(world.officer1)
    earlier = month.shift(-3)
    client.post("/entry/cell/", {**cell(world, world.c1, earlier, "OPD", value="70")})
    client.post("/entry/cell/", cell(world, world.c1, month, "OPD", value="80"))
    client.post("/entry/cell/", cell(world, world.c1, month, "OPD", value="90"))
    page = client.get("/entry/details/", cell(world, world.c1, month, "OPD"))
    assert page.status_code == 200
    html = page.content.decode()
    chart = grab(r'data-chart="([^"]*)"', html).replace("&quot;", '"')
    assert f'"{earlier.id}"' in chart and "70.0" in chart and "90.0" in chart
    assert chart.count("null") == 10  # 12 periods, two with values
    assert "80 → 90" in html and "— → 80" in html and "web form" in html
    assert "Nguyễn Thị Hoa" in html


@pytest.mark.parametrize("who", ["officer2", "leader_of_nothing"])
def test_details_outside_the_scope_is_404(world, month, who):
    client_for(world.officer1).post("/entry/cell/", cell(world, world.c1, month, "OPD", value="80"))
    from ioc.accounts.testing import make_user

    user = world.officer2 if who == "officer2" else make_user("empty", ["leader"])
    page = client_for(user).get("/entry/details/", cell(world, world.c1, month, "OPD"))
    assert page.status_code == 404
    assert "80" not in page.content.decode()


def test_a_viewer_may_see_details_but_not_write(world, month):
    client_for(world.officer1).post("/entry/cell/", cell(world, world.c1, month, "OPD", value="80"))
    page = client_for(world.leader).get("/entry/details/", cell(world, world.c1, month, "OPD"))
    assert page.status_code == 200
    assert 'name="comment" rows="3" maxlength="5000" disabled' in page.content.decode()
