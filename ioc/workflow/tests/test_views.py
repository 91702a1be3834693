"""The workflow pages: login, scope, the actions through POST (with CSRF), completeness and its exports."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import pytest
from django.test import Client
from openpyxl import load_workbook

from ioc.accounts.testing import english
from ioc.workflow.models import Notification, State, Submission
from ioc.workflow.services import do_approve, do_complete, do_return

from .conftest import fill

pytestmark = pytest.mark.django_db


def client_for(user, **kw) -> Client:
    client = english(Client(**kw))
    client.force_login(user)
    return client


def form_url(world, unit, month) -> str:
    return "/workflow/form/?" + urlencode({"ds": "HEALTH", "pe": month.id, "ou": unit.uid})


@pytest.mark.parametrize(
    "url",
    [
        "/workflow/",
        "/workflow/tree/",
        "/workflow/completeness/",
        "/workflow/notifications/",
        "/workflow/completeness/export/?format=csv",
    ],
)
def test_pages_need_a_login(world, url):
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_actions_need_a_login_and_csrf(world, month):
    fill(world, world.c1, month)
    data = {"action": "complete", "ds": "HEALTH", "pe": month.id, "ou": world.c1.uid}
    assert Client().post("/workflow/act/", data).status_code == 302
    strict = client_for(world.officer1, enforce_csrf_checks=True)
    assert strict.post("/workflow/act/", data).status_code == 403
    assert not Submission.objects.exists()
    assert client_for(world.officer1).get("/workflow/act/").status_code == 405


def test_the_approver_sees_what_waits_and_approves_bottom_up(world, month):
    fill(world, world.c1, month)
    do_complete(world.officer1, world.health, world.c1, month)
    fill(world, world.c3, month)
    do_complete(world.officer2, world.health, world.c3, month)
    client = client_for(world.approver1)
    page = client.get("/workflow/").content.decode()
    assert 'data-testid="waiting-C1"' in page and "Xã Đại Đình" in page
    assert "waiting-C3" not in page  # outside the approver's scope
    response = client.post(
        "/workflow/act/",
        {"action": "approve", "ds": "HEALTH", "pe": month.id, "ou": world.c1.uid, "next": "/workflow/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/workflow/"
    assert "Approved: Health report — Xã Đại Đình" in response.content.decode()
    assert Submission.objects.get(org_unit=world.c1).state == State.APPROVED
    # the district cannot be approved before C2: the error names it
    response = client.post(
        "/workflow/act/", {"action": "approve", "ds": "HEALTH", "pe": month.id, "ou": world.d1.uid}, follow=True
    )
    assert "first approve Xã Tam Quan (C2)" in response.content.decode()
    assert not Submission.objects.filter(org_unit=world.d1, state=State.APPROVED).exists()


def test_return_with_a_reason_from_the_page(world, month):
    fill(world, world.c1, month)
    do_complete(world.officer1, world.health, world.c1, month)
    client = client_for(world.approver1)
    data = {"action": "return", "ds": "HEALTH", "pe": month.id, "ou": world.c1.uid}
    page = client.post("/workflow/act/", {**data, "reason": ""}, follow=True).content.decode()
    assert "Reason: required" in page
    assert Submission.objects.get(org_unit=world.c1).state == State.SUBMITTED
    client.post("/workflow/act/", {**data, "reason": "Thiếu số liệu tháng trước"})
    assert Submission.objects.get(org_unit=world.c1).state == State.RETURNED
    page = client_for(world.officer1).get(form_url(world, world.c1, month)).content.decode()
    assert "Thiếu số liệu tháng trước" in page and 'data-state="RETURNED"' in page
    assert 'data-testid="complete"' in page  # the officer may submit again


def test_an_outside_next_is_ignored(world, month):
    fill(world, world.c1, month)
    response = client_for(world.officer1).post(
        "/workflow/act/",
        {"action": "complete", "ds": "HEALTH", "pe": month.id, "ou": world.c1.uid, "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"].startswith("/workflow/form/?")


def test_the_form_page_names_the_empty_cells_and_offers_what_the_user_may_do(world, month):
    fill(world, world.c1, month, skip=("M",))
    officer = client_for(world.officer1)
    page = officer.get(form_url(world, world.c1, month)).content.decode()
    assert "Compulsory cells still empty (1):" in page and "Pupils (PUPILS) × Male" in page
    assert 'data-testid="complete"' in page and "approve-" not in page
    page = officer.post(
        "/workflow/act/", {"action": "complete", "ds": "HEALTH", "pe": month.id, "ou": world.c1.uid}, follow=True
    ).content.decode()
    assert "compulsory cells are empty: Pupils (PUPILS) × Male" in page
    assert not Submission.objects.filter(state=State.SUBMITTED).exists()
    # a leader may look, not act
    page = client_for(world.leader).get(form_url(world, world.c1, month)).content.decode()
    assert 'data-testid="complete"' not in page and 'data-testid="approve-' not in page


def test_the_form_page_refuses_a_unit_outside_the_view_scope_and_bad_references(world, month):
    other = client_for(world.officer2)
    response = other.get(form_url(world, world.c1, month))
    assert response.status_code == 403 and "outside the units you may see" in response.content.decode()
    response = other.get("/workflow/form/?ds=NOPE&pe=202401&ou=C3")
    assert response.status_code == 400 and "no data set with code or uid" in response.content.decode()
    response = other.get("/workflow/form/?ds=HEALTH&pe=2024-13&ou=C3")
    assert response.status_code == 400


def test_the_tree_shows_every_level_with_its_state(world, month):
    fill(world, world.c1, month)
    do_complete(world.officer1, world.health, world.c1, month)
    do_approve(world.approver1, world.health, world.c1, month)
    fill(world, world.c2, month)
    do_complete(world.officer1, world.health, world.c2, month)
    page = client_for(world.approver_p).get(f"/workflow/tree/?ds=HEALTH&pe={month.id}").content.decode()
    order = [page.index(f'data-testid="tree-{code}"') for code in ("P1", "D1", "C1", "C2", "D2", "C3")]
    assert order == sorted(order)
    assert 'data-testid="tree-C4"' not in page  # closed: no form in this period
    assert 'data-testid="tree-C1" data-state="APPROVED"' in page
    assert 'data-testid="tree-C2" data-state="SUBMITTED"' in page
    assert f'data-testid="approve-{world.c2.uid}"' in page
    assert f'data-testid="approve-{world.d1.uid}"' not in page  # C2 not approved yet
    bad = client_for(world.approver_p).get("/workflow/tree/?ds=HEALTH&pe=2025")
    assert "is a Yearly period; data set HEALTH is reported Monthly" in bad.content.decode()


def test_completeness_page_and_late_list_sorting(world, month):
    old = month.shift(-3)
    for unit in (world.c1, world.c2):
        fill(world, unit, month)
        do_complete(world.officer1, world.health, unit, month)
    client = client_for(world.leader)
    params = {"ds": "HEALTH", "start": f"{old.start:%Y-%m}", "end": f"{month.start:%Y-%m}", "group": "child"}
    page = client.get("/workflow/completeness/", params).content.decode()
    # 4 months × 4 units with forms (C1, C2, D2, C3; C4 is closed) = 16 expected, 2 received
    assert 'data-testid="expected">16<' in page and 'data-testid="received">2<' in page
    assert "Huyện Tam Đảo" in page and "Huyện Lập Thạch" in page
    late_page = client.get("/workflow/completeness/", {**params, "sort": "unit"}).content.decode()
    late = late_page[late_page.index('data-testid="late-table"') :]
    assert late.index("Huyện Lập Thạch") < late.index("Xã Đại Đình") < late.index("Xã Xuân Hòa")
    assert 'aria-sort="ascending"' in late
    # bad months are named, not a crash
    page = client.get("/workflow/completeness/", {"start": "2025-13"}).content.decode()
    assert "From month: expected a month as YYYY-MM, got &#x27;2025-13&#x27;" in page


def test_completeness_outside_the_view_scope_counts_nothing(world, month):
    params = {"ds": "HEALTH", "root": world.d2.uid}
    page = client_for(world.officer1).get("/workflow/completeness/", params).content.decode()
    assert "Select a valid choice" in page  # D2 is not offered to an officer of D1


def test_late_list_exports_with_vietnamese(world, month):
    old = month.shift(-3)
    params = {"ds": "HEALTH", "start": f"{old.start:%Y-%m}", "end": f"{old.start:%Y-%m}", "sort": "unit"}
    client = client_for(world.leader)
    response = client.get("/workflow/completeness/export/", {**params, "format": "csv", "table": "late"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="bao-cao-tre-han-')
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Data set code", "Data set", "Unit code", "Unit"]
    assert [r[3] for r in rows[1:]] == ["Huyện Lập Thạch", "Xã Đại Đình", "Xã Tam Quan", "Xã Xuân Hòa"]
    assert rows[1][4] == "Department of Health" and rows[1][5] == old.id
    assert rows[2][9] == "colleague1, Nguyễn Thị Hoa"  # the data officers of D1
    response = client.get("/workflow/completeness/export/", {**params, "format": "xlsx", "table": "late"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][3] == "Unit" and [v[3] for v in values[1:]] == [r[3] for r in rows[1:]]
    assert values[2][9] == "colleague1, Nguyễn Thị Hoa"
    rates = client.get("/workflow/completeness/export/", {**params, "format": "csv", "table": "rates"})
    lines = list(csv.reader(io.StringIO(rates.content.decode("utf-8-sig"))))
    assert lines[1] == ["HEALTH", "Health report", "4", "0", "0", "0.0", "0.0"]
    assert lines[-1][1] == "Total"


def test_export_refuses_unknown_formats(world):
    client = client_for(world.leader)
    response = client.get("/workflow/completeness/export/", {"format": "pdf", "table": "x"})
    assert response.status_code == 400
    assert "format: csv or xlsx, not 'pdf'" in response.content.decode()
    assert "table: late or rates, not 'x'" in response.content.decode()


def test_notifications_page_and_mark_read(world, month):
    fill(world, world.c1, month)
    do_complete(world.officer1, world.health, world.c1, month)
    do_return(world.approver1, world.health, world.c1, month, "Số liệu chưa khớp")
    client = client_for(world.officer1)
    page = client.get("/workflow/notifications/").content.decode()
    assert "Trần Văn Bình returned the form Health report — Xã Đại Đình" in page and "Số liệu chưa khớp" in page
    assert "Unread: 1" in page
    note = Notification.objects.get()
    client_for(world.officer2).post("/workflow/notifications/read/", {"id": note.pk})
    assert Notification.objects.get().read_at is None
    client.post("/workflow/notifications/read/", {"id": note.pk})
    assert Notification.objects.get().read_at is not None


def test_the_admin_shows_submissions_read_only(world, month):
    fill(world, world.c1, month)
    do_complete(world.officer1, world.health, world.c1, month)
    client = client_for(world.admin)
    world.admin.is_staff = True
    world.admin.is_superuser = True
    world.admin.save()
    assert client.get("/admin/workflow/submission/").status_code == 200
    submission = Submission.objects.get()
    page = client.get(f"/admin/workflow/submission/{submission.pk}/change/")
    assert page.status_code == 200 and "Xã Đại Đình" in page.content.decode()
    assert client.post(f"/admin/workflow/submission/{submission.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Submission.objects.exists()
