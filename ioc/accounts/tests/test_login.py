"""Passwords are hashed with Argon2; five wrong passwords lock that username from that address (django-axes)."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse

from ioc import settings as project_settings
from ioc.accounts.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_passwords_are_hashed_with_argon2(settings):
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the tests' conftest swaps in a fast one
    user = make_user("argon", ["leader"])
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)


def _login(username: str, password: str, ip: str = "10.0.0.1"):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=ip)
    return authenticate(request=request, username=username, password=password)


def test_five_wrong_passwords_lock_the_username_from_that_address(settings):
    make_user("canbo", ["data_officer"])
    make_user("other", ["data_officer"])
    assert settings.AXES_FAILURE_LIMIT == 5
    assert _login("canbo", PASSWORD) is not None
    for _ in range(4):
        assert _login("canbo", "wrong") is None
    assert _login("canbo", PASSWORD) is not None  # 4 failures: not locked; a success resets the count
    for _ in range(5):
        assert _login("canbo", "wrong") is None
    assert _login("canbo", PASSWORD) is None  # locked, even with the right password
    assert _login("canbo", PASSWORD, ip="10.0.0.2") is not None  # another address
    assert _login("other", PASSWORD) is not None  # another user from the same address


def test_the_login_page_locks_too():
    try:
        url = reverse("login")
    except NoReverseMatch:
        pytest.skip("no login page yet")
    make_user("canbo", ["data_officer"])
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(5):
        response = client.post(url, {"username": "canbo", "password": "wrong"})
        assert response.status_code in (200, 429)
    response = client.post(url, {"username": "canbo", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
