"""The operations screen (Trung tâm điều hành): thin views that render the page shell.

GET /ops/            the overview dashboard (the one marked is_overview, else the first)
GET /ops/<code>/     one sector's dashboard (a tab)
GET /ops/wall/       wall-display mode: every dashboard in turn, dark, large, refreshing itself

The pages hold no figures: ioc/static/ioc/ops.js fetches GET /api/v1/dashboards/<code>/data with the state
in the address (?pe=&ou=&structure=), which the API checks and scopes to the user. The views only list the
dashboards for the tabs, the period choices for the filter, and the translated words the script shows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.core.errors import NotAllowed
from ioc.core.periods import MONTHLY, QUARTERLY, YEARLY, period_for_date
from ioc.dashboards import selectors
from ioc.dashboards.models import Dashboard

# How often the page asks whether the data changed (seconds): the wall display must show a new value within
# seconds of its entry; a leader's laptop can wait a little longer. An unchanged answer re-renders nothing.
WALL_POLL_SECONDS = 5
SCREEN_POLL_SECONDS = 30


def screen_strings() -> dict[str, str]:
    """The words ops.js and ops-map.js show, in the user's language; %(name)s placeholders are filled there."""
    return {
        "vs_previous": _("vs previous period"),
        "vs_last_year": _("vs same period last year"),
        "target": _("Target"),
        "status_good": _("On target"),
        "status_warning": _("Close to target"),
        "status_bad": _("Off target"),
        "no_data": _("No data"),
        "no_comparison": _("no data to compare"),
        "loading": _("Loading…"),
        "load_failed": _("The data could not be loaded."),
        "offline": _("No connection: showing the data last received."),
        "retry": _("Try again"),
        "empty_dashboard": _("This dashboard has no items yet."),
        "as_of_none": _("no data yet"),
        "rank": _("Rank"),
        "unit": _("Unit"),
        "period": _("Period"),
        "quarter": _("Q%(quarter)s/%(year)s"),
        "approximate": _("approximate location"),
        "approximate_legend": _("Dashed circle: approximate location"),
        "no_location": _("%(count)s units have no location and are not on the map."),
        "no_units": _("No units below this one."),
        "drill_hint": _("Click a unit to see the units below it."),
        "drill": _("Open %(name)s"),
        "legend_circles": _("Larger circle: higher value"),
        "children": _("Units below"),
        "pause": _("Pause rotation"),
        "resume": _("Resume rotation"),
    }


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def _dashboards(user: User) -> list[Dashboard]:
    try:
        return list(selectors.dashboards(user))
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None


def _period_choices(today: dt.date) -> list[dict[str, Any]]:
    """The period filter: relative choices first (they follow the calendar, so a saved link stays current),
    then recent months, quarters and years, newest first."""
    relative = [
        ("LAST_MONTH", _("Last month")),
        ("THIS_MONTH", _("This month")),
        ("LAST_QUARTER", _("Last quarter")),
        ("THIS_QUARTER", _("This quarter")),
        ("LAST_YEAR", _("Last year")),
        ("THIS_YEAR", _("This year")),
    ]
    groups: list[dict[str, Any]] = [
        {"label": _("Relative"), "options": [{"id": pid, "name": name} for pid, name in relative]}
    ]
    for label, period_type, count in (
        (_("Months"), MONTHLY, 13),
        (_("Quarters"), QUARTERLY, 8),
        (_("Years"), YEARLY, 6),
    ):
        current = period_for_date(period_type, today)
        periods = [current.shift(-i) for i in range(count)]
        groups.append({"label": label, "options": [{"id": p.id, "name": p.name()} for p in periods]})
    return groups


def _config(mode: str, dashboards: list[Dashboard], current: Dashboard | None) -> dict[str, Any]:
    """What ops.js needs, passed through json_script (no inline script: the CSP allows files only)."""
    language = "en" if (get_language() or "vi").startswith("en") else "vi"
    return {
        "mode": mode,
        "language": language,
        "code": current.code if current else None,
        "api": reverse("api-v1:api-root") + "dashboards/__code__/data",
        "poll_seconds": WALL_POLL_SECONDS if mode == "wall" else SCREEN_POLL_SECONDS,
        "time_zone": settings.TIME_ZONE,
        # Tiles are off by default (no internet needed); a deployment may name its own tile server.
        "tile_url": getattr(settings, "IOC_MAP_TILE_URL", "") or "",
        "tile_attribution": getattr(settings, "IOC_MAP_TILE_ATTRIBUTION", "") or "",
        "dashboards": [{"code": d.code, "name": d.name, "rotate_seconds": d.rotate_seconds} for d in dashboards],
    }


def _render(
    request: HttpRequest, template: str, mode: str, current: Dashboard | None, dashboards: list[Dashboard]
) -> HttpResponse:
    context = {
        "dashboards": [
            {"code": d.code, "name": d.name, "is_overview": d.is_overview, "current": d == current} for d in dashboards
        ],
        "dashboard": current,
        "dashboard_name": current.name if current else "",
        "periods": _period_choices(timezone.localdate()),
        "config": _config(mode, dashboards, current),
        "strings": screen_strings(),
        "may_manage": can(request.user, Action.MANAGE_DASHBOARDS),
    }
    return render(request, template, context)


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    dashboards = _dashboards(_user(request))
    current = next((d for d in dashboards if d.is_overview), dashboards[0] if dashboards else None)
    return _render(request, "dashboards/screen.html", "screen", current, dashboards)


@login_required
@require_GET
def tab(request: HttpRequest, code: str) -> HttpResponse:
    dashboards = _dashboards(_user(request))
    current = next((d for d in dashboards if d.code == code), None)
    if current is None:
        raise Http404(_("There is no dashboard with the code %(code)s.") % {"code": code})
    return _render(request, "dashboards/screen.html", "screen", current, dashboards)


@login_required
@require_GET
def wall(request: HttpRequest) -> HttpResponse:
    dashboards = _dashboards(_user(request))
    return _render(request, "dashboards/wall.html", "wall", dashboards[0] if dashboards else None, dashboards)
