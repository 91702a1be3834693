from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from ioc.web.testing import World, build_world


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The datavalues app caches its totals; fixtures write values with the ORM, past its services."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db: None) -> World:
    return build_world()
