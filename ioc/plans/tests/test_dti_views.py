"""The DTI pages: what they show (the small version of test_dti_services: total 68, rank 3 of 5), who may read
them (those who see the province; 404 otherwise), and that only plan managers write — from the wrong user's
side a 403 and nothing written."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ioc.accounts.models import User
from ioc.accounts.testing import english
from ioc.plans.demo_dti import demo_document, install_demo_dti, split
from ioc.plans.models_dti import DtiIndex, DtiPublishedScore, DtiSubIndex, DtiValue, DtiVersion
from ioc.plans.testing import PlanWorld, build_plan_world, put_yearly
from ioc.plans.tests.test_dti_services import counts, document, small_dti

pytestmark = pytest.mark.django_db
DTI = "/plans/dti/"


@pytest.fixture
def w() -> PlanWorld:
    world = build_plan_world()
    put_yearly(world, {2024: 70.0})
    small_dti()
    return world


def client_for(user: User) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return str(response.content.decode())


def test_the_score_page(w: PlanWorld) -> None:
    response = client_for(w.manager).get(DTI)
    assert response.status_code == 200
    page = text(response)
    assert 'data-testid="dti-total"' in page and "68.0" in page
    assert "3<span" in page and "/5" in page  # rank 3 of 5
    assert page.count('data-testid="dti-ours"') == 1
    assert "66.00" in page  # our published total, beside the computed one
    assert 'href="/plans/dti/simulator/' in page
    assert 'id="dti-chart"' in page
    chart = json.loads(page.split('id="dti-chart" type="application/json">')[1].split("</script>")[0])
    assert chart["points"] == [29.0, 39.0] and chart["max"] == [40.0, 60.0] and chart["ranks"] == [3]
    assert "listed, not scored" in page  # C
    assert 'data-testid="illustrative"' not in page


def test_the_ranking_places_our_computed_score(w: PlanWorld) -> None:
    page = text(client_for(w.leader).get(DTI))
    table = page.split('data-testid="dti-ranking"')[1].split("</table>")[0]
    names = [cell.split("</td>")[0] for cell in table.split("<td>")[1:]]
    assert [n.split(" <span")[0] for n in names] == ["Hà Nội", "Lào Cai", "Tỉnh Vĩnh Phúc", "Hà Giang", "Tỉnh Ba"]
    assert "Vĩnh Phúc</td>" not in table  # our own published row is not ranked among the others


def test_the_demo_version_says_it_is_illustrative(w: PlanWorld) -> None:
    DtiVersion.objects.filter(code="T").update(note_vi="Minh họa", note_en="Illustrative")
    DtiPublishedScore.objects.update(source="Dữ liệu mô phỏng — synthetic")
    page = text(client_for(w.manager).get(DTI))
    assert 'data-testid="illustrative"' in page and 'data-testid="synthetic-ranking"' in page


@pytest.mark.parametrize("path", ["", "simulator/", "published/", "version/"])
@pytest.mark.parametrize("who", ["officer", "nobody"])
def test_those_who_do_not_see_the_province_get_404(w: PlanWorld, path: str, who: str) -> None:
    assert client_for(getattr(w, who)).get(DTI + path).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(w: PlanWorld) -> None:
    response = Client().get(DTI)
    assert response.status_code == 302 and "login" in response["Location"]


def test_bad_parameters_are_a_message_not_an_error(w: PlanWorld) -> None:
    client = client_for(w.manager)
    response = client.get(DTI + "?year=abc", follow=True)
    assert response.status_code == 200 and "is not a whole number" in text(response)
    assert client.get(DTI + "?version=NOPE").status_code == 404
    page = text(client.get(DTI + "simulator/?rank=abc"))
    assert 'data-testid="sim-error"' in page and 'value="15"' in page


def test_the_simulator_page(w: PlanWorld) -> None:
    page = text(client_for(w.leader).get(DTI + "simulator/?rank=1&year=2024"))
    assert 'data-testid="sim-reachable"' in page and "12.01" in page
    steps = page.split('data-testid="sim-steps"')[1].split("</table>")[0]
    assert steps.count("<tr data-sub=") == 3 and 'data-sub="A/A1"' in steps and "<strong>100</strong>" in steps
    assert "Compared with Hà Nội" in page
    assert 'data-testid="sim-already"' in text(client_for(w.leader).get(DTI + "simulator/?rank=3"))


def test_the_simulator_says_when_a_rank_is_out_of_reach(w: PlanWorld) -> None:
    DtiPublishedScore.objects.filter(province_code="01", index__isnull=True).update(score=100.5)
    DtiPublishedScore.objects.create(
        version=DtiVersion.objects.get(), year=2024, province_code="09", province_name="Tỉnh Chín", score=100.5
    )
    page = text(client_for(w.manager).get(DTI + "simulator/?rank=2"))
    assert 'data-testid="sim-unreachable"' in page and "out of reach" in page


def test_values_page_and_saving(w: PlanWorld) -> None:
    client = client_for(w.manager)
    page = text(client.get(DTI + "values/?year=2024"))
    assert 'data-field="B/B2"' in page and 'value="7"' in page
    a2 = DtiValue.objects.get(sub_index__code="A2", year=2024).sub_index
    b1 = DtiValue.objects.get(sub_index__code="B1", year=2024).sub_index
    response = client.post(DTI + "values/", {"year": "2024", f"v-{a2.pk}": "18,5", f"v-{b1.pk}": "", "note": "Sở"})
    assert response.status_code == 302
    assert DtiValue.objects.get(sub_index=a2, year=2024).value == 18.5
    assert not DtiValue.objects.filter(sub_index=b1, year=2024).exists()


def test_bad_values_show_per_field_errors_and_save_nothing(w: PlanWorld) -> None:
    client = client_for(w.manager)
    a2 = DtiValue.objects.get(sub_index__code="A2", year=2024).sub_index
    b1 = DtiValue.objects.get(sub_index__code="B1", year=2024).sub_index
    before = counts()
    response = client.post(DTI + "values/", {"year": "2024", f"v-{a2.pk}": "25", f"v-{b1.pk}": "nhiều"})
    assert response.status_code == 400
    page = text(response)
    assert 'data-testid="error-A/A2"' in page and 'data-testid="error-B/B1"' in page
    assert 'value="nhiều"' in page  # what was typed stays in the field
    assert counts() == before


@pytest.mark.parametrize("who", ["leader", "officer"])
def test_values_are_for_plan_managers_only(w: PlanWorld, who: str) -> None:
    client = client_for(getattr(w, who))
    a2 = DtiValue.objects.get(sub_index__code="A2", year=2024).sub_index
    before = counts()
    assert client.get(DTI + "values/").status_code == 403
    assert client.post(DTI + "values/", {"year": "2024", f"v-{a2.pk}": "1"}).status_code == 403
    assert counts() == before


def test_published_list_and_import(w: PlanWorld) -> None:
    page = text(client_for(w.leader).get(DTI + "published/?year=2024"))
    assert page.count("<tr") >= 6 and "Hà Nội" in page and 'data-testid="import-form"' not in page
    client = client_for(w.manager)
    csv = "year,province_code,province_name,index,score\n2024,05,Tỉnh Năm,,55\n2024,05,Tỉnh Năm,B,30\n"
    upload = SimpleUploadedFile("dti.csv", ("\ufeff" + csv).encode(), content_type="text/csv")
    response = client.post(DTI + "published/?year=2024", {"file": upload})
    assert response.status_code == 302
    assert DtiPublishedScore.objects.filter(province_code="05").count() == 2


def test_import_errors_are_listed_by_line_and_nothing_is_imported(w: PlanWorld) -> None:
    client = client_for(w.manager)
    csv = "year,province_code,province_name,index,score\n2024,05,Tỉnh Năm,,55\n2024,06,Tỉnh Sáu,,999\n"
    before = counts()
    response = client.post(DTI + "published/", {"file": SimpleUploadedFile("dti.csv", csv.encode())})
    assert response.status_code == 400
    errors = text(response).split('data-testid="import-errors"')[1].split("</table>")[0]
    assert "<td>3</td><td>score</td>" in errors and "between 0 and 100" in errors
    assert counts() == before


@pytest.mark.parametrize("who", ["leader", "officer"])
def test_import_is_for_plan_managers_only(w: PlanWorld, who: str) -> None:
    before = counts()
    csv = b"year,province_code,province_name,score\n2024,05,X,55\n"
    response = client_for(getattr(w, who)).post(DTI + "published/", {"file": SimpleUploadedFile("d.csv", csv)})
    assert response.status_code == 403
    assert counts() == before


def test_structure_page_and_loading_a_version(w: PlanWorld) -> None:
    client = client_for(w.manager)
    page = text(client.get(DTI + "version/"))
    assert 'data-index="A"' in page and "lower is better" in page and "FIBRE_HH" in page
    body = yaml.safe_dump(document(), allow_unicode=True).encode()
    response = client.post(DTI + "version/", {"file": SimpleUploadedFile("v2.yaml", body)})
    assert response.status_code == 302 and response["Location"].endswith("?version=V2")
    assert DtiVersion.objects.filter(code="V2").exists()
    client.post(DTI + "version/?version=V2", {"op": "current"})
    assert DtiVersion.objects.get(is_current=True).code == "V2"
    bad = document(total_points=999)
    response = client.post(DTI + "version/", {"file": SimpleUploadedFile("v3.json", json.dumps(bad).encode())})
    assert response.status_code == 400 and "total_points" in text(response)
    response = client.post(DTI + "version/", {"file": SimpleUploadedFile("x.yaml", b"- [unclosed")})
    assert response.status_code == 400


def test_loading_a_version_is_for_plan_managers_only(w: PlanWorld) -> None:
    before = counts()
    body = yaml.safe_dump(document()).encode()
    response = client_for(w.leader).post(DTI + "version/", {"file": SimpleUploadedFile("v2.yaml", body)})
    assert response.status_code == 403
    assert client_for(w.leader).post(DTI + "version/", {"op": "current"}).status_code == 403
    assert counts() == before


def test_the_demo_installs_once_and_says_what_is_synthetic(w: PlanWorld) -> None:
    written = install_demo_dti(None)
    doc = demo_document()
    v = DtiVersion.objects.get(code=doc["code"])
    counts_by_index = {i.code: i.sub_indices.count() for i in DtiIndex.objects.filter(version=v)}
    assert counts_by_index == {"NTS": 10, "TCS": 11, "HTS": 7, "NLS": 13, "ATTT": 12, "DTTM": 3, "CQS": 22, "KTS": 12, "XHS": 8}  # fmt: skip
    assert sum(i.max_points or 0 for i in DtiIndex.objects.filter(version=v)) == 1000
    for index in DtiIndex.objects.filter(version=v, max_points__isnull=False):
        assert sum(s.max_points for s in index.sub_indices.all()) == index.max_points
    totals = DtiPublishedScore.objects.filter(version=v, index__isnull=True)
    assert totals.count() == 63 * 3
    assert all(p.source == "Dữ liệu mô phỏng — synthetic" for p in DtiPublishedScore.objects.filter(version=v))
    mine = DtiValue.objects.filter(sub_index__index__version=v).count() + totals.count() * 9  # a total, 8 indices
    assert written == 1 + 9 + 98 + mine == 1 + 9 + 98 + 89 * 4 + 63 * 3 * 9
    assert install_demo_dti(None) == 0
    # FIBRE_HH-style indicators are unknown in this world: linked sub-indices lost their dx, not the install.
    assert not DtiSubIndex.objects.filter(index__version=v).exclude(dx="").exists()
    maxima = {"A": 100.0, "B": 200.0, "C": 150.0}
    for seed in range(50):
        parts = split(300.17, maxima, random.Random(seed))
        assert sum(parts.values()) == pytest.approx(300.17)
        assert all(0 <= parts[c] <= top for c, top in maxima.items())
    DtiVersion.objects.filter(code="T").update(is_current=False)
    page = text(client_for(w.manager).get(DTI + "?year=2024"))
    assert 'data-testid="illustrative"' in page and 'data-testid="synthetic-ranking"' in page
    assert "Đà Nẵng" in page
