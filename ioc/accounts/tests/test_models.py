"""User.view_root_units / entry_root_units: the two scopes, cheap (cached on the instance)."""

from __future__ import annotations

import pytest

from ioc.accounts.models import User
from ioc.accounts.testing import make_user

pytestmark = pytest.mark.django_db


def test_superuser_and_admin_have_no_limits(users):
    assert users.root.view_root_units() is None and users.root.entry_root_units() is None
    assert users.admin.view_root_units() is None and users.admin.entry_root_units() is None


def test_view_roots_include_the_entry_units(tree, users):
    assert users.officer_b.view_root_units() == [tree["d2"]]
    assert users.officer_b.entry_root_units() == [tree["d2"]]
    assert users.leader.view_root_units() == [tree["p"]]
    assert users.leader.entry_root_units() == []
    assert users.nobody.view_root_units() == [] and users.nobody.entry_root_units() == []


def test_roots_inside_another_root_are_dropped(tree):
    user = make_user("u", ["leader"], entry=[tree["c1"]], view=[tree["d1"], tree["p"], tree["c3"], tree["new_p"]])
    assert user.view_root_units() == [tree["p"], tree["new_p"]]
    user2 = make_user("u2", ["leader"], entry=[tree["c1"], tree["c3"]], view=[tree["c3"]])
    assert user2.view_root_units() == [tree["c1"], tree["c3"]]


def test_roots_are_cached_on_the_instance(users, django_assert_num_queries):
    with django_assert_num_queries(3):  # view units, entry units; then entry units for the entry scope
        users.officer_a.view_root_units()
        users.officer_a.entry_root_units()
    with django_assert_num_queries(0):
        users.officer_a.view_root_units()
        users.officer_a.entry_root_units()


def test_clear_scope_cache(tree, users):
    assert users.leader.view_root_units() == [tree["p"]]
    users.leader.view_units.set([tree["d2"]])
    assert users.leader.view_root_units() == [tree["p"]]  # cached for this request
    users.leader.clear_scope_cache()
    assert users.leader.view_root_units() == [tree["d2"]]
    fresh = User.objects.get(pk=users.leader.pk)  # the next request loads the user again
    assert fresh.view_root_units() == [tree["d2"]]


def test_an_unsaved_user_has_no_scope():
    assert User(username="x", roles=["leader"]).view_root_units() == []
