"""The inbox and tasks on both engines: each user sees what waits for them or their role;
done tasks leave the inbox and stay in the patient's history; the front desk's inbox never
holds a result."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import Clinic

from emr_desktop.domain.orders import InboxKind, OrderInput, ResultInput, TaskInput, TaskStatus
from emr_desktop.errors import PermissionDenied, ValidationError
from emr_desktop.models import LabOrder
from emr_desktop.services.chart.notes import NoteService
from emr_desktop.services.orders.orders import OrderService
from emr_desktop.services.orders.results import ResultService
from emr_desktop.services.worklist.inbox import InboxService
from emr_desktop.services.worklist.tasks import TaskService

TODAY = dt.date.today()


def _refs(c: Clinic, who: str, kind: InboxKind) -> set[int]:
    inbox = InboxService(c.db).inbox(getattr(c, who))
    return {i.ref_id for i in inbox.items if i.kind is kind}


def test_tasks_to_a_user_and_to_a_role(clinic: Clinic) -> None:
    c = clinic
    pid = c.patient()
    tasks = TaskService(c.db)
    call = tasks.create(
        c.doctor,
        TaskInput(
            "Call patient about results",
            assignee_role="nurse",
            patient_id=pid,
            due_on=TODAY - dt.timedelta(days=1),
        ),
    )
    mine = tasks.create(c.desk, TaskInput("Fax the referral", assignee_id=c.doctor.user_id))
    assert call.assignee == "role: nurse" and mine.assignee == "drgrey"
    assert call.id in _refs(c, "nurse", InboxKind.TASK)
    assert call.id in _refs(c, "nurse2", InboxKind.TASK)
    assert call.id not in _refs(c, "doctor", InboxKind.TASK)
    assert mine.id in _refs(c, "doctor", InboxKind.TASK)
    urgent = [i for i in InboxService(c.db).inbox(c.nurse).items if i.ref_id == call.id]
    assert urgent[0].urgent  # overdue

    done = tasks.finish(c.nurse, call.id)
    assert done.status is TaskStatus.DONE
    assert call.id not in _refs(c, "nurse2", InboxKind.TASK)
    assert [t.id for t in tasks.for_patient(c.nurse, pid)] == [call.id]  # chart history


def test_a_bad_task_names_every_field(clinic: Clinic) -> None:
    with pytest.raises(ValidationError) as info:
        TaskService(clinic.db).create(clinic.desk, TaskInput("", patient_id=999999))
    assert info.value.field == "title, assign to, patient"


def test_results_notes_and_overdue_orders_reach_the_right_inbox(clinic: Clinic) -> None:
    c = clinic
    pid = c.patient()
    order = OrderService(c.db).place(c.doctor, pid, OrderInput(("2345-7",)))
    late = OrderService(c.db).place(c.doctor, pid, OrderInput(("718-7",)))
    with c.db.unit_of_work() as s:
        row = s.get(LabOrder, late.id)
        assert row is not None
        row.ordered_at -= dt.timedelta(days=30)
    entered = ResultService(c.db).enter(
        c.nurse, order.id, [ResultInput("2345-7", 40)], dt.datetime.now(dt.UTC)
    )
    note = NoteService(c.db).create(c.doctor, pid, reason="cough")

    inbox = InboxService(c.db).inbox(c.doctor)
    assert entered[0].review_id in {i.ref_id for i in inbox.items if i.kind is InboxKind.RESULT}
    assert inbox.items[0].urgent  # a critical glucose comes first
    assert late.id in {i.ref_id for i in inbox.items if i.kind is InboxKind.OVERDUE_ORDER}
    assert note.id in {i.ref_id for i in inbox.items if i.kind is InboxKind.UNSIGNED_NOTE}
    assert inbox.count(InboxKind.RESULT) >= 1
    assert entered[0].review_id not in _refs(c, "doctor2", InboxKind.RESULT)
    assert late.id in _refs(c, "nurse", InboxKind.OVERDUE_ORDER)
    desk = InboxService(c.db).inbox(c.desk)
    assert {i.kind for i in desk.items} <= {InboxKind.TASK}


def test_the_admin_cannot_open_results(clinic: Clinic) -> None:
    with pytest.raises(PermissionDenied):
        ResultService(clinic.db).inbox(clinic.practice.admin, physician_id=clinic.doctor.user_id)
