"""The data-value fixtures (tree, meta, users, month: ioc/datavalues/tests/conftest.py) for the import tests."""

from ioc.datavalues.tests.conftest import meta, month, users  # noqa: F401
