"""The role map and the checks: both sides of each."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from ioc.accounts.auth import BearerTokenAuth
from ioc.accounts.models import Role
from ioc.accounts.permissions import ROLES_FOR, Action, can, require, require_role, require_scope
from ioc.accounts.testing import make_user, token_for
from ioc.core.errors import NotAllowed

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.DATA_OFFICER, {Action.VIEW_DATA, Action.ENTER_DATA, Action.VIEW_METADATA, Action.REPORT_PROGRESS}),
        (
            Role.APPROVER,
            {Action.VIEW_DATA, Action.ENTER_DATA, Action.APPROVE_DATA, Action.VIEW_METADATA, Action.REPORT_PROGRESS},
        ),
        (Role.LEADER, {Action.VIEW_DATA, Action.VIEW_METADATA}),
        (
            Role.OPERATOR,
            {
                Action.VIEW_DATA,
                Action.VIEW_METADATA,
                Action.MANAGE_METADATA,
                Action.MANAGE_ORGUNITS,
                Action.VIEW_AUDIT,
                Action.MANAGE_DASHBOARDS,
            },
        ),
        (
            Role.PLAN_MANAGER,
            {Action.VIEW_DATA, Action.VIEW_METADATA, Action.MANAGE_PLANS, Action.REPORT_PROGRESS},
        ),
        (Role.INTEGRATOR, {Action.VIEW_DATA, Action.ENTER_DATA, Action.VIEW_METADATA}),
        (Role.ADMIN, set(Action)),
    ],
)
def test_each_role_may_do_exactly_its_actions(role, allowed):
    user = make_user(f"u_{role}", [role])
    assert {a for a in Action if can(user, a)} == allowed


def test_superuser_may_do_everything_and_nobody_nothing(users):
    assert all(can(users.root, a) for a in Action)
    assert not any(can(users.nobody, a) for a in Action)
    assert not any(can(AnonymousUser(), a) for a in Action)
    assert not can(None, Action.VIEW_DATA)


def test_an_inactive_user_may_do_nothing(users):
    users.admin.is_active = False
    assert not can(users.admin, Action.VIEW_DATA)


def test_every_action_is_mapped():
    assert set(ROLES_FOR) == set(Action)


def test_require_role(users):
    require_role(users.officer_a, Role.DATA_OFFICER, Role.APPROVER)
    require_role(users.admin, Role.PLAN_MANAGER)
    with pytest.raises(NotAllowed) as exc:
        require_role(users.leader, Role.DATA_OFFICER, Role.APPROVER)
    assert "Data officer" in exc.value.message and "Approver" in exc.value.message


def test_require_says_what_is_missing(users):
    require(users.operator, Action.MANAGE_METADATA)
    with pytest.raises(NotAllowed) as exc:
        require(users.leader, Action.MANAGE_METADATA)
    assert "change metadata" in exc.value.message and "IOC operator" in exc.value.message


def _session_request(user):
    request = RequestFactory().get("/api/v1/x")
    request.user = user
    return request


def _token_request(token):
    request = RequestFactory().get("/api/v1/x", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert BearerTokenAuth()(request) is not None
    return request


def test_require_scope_for_a_session_goes_by_role(users):
    require_scope(_session_request(users.officer_a), "data:write")
    require_scope(_session_request(users.leader), "data:read")
    with pytest.raises(NotAllowed):
        require_scope(_session_request(users.leader), "data:write")
    with pytest.raises(NotAllowed):
        require_scope(_session_request(users.officer_a), "metadata:write")
    require_scope(_session_request(users.operator), "metadata:write")


def test_require_scope_for_a_token_needs_the_scope_and_the_role(users):
    request = _token_request(token_for(users.integrator, ["data:read"]))
    assert request.user == users.integrator
    require_scope(request, "data:read")
    with pytest.raises(NotAllowed) as exc:
        require_scope(request, "data:write")  # the role would allow it, the token does not
    assert "data:write" in exc.value.message and "data:read" in exc.value.message
    with pytest.raises(NotAllowed) as exc:  # the token would allow it, the role does not
        require_scope(_token_request(token_for(users.leader, ["data:write"])), "data:write")
    assert "enter data" in exc.value.message


def test_require_scope_rejects_unknown_scopes(users):
    with pytest.raises(ValueError, match="unknown API scope"):
        require_scope(_session_request(users.admin), "data:everything")
