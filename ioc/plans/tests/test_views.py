"""The plan's read pages through the Django client, in the known world of ioc.plans.testing at its TODAY
(15/06/2026): who sees what (a plan manager and a leader everything, an agency's officer only its own tasks
and targets, others a 404), the verdicts and flags the pages show, the filters in the address, the fan
chart's data (json_script, no inline script), and the evidence files' scoping."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.test import Client
from django.utils import translation

from ioc.accounts.models import User
from ioc.accounts.testing import english
from ioc.plans import views
from ioc.plans.models import Status, TargetReport, TaskUpdate
from ioc.plans.refresh import refresh_target
from ioc.plans.testing import TODAY, PlanWorld, build_plan_world, store_forecast

pytestmark = pytest.mark.django_db

PAGES = ["/plans/", "/plans/targets/CT02/", "/plans/tasks/", "/plans/tasks/?view=timeline", "/plans/tasks/NV02/"]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> PlanWorld:
    monkeypatch.setattr(views, "today", lambda: TODAY)
    w = build_plan_world()
    store_forecast(w.ct1, Status.INFEASIBLE, probability=0.02, current_value=72.0)
    refresh_target(w.ct2, today=TODAY)  # a real verdict, with its fan and explanation
    return w


@pytest.fixture
def evidence_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    storage = FileSystemStorage(location=tmp_path)
    for model in (TaskUpdate, TargetReport):
        monkeypatch.setattr(model._meta.get_field("attachment"), "storage", storage)
    yield tmp_path


def client_for(user: User, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    return english(client) if language == "en" else client


def rows_of(html: str, prefix: str) -> list[str]:
    return re.findall(rf'data-testid="{prefix}-([A-Z0-9_.\-]+)"', html)


def json_block(html: str, element_id: str) -> Any:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, element_id
    return json.loads(found.group(1))


# ---- who sees what --------------------------------------------------------------------------------------------


def test_pages_need_a_login(world: PlanWorld) -> None:
    for url in [*PAGES, "/plans/agencies/", "/plans/export/targets.xlsx"]:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["manager", "leader", "admin"])
def test_full_view_users_see_every_page_and_everything(world: PlanWorld, who: str) -> None:
    client = client_for(getattr(world, who))
    for url in [*PAGES, "/plans/targets/CT01/", "/plans/tasks/NV03/", "/plans/agencies/"]:
        assert client.get(url).status_code == 200, url
    html = client.get("/plans/").content.decode()
    assert rows_of(html, "target") == ["CT01", "CT02", "CT03"]
    assert "Kế hoạch chuyển đổi số tỉnh Vĩnh Phúc" in html
    assert "Kế hoạch số 120/KH-UBND" in html
    assert 'class="plan-note"' not in html
    tabs = html[html.index('class="plan-tabs"') :].split("</nav>")[0]
    assert 'href="/plans/?plan=CDS" aria-current="page"' in tabs
    assert 'href="/plans/tasks/?plan=CDS"' in tabs and 'href="/plans/agencies/?plan=CDS"' in tabs
    board = client.get("/plans/tasks/").content.decode()
    assert sorted(rows_of(board, "task")) == ["NV01", "NV02", "NV03"]


def test_an_agency_officer_sees_only_its_own(world: PlanWorld) -> None:
    client = client_for(world.officer)  # Sở Y tế: leads NV02, cooperates on NV01, responsible for CT02
    html = client.get("/plans/").content.decode()
    assert rows_of(html, "target") == ["CT02"]
    assert 'class="plan-note"' in html
    board = client.get("/plans/tasks/").content.decode()
    assert sorted(rows_of(board, "task")) == ["NV01", "NV02"]
    assert client.get("/plans/targets/CT02/").status_code == 200
    assert client.get("/plans/tasks/NV01/").status_code == 200
    for url in ["/plans/targets/CT01/", "/plans/targets/CT03/", "/plans/tasks/NV03/"]:
        assert client.get(url).status_code == 404, url
    cards = client.get("/plans/agencies/").content.decode()
    assert rows_of(cards, "agency") == ["SYT"]


def test_no_scope_and_no_agency_is_404_everywhere(world: PlanWorld) -> None:
    client = client_for(world.nobody)
    for url in [*PAGES, "/plans/agencies/", "/plans/export/targets.pdf"]:
        assert client.get(url).status_code == 404, url


def test_an_unknown_plan_or_code_is_a_404(world: PlanWorld) -> None:
    client = client_for(world.manager)
    assert client.get("/plans/?plan=KHONG_CO").status_code == 404
    assert client.get("/plans/targets/CT99/").status_code == 404
    assert client.get("/plans/tasks/NV99/").status_code == 404


# ---- overview -------------------------------------------------------------------------------------------------


def test_overview_pillars_count_targets_by_status_and_tasks(world: PlanWorld) -> None:
    html = client_for(world.manager, "en").get("/plans/").content.decode()
    ht = html[html.index('data-testid="pillar-HT"') : html.index('data-testid="pillar-CQS"')]
    assert 'data-status="infeasible"' in ht and "Infeasible" in ht  # a word, not only a colour
    assert "1 overdue" in ht
    no_pillar = html[html.index('data-testid="pillar--"') :]
    assert "Insufficient data" not in no_pillar.split("</article>")[0]  # CT03 has no verdict yet
    assert "Not computed yet" in no_pillar.split("</article>")[0]


def test_overview_targets_table_shows_the_verdicts(world: PlanWorld) -> None:
    html = client_for(world.manager, "en").get("/plans/").content.decode()
    row = html[html.index('data-testid="target-CT02"') :].split("</tr>")[0]
    verdict = world.ct2.forecast
    assert f'data-status="{verdict.status}"' in row
    assert verdict.probability is not None and verdict.proposed_date is not None  # CT02 has enough history
    assert f"{round(verdict.probability * 100)} % probability" in row
    assert verdict.proposed_date.strftime("%d/%m/%Y") in row
    if verdict.proposed_date_80:
        assert f"80 % sure by {verdict.proposed_date_80:%d/%m/%Y}" in row
    assert "Department of Health" in row  # the agency's English name on the English page
    assert "/plans/targets/CT02/?plan=CDS" in row
    assert 'href="/plans/export/targets.xlsx?' in html and 'href="/plans/export/targets.pdf?' in html


def test_overview_filters_are_in_the_address(world: PlanWorld) -> None:
    client = client_for(world.manager)
    assert rows_of(client.get("/plans/?status=infeasible").content.decode(), "target") == ["CT01"]
    assert rows_of(client.get("/plans/?status=pending").content.decode(), "target") == ["CT03"]
    assert rows_of(client.get("/plans/?mandatory=no").content.decode(), "target") == ["CT03"]
    assert rows_of(client.get("/plans/?pillar=CQS").content.decode(), "target") == ["CT02"]
    assert rows_of(client.get("/plans/?pillar=-").content.decode(), "target") == ["CT03"]
    assert rows_of(client.get("/plans/?agency=SGDDT").content.decode(), "target") == ["CT03"]
    html = client.get("/plans/?status=infeasible&agency=SGDDT").content.decode()
    assert rows_of(html, "target") == []
    assert "status=infeasible" in html.split('data-testid="export-xlsx"')[0].rsplit("href=", 1)[1]


def test_overview_bad_filters_say_so_and_show_everything(world: PlanWorld) -> None:
    response = client_for(world.manager, "en").get("/plans/?pillar=NOPE&status=great&agency=XYZ&mandatory=maybe")
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is no pillar with the code" in html
    assert "is not a status" in html
    assert rows_of(html, "target") == ["CT01", "CT02", "CT03"]
    export = html.split('data-testid="export-xlsx"')[0].rsplit("href=", 1)[1]
    assert export == '"/plans/export/targets.xlsx?" download '  # refused values are not passed on


def test_recompute_and_edit_buttons_only_for_plan_managers(world: PlanWorld) -> None:
    manager = client_for(world.manager).get("/plans/").content.decode()
    assert 'data-testid="recompute"' in manager
    assert 'action="/plans/manage/recompute/?plan=CDS"' in manager
    for user in (world.leader, world.officer):
        assert 'data-testid="recompute"' not in client_for(user).get("/plans/").content.decode()


# ---- a target -------------------------------------------------------------------------------------------------


def test_target_page_verdict_chart_data_and_values(world: PlanWorld) -> None:
    html = client_for(world.manager, "en").get("/plans/targets/CT02/").content.decode()
    verdict = world.ct2.forecast
    with translation.override("en"):
        from ioc.plans.forecast import explain

        sentence = explain(verdict.details)
    assert sentence and sentence in html.replace("&#x27;", "'")
    chart = json_block(html, "plan-chart")
    assert [p["value"] for p in chart["points"]] == [10.0, 30.0, 50.0, 65.0]  # the baseline and three reports
    assert chart["target"] == 90.0 and chart["deadline"] == "2026-12-31" and chart["today"] == "2026-06-15"
    assert chart["fan"] and {"date", "p10", "p50", "p90"} <= set(chart["fan"][0])
    assert json_block(html, "plan-chart-strings")["median"] == "Forecast (median)"
    assert "<script>" not in html  # CSP: no inline script
    values = html[html.index('data-testid="values-table"') :].split("</table>")[0]
    assert values.count("<tr") == 5  # header + 3 reports + baseline
    assert "Báo cáo của Sở Y tế" in values and "Lê Thị Hạnh" in values


def test_live_target_values_name_their_data_item_and_milestones(world: PlanWorld) -> None:
    store_forecast(
        world.ct1,
        Status.INFEASIBLE,
        details={
            "points": [{"date": "2021-12-31", "value": 45.0}, {"date": "2022-12-31", "value": 55.0}],
            "milestones": [{"date": "2023-12-31", "value": 60.0, "expected": 58.5, "probability": 0.3, "met": False}],
        },
    )
    html = client_for(world.leader).get("/plans/targets/CT01/").content.decode()
    values = html[html.index('data-testid="values-table"') :].split("</table>")[0]
    assert "Tỷ lệ hộ gia đình có cáp quang (FIBRE_HH) · Tỉnh Vĩnh Phúc" in values
    milestones = html[html.index('data-testid="milestones-table"') :].split("</table>")[0]
    assert "31/12/2023" in milestones and "31/12/2030" in milestones
    assert "Định hướng 2030" in milestones


def test_target_actions_follow_the_rights(world: PlanWorld) -> None:
    manager = client_for(world.manager).get("/plans/targets/CT02/").content.decode()
    assert 'href="/plans/targets/CT02/report/?plan=CDS"' in manager
    assert 'href="/plans/targets/CT02/edit/?plan=CDS"' in manager
    officer = client_for(world.officer).get("/plans/targets/CT02/").content.decode()
    assert 'data-testid="report-link"' in officer and 'data-testid="edit-link"' not in officer
    leader = client_for(world.leader).get("/plans/targets/CT02/").content.decode()
    assert 'data-testid="report-link"' not in leader and 'data-testid="edit-link"' not in leader
    live = client_for(world.manager).get("/plans/targets/CT01/").content.decode()
    assert 'data-testid="report-link"' not in live  # a live target's values come from the data


# ---- tasks ----------------------------------------------------------------------------------------------------


def test_the_overdue_filter_counts_on_the_pages_today(world: PlanWorld) -> None:
    html = client_for(world.manager, "en").get("/plans/tasks/?status=overdue").content.decode()
    assert 'data-testid="task-NV01"' in html and 'data-testid="task-NV02"' not in html


def test_board_groups_by_status_and_flags_overdue_and_stalled(world: PlanWorld) -> None:
    html = client_for(world.manager, "en").get("/plans/tasks/").content.decode()
    in_progress = html[html.index('data-status="in_progress"') :].split("</section>")[0]
    assert sorted(rows_of(in_progress, "task")) == ["NV01", "NV02"]
    done = html[html.index('data-status="done"') :].split("</section>")[0]
    assert rows_of(done, "task") == ["NV03"]
    nv01 = html[html.rindex("<li", 0, html.index('data-testid="task-NV01"')) :].split("</li>")[0]
    assert "plan-task--overdue" in nv01 and "Overdue by 166 days" in nv01
    assert 'data-flag="stalled"' in nv01 and "no report for 156 days" in nv01
    nv02 = html[html.index('data-testid="task-NV02"') :].split("</li>")[0]
    assert 'data-flag="overdue"' not in nv02 and "Due soon" in nv02
    assert re.search(r'data-testid="overdue-count">1<', html)
    assert re.search(r'data-testid="stalled-count">1<', html)


def test_board_filters(world: PlanWorld) -> None:
    client = client_for(world.manager)
    assert rows_of(client.get("/plans/tasks/?status=overdue").content.decode(), "task") == ["NV01"]
    assert rows_of(client.get("/plans/tasks/?pillar=CQS").content.decode(), "task") == ["NV02"]
    assert sorted(rows_of(client.get("/plans/tasks/?agency=SGDDT").content.decode(), "task")) == ["NV02", "NV03"]
    response = client_for(world.manager, "en").get("/plans/tasks/?status=someday")
    assert response.status_code == 200 and "is not a status" in response.content.decode()


def test_timeline_bars_from_start_to_due_with_a_today_line(world: PlanWorld) -> None:
    html = client_for(world.manager).get("/plans/tasks/?view=timeline&pillar=").content.decode()
    assert 'data-testid="timeline"' in html
    states = dict(re.findall(r'data-testid="bar-([A-Z0-9]+)" data-state="([a-z]+)"', html))
    assert states == {"NV01": "overdue", "NV02": "open", "NV03": "done"}
    # The plan runs 2021-01-01 … 2030-12-31; TODAY is 2026-06-15 → 54.4 % of the way.
    today = re.search(r'class="plan-timeline__today" style="left: ([0-9.]+)%"', html)
    assert today and 54.0 < float(today.group(1)) < 55.0
    nv03 = html[html.index('data-testid="bar-NV03"') :].split("</li>")[0]
    left, width = re.search(r'plan-bar--done" style="left: ([0-9.]+)%; width: ([0-9.]+)%', nv03).groups()  # type: ignore[union-attr]
    assert 9.5 < float(left) < 10.5  # 2022-01-01
    assert 44.5 < float(left) + float(width) < 45.5  # 2025-06-30


def test_task_page_details_updates_and_evidence_links(world: PlanWorld, evidence_dir: Path) -> None:
    update = TaskUpdate.objects.create(
        task=world.t2,
        by=world.officer,
        text="Đã triển khai tại 5 bệnh viện",
        link="https://example.vn/bao-cao",
        progress=40,
    )
    update.attachment.save("bien-ban.pdf", ContentFile(b"%PDF-1.4 test"))
    html = client_for(world.officer).get("/plans/tasks/NV02/").content.decode()
    assert "Sở Y tế" in html and "Sở Giáo dục và Đào tạo" in html  # lead and cooperating
    assert "Đã triển khai tại 5 bệnh viện" in html
    assert f'href="/plans/evidence/update/{update.pk}/"' in html
    assert 'href="https://example.vn/bao-cao"' in html
    assert 'data-testid="update-link"' in html  # the lead agency reports
    other = client_for(world.other).get("/plans/tasks/NV02/").content.decode()
    assert 'data-testid="update-link"' not in other  # a cooperating agency reads only


def test_task_history_shows_the_audit_entries(world: PlanWorld) -> None:
    from ioc.audit.services import record

    record(world.manager, "task.update", world.t1, changes={"progress": [50, 60]})
    record(world.manager, "task.custom", world.t1, changes={"note": "x"})
    html = client_for(world.manager, "en").get("/plans/tasks/NV01/").content.decode()
    history = html[html.index('data-testid="history"') :].split("</ol>")[0]
    assert "Changed" in history and "progress (%)" in history and "50 → 60" in history
    assert "Trần Văn Quản" in history
    assert "task.custom" in history and "note" in history  # an action without words shows as recorded


# ---- scorecards -----------------------------------------------------------------------------------------------


def test_scorecards_rows_and_sorting(world: PlanWorld) -> None:
    client = client_for(world.manager)
    html = client.get("/plans/agencies/").content.decode()
    assert rows_of(html, "agency")[0] == "STTTT"  # default: most overdue first
    stttt = html[html.index('data-testid="agency-STTTT"') :].split("</tr>")[0]
    assert "⚠ 1" in stttt and "‖ 1" in stttt and 'data-status="infeasible"' in stttt
    by_name = rows_of(client.get("/plans/agencies/?sort=agency").content.decode(), "agency")
    assert by_name == ["SGDDT", "STTTT", "SYT"]  # Sở Giáo dục…, Sở Thông tin…, Sở Y tế
    assert rows_of(client.get("/plans/agencies/?sort=-agency").content.decode(), "agency") == by_name[::-1]
    assert client.get("/plans/agencies/?sort=nonsense").status_code == 200


# ---- evidence -------------------------------------------------------------------------------------------------


def test_evidence_is_served_as_an_attachment_only_to_who_sees_it(world: PlanWorld, evidence_dir: Path) -> None:
    on_nv01 = TaskUpdate.objects.create(task=world.t1, by=world.manager, text="Nghiệm thu")
    on_nv01.attachment.save("nghiem-thu.docx", ContentFile(b"noi dung"))
    report = TargetReport.objects.get(target=world.ct2, date="2025-06-30")
    report.attachment.save("so-lieu.xlsx", ContentFile(b"so lieu"))
    url_update, url_report = f"/plans/evidence/update/{on_nv01.pk}/", f"/plans/evidence/report/{report.pk}/"

    response = client_for(world.officer).get(url_update)  # syt cooperates on NV01
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;") and "nghiem-thu" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"noi dung"  # type: ignore[attr-defined]
    assert client_for(world.officer).get(url_report).status_code == 200
    assert client_for(world.leader).get(url_report).status_code == 200

    for user in (world.other, world.nobody):  # sgddt: not on NV01, not responsible for CT02
        assert client_for(user).get(url_update).status_code == 404
        assert client_for(user).get(url_report).status_code == 404
    manager = client_for(world.manager)
    assert manager.get("/plans/evidence/other/1/").status_code == 404
    assert manager.get("/plans/evidence/update/999999/").status_code == 404
    plain = TargetReport.objects.get(target=world.ct2, date="2024-06-30")  # no file attached
    assert manager.get(f"/plans/evidence/report/{plain.pk}/").status_code == 404
