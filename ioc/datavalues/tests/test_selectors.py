"""Reads are scoped by the user's view scope (entry units included)."""

from __future__ import annotations

import datetime as dt

import pytest

from ioc.audit.models import Via
from ioc.core.errors import NotFound
from ioc.datavalues.batch import do_set_values
from ioc.datavalues.checker import ValueRow
from ioc.datavalues.models import ImportRun
from ioc.datavalues.selectors import counts, value_history, values_for
from ioc.datavalues.services import do_delete_value, do_set_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(tree, meta, users):
    pairs = [(u, p) for u in ("c1", "c2", "c3", "c4", "d1", "d2") for p in ("202501", "202502", "202503")]
    rows = [ValueRow(meta.opd, tree[u], p, str(i + 1)) for i, (u, p) in enumerate(pairs)]
    rows.append(ValueRow(meta.beds, tree["c1"], "202503", "250"))
    rows.append(ValueRow(meta.opd, tree["new_c"], "202508", "7"))
    result = do_set_values(users.admin, rows, via=Via.IMPORT)
    assert result.created == 20
    return result


def units_of(qs):
    return {v.org_unit.code for v in qs}


def test_each_user_sees_their_view_scope(tree, meta, users, stored):
    assert values_for(users.admin).count() == 20
    assert values_for(users.leader).count() == 19  # the old province, not the new commune
    assert units_of(values_for(users.viewer_b)) == {"244", "08773", "08776"}
    # entry units are visible too
    assert units_of(values_for(users.officer_a)) == {"243", "08707", "08710"}
    assert all(v.org_unit != tree["new_c"] for v in values_for(users.officer_a))
    assert values_for(users.nobody).count() == 0


def test_a_unit_outside_the_scope_is_empty_not_an_error(tree, meta, users, stored):
    assert values_for(users.viewer_b, org_unit=tree["c1"]).count() == 0
    assert values_for(users.leader, org_unit=tree["c1"]).count() == 4


def test_filters(tree, meta, users, stored):
    assert values_for(users.leader, org_unit=tree["d1"]).count() == 3
    assert units_of(values_for(users.leader, org_unit=tree["d1"], children=True)) == {"243", "08707", "08710"}
    assert values_for(users.leader, org_unit=tree["d1"], children=True).count() == 10
    assert values_for(users.leader, data_elements=[meta.beds]).count() == 1
    assert values_for(users.leader, periods=["202501"]).count() == 6
    march = values_for(users.leader, start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31))
    assert {v.period for v in march} == {"202503"} and march.count() == 7
    ordered = [v.period for v in values_for(users.leader)]
    assert ordered == sorted(ordered)


def test_deleted_values_only_on_request(tree, meta, users, stored):
    do_delete_value(users.admin, data_element=meta.beds, org_unit=tree["c1"], period="202503", via=Via.FORM)
    assert values_for(users.leader, data_elements=[meta.beds]).count() == 0
    assert values_for(users.leader, data_elements=[meta.beds], include_deleted=True).count() == 1


def test_reads_take_a_fixed_number_of_queries(tree, meta, users, stored, django_assert_num_queries):
    with django_assert_num_queries(3):  # the two scopes of the user, then the values with their relations
        qs = values_for(users.leader)
        values = [(v.data_element.code, v.org_unit.code, v.category_option_combo.code, v.value) for v in qs]
    assert len(values) == 19


def test_value_history_is_scoped(tree, meta, users, stored):
    value = values_for(users.admin, org_unit=tree["c3"], periods=["202501"]).get()
    do_set_value(users.officer_b, data_element=meta.opd, org_unit=tree["c3"], period="202501", value="99", via=Via.FORM)
    history = list(value_history(users.viewer_b, value))
    assert [(h.action, h.old_value, h.new_value) for h in history] == [("UPDATE", "7", "99"), ("CREATE", None, "7")]
    with pytest.raises(NotFound):
        value_history(users.officer_a, value.pk)


def test_counts(tree, meta, users, stored):
    ImportRun.objects.create(source="demo.csv", via=Via.IMPORT, status="SUCCESS", imported=20)
    first = counts()
    assert first["values"] == 20
    assert first["last_updated"] is not None
    assert [run.source for run in first["last_imports"]] == ["demo.csv"]


def test_counts_follow_writes(tree, meta, users, django_capture_on_commit_callbacks):
    assert counts()["values"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        do_set_value(
            users.officer_a, data_element=meta.opd, org_unit=tree["c1"], period="202501", value="1", via=Via.FORM
        )
    assert counts()["values"] == 1
