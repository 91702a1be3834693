"""Pytest fixtures that several apps' test folders share; a conftest imports the ones it wants."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Argon2 takes ~0.2 s a hash by design; the accounts tests check the project's real hashers."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in English; the Vietnamese catalogue has tests of its own (ioc/web/tests)."""
    with translation.override("en"):
        yield
