"""User, role, scope, agency and token services: both sides of the manage-users right, audit, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ioc.accounts.auth import hash_token
from ioc.accounts.models import Agency, ApiToken, User
from ioc.accounts.services import (
    do_create_agency,
    do_create_token,
    do_create_user,
    do_revoke_token,
    do_set_roles,
    do_set_scopes,
    find_token,
)
from ioc.audit.models import AuditEntry, Via
from ioc.core.errors import InvalidInput, NotAllowed, NotFound

pytestmark = pytest.mark.django_db


def test_admin_creates_a_user_with_roles_and_scopes(tree, users):
    agency = do_create_agency(users.admin, code="SYT", name_vi="Sở Y tế", name_en="Department of Health")
    user = do_create_user(
        users.admin,
        username="canbo1",
        password="Một-mật-khẩu-dài",
        agency=agency,
        roles=["data_officer", "data_officer"],
        entry_units=[tree["c1"]],
        view_units=[tree["d1"]],
        first_name="Nguyễn",
        last_name="Văn A",
    )
    assert user.roles == ["data_officer"]
    assert user.check_password("Một-mật-khẩu-dài")
    assert user.entry_root_units() == [tree["c1"]] and user.view_root_units() == [tree["d1"]]
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.user == users.admin and entry.changes["roles"] == ["data_officer"]
    assert entry.changes["agency"] == "SYT"
    assert "Một-mật-khẩu-dài" not in str(entry.changes)
    assert AuditEntry.objects.filter(action="agency.create", object_repr="SYT Sở Y tế").exists()


def test_only_admins_manage_users(tree, users):
    for who in (users.officer_a, users.leader, users.operator, users.nobody):
        with pytest.raises(NotAllowed):
            do_create_user(who, username="x")
        with pytest.raises(NotAllowed):
            do_set_roles(who, users.officer_b, ["admin"])
        with pytest.raises(NotAllowed):
            do_set_scopes(who, who, entry_units=[tree["p"]])
        with pytest.raises(NotAllowed):
            do_create_agency(who, code="X", name_vi="X")
        with pytest.raises(NotAllowed):
            do_create_token(who, "officer_b", ["data:read"])
    assert not User.objects.filter(username="x").exists()
    assert users.officer_b.roles == ["data_officer"]
    assert not ApiToken.objects.exists() and not Agency.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "OFFICER_A"}, "username"),  # taken (case-insensitively)
        ({"username": "y", "roles": ["king"]}, "roles"),
        ({"username": "y", "password": "12345"}, "password"),
        ({"username": "y", "password": "password123"}, "password"),
    ],
)
def test_create_user_bad_input(users, kwargs, field):
    with pytest.raises(InvalidInput) as exc:
        do_create_user(users.admin, **kwargs)
    assert exc.value.errors[0]["field"] == field
    assert not User.objects.filter(username="y").exists()


def test_a_user_without_password_cannot_log_in(users):
    user = do_create_user(None, username="nopass", via=Via.CLI)
    assert not user.has_usable_password()
    assert AuditEntry.objects.get(action="user.create").via == "cli"


def test_set_roles(users):
    do_set_roles(users.admin, users.leader, ["leader", "approver"])
    users.leader.refresh_from_db()
    assert users.leader.roles == ["leader", "approver"]
    assert AuditEntry.objects.get(action="user.roles").changes == {"roles": [["leader"], ["leader", "approver"]]}
    do_set_roles(users.admin, users.leader, ["leader", "approver"])  # no change, no audit
    assert AuditEntry.objects.filter(action="user.roles").count() == 1
    with pytest.raises(InvalidInput):
        do_set_roles(users.admin, users.leader, ["emperor"])
    with pytest.raises(NotAllowed):  # an admin cannot lock themselves out
        do_set_roles(users.admin, users.admin, ["leader"])


def test_set_scopes_changes_what_the_user_sees_at_once(tree, users):
    assert users.leader.view_root_units() == [tree["p"]]
    do_set_scopes(users.admin, users.leader, view_units=[tree["d2"]])
    assert users.leader.view_root_units() == [tree["d2"]]
    assert users.leader.entry_root_units() == []  # untouched
    changes = AuditEntry.objects.get(action="user.scopes").changes
    assert list(changes) == ["view_units"]
    do_set_scopes(users.admin, users.leader, entry_units=[tree["c3"]])
    assert users.leader.entry_root_units() == [tree["c3"]]


def test_create_agency_bad_input(users):
    do_create_agency(users.admin, code="SYT", name_vi="Sở Y tế")
    with pytest.raises(InvalidInput) as exc:
        do_create_agency(users.admin, code="SYT", name_vi="Sở Y tế 2")
    assert exc.value.errors[0]["field"] == "code"
    with pytest.raises(InvalidInput):
        do_create_agency(users.admin, code="SGD", name_vi=" ")


def test_create_token_shows_it_once_and_stores_its_hash(users):
    token, plain = do_create_token(
        users.admin, "integrator", ["data:read", "data:write"], "Cổng dữ liệu", 30, via=Via.FORM
    )
    assert plain.startswith("ioc_") and len(plain) >= 40
    assert token.prefix == plain[:12]
    assert token.token_hash == hash_token(plain) and len(token.token_hash) == 64
    assert token.scopes == ["data:read", "data:write"]
    assert token.user == users.integrator and token.name == "Cổng dữ liệu"
    assert token.expires is not None
    assert dt.timedelta(days=29) < token.expires - timezone.now() <= dt.timedelta(days=30)
    stored = ApiToken.objects.get()
    assert plain not in {stored.token_hash, stored.prefix, stored.name}
    entry = AuditEntry.objects.get(action="token.create")
    assert entry.user == users.admin and entry.changes["scopes"] == ["data:read", "data:write"]
    assert plain not in str(entry.changes) and plain not in entry.object_repr
    _other, plain2 = do_create_token(None, "integrator", ["data:read"])
    assert plain2 != plain


@pytest.mark.parametrize(
    ("username", "scopes", "expires_days", "error", "field"),
    [
        ("ghost", ["data:read"], None, NotFound, "username"),
        ("integrator", ["data:delete"], None, InvalidInput, "scopes"),
        ("integrator", [], None, InvalidInput, "scopes"),
        ("integrator", ["data:read"], 0, InvalidInput, "expires_days"),
    ],
)
def test_create_token_bad_input(users, username, scopes, expires_days, error, field):
    with pytest.raises(error) as exc:
        do_create_token(users.admin, username, scopes, "", expires_days)
    assert exc.value.errors[0]["field"] == field
    assert not ApiToken.objects.exists()


def test_no_token_for_an_inactive_user(users):
    users.integrator.is_active = False
    users.integrator.save()
    with pytest.raises(InvalidInput):
        do_create_token(None, "integrator", ["data:read"])


def test_revoke_token(users):
    token, plain = do_create_token(None, "integrator", ["data:read"])
    with pytest.raises(NotAllowed):  # someone else's token
        do_revoke_token(users.officer_a, token.prefix)
    assert ApiToken.objects.get().revoked is None
    do_revoke_token(users.integrator, token.prefix, via=Via.FORM)  # one's own
    assert ApiToken.objects.get().revoked is not None
    assert AuditEntry.objects.get(action="token.revoke").user == users.integrator
    do_revoke_token(users.admin, plain)  # again, by the whole token: harmless, not audited twice
    assert AuditEntry.objects.filter(action="token.revoke").count() == 1


def test_find_token(users):
    token, _plain = do_create_token(None, "integrator", ["data:read"])
    assert find_token(token.prefix) == token
    assert find_token(token.prefix[:6]) == token
    with pytest.raises(NotFound):
        find_token("ioc_nothere")
    with pytest.raises(NotFound):
        find_token("")
    do_create_token(None, "integrator", ["data:read"])
    with pytest.raises(InvalidInput, match="matches 2 tokens"):
        find_token("ioc_")
