"""The admin of agencies, users and tokens: audited, only for admins; tokens read-only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ioc.accounts.models import ApiToken, User
from ioc.accounts.services import do_create_token
from ioc.accounts.testing import english
from ioc.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


def test_the_pages_render(users):
    client = admin_client(users.root)
    do_create_token(None, "integrator", ["data:read"])
    for name in ("accounts_user", "accounts_agency", "accounts_apitoken"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_change", args=[users.officer_a.pk])).status_code == 200
    assert client.get(reverse("admin:accounts_user_add")).status_code == 200
    assert client.get(reverse("admin:accounts_agency_add")).status_code == 200


def test_changing_roles_and_scopes_is_audited(tree, users):
    client = admin_client(users.root)
    url = reverse("admin:accounts_user_change", args=[users.leader.pk])
    form = {
        "username": "leader",
        "first_name": "",
        "last_name": "",
        "email": "",
        "phone": "",
        "preferred_language": "vi",
        "agency": "",
        "roles": ["leader", "approver"],
        "entry_units": [tree["d2"].pk],
        "view_units": [tree["p"].pk],
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "08:00:00",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    leader = User.objects.get(pk=users.leader.pk)
    assert leader.roles == ["leader", "approver"]
    assert leader.entry_root_units() == [tree["d2"]]
    entry = AuditEntry.objects.get(action="user.change")
    assert entry.via == "admin" and entry.user == users.root
    assert entry.changes["roles"] == [["leader"], ["leader", "approver"]]
    assert "entry_units" in entry.changes
    assert "password" not in entry.changes


def test_creating_an_agency_is_audited(users):
    client = admin_client(users.root)
    response = client.post(
        reverse("admin:accounts_agency_add"),
        {
            "code": "SGTVT",
            "name_vi": "Sở Giao thông Vận tải",
            "name_en": "",
            "short_name": "",
            "org_unit": "",
            "email": "",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="agency.create").changes["code"] == [None, "SGTVT"]


def test_tokens_are_read_only_and_revoked_by_action(users):
    token, _plain = do_create_token(None, "integrator", ["data:read"])
    client = admin_client(users.root)
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    assert ApiToken.objects.get().revoked is not None
    assert AuditEntry.objects.get(action="token.revoke").via == "admin"


def test_staff_without_the_admin_role_cannot_manage_users(users):
    users.operator.is_staff = True
    users.operator.save()
    client = admin_client(users.operator)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_user_change", args=[users.operator.pk])).status_code == 403


def test_adding_a_user_with_roles_is_audited(users):
    client = admin_client(users.root)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "canbo_moi",
            "usable_password": "true",
            "password1": "Một-mật-khẩu-dài-2025",
            "password2": "Một-mật-khẩu-dài-2025",
            "agency": "",
            "roles": ["data_officer"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="canbo_moi")
    assert user.roles == ["data_officer"]
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.changes["roles"] == [None, ["data_officer"]]
    assert "Một-mật-khẩu-dài-2025" not in str(entry.changes)


def test_the_audit_log_is_readable_by_operators_and_admins_only_and_never_editable(users):
    do_create_token(None, "integrator", ["data:read"])  # writes an audit entry
    entry = AuditEntry.objects.latest("at")
    changelist = reverse("admin:audit_auditentry_changelist")
    detail = reverse("admin:audit_auditentry_change", args=[entry.pk])
    for user in (users.operator, users.root):
        user.is_staff = True
        user.save()
        client = admin_client(user)
        assert client.get(changelist).status_code == 200
        assert client.get(detail).status_code == 200
        assert (
            client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
        )
    users.leader.is_staff = True
    users.leader.save()
    assert admin_client(users.leader).get(changelist).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
