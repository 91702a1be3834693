"""The data-value admin: scoped, edits through the service (checks and audit), locks through the services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from ioc.accounts.testing import english
from ioc.audit.models import AuditEntry, Via
from ioc.datavalues.batch import do_set_values
from ioc.datavalues.checker import ValueRow
from ioc.datavalues.models import DataValue, DataValueAudit, ImportRun, PeriodLock

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(tree, meta, users):
    rows = [ValueRow(meta.opd, tree["c1"], "202503", "11"), ValueRow(meta.opd, tree["c3"], "202503", "13")]
    do_set_values(users.admin, rows, via=Via.IMPORT)
    return {v.org_unit.code: v for v in DataValue.objects.select_related("org_unit")}


def client_for(user) -> Client:
    user.is_staff = True
    user.is_superuser = user.username == "root"
    user.save()
    client = english(Client())
    client.force_login(user)
    return client


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root", password="x-Test-12345")


def test_pages_render(tree, meta, users, stored, root):
    ImportRun.objects.create(source="x.csv", via=Via.IMPORT)
    client = client_for(root)
    for name in ("datavalue", "periodlock", "importrun"):
        assert client.get(reverse(f"admin:datavalues_{name}_changelist")).status_code == 200
    page = client.get(reverse("admin:datavalues_datavalue_change", args=[stored["08707"].pk]))
    assert page.status_code == 200 and "CREATE" in page.content.decode()
    assert client.get(reverse("admin:datavalues_periodlock_add")).status_code == 200


def test_editing_a_value_goes_through_the_service(tree, meta, users, stored, root):
    client = client_for(root)
    url = reverse("admin:datavalues_datavalue_change", args=[stored["08707"].pk])
    bad = client.post(
        url,
        {
            "new_value": "1.5",
            "comment": "",
            "audits-TOTAL_FORMS": "0",
            "audits-INITIAL_FORMS": "0",
        },
    )
    assert bad.status_code == 200 and "not a whole number" in bad.content.decode()
    assert DataValue.objects.get(pk=stored["08707"].pk).value_num == 11
    good = client.post(
        url,
        {
            "new_value": "12",
            "comment": "sửa",
            "audits-TOTAL_FORMS": "0",
            "audits-INITIAL_FORMS": "0",
        },
    )
    assert good.status_code == 302
    value = DataValue.objects.get(pk=stored["08707"].pk)
    assert (value.value_num, value.comment) == (12, "sửa")
    audit = DataValueAudit.objects.filter(data_value=value).first()
    assert audit is not None and (audit.action, audit.old_value, audit.new_value, audit.via) == (
        "UPDATE",
        "11",
        "12",
        "admin",
    )


def test_the_admin_list_is_scoped(tree, meta, users, stored):
    client = client_for(users.officer_b)
    url = reverse("admin:datavalues_datavalue_changelist")
    # staff without Django's model permissions: no access at all
    assert client.get(url).status_code == 403
    users.officer_b.user_permissions.add(
        Permission.objects.get(codename="view_datavalue"), Permission.objects.get(codename="change_datavalue")
    )
    page = client.get(url).content.decode()
    assert "Phường Trưng Trắc" in page and "Phường Tích Sơn" not in page
    outside = reverse("admin:datavalues_datavalue_change", args=[stored["08707"].pk])
    assert client.get(outside).status_code == 302  # "does not exist", back to the list
    assert client.get(reverse("admin:datavalues_datavalue_change", args=[stored["08773"].pk])).status_code == 200


def test_soft_delete_action(tree, meta, users, stored, root):
    client = client_for(root)
    response = client.post(
        reverse("admin:datavalues_datavalue_changelist"),
        {"action": "soft_delete", "_selected_action": [stored["08707"].pk]},
    )
    assert response.status_code == 302
    assert DataValue.objects.get(pk=stored["08707"].pk).deleted
    assert DataValueAudit.objects.filter(action="DELETE", via="admin").count() == 1


def test_locks_are_added_and_removed_through_the_services(tree, meta, users, root):
    client = client_for(root)
    response = client.post(
        reverse("admin:datavalues_periodlock_add"),
        {"data_set": meta.health.pk, "period": "2025-03-01/P1M", "org_unit": tree["d1"].pk, "reason": "đã duyệt"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    lock = PeriodLock.objects.get()
    assert (lock.period, lock.locked_by) == ("202503", root)
    assert AuditEntry.objects.get(action="period.lock").via == "admin"
    refused = client.post(
        reverse("admin:datavalues_periodlock_add"),
        {"data_set": meta.health.pk, "period": "2025W10", "org_unit": tree["d1"].pk, "reason": ""},
    )
    assert refused.status_code == 200 and PeriodLock.objects.count() == 1
    response = client.post(reverse("admin:datavalues_periodlock_delete", args=[lock.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not PeriodLock.objects.exists()
    assert AuditEntry.objects.get(action="period.unlock").via == "admin"
