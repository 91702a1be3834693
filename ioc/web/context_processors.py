"""What the site navigation needs on every page: which sections the user may use, unread notifications."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can


def nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    from ioc.workflow.selectors import unread_count

    return {
        "nav": {
            "enter": can(user, Action.ENTER_DATA),
            "approve": can(user, Action.APPROVE_DATA),
            "manage_dashboards": can(user, Action.MANAGE_DASHBOARDS),
            "unread": unread_count(user),
            "section": request.path.strip("/").split("/", 1)[0],
        }
    }
