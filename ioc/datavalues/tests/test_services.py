"""The one write path: every check of do_set_value with both sides, audit, soft delete, locks, the batch."""

from __future__ import annotations

import datetime as dt

import pytest

from ioc.audit.models import AuditEntry, Via
from ioc.core.errors import InvalidInput, Locked, NotAllowed, NotFound
from ioc.core.periods import parse_period
from ioc.datavalues.batch import do_set_values
from ioc.datavalues.checker import ValueRow
from ioc.datavalues.locks import do_lock_period, do_unlock_period
from ioc.datavalues.models import DataValue, DataValueAudit, PeriodLock
from ioc.datavalues.services import do_delete_value, do_set_follow_up, do_set_value

pytestmark = pytest.mark.django_db


def set_value(user, element, unit, period, value, coc=None, **kw):
    return do_set_value(
        user,
        data_element=element,
        org_unit=unit,
        period=period,
        category_option_combo=coc,
        value=value,
        via=kw.pop("via", Via.FORM),
        **kw,
    )


def nothing_written() -> bool:
    return DataValue.objects.count() == 0 and DataValueAudit.objects.count() == 0


# --- who may enter, where ------------------------------------------------------------------------------


def test_officer_of_district_a_enters_in_a(tree, meta, users):
    result = set_value(users.officer_a, meta.opd, tree["c1"], "202503", "12")
    assert result.action == "CREATE"
    stored = DataValue.objects.get()
    assert (stored.value_num, stored.period, stored.period_type) == (12.0, "202503", "Monthly")
    assert (stored.start_date, stored.end_date) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert stored.stored_by == users.officer_a
    assert stored.category_option_combo == meta.default_coc
    audit = DataValueAudit.objects.get()
    assert (audit.action, audit.old_value, audit.new_value, audit.user, audit.via) == (
        "CREATE",
        None,
        "12",
        users.officer_a,
        "form",
    )


def test_officer_of_district_a_cannot_enter_in_b(tree, meta, users):
    with pytest.raises(NotAllowed) as exc:
        set_value(users.officer_a, meta.opd, tree["c3"], "202503", "12")
    assert exc.value.errors[0]["field"] == "orgUnit"
    assert "outside your data entry units" in exc.value.message
    assert "Thành phố Vĩnh Yên" in exc.value.message  # names the user's entry units
    assert nothing_written()
    assert set_value(users.officer_b, meta.opd, tree["c3"], "202503", "12").action == "CREATE"


@pytest.mark.parametrize("who", ["leader", "viewer_b", "nobody"])
def test_users_without_an_entry_role_cannot_enter_at_all(tree, meta, users, who):
    with pytest.raises(NotAllowed) as exc:
        set_value(getattr(users, who), meta.opd, tree["c3"], "202503", "12")
    assert "enter data" in exc.value.message
    assert nothing_written()


def test_an_entry_role_without_entry_units_enters_nowhere(tree, meta, users):
    users.leader.roles = ["data_officer"]  # role but no entry units (only view units)
    users.leader.save()
    with pytest.raises(NotAllowed):
        set_value(users.leader, meta.opd, tree["c1"], "202503", "1")


def test_admin_approver_and_superuser_enter_within_their_scope(tree, meta, users, django_user_model):
    assert set_value(users.admin, meta.opd, tree["c4"], "202503", "1").action == "CREATE"
    assert set_value(users.approver, meta.opd, tree["c1"], "202503", "1").action == "CREATE"
    with pytest.raises(NotAllowed):  # approver's entry scope is the old province only
        set_value(users.approver, meta.opd, tree["new_c"], "202508", "1")
    root = django_user_model.objects.create_superuser("root", password="x-Test-12345")
    assert set_value(root, meta.opd, tree["new_c"], "202508", "1").action == "CREATE"


# --- the org unit is open during the period -------------------------------------------------------------


def test_a_closed_unit_refuses_later_periods_and_names_its_successor(tree, meta, users):
    with pytest.raises(InvalidInput) as exc:
        set_value(users.admin, meta.opd, tree["c2"], "202508", "5")
    assert exc.value.errors[0]["field"] == "orgUnit"
    assert "closed on 2025-06-30" in exc.value.message
    assert "Phường Vĩnh Yên" in exc.value.message  # the successor
    assert nothing_written()
    assert set_value(users.admin, meta.opd, tree["c2"], "202506", "5").action == "CREATE"


def test_a_new_unit_refuses_periods_before_it_opened(tree, meta, users):
    with pytest.raises(InvalidInput) as exc:
        set_value(users.integrator, meta.opd, tree["new_c"], "202412", "5")
    assert "opened on 2025-07-01" in exc.value.message
    assert "Phường Tích Sơn" in exc.value.message  # its predecessors
    with pytest.raises(InvalidInput):
        set_value(users.integrator, meta.pupils, tree["new_c"], "2024", "5", coc=meta.male)
    assert nothing_written()
    assert set_value(users.integrator, meta.opd, tree["new_c"], "202508", "5").action == "CREATE"
    # a year the unit was open part of is fine
    assert set_value(users.integrator, meta.pupils, tree["new_c"], "2025", "5", coc=meta.male).action == "CREATE"


def test_a_code_resolves_to_the_unit_open_during_the_period(tree, meta, users):
    before = set_value(users.integrator, meta.opd, "08707", "202503", "1")
    after = set_value(users.integrator, meta.opd, "08707", "202508", "2")
    assert before.value.org_unit == tree["c1"]
    assert after.value.org_unit == tree["new_c"]
    by_uid = set_value(users.integrator, meta.opd, tree["c1"].uid, "202504", "3")
    assert by_uid.value.org_unit == tree["c1"]


def test_a_code_naming_two_units_within_the_period_is_ambiguous(tree, meta, users):
    with pytest.raises(InvalidInput) as exc:
        set_value(users.integrator, meta.pupils, "08707", "2025", "5", coc=meta.male)
    assert exc.value.errors[0]["field"] == "orgUnit"
    assert tree["c1"].uid in exc.value.message and tree["new_c"].uid in exc.value.message


def test_a_code_closed_at_the_period_is_refused(tree, meta, users):
    with pytest.raises(InvalidInput) as exc:
        set_value(users.integrator, meta.opd, "08710", "202508", "1")
    assert "08710" in exc.value.message and "2025-06-30" in exc.value.message
    with pytest.raises(InvalidInput) as exc:
        set_value(users.integrator, meta.opd, "99999", "202508", "1")
    assert "99999" in exc.value.message
    assert nothing_written()


# --- element, category option combo, period -----------------------------------------------------------


def test_unknown_element(tree, meta, users):
    with pytest.raises(InvalidInput) as exc:
        set_value(users.officer_a, "NO_SUCH", tree["c1"], "202503", "1")
    assert exc.value.errors[0]["field"] == "dataElement"
    assert "NO_SUCH" in exc.value.message
    assert nothing_written()
    assert set_value(users.officer_a, "OPD", tree["c1"], "202503", "1").action == "CREATE"
    assert set_value(users.officer_a, meta.opd.uid, tree["c1"], "202504", "1").action == "CREATE"


def test_unknown_category_option_combo(tree, meta, users):
    with pytest.raises(InvalidInput) as exc:
        set_value(users.officer_a, meta.pupils, tree["c1"], "2024", "1", coc="NO_SUCH")
    assert exc.value.errors[0]["field"] == "categoryOptionCombo"
    assert "NO_SUCH" in exc.value.message
    assert nothing_written()


def test_category_option_combo_of_another_combo(tree, meta, users):
    with pytest.raises(InvalidInput) as exc:
        set_value(users.officer_a, meta.pupils, tree["c1"], "2024", "1", coc=meta.primary)
    assert "LEVEL_PRIMARY" in exc.value.message and "belongs to LEVEL" in exc.value.message
    with pytest.raises(InvalidInput):
        set_value(users.officer_a, meta.opd, tree["c1"], "202503", "1", coc="SEX_M")
    assert nothing_written()
    assert set_value(users.officer_a, meta.pupils, tree["c1"], "2024", "1", coc="SEX_M").action == "CREATE"
    assert set_value(users.officer_a, meta.pupils, tree["c1"], "2024", "2", coc=meta.female).action == "CREATE"


def test_a_disaggregated_element_needs_its_category_option_combo(tree, meta, users):
    with pytest.raises(InvalidInput) as exc:
        set_value(users.officer_a, meta.pupils, tree["c1"], "2024", "1")
    assert exc.value.errors[0]["field"] == "categoryOptionCombo"
    assert "SEX_M" in exc.value.message and "SEX_F" in exc.value.message


@pytest.mark.parametrize("period", ["2025-13", "202513", "2025Q5", "soon", "", "2025W54"])
def test_unparseable_period(tree, meta, users, period):
    with pytest.raises(InvalidInput) as exc:
        set_value(users.officer_a, meta.opd, tree["c1"], period, "1")
    assert exc.value.errors[0]["field"] == "period"
    assert nothing_written()


def test_period_type_must_fit_the_data_sets_of_the_element(tree, meta, users):
    with pytest.raises(InvalidInput) as exc:
        set_value(users.officer_a, meta.opd, tree["c1"], "2025Q1", "1")
    assert exc.value.errors[0]["field"] == "period"
    assert "Quarterly" in exc.value.message and "Monthly" in exc.value.message and "HEALTH" in exc.value.message
    with pytest.raises(InvalidInput):
        set_value(users.officer_a, meta.pupils, tree["c1"], "202403", "1", coc=meta.male)
    assert nothing_written()
    # ADX form of the right type is fine; an element in no data set takes any period type
    assert set_value(users.officer_a, meta.opd, tree["c1"], "2025-03-01/P1M", "1").value.period == "202503"
    assert set_value(users.officer_a, meta.grdp, tree["c1"], "2025Q1", "1").action == "CREATE"
    assert set_value(users.officer_a, meta.opd, tree["c1"], parse_period("202502"), "1").action == "CREATE"


# --- values by type, min/max ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("element", "raw", "why"),
    [
        ("beds", "mười", "not a number"),
        ("opd", "1.5", "not a whole number"),
        ("opd", 1.5, "not a whole number"),
        ("coverage", "120", "percentage"),
        ("coverage", -1, "percentage"),
        ("fibre", "maybe", "yes/no"),
        ("opd", "", "empty"),
        ("opd", None, "empty"),
        ("opd", "-1", "below the minimum 0"),
        ("beds", "1000.5", "above the maximum 1000"),
        ("beds", "nan", "finite"),
    ],
)
def test_wrong_values_are_refused(tree, meta, users, element, raw, why):
    with pytest.raises(InvalidInput) as exc:
        set_value(users.officer_a, getattr(meta, element), tree["c1"], "202503", raw)
    assert exc.value.errors[0]["field"] == "value"
    assert why in exc.value.message
    assert nothing_written()


@pytest.mark.parametrize(
    ("element", "raw", "num", "text", "shown"),
    [
        ("opd", "12", 12.0, None, "12"),
        ("opd", 0, 0.0, None, "0"),
        ("beds", "12.5", 12.5, None, "12.5"),
        ("coverage", "99.5", 99.5, None, "99.5"),
        ("coverage", 100, 100.0, None, "100"),
        ("fibre", "yes", 1.0, None, "true"),
        ("fibre", False, 0.0, None, "false"),
        ("note", "Đã kiểm tra", None, "Đã kiểm tra", "Đã kiểm tra"),
    ],
)
def test_right_values_are_stored_by_type(tree, meta, users, element, raw, num, text, shown):
    result = set_value(users.officer_a, getattr(meta, element), tree["c1"], "202503", raw)
    stored = DataValue.objects.get(pk=result.value.pk)
    assert (stored.value_num, stored.value_text, stored.value) == (num, text, shown)


def test_comment_and_follow_up_are_checked(tree, meta, users):
    with pytest.raises(InvalidInput) as exc:
        set_value(users.officer_a, meta.opd, tree["c1"], "202503", "1", comment="x" * 5001)
    assert exc.value.errors[0]["field"] == "comment"
    assert nothing_written()


# --- locks and expiry ----------------------------------------------------------------------------------


def test_a_locked_period_refuses_values_in_the_locked_subtree(tree, meta, users):
    PeriodLock.objects.create(data_set=meta.health, period="202503", org_unit=tree["d1"], reason="đã duyệt")
    with pytest.raises(Locked) as exc:
        set_value(users.approver, meta.opd, tree["c1"], "202503", "1")
    assert exc.value.errors[0]["field"] == "period"
    assert "locked" in exc.value.message and "HEALTH" in exc.value.message and "đã duyệt" in exc.value.message
    with pytest.raises(Locked):  # admins cannot write into a locked period either
        set_value(users.admin, meta.opd, tree["d1"], "202503", "1")
    assert nothing_written()
    # outside the subtree, another period, another data set's element: open
    assert set_value(users.approver, meta.opd, tree["c3"], "202503", "1").action == "CREATE"
    assert set_value(users.approver, meta.opd, tree["c1"], "202504", "1").action == "CREATE"
    assert set_value(users.approver, meta.pupils, tree["c1"], "2025", "1", coc=meta.male).action == "CREATE"


def test_a_lock_of_a_longer_period_locks_the_months_inside_it(tree, meta, users):
    PeriodLock.objects.create(data_set=meta.health, period="2025Q1", org_unit=tree["p"])
    with pytest.raises(Locked):
        set_value(users.approver, meta.opd, tree["c4"], "202502", "1")
    assert set_value(users.approver, meta.opd, tree["c4"], "202504", "1").action == "CREATE"


def test_an_expired_period_refuses_values(tree, meta, users, month):
    meta.health.expiry_days = 40
    meta.health.save()
    with pytest.raises(Locked) as exc:
        set_value(users.officer_a, meta.opd, tree["c1"], "202503", "1")
    assert "closed for entry on 2025-05-10" in exc.value.message  # 31 March + 40 days
    assert nothing_written()
    # last month is still open for a unit open now
    assert set_value(users.integrator, meta.opd, tree["new_c"], month, "1").action == "CREATE"
    # admins may still correct an expired period (audited like any write)
    assert set_value(users.admin, meta.opd, tree["c1"], "202503", "1").action == "CREATE"


def test_expiry_applies_to_the_data_sets_assigned_to_the_unit(tree, meta, users):
    meta.health.expiry_days = 40
    meta.health.save()
    meta.health.org_units.remove(tree["c1"])
    assert set_value(users.officer_a, meta.opd, tree["c1"], "202503", "1").action == "CREATE"
    with pytest.raises(Locked):
        set_value(users.officer_a, meta.opd, tree["c2"], "202503", "1")


def test_lock_and_unlock_are_for_admins_and_audited(tree, meta, users):
    with pytest.raises(NotAllowed):
        do_lock_period(users.approver, meta.health, "202503", tree["d1"], "duyệt")
    assert not PeriodLock.objects.exists()
    lock = do_lock_period(users.admin, meta.health, "202503", tree["d1"], "duyệt")
    assert (lock.period, lock.org_unit, lock.locked_by) == ("202503", tree["d1"], users.admin)
    assert do_lock_period(users.admin, "HEALTH", "202503", tree["d1"]) == lock  # twice: harmless
    entry = AuditEntry.objects.get(action="period.lock")
    assert entry.user == users.admin and entry.changes["period"] == "202503"
    with pytest.raises(Locked):
        set_value(users.officer_a, meta.opd, tree["c1"], "202503", "1")
    with pytest.raises(NotAllowed):
        do_unlock_period(users.officer_a, meta.health, "202503", tree["d1"])
    with pytest.raises(InvalidInput):  # a monthly data set cannot be locked by week
        do_lock_period(users.admin, meta.health, "2025W10", tree["d1"])
    do_unlock_period(users.admin, meta.health, "202503", "243", reason="sửa số liệu")
    assert not PeriodLock.objects.exists()
    assert AuditEntry.objects.get(action="period.unlock").changes["reason"] == "sửa số liệu"
    assert set_value(users.officer_a, meta.opd, tree["c1"], "202503", "1").action == "CREATE"
    with pytest.raises(NotFound):
        do_unlock_period(users.admin, meta.health, "202503", tree["d1"])


# --- upsert, audit, soft delete ------------------------------------------------------------------------


def test_update_unchanged_and_the_audit_trail(tree, meta, users):
    set_value(users.officer_a, meta.opd, tree["c1"], "202503", "12")
    assert set_value(users.officer_a, meta.opd, tree["c1"], "202503", "12").action == "UNCHANGED"
    assert set_value(users.officer_a, meta.opd, tree["c1"], "202503", 12.0).action == "UNCHANGED"
    assert DataValueAudit.objects.count() == 1
    result = set_value(users.approver, meta.opd, tree["c1"], "202503", "15", via=Via.API)
    assert result.action == "UPDATE"
    assert result.value.stored_by == users.approver
    audits = list(DataValueAudit.objects.order_by("id").values_list("action", "old_value", "new_value", "via"))
    assert audits == [("CREATE", None, "12", "form"), ("UPDATE", "12", "15", "api")]
    assert DataValue.objects.get().value_num == 15.0
    # a new comment is a change; no comment given leaves it as it is
    assert set_value(users.officer_a, meta.opd, tree["c1"], "202503", "15", comment="kiểm tra").action == "UPDATE"
    assert set_value(users.officer_a, meta.opd, tree["c1"], "202503", "15").action == "UNCHANGED"
    assert DataValue.objects.get().comment == "kiểm tra"


def test_soft_delete_and_restore(tree, meta, users):
    set_value(users.officer_a, meta.opd, tree["c1"], "202503", "12")
    with pytest.raises(NotAllowed):  # another district's officer
        do_delete_value(users.officer_b, data_element=meta.opd, org_unit=tree["c1"], period="202503", via=Via.FORM)
    with pytest.raises(NotAllowed):
        do_delete_value(users.leader, data_element=meta.opd, org_unit=tree["c1"], period="202503", via=Via.FORM)
    assert not DataValue.objects.get().deleted
    result = do_delete_value(users.officer_a, data_element=meta.opd, org_unit=tree["c1"], period="202503", via=Via.FORM)
    assert result.action == "DELETE"
    stored = DataValue.objects.get()
    assert stored.deleted and stored.value_num == 12.0  # kept
    with pytest.raises(NotFound):
        do_delete_value(users.officer_a, data_element=meta.opd, org_unit=tree["c1"], period="202503", via=Via.FORM)
    restored = set_value(users.officer_a, meta.opd, tree["c1"], "202503", "13")
    assert restored.action == "RESTORE" and not DataValue.objects.get().deleted
    audits = list(DataValueAudit.objects.order_by("id").values_list("action", "old_value", "new_value"))
    assert audits == [("CREATE", None, "12"), ("DELETE", "12", None), ("RESTORE", "12", "13")]


def test_delete_respects_locks(tree, meta, users):
    set_value(users.officer_a, meta.opd, tree["c1"], "202503", "12")
    PeriodLock.objects.create(data_set=meta.health, period="202503", org_unit=tree["p"])
    with pytest.raises(Locked):
        do_delete_value(users.officer_a, data_element=meta.opd, org_unit=tree["c1"], period="202503", via=Via.FORM)
    assert not DataValue.objects.get().deleted


def test_follow_up(tree, meta, users):
    set_value(users.officer_a, meta.opd, tree["c1"], "202503", "12")
    with pytest.raises(NotAllowed):
        do_set_follow_up(
            users.leader, data_element=meta.opd, org_unit=tree["c1"], period="202503", follow_up=True, via=Via.FORM
        )
    with pytest.raises(NotAllowed):
        do_set_follow_up(
            users.officer_b, data_element=meta.opd, org_unit=tree["c1"], period="202503", follow_up=True, via=Via.FORM
        )
    result = do_set_follow_up(
        users.approver, data_element=meta.opd, org_unit=tree["c1"], period="202503", follow_up=True, via=Via.FORM
    )
    assert result.action == "UPDATE" and DataValue.objects.get().follow_up
    assert AuditEntry.objects.get(action="datavalue.follow_up").changes == {"follow_up": [False, True]}
    with pytest.raises(NotFound):
        do_set_follow_up(
            users.approver, data_element=meta.opd, org_unit=tree["c1"], period="202504", follow_up=True, via=Via.FORM
        )


# --- the batch -----------------------------------------------------------------------------------------


def test_batch_reports_every_bad_row_and_writes_nothing(tree, meta, users):
    rows: list[ValueRow | dict[str, str]] = [
        ValueRow(meta.opd, tree["c1"], "202503", "1"),
        ValueRow("NO_SUCH", tree["c1"], "202503", "1"),
        {"data_element": "OPD", "org_unit": "08710", "period": "202504", "value": "2"},
        ValueRow(meta.coverage, tree["c1"], "202503", "120"),
        ValueRow(meta.opd, tree["c3"], "202503", "1"),
        ValueRow(meta.opd, tree["c1"], "202513", "1"),
        ValueRow(meta.opd, tree["c2"], "202508", "1"),
        ValueRow(meta.pupils, tree["c1"], "2024", "1", category_option_combo=meta.primary),
        ValueRow(meta.opd, tree["c1"], "202503", "3"),
    ]
    result = do_set_values(users.officer_a, rows, via=Via.IMPORT)
    assert not result.ok and not result.written
    got = [(e.index, e.field, e.value) for e in result.errors]
    assert got == [
        (1, "dataElement", "NO_SUCH"),
        (3, "value", "120"),
        (4, "orgUnit", "08773"),
        (5, "period", "202513"),
        (6, "orgUnit", "08710"),
        (7, "categoryOptionCombo", "LEVEL_PRIMARY"),
        (8, "value", "3"),  # the same value as row 0
    ]
    assert all(e.message for e in result.errors)
    assert nothing_written()
    with pytest.raises(InvalidInput) as exc:
        result.raise_for_errors()
    assert len(exc.value.errors) == 7 and exc.value.errors[0]["index"] == 1


def test_batch_writes_creates_updates_restores_and_skips_unchanged(tree, meta, users):
    set_value(users.officer_a, meta.opd, tree["c1"], "202501", "1")
    set_value(users.officer_a, meta.opd, tree["c1"], "202502", "2")
    set_value(users.officer_a, meta.opd, tree["c1"], "202503", "3")
    do_delete_value(users.officer_a, data_element=meta.opd, org_unit=tree["c1"], period="202503", via=Via.FORM)
    rows = [
        ValueRow("OPD", "08707", "202501", "1"),  # unchanged
        ValueRow("OPD", "08707", "202502", "20"),  # update
        ValueRow("OPD", "08707", "202503", "30"),  # restore
        ValueRow("OPD", "08707", "202504", "4"),  # create
        ValueRow("PUPILS", "08710", "2024", "5", category_option_combo="SEX_F"),  # create
    ]
    result = do_set_values(users.officer_a, rows, via=Via.IMPORT)
    assert result.ok and result.written
    assert (result.created, result.updated, result.restored, result.unchanged) == (2, 1, 1, 1)
    values = {
        (v.period, v.org_unit.code): v.value for v in DataValue.objects.select_related("org_unit", "data_element")
    }
    assert values == {
        ("202501", "08707"): "1",
        ("202502", "08707"): "20",
        ("202503", "08707"): "30",
        ("202504", "08707"): "4",
        ("2024", "08710"): "5",
    }
    batch_audits = DataValueAudit.objects.filter(via="import").order_by("id")
    assert sorted(a.action for a in batch_audits) == ["CREATE", "CREATE", "RESTORE", "UPDATE"]
    assert DataValueAudit.objects.get(via="import", action="UPDATE").old_value == "2"
    again = do_set_values(users.officer_a, rows, via=Via.IMPORT)
    assert (again.created, again.updated, again.restored, again.unchanged) == (0, 0, 0, 5)


def test_batch_partial_when_asked(tree, meta, users):
    rows = [ValueRow(meta.opd, tree["c1"], "202503", "1"), ValueRow(meta.opd, tree["c3"], "202503", "1")]
    result = do_set_values(users.officer_a, rows, via=Via.IMPORT, all_or_nothing=False)
    assert result.written and result.created == 1
    assert [(e.index, e.field) for e in result.errors] == [(1, "orgUnit")]
    assert DataValue.objects.get().org_unit == tree["c1"]


def test_batch_needs_the_entry_role(tree, meta, users):
    with pytest.raises(NotAllowed):
        do_set_values(users.leader, [ValueRow(meta.opd, tree["c1"], "202503", "1")], via=Via.IMPORT)
    assert nothing_written()


def test_batch_respects_locks_and_expiry(tree, meta, users):
    PeriodLock.objects.create(data_set=meta.health, period="202503", org_unit=tree["d1"])
    meta.health.expiry_days = 40
    meta.health.save()
    rows = [ValueRow(meta.opd, tree["c1"], "202503", "1"), ValueRow(meta.opd, tree["c3"], "202503", "1")]
    result = do_set_values(users.approver, rows, via=Via.IMPORT)
    assert [(e.index, e.field) for e in result.errors] == [(0, "period"), (1, "period")]
    assert "locked" in result.errors[0].message and "closed for entry" in result.errors[1].message


def test_batch_queries_do_not_grow_with_rows(tree, meta, users, django_assert_max_num_queries):
    units = [tree["c1"], tree["c2"], tree["d1"]]
    periods = [f"2024{m:02d}" for m in range(1, 13)]
    rows = [
        ValueRow(element, unit, period, "1")
        for element in (meta.opd, meta.beds, meta.coverage)
        for unit in units
        for period in periods
    ]
    assert len(rows) == 108
    with django_assert_max_num_queries(30):
        result = do_set_values(users.officer_a, rows, via=Via.IMPORT)
    assert result.created == 108
    assert DataValueAudit.objects.count() == 108
