"""Fixtures of the accounts tests: users per role with scopes on the small tree."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation

from ioc.accounts.models import User
from ioc.accounts.testing import make_user
from ioc.orgunits.models import OrgUnit


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Argon2 is slow by design (test_login checks the project's hashers)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are checked in English (the lead adds Vietnamese translations)."""
    with translation.override("en"):
        yield


@dataclass
class Users:
    officer_a: User  # data officer: enters in district 243, sees the province
    officer_b: User  # data officer: enters in district 244
    leader: User  # leader: sees the old province
    operator: User  # operator: sees everything through the new province only
    integrator: User
    admin: User  # role admin
    root: User  # superuser
    nobody: User  # no role, no scope


@pytest.fixture
def users(tree: dict[str, OrgUnit]) -> Users:
    root = make_user("root", [], is_superuser=True, is_staff=True)
    return Users(
        officer_a=make_user("officer_a", ["data_officer"], entry=[tree["d1"]], view=[tree["p"]]),
        officer_b=make_user("officer_b", ["data_officer"], entry=[tree["d2"]]),
        leader=make_user("leader", ["leader"], view=[tree["p"]]),
        operator=make_user("operator", ["operator"], view=[tree["new_p"]]),
        integrator=make_user("integrator", ["integrator"], entry=[tree["p"]]),
        admin=make_user("boss", ["admin"], is_staff=True),
        root=root,
        nobody=make_user("nobody", []),
    )
