"""The briefing pages and PDFs: who sees them (province-wide figures: a district's user does not), the page,
the PDF's text read back with pypdf, "generate now" as a job."""

from __future__ import annotations

import io
import unicodedata
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from pypdf import PdfReader

from ioc.accounts.models import Role, User
from ioc.accounts.testing import make_user
from ioc.briefings.models import Briefing
from ioc.briefings.services import do_generate_briefing
from ioc.briefings.tests.conftest import KPI_EN, KPI_VI, TODAY, BriefingWorld
from ioc.jobs.models import Job

TARGET_VI = "Tỷ lệ hộ gia đình có cáp quang"  # CT01, at risk since 10/06/2026


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def weekly(bw: BriefingWorld) -> Briefing:
    return do_generate_briefing(None, "weekly", today=TODAY)


def pdf_text(response: Any) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    text = unicodedata.normalize("NFC", "\n".join(page.extract_text() or "" for page in reader.pages))
    return " ".join(text.split())  # a wrapped cell's lines joined again


# --- who sees briefings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "leader", "admin"])
def test_readers_who_see_the_province_get_the_list_page_and_pdf(bw: BriefingWorld, weekly: Briefing, who: str) -> None:
    client = client_for(getattr(bw.pw, who))
    index = client.get(reverse("briefings:index"))
    assert index.status_code == 200
    assert reverse("briefings:detail", args=[weekly.pk]) in index.content.decode()
    assert client.get(reverse("briefings:detail", args=[weekly.pk])).status_code == 200
    assert client.get(reverse("briefings:pdf", args=[weekly.pk])).status_code == 200


def test_a_user_who_sees_one_district_gets_403_and_404(bw: BriefingWorld, weekly: Briefing) -> None:
    district = make_user("lanhdao_huyen", [Role.LEADER], view=[bw.pw.units["d1"]])
    for user in (district, bw.pw.officer, bw.pw.nobody):
        client = client_for(user)
        assert client.get(reverse("briefings:index")).status_code == 403
        assert client.get(reverse("briefings:detail", args=[weekly.pk])).status_code == 404
        assert client.get(reverse("briefings:pdf", args=[weekly.pk])).status_code == 404
        assert client.get(reverse("briefings:latest_pdf") + "?kind=weekly").status_code == 404


def test_anonymous_users_are_sent_to_log_in(bw: BriefingWorld, weekly: Briefing) -> None:
    response = Client().get(reverse("briefings:pdf", args=[weekly.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_unknown_briefing_is_404(bw: BriefingWorld) -> None:
    assert client_for(bw.pw.manager).get(reverse("briefings:detail", args=[999])).status_code == 404


# --- the page --------------------------------------------------------------------------------------------


def test_the_page_shows_each_part_in_english(bw: BriefingWorld, weekly: Briefing) -> None:
    client = client_for(bw.pw.leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("briefings:detail", args=[weekly.pk])).content.decode()
    assert "Weekly briefing: 08/06/2026 – 14/06/2026" in page
    assert KPI_EN in page and "Households with fibre" in page  # the KPI, the target that became at risk
    assert "NV01" in page and "Department of Information and Communications" in page  # overdue task, lead
    assert "Beds within plan" in page  # the week's data-quality flag
    assert "60% → 63% (+5.0 %)" in page  # what changed: April → May
    assert 'id="brf-charts"' in page and "ioc/briefings.js" in page
    assert "<script>" not in page  # no inline script (CSP): the chart data is JSON


def test_the_page_in_vietnamese_names_things_in_vietnamese(bw: BriefingWorld, weekly: Briefing) -> None:
    client = client_for(bw.pw.leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    page = client.get(reverse("briefings:detail", args=[weekly.pk])).content.decode()
    assert KPI_VI in page and TARGET_VI in page and "Sở Thông tin và Truyền thông" in page


# --- the PDF ---------------------------------------------------------------------------------------------


def test_the_pdf_in_vietnamese(bw: BriefingWorld, weekly: Briefing) -> None:
    text = pdf_text(client_for(bw.pw.leader).get(reverse("briefings:pdf", args=[weekly.pk]) + "?lang=vi"))
    with translation.override("vi"):
        headings = [_("Headline indicators"), _("Plan targets"), _("Overdue tasks"), _("Overdue reports")]
    for heading in headings:
        assert heading in text
    # Headers already in the Vietnamese catalogue, names in Vietnamese whatever the catalogue says.
    assert "Trạng thái" in text and "Tiến độ" in text and "Chỉ số" in text
    assert KPI_VI in text  # a KPI's name
    assert TARGET_VI in text  # the target that became at risk
    assert "NV01" in text  # the overdue task
    assert "Phát triển hạ tầng cáp quang đến thôn, xóm" in text
    assert "Sở Thông tin và Truyền thông" in text  # its lead agency
    assert "Số giường không vượt quá kế hoạch" in text  # the week's data-quality flag
    assert "Tỉnh Phú Thọ" in text


def test_the_pdf_in_english(bw: BriefingWorld, weekly: Briefing) -> None:
    text = pdf_text(client_for(bw.pw.manager).get(reverse("briefings:pdf", args=[weekly.pk]) + "?lang=en"))
    assert "Weekly briefing: 08/06/2026 – 14/06/2026" in text
    assert "Targets that became at risk, off track or infeasible" in text and "Households with fibre" in text
    assert "Overdue tasks" in text and "NV01" in text and KPI_EN in text
    assert "Page 1 of" in text


def test_the_latest_pdf_of_a_kind(bw: BriefingWorld, weekly: Briefing) -> None:
    monthly = do_generate_briefing(None, "monthly", today=TODAY)
    client = client_for(bw.pw.leader)
    text = pdf_text(client.get(reverse("briefings:latest_pdf") + "?kind=monthly&lang=en"))
    assert "Monthly briefing" in text and monthly.kind == "monthly"
    assert "Weekly briefing" in pdf_text(client.get(reverse("briefings:latest_pdf") + "?lang=en"))  # weekly default


def test_bad_input_gets_a_clear_400(bw: BriefingWorld, weekly: Briefing) -> None:
    client = client_for(bw.pw.leader)
    bad_kind = client.get(reverse("briefings:latest_pdf") + "?kind=daily")
    assert bad_kind.status_code == 400 and b"weekly" in bad_kind.content
    assert client.get(reverse("briefings:pdf", args=[weekly.pk]) + "?lang=fr").status_code == 400


def test_no_briefing_yet_is_404(bw: BriefingWorld) -> None:
    assert client_for(bw.pw.leader).get(reverse("briefings:latest_pdf") + "?kind=weekly").status_code == 404


# --- generate now ----------------------------------------------------------------------------------------


def test_generate_now_runs_a_job_and_shows_its_page(bw: BriefingWorld, django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(bw.pw.manager)
    assert b"generate-weekly" in client.get(reverse("briefings:index")).content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("briefings:generate"), {"kind": "monthly"})
    job = Job.objects.get(kind="briefings.generate")
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.uid])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCESS, job.message
    briefing = Briefing.objects.get(pk=job.result["briefing"])
    assert briefing.kind == "monthly" and briefing.generated_by == bw.pw.manager
    page = client.get(reverse("jobs:detail", args=[job.uid])).content.decode()
    assert reverse("briefings:detail", args=[briefing.pk]) in page


def test_generate_now_is_refused_to_a_data_officer_and_needs_post(bw: BriefingWorld) -> None:
    officer = client_for(bw.pw.officer)
    assert officer.post(reverse("briefings:generate"), {"kind": "weekly"}).status_code == 403
    manager = client_for(bw.pw.manager)
    assert manager.get(reverse("briefings:generate")).status_code == 405
    assert not Job.objects.exists()


def test_a_leader_sees_the_buttons_a_province_data_officer_does_not(bw: BriefingWorld) -> None:
    assert b"generate-weekly" in client_for(bw.pw.leader).get(reverse("briefings:index")).content
    reader = make_user("cb_tinh", [Role.DATA_OFFICER], view=[bw.pw.units["new_p"]])
    page = client_for(reader).get(reverse("briefings:index"))
    assert page.status_code == 200 and b"generate-weekly" not in page.content


def test_generate_now_with_an_unknown_kind_says_so(bw: BriefingWorld) -> None:
    client = client_for(bw.pw.manager)
    response = client.post(reverse("briefings:generate"), {"kind": "daily"}, follow=True)
    assert response.status_code == 200 and "daily" in response.content.decode()
    assert not Job.objects.exists()


def test_a_briefing_without_kpis_or_plan_still_renders(bw: BriefingWorld) -> None:
    from ioc.plans.models import Plan

    bw.board.delete()
    Plan.objects.update(is_active=False)
    briefing = do_generate_briefing(None, "weekly", today=TODAY)
    client = client_for(bw.pw.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("briefings:detail", args=[briefing.pk])).content.decode()
    assert "The overview dashboard has no KPI tiles." in page and "There is no active plan." in page
    text = pdf_text(client.get(reverse("briefings:pdf", args=[briefing.pk]) + "?lang=en"))
    assert "There is no active plan." in text and "Beds within plan" in text
