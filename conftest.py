"""Project-wide test set-up: PostgreSQL availability rule, shared fixtures."""

from __future__ import annotations

import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    config.stash[_ENGINE] = engine


_ENGINE = pytest.StashKey[str]()


@pytest.fixture
def db_vendor(db: None) -> str:
    from django.db import connection

    return connection.vendor


@pytest.fixture
def tree(db: None):  # type: ignore[no-untyped-def]
    from ioc.orgunits.testing import small_tree

    return small_tree()
