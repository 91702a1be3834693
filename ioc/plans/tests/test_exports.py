"""The plan's exports: real XLSX (read back with openpyxl) and real PDF (text read back with pypdf), in the
known world of ioc.plans.testing with verdicts computed by the background refresh at its TODAY; Vietnamese
names intact, the language chosen with ?lang=, the user's scope and the page's filters applied."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest
from django.test import Client
from django.utils import translation
from django.utils.text import slugify
from openpyxl import load_workbook
from pypdf import PdfReader

from ioc.accounts.models import User
from ioc.plans import views
from ioc.plans.forecast import explain
from ioc.plans.models import Status, TargetForecast
from ioc.plans.refresh import refresh_all
from ioc.plans.testing import TODAY, PlanWorld, build_plan_world, put_yearly

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> PlanWorld:
    monkeypatch.setattr(views, "today", lambda: TODAY)
    w = build_plan_world()
    put_yearly(w, {2021: 45, 2022: 55, 2023: 62, 2024: 68, 2025: 72})
    refresh_all(today=TODAY)
    return w


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sheet(content: bytes) -> list[list[object]]:
    book = load_workbook(io.BytesIO(content))
    assert book.active is not None
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def squash(text: str) -> str:
    return " ".join(text.split())


def test_targets_xlsx_in_vietnamese_with_the_verdicts(world: PlanWorld) -> None:
    response = client_for(world.manager).get("/plans/export/targets.xlsx?lang=vi")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="{slugify(_vi("targets"))}-CDS-2026-06-15.xlsx"'
    rows = sheet(response.content)
    header, body = rows[0], rows[1:]
    assert [r[0] for r in body] == ["CT01", "CT02", "CT03"]
    assert body[0][1] == "Tỷ lệ hộ gia đình có cáp quang"
    assert body[1][1] == "Tỷ lệ người dân có hồ sơ sức khỏe điện tử"
    assert body[2][3] == "Sở Giáo dục và Đào tạo"
    with translation.override("vi"):
        labels = {s.value: str(s.label) for s in Status}
    status_col = header.index(_vi("Status"))
    for row, target in zip(body, world.targets, strict=True):
        stored = TargetForecast.objects.get(target=target)
        assert row[status_col] == labels[stored.status]
        probability = row[header.index(_vi("Probability (%)"))]
        assert probability == (None if stored.probability is None else round(stored.probability * 100))
        proposed = row[header.index(_vi("Proposed completion date"))]
        assert (proposed.date() if isinstance(proposed, dt.datetime) else proposed) == stored.proposed_date
    deadline = body[1][header.index(_vi("Deadline"))]
    assert isinstance(deadline, dt.datetime) and deadline.date() == dt.date(2026, 12, 31)  # a real date cell
    assert body[1][header.index(_vi("Target value"))] == 90  # a number, not text


def _vi(msgid: str) -> str:
    with translation.override("vi"):
        return translation.gettext(msgid)


def test_targets_xlsx_in_english(world: PlanWorld) -> None:
    response = client_for(world.manager).get("/plans/export/targets.xlsx?lang=en")
    rows = sheet(response.content)
    assert rows[0][:2] == ["Code", "Target"]
    assert rows[1][1] == "Households with fibre"
    assert response["Content-Disposition"] == 'attachment; filename="targets-CDS-2026-06-15.xlsx"'
    with translation.override("en"):
        statuses = {str(s.label) for s in Status} | {"Not computed yet"}
    assert all(r[11] in statuses for r in rows[1:]), [r[11] for r in rows]


def test_targets_pdf_lists_the_statuses_and_explains_the_worrying_ones(world: PlanWorld) -> None:
    response = client_for(world.manager).get("/plans/export/targets.pdf?lang=vi")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for name in ("Tỷ lệ hộ gia đình có cáp quang", "Tỷ lệ người dân có hồ sơ sức khỏe điện tử"):
        assert name in text
    assert "Thời gian xử lý hồ sơ" in text  # wrapped in its cell; the start is on one line
    worrying = [f for f in TargetForecast.objects.all() if f.status in ("at_risk", "off_track", "infeasible")]
    assert worrying, "the world's verdicts should include a worrying one"
    with translation.override("vi"):
        for verdict in worrying:
            sentence = explain(verdict.details)
            assert sentence and squash(sentence)[:60] in text
    calm = [f for f in TargetForecast.objects.all() if f.status not in ("at_risk", "off_track", "infeasible")]
    with translation.override("vi"):
        for verdict in calm:
            sentence = explain(verdict.details)
            assert not sentence or squash(sentence)[:60] not in text


def test_tasks_exports_flag_overdue_and_stalled(world: PlanWorld) -> None:
    client = client_for(world.manager)
    rows = sheet(client.get("/plans/export/tasks.xlsx?lang=en").content)
    header, body = rows[0], {r[0]: r for r in rows[1:]}
    assert set(body) == {"NV01", "NV02", "NV03"}
    assert body["NV01"][header.index("Days overdue")] == 166
    assert body["NV01"][header.index("Stalled")] == "Yes"
    assert body["NV02"][header.index("Days overdue")] is None
    assert body["NV01"][header.index("Cooperating agencies")] == "Department of Health"
    text = pdf_text(client.get("/plans/export/tasks.pdf?lang=vi").content)
    assert "Phát triển hạ tầng cáp quang đến thôn, xóm" in text
    assert "Triển khai hồ sơ sức khỏe điện tử" in text
    overdue = sheet(client.get("/plans/export/tasks.xlsx?status=overdue").content)
    assert [r[0] for r in overdue[1:]] == ["NV01"]


def test_scorecards_exports(world: PlanWorld) -> None:
    client = client_for(world.manager)
    rows = sheet(client.get("/plans/export/scorecards.xlsx?lang=vi&sort=agency").content)
    assert [r[0] for r in rows[1:]] == ["Sở Giáo dục và Đào tạo", "Sở Thông tin và Truyền thông", "Sở Y tế"]
    stttt = rows[2]
    assert stttt[1:6] == [1, 0, 0, 1, 1]  # tasks, done, on time, overdue, stalled
    text = pdf_text(client.get("/plans/export/scorecards.pdf?lang=vi").content)
    assert "Sở Thông tin và Truyền thông" in text and "Sở Y tế" in text


def test_exports_follow_the_scope_and_the_filters(world: PlanWorld) -> None:
    officer = client_for(world.officer)
    assert [r[0] for r in sheet(officer.get("/plans/export/targets.xlsx").content)[1:]] == ["CT02"]
    assert [r[0] for r in sheet(officer.get("/plans/export/scorecards.xlsx").content)[1:]] == ["Sở Y tế"]
    text = pdf_text(officer.get("/plans/export/targets.pdf").content)
    assert "Tỷ lệ người dân có hồ sơ sức khỏe điện tử" in text
    assert "Tỷ lệ hộ gia đình có cáp quang" not in text
    manager = client_for(world.manager)
    filtered = sheet(manager.get("/plans/export/targets.xlsx?mandatory=no").content)
    assert [r[0] for r in filtered[1:]] == ["CT03"]
    by_pillar = sheet(manager.get("/plans/export/targets.xlsx?pillar=HT").content)
    assert [r[0] for r in by_pillar[1:]] == ["CT01"]


def test_exports_refuse_unknown_kinds_and_strangers(world: PlanWorld) -> None:
    manager = client_for(world.manager)
    assert manager.get("/plans/export/budget.xlsx").status_code == 404
    assert manager.get("/plans/export/targets.docx").status_code == 404
    assert manager.get("/plans/export/targets.xlsx?plan=KHONG_CO").status_code == 404
    assert client_for(world.nobody).get("/plans/export/tasks.xlsx").status_code == 404
