"""Project-wide test set-up: the database rule and shared fixtures.

The suite runs twice (scripts/test_suites.py): on SQLite, then with DATABASE_URL pointing at PostgreSQL.
Tests marked `postgres` run only in the second pass.
"""

from __future__ import annotations

import pytest
from django.conf import settings

# Autouse for every test: messages asserted in English (the Vietnamese catalogue is tested on its own, and
# pages still follow the language cookie), a fast password hasher, an empty cache.
from ioc.core.testing import _empty_cache, _english, _fast_passwords  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_analytics_replica() -> None:
    """Each test's database starts from the same empty state (rolled back): so does the replica."""
    from ioc.analytics.engine import clear_cache
    from ioc.analytics.replica import replica

    replica.reset()
    clear_cache()


def _vendor() -> str:
    return "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _vendor() == "postgresql":
        return
    skip = pytest.mark.skip(reason="runs in the PostgreSQL pass of the suite (scripts/test_suites.py)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def db_vendor(db: None) -> str:
    from django.db import connection

    return connection.vendor


@pytest.fixture
def tree(db: None):  # type: ignore[no-untyped-def]
    from ioc.orgunits.testing import small_tree

    return small_tree()
