"""The demo's agencies and users: one per role, with the scopes the demo promises."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from ioc.accounts.models import Agency, Role, User
from ioc.accounts.scopes import can_enter_unit, can_view_unit
from ioc.core.errors import NotAllowed
from ioc.demo import agencies
from ioc.orgunits.selectors import resolve_code

BEFORE = dt.date(2025, 6, 30)
AFTER = dt.date(2025, 7, 1)


@pytest.fixture
def demo_users(vp):
    agencies.do_create_demo_agencies(None)
    agencies.do_create_demo_users(None)


def test_agencies_departments_and_district_committees(vp):
    assert agencies.do_create_demo_agencies(None) == 24
    assert agencies.agencies_exist()
    assert Agency.objects.get(code="SYT").name_vi == "Sở Y tế tỉnh Vĩnh Phúc"
    vinh_yen = Agency.objects.get(code="UBND_243")
    assert vinh_yen.name_vi == "Ủy ban nhân dân Thành phố Vĩnh Yên"
    assert vinh_yen.org_unit is not None and vinh_yen.org_unit.code == "243"
    assert agencies.do_create_demo_agencies(None) == 0  # idempotent


def test_one_user_per_role_with_the_demo_password(demo_users, monkeypatch):
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {s.username for s in agencies.USERS}
    assert {tuple(u.roles) for u in users.values()} == {(r,) for r in Role.values}
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not any(u.is_superuser for name, u in users.items() if name != "admin")
    request = RequestFactory().post("/login/")
    assert authenticate(request, username="lanhdao", password=agencies.DEFAULT_PASSWORD) is not None
    assert authenticate(request, username="lanhdao", password="wrong-password-1") is None
    officer_agency = users["nhaplieu.vinhyen"].agency
    assert officer_agency is not None and officer_agency.code == "UBND_243"


def test_the_password_comes_from_the_environment(vp, monkeypatch):
    monkeypatch.setenv("IOC_DEMO_PASSWORD", "another-demo-pw-7")
    agencies.do_create_demo_agencies(None)
    agencies.do_create_demo_users(None)
    assert User.objects.get(username="kehoach").check_password("another-demo-pw-7")
    assert {row["password"] for row in agencies.logins()} == {"another-demo-pw-7"}


def test_scopes_of_the_vinh_yen_officer(demo_users):
    officer = User.objects.get(username="nhaplieu.vinhyen")
    tich_son = resolve_code("08707", BEFORE)  # Phường Tích Sơn, in Vĩnh Yên, until 2025-06-30
    vinh_yen_ward = resolve_code("08707", AFTER)  # Phường Vĩnh Yên, its successor
    phuc_yen = resolve_code("08737", BEFORE)  # Phường Hùng Vương, Phúc Yên
    phuc_yen_ward = resolve_code("08740", AFTER)  # Phường Phúc Yên
    assert can_enter_unit(officer, tich_son) and can_enter_unit(officer, vinh_yen_ward)
    assert not can_enter_unit(officer, phuc_yen) and not can_enter_unit(officer, phuc_yen_ward)
    assert not can_view_unit(officer, phuc_yen)
    roots = {(u.code, u.opened) for u in officer.entry_units.all()}
    assert ("243", None) in roots and ("08707", AFTER) in roots and ("08716", AFTER) in roots
    assert all(u.opened == AFTER for u in officer.entry_units.all() if u.code != "243")


def test_leader_sees_the_whole_province_and_enters_nothing(demo_users):
    leader = User.objects.get(username="lanhdao")
    assert not leader.entry_units.exists()
    for code, day in (("08737", BEFORE), ("08740", AFTER), ("26", BEFORE), ("25", AFTER)):
        unit = resolve_code(code, day)
        assert can_view_unit(leader, unit)
        assert not can_enter_unit(leader, unit)


def test_users_are_created_once(demo_users):
    user = User.objects.get(username="vanhanh")
    user.set_password("changed-by-the-user-9")
    user.save()
    assert agencies.do_create_demo_users(None) == 0
    assert User.objects.get(username="vanhanh").check_password("changed-by-the-user-9")


def test_only_a_user_manager_may_create_the_demo_users(vp):
    agencies.do_create_demo_agencies(None)
    clerk = User.objects.create_user(username="clerk", password=None, roles=["data_officer"])
    with pytest.raises(NotAllowed):
        agencies.do_create_demo_users(clerk)
    assert not User.objects.filter(username="admin").exists()
    boss = User.objects.create_user(username="boss", password=None, roles=["admin"])
    assert agencies.do_create_demo_users(boss) == len(agencies.USERS)


def test_logins_table(demo_users):
    rows = {row["username"]: row for row in agencies.logins()}
    assert rows["admin"]["password"] == agencies.DEFAULT_PASSWORD
    assert "243" in rows["nhaplieu.vinhyen"]["scope"]
    assert "26" in rows["lanhdao"]["scope"] and "25" in rows["lanhdao"]["scope"]
