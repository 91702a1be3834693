from __future__ import annotations

import secrets

import pytest

from ioc.accounts.auth import hash_token
from ioc.accounts.models import ApiToken, User
from ioc.metadata import services
from ioc.metadata.models import Category, CategoryCombo, DataElement


@pytest.fixture
def sex_combo(db):
    """Category SEX (MALE "Nam", FEMALE "Nữ") and its combo SEX with generated option combos."""
    category = Category(code="SEX", name_vi="Giới tính", name_en="Sex")
    services.do_save_category(
        None,
        category,
        [services.OptionData("MALE", "Nam", "Male"), services.OptionData("FEMALE", "Nữ", "Female")],
    )
    combo = CategoryCombo(code="SEX_C", name_vi="Giới tính", name_en="Sex")
    services.do_save_category_combo(None, combo, [category])
    return combo


@pytest.fixture
def make_element(db):
    def make(code: str, *, combo=None, value_type="INTEGER", aggregation_type="SUM", **fields) -> DataElement:
        element = DataElement(
            code=code,
            name_vi=fields.pop("name_vi", f"Chỉ tiêu {code}"),
            value_type=value_type,
            aggregation_type=aggregation_type,
            category_combo=combo or services.default_combo(),
            **fields,
        )
        services.do_save_data_element(None, element)
        return element

    return make


def _user(username: str, roles: list[str], **extra) -> User:
    return User.objects.create_user(username=username, password="x-Test-12345", roles=roles, **extra)


@pytest.fixture
def admin_user(db):
    return _user("md_admin", ["admin"])


@pytest.fixture
def operator(db):
    return _user("md_operator", ["operator"])


@pytest.fixture
def leader(db):
    return _user("md_leader", ["leader"])


@pytest.fixture
def no_role_user(db):
    return _user("md_nobody", [])


@pytest.fixture
def make_token(db):
    def make(user: User, scopes: list[str]) -> str:
        plain = "ioc_" + secrets.token_urlsafe(24)
        ApiToken.objects.create(user=user, prefix=plain[:12], token_hash=hash_token(plain), scopes=scopes)
        return plain

    return make


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the source language), whatever translations exist."""
    from django.utils import translation

    with translation.override("en"):
        yield
