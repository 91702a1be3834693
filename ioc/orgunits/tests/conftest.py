"""Fixtures of the org-unit tests: the real Vĩnh Phúc load, users with view scopes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from ioc.orgunits.services import LoadSummary, do_load_vn

BEFORE = dt.date(2025, 6, 30)
AFTER = dt.date(2025, 7, 1)


@pytest.fixture
def vn26(db: None) -> LoadSummary:
    """Vĩnh Phúc (26) as before 2025-07-01 and the 36 units of the new Phú Thọ it went into."""
    return do_load_vn(None, "26")


@pytest.fixture
def make_user(db: None):
    def make(username: str, *, superuser: bool = False, view=(), roles=()):
        user = get_user_model().objects.create_user(username=username, password=None, roles=list(roles))
        if superuser:
            user.is_superuser = True
            user.is_staff = True
            user.save()
        if view:
            user.view_units.set(view)
        return user

    return make
