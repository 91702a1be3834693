"""Every transition both ways: the right user succeeds, the wrong role or scope is refused and nothing changes;
bottom-up approval, top-down unapproval; the locks stop every write path for the form's unit only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from ioc.audit.models import AuditEntry, Via
from ioc.core.errors import InvalidInput, Locked, NotAllowed
from ioc.core.periods import MONTHLY, period_for_date
from ioc.datavalues.batch import do_set_values
from ioc.datavalues.checker import ValueRow
from ioc.datavalues.models import DataValue, PeriodLock
from ioc.datavalues.services import do_set_value
from ioc.workflow.models import Notification, State, Submission, SubmissionEvent
from ioc.workflow.services import (
    do_approve,
    do_complete,
    do_mark_read,
    do_reopen,
    do_return,
    do_unapprove,
    missing_compulsory,
    resolve,
)

from .conftest import fill

pytestmark = pytest.mark.django_db


def snapshot():
    """Everything a refused transition must leave as it was."""
    return (
        list(Submission.objects.order_by("pk").values_list("org_unit_id", "period", "state")),
        list(PeriodLock.objects.order_by("pk").values_list("org_unit_id", "period", "kind")),
        SubmissionEvent.objects.count(),
        AuditEntry.objects.filter(action__startswith="workflow.").count(),
        Notification.objects.count(),
    )


def state(world, unit, month) -> str:
    row = Submission.objects.filter(data_set=world.health, org_unit=unit, period=month.id).first()
    return row.state if row else State.OPEN


def locks(world, unit, month) -> list[str]:
    return sorted(
        PeriodLock.objects.filter(data_set=world.health, org_unit=unit, period=month.id).values_list("kind", flat=True)
    )


def submitted(world, unit, month, user=None):
    fill(world, unit, month)
    return do_complete(user or world.admin, world.health, unit, month)


def approved(world, unit, month):
    if unit.pk in set(world.health.org_units.values_list("pk", flat=True)):
        submitted(world, unit, month)
    return do_approve(world.admin, world.health, unit, month)


# --- complete ---------------------------------------------------------------------------------------------


def test_complete_submits_locks_and_audits(world, month):
    fill(world, world.c1, month)
    s = do_complete(world.officer1, world.health, world.c1, month, via=Via.FORM)
    assert s.state == State.SUBMITTED and s.submitted_by == world.officer1 and s.on_time is True
    assert (s.start_date, s.end_date, s.period_type) == (month.start, month.end, "Monthly")
    lock = PeriodLock.objects.get(data_set=world.health, org_unit=world.c1, period=month.id)
    assert lock.kind == PeriodLock.Kind.SUBMITTED and lock.subtree is False and lock.locked_by == world.officer1
    event = s.events.get()
    assert (event.action, event.from_state, event.to_state, event.user, event.via) == (
        "complete",
        "OPEN",
        "SUBMITTED",
        world.officer1,
        "form",
    )
    audit = AuditEntry.objects.get(action="workflow.complete")
    assert audit.user == world.officer1 and audit.changes["state"] == ["OPEN", "SUBMITTED"]
    assert audit.object_repr == f"HEALTH {month.id} C1"


def test_complete_by_codes_and_uids(world, month):
    fill(world, world.c1, month)
    s = do_complete(world.officer1, "HEALTH", world.c1.uid, month.id)
    assert s.org_unit == world.c1
    fill(world, world.c2, month)
    assert do_complete(world.officer1, world.health.uid, "C2", month.id).org_unit == world.c2


def test_complete_names_every_empty_compulsory_cell(world, month):
    fill(world, world.c1, month, skip=("OPD", "F"))
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        do_complete(world.officer1, world.health, world.c1, month)
    assert "2 compulsory cells are empty" in exc.value.message
    assert "Outpatient visits (OPD)" in exc.value.message and "Pupils (PUPILS) × Female" in exc.value.message
    assert "Male" not in exc.value.message and "Note" not in exc.value.message
    assert [e["message"] for e in exc.value.errors] == [
        "Empty compulsory cell: Outpatient visits (OPD)",
        "Empty compulsory cell: Pupils (PUPILS) × Female",
    ]
    assert snapshot() == before


def test_a_deleted_value_is_an_empty_cell(world, month):
    fill(world, world.c1, month)
    from ioc.datavalues.services import do_delete_value

    do_delete_value(world.admin, data_element=world.opd, org_unit=world.c1, period=month, via=Via.FORM)
    assert missing_compulsory(resolve(world.health, world.c1, month)) == ["Outpatient visits (OPD)"]


@pytest.mark.parametrize("who", ["leader", "nobody"])
def test_complete_needs_the_entry_role(world, month, who):
    fill(world, world.c1, month)
    before = snapshot()
    with pytest.raises(NotAllowed, match="enter data"):
        do_complete(getattr(world, who), world.health, world.c1, month)
    assert snapshot() == before


def test_complete_needs_the_unit_in_the_entry_scope(world, month):
    fill(world, world.c3, month)
    before = snapshot()
    with pytest.raises(NotAllowed, match=r"Xã Xuân Hòa \(C3\) is outside your data entry units \(Huyện Tam Đảo"):
        do_complete(world.officer1, world.health, world.c3, month)
    assert snapshot() == before


def test_complete_needs_the_data_set_assigned(world, month):
    with pytest.raises(InvalidInput, match="data set HEALTH is not assigned to Huyện Tam Đảo"):
        do_complete(world.officer1, world.health, world.d1, month)
    assert not Submission.objects.exists()


def test_complete_refuses_a_period_of_another_type_a_future_one_and_a_closed_unit(world, month):
    with pytest.raises(InvalidInput, match="is a Yearly period; data set HEALTH is reported Monthly"):
        do_complete(world.officer1, world.health, world.c1, str(month.start.year))
    future = period_for_date(MONTHLY, month.end + dt.timedelta(days=70))
    with pytest.raises(Locked, match="is in the future"):
        do_complete(world.officer1, world.health, world.c1, future)
    with pytest.raises(InvalidInput, match=r"Xã Liễn Sơn \(C4\) was closed on 2020-12-31"):
        do_complete(world.officer2, world.health, world.c4, month)
    with pytest.raises(InvalidInput, match="no data set with code or uid 'NOPE'"):
        do_complete(world.officer1, "NOPE", world.c1, month)
    assert not Submission.objects.exists()


def test_complete_refuses_an_expired_period_except_for_an_administrator(world, month):
    old = month.shift(-3)
    world.health.expiry_days = 10
    world.health.save()
    fill(world, world.c1, old)  # the admin may write into an expired period
    with pytest.raises(Locked, match="closed for entry"):
        do_complete(world.officer1, world.health, world.c1, old)
    assert not Submission.objects.exists()
    assert do_complete(world.admin, world.health, world.c1, old).state == State.SUBMITTED


def test_complete_twice_or_after_approval_is_refused(world, month):
    submitted(world, world.c1, month, world.officer1)
    with pytest.raises(InvalidInput, match="already submitted"):
        do_complete(world.officer1, world.health, world.c1, month)
    do_approve(world.approver1, world.health, world.c1, month)
    with pytest.raises(Locked, match="is approved"):
        do_complete(world.officer1, world.health, world.c1, month)


def test_on_time_is_decided_by_the_first_submission(world, month):
    old = month.shift(-3)  # its end + 40 days is past
    late = submitted(world, world.c1, old, world.officer1)
    assert late.on_time is False
    on_time = submitted(world, world.c2, month, world.officer1)
    assert on_time.on_time is True
    do_return(world.approver1, world.health, world.c2, month, "Kiểm tra lại số liệu")
    again = do_complete(world.officer1, world.health, world.c2, month)
    assert again.on_time is True
    assert again.first_submitted_at is not None and again.submitted_at is not None
    assert again.first_submitted_at < again.submitted_at


# --- the locks stop every write path, for the form's unit only ----------------------------------------------


def test_a_submitted_form_refuses_writes_on_its_unit_only(world, month):
    submitted(world, world.c1, month, world.officer1)
    with pytest.raises(Locked, match="submitted for approval"):
        do_set_value(world.officer1, data_element=world.opd, org_unit=world.c1, period=month, value="7", via=Via.FORM)
    result = do_set_values(world.admin, [ValueRow(world.opd, world.c1, month, "8")], via=Via.IMPORT)
    assert not result.written and "submitted for approval" in result.errors[0].message
    assert DataValue.objects.get(data_element=world.opd, org_unit=world.c1, period=month.id).value_num == 120
    # the sibling and the parent are not locked
    do_set_value(world.officer1, data_element=world.opd, org_unit=world.c2, period=month, value="9", via=Via.FORM)
    do_set_value(world.officer1, data_element=world.opd, org_unit=world.d1, period=month, value="10", via=Via.FORM)
    # another period of the same unit neither
    do_set_value(
        world.officer1, data_element=world.opd, org_unit=world.c1, period=month.previous(), value="11", via=Via.FORM
    )


def test_an_approved_form_refuses_writes_even_for_the_admin(world, month):
    approved(world, world.c1, month)
    assert locks(world, world.c1, month) == ["APPROVED"]
    with pytest.raises(Locked, match="is approved; only an administrator can unapprove it"):
        do_set_value(world.admin, data_element=world.opd, org_unit=world.c1, period=month, value="1", via=Via.API)
    result = do_set_values(world.officer1, [ValueRow(world.opd, world.c1, month, "1")], via=Via.IMPORT)
    assert not result.written and "approved" in result.errors[0].message
    do_set_value(world.officer1, data_element=world.opd, org_unit=world.c2, period=month, value="2", via=Via.FORM)


# --- reopen --------------------------------------------------------------------------------------------------


def test_the_submitter_or_a_colleague_of_the_agency_may_withdraw(world, month):
    submitted(world, world.c1, month, world.officer1)
    s = do_reopen(world.officer1, world.health, world.c1, month)
    assert s.state == State.OPEN and locks(world, world.c1, month) == []
    do_complete(world.officer1, world.health, world.c1, month)
    assert do_reopen(world.colleague1, world.health, world.c1, month).state == State.OPEN
    do_set_value(world.officer1, data_element=world.opd, org_unit=world.c1, period=month, value="5", via=Via.FORM)
    assert AuditEntry.objects.filter(action="workflow.reopen").count() == 2


def test_withdraw_is_refused_to_another_agency_another_scope_and_after_approval(world, month):
    submitted(world, world.c3, month, world.officer2)
    before = snapshot()
    with pytest.raises(NotAllowed, match="outside your data entry units"):
        do_reopen(world.officer1, world.health, world.c3, month)
    world.approver_p.roles = ["approver"]
    with pytest.raises(NotAllowed, match="Only officer2 or a colleague of the same agency"):
        do_reopen(world.approver_p, world.health, world.c3, month)
    with pytest.raises(NotAllowed):
        do_reopen(world.leader, world.health, world.c3, month)
    assert snapshot() == before
    do_approve(world.approver2, world.health, world.c3, month)
    with pytest.raises(InvalidInput, match="is approved; only a submitted form can be withdrawn"):
        do_reopen(world.officer2, world.health, world.c3, month)


# --- approve -------------------------------------------------------------------------------------------------


def test_approve_replaces_the_lock_and_tells_the_submitter(world, month):
    submitted(world, world.c1, month, world.officer1)
    s = do_approve(world.approver1, world.health, world.c1, month)
    assert s.state == State.APPROVED and s.decided_by == world.approver1
    assert locks(world, world.c1, month) == ["APPROVED"]
    note = Notification.objects.get(user=world.officer1)
    assert note.kind == "APPROVED" and note.link.startswith("/workflow/form/?ds=HEALTH")
    assert AuditEntry.objects.filter(action="workflow.approve", user=world.approver1).count() == 1


@pytest.mark.parametrize("who", ["officer1", "leader", "nobody"])
def test_approve_needs_the_approver_role(world, month, who):
    submitted(world, world.c1, month, world.officer1)
    before = snapshot()
    with pytest.raises(NotAllowed, match="approve data"):
        do_approve(getattr(world, who), world.health, world.c1, month)
    assert snapshot() == before


def test_approve_needs_the_unit_in_the_approvers_scope(world, month):
    submitted(world, world.c3, month, world.officer2)
    before = snapshot()
    with pytest.raises(NotAllowed, match="outside your data entry units"):
        do_approve(world.approver1, world.health, world.c3, month)
    assert snapshot() == before


def test_only_a_submitted_form_can_be_approved(world, month):
    with pytest.raises(InvalidInput, match="is open for entry; only a submitted form can be approved"):
        do_approve(world.approver1, world.health, world.c1, month)
    submitted(world, world.c1, month)
    do_return(world.approver1, world.health, world.c1, month, "Sai số liệu")
    with pytest.raises(InvalidInput, match="is returned; only a submitted form can be approved"):
        do_approve(world.approver1, world.health, world.c1, month)
    assert locks(world, world.c1, month) == []


def test_approval_goes_bottom_up_and_names_the_children_not_approved(world, month):
    # D2 has a form of its own and two communes with forms; C4 is closed, so it expects nothing.
    submitted(world, world.d2, month, world.officer2)
    submitted(world, world.c3, month, world.officer2)
    before = snapshot()
    with pytest.raises(InvalidInput, match=r"first approve Xã Xuân Hòa \(C3\) \(1 of 1 units below Huyện Lập Thạch\)"):
        do_approve(world.approver2, world.health, world.d2, month)
    assert snapshot() == before
    do_approve(world.approver2, world.health, world.c3, month)
    assert do_approve(world.approver2, world.health, world.d2, month).state == State.APPROVED


def test_a_unit_without_a_form_is_approved_when_its_children_are(world, month):
    submitted(world, world.c1, month, world.officer1)
    with pytest.raises(InvalidInput, match=r"first approve Xã Đại Đình \(C1\), Xã Tam Quan \(C2\) \(2 of 2"):
        do_approve(world.approver1, world.health, world.d1, month)
    do_approve(world.approver1, world.health, world.c1, month)
    with pytest.raises(InvalidInput, match=r"first approve Xã Tam Quan \(C2\) \(1 of 2"):
        do_approve(world.approver1, world.health, world.d1, month)
    submitted(world, world.c2, month, world.officer1)
    do_approve(world.approver1, world.health, world.c2, month)
    s = do_approve(world.approver1, world.health, world.d1, month)
    assert s.state == State.APPROVED and s.submitted_at is None
    assert locks(world, world.d1, month) == ["APPROVED"]
    # the province: D1 approved, D2 not yet
    with pytest.raises(InvalidInput, match=r"first approve Huyện Lập Thạch \(D2\) \(1 of 2"):
        do_approve(world.approver_p, world.health, world.p, month)
    with pytest.raises(InvalidInput, match="already approved"):
        do_approve(world.approver1, world.health, world.d1, month)


def test_approving_a_unit_with_no_form_anywhere_below_is_refused(world, month):
    world.edu.org_units.set([world.c3])
    with pytest.raises(InvalidInput, match=r"not assigned to Huyện Tam Đảo \(D1\) nor to any unit below it"):
        do_approve(world.approver1, world.edu, world.d1, str(month.start.year - 1))


# --- return -------------------------------------------------------------------------------------------------


def test_return_unlocks_and_tells_the_submitter_in_the_app_and_by_mail(
    world, month, django_capture_on_commit_callbacks
):
    submitted(world, world.c1, month, world.officer1)
    with django_capture_on_commit_callbacks(execute=True):
        s = do_return(world.approver1, world.health, world.c1, month, "  Số lượt khám quá cao, kiểm tra lại  ")
    assert s.state == State.RETURNED and s.reason == "Số lượt khám quá cao, kiểm tra lại"
    assert locks(world, world.c1, month) == []
    note = Notification.objects.get(user=world.officer1, kind="RETURNED")
    assert note.params["reason"] == "Số lượt khám quá cao, kiểm tra lại" and note.read_at is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hoa@example.vn"]
    assert "Số lượt khám quá cao" in message.body and "Trần Văn Bình" in message.body
    assert "/workflow/form/?ds=HEALTH" in message.body
    assert AuditEntry.objects.get(action="workflow.return").changes["reason"] == "Số lượt khám quá cao, kiểm tra lại"
    # the officer corrects and submits again
    do_set_value(world.officer1, data_element=world.opd, org_unit=world.c1, period=month, value="99", via=Via.FORM)
    assert do_complete(world.officer1, world.health, world.c1, month).state == State.SUBMITTED


def test_return_needs_a_reason_the_role_and_the_scope(world, month):
    submitted(world, world.c1, month, world.officer1)
    before = snapshot()
    with pytest.raises(InvalidInput, match="Reason: required"):
        do_return(world.approver1, world.health, world.c1, month, "   ")
    with pytest.raises(InvalidInput, match="Reason: at most 2,000 characters"):
        do_return(world.approver1, world.health, world.c1, month, "x" * 2001)
    with pytest.raises(NotAllowed):
        do_return(world.officer1, world.health, world.c1, month, "không")
    with pytest.raises(NotAllowed, match="outside your data entry units"):
        do_return(world.approver2, world.health, world.c1, month, "không")
    assert snapshot() == before
    do_approve(world.approver1, world.health, world.c1, month)
    with pytest.raises(InvalidInput, match="only a submitted form can be returned"):
        do_return(world.approver1, world.health, world.c1, month, "muộn")


# --- unapprove ----------------------------------------------------------------------------------------------


def test_unapprove_is_for_administrators_with_a_reason(world, month):
    approved(world, world.c1, month)
    before = snapshot()
    for who in (world.approver1, world.approver_p, world.officer1, world.leader):
        with pytest.raises(NotAllowed, match="lock or unlock periods"):
            do_unapprove(who, world.health, world.c1, month, "sai")
    with pytest.raises(InvalidInput, match="Reason: required"):
        do_unapprove(world.admin, world.health, world.c1, month, "")
    assert snapshot() == before
    s = do_unapprove(world.admin, world.health, world.c1, month, "Sở Y tế yêu cầu sửa", via=Via.ADMIN)
    assert s.state == State.SUBMITTED and locks(world, world.c1, month) == ["SUBMITTED"]
    audit = AuditEntry.objects.get(action="workflow.unapprove")
    assert audit.user == world.admin and audit.via == "admin" and audit.changes["reason"] == "Sở Y tế yêu cầu sửa"
    # still locked; the approver may now return it
    do_return(world.approver1, world.health, world.c1, month, "sửa theo yêu cầu của Sở")
    assert locks(world, world.c1, month) == []


def test_unapprove_goes_top_down(world, month):
    approved(world, world.c1, month)
    approved(world, world.c2, month)
    do_approve(world.approver1, world.health, world.d1, month)
    before = snapshot()
    with pytest.raises(InvalidInput, match=r"first unapprove Huyện Tam Đảo \(D1\)"):
        do_unapprove(world.admin, world.health, world.c1, month, "sửa")
    assert snapshot() == before
    d1 = do_unapprove(world.admin, world.health, world.d1, month, "sửa")
    assert d1.state == State.OPEN and locks(world, world.d1, month) == []  # no form of its own
    assert do_unapprove(world.admin, world.health, world.c1, month, "sửa").state == State.SUBMITTED
    with pytest.raises(InvalidInput, match="only an approved form can be unapproved"):
        do_unapprove(world.admin, world.health, world.c1, month, "sửa")


# --- notifications ------------------------------------------------------------------------------------------


def test_mark_read_touches_only_ones_own(world, month):
    approved(world, world.c1, month)
    submitted(world, world.c2, month, world.officer1)
    do_approve(world.approver1, world.health, world.c2, month)
    mine = list(Notification.objects.filter(user=world.admin))
    assert mine == []  # the admin approved its own submission: nobody to tell
    notes = list(Notification.objects.filter(user=world.officer1))
    assert len(notes) == 1
    assert do_mark_read(world.officer2, [notes[0].pk]) == 0
    assert do_mark_read(world.officer1) == 1
    assert Notification.objects.get(pk=notes[0].pk).read_at is not None
