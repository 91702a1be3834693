"""The admin: lists, search, filters; writes keep `path` and are audited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ioc.audit.models import AuditEntry
from ioc.orgunits.models import OrgUnit, Succession

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree, make_user) -> Client:
    client = Client()
    client.force_login(make_user("boss", superuser=True))
    return client


@pytest.mark.parametrize("query", ["", "?q=08707", "?q=Tích", "?level__exact=3", "?status=open", "?status=closed"])
def test_changelists(staff, query) -> None:
    response = staff.get(reverse("admin:orgunits_orgunit_changelist") + query)
    assert response.status_code == 200
    assert staff.get(reverse("admin:orgunits_succession_changelist")).status_code == 200
    assert staff.get(reverse("admin:orgunits_orgunitlevel_changelist")).status_code == 200


def test_status_filter(staff, tree) -> None:
    response = staff.get(reverse("admin:orgunits_orgunit_changelist") + "?status=open")
    assert "Phường Vĩnh Yên" in response.text and "Phường Tích Sơn" not in response.text


def test_change_form_renders_with_inlines(staff, tree) -> None:
    response = staff.get(reverse("admin:orgunits_orgunit_change", args=[tree["c1"].pk]))
    assert response.status_code == 200
    assert "successions" in response.text or "predecessions" in response.text


def _form(unit: OrgUnit, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": unit.code,
        "name_vi": unit.name_vi,
        "name_en": unit.name_en,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "level": unit.level,
        "parent": unit.parent_id or "",
        "opened": unit.opened.isoformat() if unit.opened else "",
        "closed": unit.closed.isoformat() if unit.closed else "",
        "latitude": "",
        "longitude": "",
        "area_km2": "",
        "geometry": "null",
        "source": "",
    }
    for prefix in ("successions", "predecessions"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MIN_NUM_FORMS": 0})
    data.update(changes)
    return data


def test_moving_a_unit_keeps_paths_and_is_audited(staff, tree) -> None:
    url = reverse("admin:orgunits_orgunit_change", args=[tree["d2"].pk])
    response = staff.post(url, _form(tree["d2"], parent=tree["new_p"].pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    tree["d2"].refresh_from_db()
    tree["c3"].refresh_from_db()
    assert tree["d2"].path == f"{tree['new_p'].path}{tree['d2'].pk}/"
    assert tree["c3"].path.startswith(tree["d2"].path)
    entry = AuditEntry.objects.get(action="orgunit.change")
    assert entry.via == "admin" and entry.object_id == str(tree["d2"].pk)
    assert entry.changes["parent"] == [tree["p"].pk, tree["new_p"].pk]  # old and new
    assert entry.changes["path"][1] == tree["d2"].path


def test_adding_a_succession_inline_is_audited(staff, tree) -> None:
    url = reverse("admin:orgunits_orgunit_change", args=[tree["c2"].pk])
    data = _form(tree["c2"])
    data.update(
        {
            "successions-TOTAL_FORMS": 1,
            "successions-0-successor": tree["new_c"].pk,
            "successions-0-kind": "merge",
            "successions-0-date": "2025-07-01",
            "successions-0-weight": "1",
            "successions-0-note": "",
        }
    )
    response = staff.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Succession.objects.filter(predecessor=tree["c2"], successor=tree["new_c"]).exists()
    assert AuditEntry.objects.filter(action="succession.create", via="admin").count() == 1


def test_delete_is_audited(staff, tree) -> None:
    url = reverse("admin:orgunits_orgunit_delete", args=[tree["c4"].pk])
    response = staff.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not OrgUnit.objects.filter(pk=tree["c4"].pk).exists()
    entry = AuditEntry.objects.get(action="orgunit.delete")
    assert entry.object_repr == "Phường Hùng Vương" and entry.via == "admin"


def test_non_staff_cannot_use_the_admin(tree, make_user) -> None:
    client = Client()
    client.force_login(make_user("leader", view=[tree["p"]], roles=["leader"]))
    response = client.get(reverse("admin:orgunits_orgunit_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]
