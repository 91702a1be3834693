"""The series are read in one query, scoped to the user's view scope."""

from __future__ import annotations

import datetime as dt

import pytest

from ioc.accounts.testing import make_user
from ioc.quality.selectors import CONSOLE, labels_for, monthly_series

pytestmark = pytest.mark.django_db


def units_of(series, tree):
    codes = {unit.pk: name for name, unit in tree.items()}
    return {codes[key[1]] for key in series}


def test_a_district_user_sees_only_their_district(seasonal_data, elements):
    tree = seasonal_data
    viewer = make_user("viewer_243", ["leader"], view=[tree["d1"]])
    officer = make_user("officer_244", ["data_officer"], entry=[tree["d2"]])
    nobody = make_user("nobody", [])
    assert units_of(monthly_series(viewer), tree) == {"c1", "c2"}
    assert units_of(monthly_series(officer), tree) == {"c3", "c4"}
    assert monthly_series(nobody) == {}
    assert units_of(monthly_series(CONSOLE), tree) == {"c1", "c2", "c3", "c4"}
    # asking for the other district's subtree gives nothing, not an error
    assert monthly_series(viewer, root=tree["d2"]) == {}


def test_one_query_and_the_shape(seasonal_data, elements, django_assert_num_queries):
    tree = seasonal_data
    with django_assert_num_queries(1):
        series = monthly_series(CONSOLE)
    key = (elements.visitors.pk, tree["c1"].pk, elements.coc.pk)
    assert len(series) == 4 and len(series[key]) == 60
    assert series[key]["202001"] == 200.0 and series[key]["202307"] > 7000
    with django_assert_num_queries(3):
        labels = labels_for(series)
    assert labels.describe(key) == "TOU_VISITORS @ Phường Tích Sơn (08707)"


def test_filters(seasonal_data, elements, write_series):
    tree = seasonal_data
    write_series(tree["c2"], [1.0] * 60, element=elements.note, value_text="x")  # text: left out
    write_series(tree["d1"], [5.0] * 60)  # a district's own series
    assert len(monthly_series(CONSOLE)) == 5
    assert len(monthly_series(CONSOLE, level=3)) == 4
    assert units_of(monthly_series(CONSOLE, root=tree["d1"]), tree) == {"c1", "c2", "d1"}
    assert monthly_series(CONSOLE, data_elements=[elements.note]) == {}
    window = monthly_series(CONSOLE, start=dt.date(2022, 1, 1), end=dt.date(2022, 12, 31))
    assert all(sorted(s) == [f"2022{m:02d}" for m in range(1, 13)] for s in window.values())


def test_deleted_values_are_left_out(tree, elements, write_series):
    write_series(tree["c1"], [3.0] * 12, deleted=True)
    assert monthly_series(CONSOLE) == {}
