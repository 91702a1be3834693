"""What each role may do: one small, explicit map, and the checks every service and endpoint calls.

Roles are stored on the user (User.roles, a list). Superusers and users with the admin role may do
everything. Org-unit scopes (where a user may enter data, what they may see) are the other half of the
rules: see ioc.accounts.scopes.

API tokens carry scopes (data:read, data:write, metadata:read, metadata:write). A request made with a
token must hold the scope the endpoint needs *and* its user must hold a role that allows the action:
a token never grants more than its user has. A browser-session request passes scope checks by role.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ioc.accounts.models import ApiToken, Role, User
from ioc.core.errors import NotAllowed

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Action(StrEnum):
    VIEW_DATA = "view_data"
    ENTER_DATA = "enter_data"
    APPROVE_DATA = "approve_data"
    LOCK_PERIODS = "lock_periods"
    VIEW_METADATA = "view_metadata"
    MANAGE_METADATA = "manage_metadata"
    MANAGE_ORGUNITS = "manage_orgunits"
    MANAGE_PLANS = "manage_plans"
    REPORT_PROGRESS = "report_progress"
    MANAGE_DASHBOARDS = "manage_dashboards"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"


ALL_ROLES: frozenset[str] = frozenset(Role.values)

# action → the roles that allow it. The admin role (and a superuser) allows every action.
ROLES_FOR: dict[Action, frozenset[str]] = {
    Action.VIEW_DATA: ALL_ROLES,
    Action.ENTER_DATA: frozenset({Role.DATA_OFFICER, Role.APPROVER, Role.INTEGRATOR}),
    Action.APPROVE_DATA: frozenset({Role.APPROVER}),
    Action.LOCK_PERIODS: frozenset({Role.ADMIN}),
    Action.VIEW_METADATA: ALL_ROLES,
    Action.MANAGE_METADATA: frozenset({Role.OPERATOR}),
    Action.MANAGE_ORGUNITS: frozenset({Role.OPERATOR}),
    Action.MANAGE_PLANS: frozenset({Role.PLAN_MANAGER}),
    # An agency's own tasks and manual targets (the object rule is in ioc.plans.services).
    Action.REPORT_PROGRESS: frozenset({Role.PLAN_MANAGER, Role.DATA_OFFICER, Role.APPROVER}),
    Action.MANAGE_DASHBOARDS: frozenset({Role.OPERATOR}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.VIEW_AUDIT: frozenset({Role.OPERATOR}),
}

# The API token scope an endpoint needs, and the action a session user needs instead.
SCOPES: dict[str, Action] = {
    ApiToken.Scope.DATA_READ: Action.VIEW_DATA,
    ApiToken.Scope.DATA_WRITE: Action.ENTER_DATA,
    ApiToken.Scope.METADATA_READ: Action.VIEW_METADATA,
    ApiToken.Scope.METADATA_WRITE: Action.MANAGE_METADATA,
    ApiToken.Scope.PLANS_WRITE: Action.REPORT_PROGRESS,
}


ACTION_LABELS: dict[Action, StrOrPromise] = {
    Action.VIEW_DATA: gettext_lazy("view data"),
    Action.ENTER_DATA: gettext_lazy("enter data"),
    Action.APPROVE_DATA: gettext_lazy("approve data"),
    Action.LOCK_PERIODS: gettext_lazy("lock or unlock periods"),
    Action.VIEW_METADATA: gettext_lazy("view metadata"),
    Action.MANAGE_METADATA: gettext_lazy("change metadata"),
    Action.MANAGE_ORGUNITS: gettext_lazy("change org units"),
    Action.MANAGE_PLANS: gettext_lazy("manage plans"),
    Action.REPORT_PROGRESS: gettext_lazy("report progress on your agency's tasks and targets"),
    Action.MANAGE_DASHBOARDS: gettext_lazy("edit dashboards"),
    Action.MANAGE_USERS: gettext_lazy("manage users and tokens"),
    Action.VIEW_AUDIT: gettext_lazy("view the audit log"),
}


def _roles_of(user: Any) -> list[str]:
    return list(getattr(user, "roles", None) or [])


def _is_active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def has_any_role(user: Any, *roles: str) -> bool:
    if not _is_active(user):
        return False
    if user.is_superuser:
        return True
    held = _roles_of(user)
    return Role.ADMIN in held or any(role in held for role in roles)


def can(user: Any, action: Action | str) -> bool:
    """May this user do this action (by role)? Admins and superusers may do everything."""
    return has_any_role(user, *ROLES_FOR[Action(action)])


def _role_labels(roles: frozenset[str] | tuple[str, ...]) -> str:
    labels = {value: str(label) for value, label in Role.choices}
    return ", ".join(labels.get(r, r) for r in sorted(roles))


def require_role(user: Any, *roles: str) -> None:
    """Raise NotAllowed unless the user holds one of the roles (or is an admin)."""
    if not has_any_role(user, *roles):
        raise NotAllowed(_("This needs one of the roles: %(roles)s") % {"roles": _role_labels(tuple(roles))})


def require(user: Any, action: Action | str) -> None:
    """Raise NotAllowed unless the user may do the action."""
    action = Action(action)
    if not can(user, action):
        raise NotAllowed(
            _("You may not %(action)s: this needs one of the roles %(roles)s")
            % {"action": ACTION_LABELS[action], "roles": _role_labels(ROLES_FOR[action] | {Role.ADMIN})}
        )


def token_of(request: HttpRequest) -> ApiToken | None:
    """The API token a request was authenticated with (set by ioc.accounts.auth), or None for a session."""
    token = getattr(request, "api_token", None)
    return token if isinstance(token, ApiToken) else None


def require_scope(request: HttpRequest, scope: str) -> None:
    """A token request must hold `scope`; any request's user must hold a role allowing the scope's action."""
    if scope not in SCOPES:
        raise ValueError(f"unknown API scope {scope!r}")
    token = token_of(request)
    if token is not None and scope not in (token.scopes or []):
        raise NotAllowed(
            _("This API token lacks the scope '%(scope)s' (it has: %(held)s)")
            % {"scope": scope, "held": ", ".join(token.scopes or []) or _("none")}
        )
    require(request.user, SCOPES[scope])


def current_user(request: HttpRequest) -> User:
    """The authenticated user of a request (API auth and login_required guarantee one)."""
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_active:
        raise NotAllowed(_("Log in first"))
    return user
