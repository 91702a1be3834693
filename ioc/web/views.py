"""The pages: thin views that authorise, call a selector and render."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

import ioc
from ioc.accounts.models import User
from ioc.web import selectors
from ioc.web.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    summary = selectors.home_summary(_user(request))
    return render(request, "web/home.html", {"summary": summary})


@login_required
@require_GET
def home_values(request: HttpRequest) -> HttpResponse:
    """The values tile alone, for htmx to refresh in place."""
    return render(request, "web/_values_tile.html", {"values": selectors.value_counts(_user(request))})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and monitoring; no login, no details on failure."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except DatabaseError:
        database = "error"
    ok = database == "ok"
    return JsonResponse(
        {"status": "ok" if ok else "error", "database": database, "version": ioc.__version__},
        status=200 if ok else 503,
    )
