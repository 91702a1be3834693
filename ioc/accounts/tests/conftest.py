"""Fixtures of the accounts tests: users per role with scopes on the small tree."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ioc.accounts.models import User
from ioc.accounts.testing import make_user
from ioc.orgunits.models import OrgUnit


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
