"""can_view_unit / can_enter_unit / visible_q on the small tree."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from ioc.accounts.scopes import can_enter_unit, can_view_unit, enterable_q, visible_q
from ioc.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db


def codes(q):
    return sorted(OrgUnit.objects.filter(q).values_list("code", flat=True))


def test_officer_of_district_a(tree, users):
    officer = users.officer_a  # enters in 243, sees the old province 26
    assert can_enter_unit(officer, tree["d1"]) and can_enter_unit(officer, tree["c1"])
    assert not can_enter_unit(officer, tree["c3"]) and not can_enter_unit(officer, tree["p"])
    assert can_view_unit(officer, tree["c3"]) and can_view_unit(officer, tree["p"])
    assert not can_view_unit(officer, tree["new_c"])


def test_officer_of_district_b_sees_only_b(tree, users):
    officer = users.officer_b
    assert can_view_unit(officer, tree["c3"]) and can_enter_unit(officer, tree["c4"])
    assert not can_view_unit(officer, tree["c1"]) and not can_view_unit(officer, tree["p"])


def test_leader_sees_but_enters_nowhere(tree, users):
    assert all(can_view_unit(users.leader, tree[k]) for k in ("p", "d1", "c1", "c4"))
    assert not any(can_enter_unit(users.leader, u) for u in tree.values())


def test_admin_superuser_everywhere_nobody_nowhere(tree, users):
    for unit in tree.values():
        assert can_view_unit(users.admin, unit) and can_enter_unit(users.admin, unit)
        assert can_view_unit(users.root, unit) and can_enter_unit(users.root, unit)
        assert not can_view_unit(users.nobody, unit) and not can_enter_unit(users.nobody, unit)
        assert not can_view_unit(AnonymousUser(), unit)


def test_visible_q(tree, users):
    assert codes(visible_q(users.officer_b, "")) == ["08773", "08776", "244"]
    assert codes(visible_q(users.operator, "")) == ["08707", "25"]
    assert len(codes(visible_q(users.admin, ""))) == len(tree)
    assert codes(visible_q(users.nobody, "")) == []
    assert codes(visible_q(AnonymousUser(), "")) == []
    assert codes(enterable_q(users.officer_a, "")) == ["08707", "08710", "243"]
    assert codes(enterable_q(users.leader, "")) == []


def test_visible_q_through_a_relation(tree, users):
    from ioc.accounts.models import Agency

    Agency.objects.create(code="SYT", name_vi="Sở Y tế", org_unit=tree["p"])
    Agency.objects.create(code="PYT_PY", name_vi="Phòng Y tế Phúc Yên", org_unit=tree["d2"])
    visible = Agency.objects.filter(visible_q(users.officer_b, "org_unit__"))
    assert [a.code for a in visible] == ["PYT_PY"]
