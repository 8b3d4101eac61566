"""Lab orders and results on both engines: a physician orders LOINC-coded tests with a
reason, prints the requisition, results arrive with flags and go to the ordering
physician's inbox, who views and signs them off (audited); the front desk never sees them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from conftest import Clinic
from pypdf import PdfReader
from sqlalchemy import select

from emr_desktop.domain.clinical import LabFlag
from emr_desktop.domain.orders import (
    OrderInput,
    OrderStatus,
    RecallStatus,
    ResultInput,
    ReviewStatus,
)
from emr_desktop.domain.sections import ProblemInput
from emr_desktop.errors import PermissionDenied, ValidationError
from emr_desktop.models import AuditLog, Recall
from emr_desktop.services.chart.problems import ProblemService
from emr_desktop.services.orders.orders import OrderService
from emr_desktop.services.orders.results import ResultService
from emr_desktop.services.practice.settings import SettingsService

BMP, GLUCOSE, POTASSIUM, SODIUM = "24321-2", "2345-7", "2823-3", "2951-2"
NOW = dt.datetime.now(dt.UTC)


def _actions(c: Clinic, patient_id: int) -> list[str]:
    with c.db.reading() as s:
        return list(
            s.scalars(
                select(AuditLog.action)
                .where(AuditLog.patient_id == patient_id)
                .order_by(AuditLog.id)
            )
        )


def test_order_to_sign_off(clinic: Clinic) -> None:
    c = clinic
    pid = c.patient()
    problem = ProblemService(c.db).add(c.doctor, pid, ProblemInput("E11.9"))
    orders = OrderService(c.db)
    order = orders.place(
        c.doctor, pid, OrderInput((BMP,), problem_id=problem.id, specimen_notes="fasting")
    )
    assert order.status is OrderStatus.PENDING and not order.overdue
    assert order.diagnosis_codes == ("E11.9",) and order.tests[0].loinc == BMP
    assert [o.id for o in orders.open_orders(c.nurse)].count(order.id) == 1

    pdf = orders.requisition(c.doctor, order.id)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (order.mrn, BMP, "E11.9", "fasting", "Drgrey"):
        assert expected in text

    results = ResultService(c.db)
    entered = results.enter(
        c.nurse,
        order.id,
        [
            ResultInput(GLUCOSE, 250),
            ResultInput(POTASSIUM, 2.5),
            ResultInput(SODIUM, 140),
        ],
        NOW,
    )
    assert [r.flag for r in entered] == [LabFlag.HIGH, LabFlag.CRITICAL_LOW, LabFlag.NORMAL]
    assert orders.for_patient(c.doctor, pid)[0].status is OrderStatus.RESULTED

    inbox = [r for r in results.inbox(c.doctor) if r.patient_id == pid]
    assert inbox[0].loinc == POTASSIUM  # critical first
    assert all(r.patient_id != pid for r in results.inbox(c.doctor2))
    results.view(c.doctor, inbox[0].review_id)
    signed = results.sign_off(
        c.doctor, [r.review_id for r in inbox], "repeat potassium", follow_up_weeks=2
    )
    assert {r.status for r in signed} == {ReviewStatus.SIGNED}
    assert all(r.patient_id != pid for r in results.inbox(c.doctor))
    assert len(results.for_patient(c.nurse, pid)) == 3  # signed results stay in the chart
    with c.db.reading() as s:
        recall = s.scalars(select(Recall).where(Recall.patient_id == pid)).one()
    assert recall.status is RecallStatus.OPEN and recall.due_on > dt.date.today()
    letter = results.letter(c.doctor, [r.review_id for r in signed], "Please call us.")
    assert letter.startswith(b"%PDF")
    actions = _actions(c, pid)
    for action in (
        "order_place",
        "order_requisition_print",
        "result_enter",
        "result_view",
        "result_sign",
        "result_letter_print",
    ):
        assert action in actions


def test_the_front_desk_never_sees_results(clinic: Clinic) -> None:
    c = clinic
    pid = c.patient()
    order = OrderService(c.db).place(c.doctor, pid, OrderInput((GLUCOSE,)))
    with pytest.raises(PermissionDenied):
        ResultService(c.db).inbox(c.desk, physician_id=c.doctor.user_id)
    with pytest.raises(PermissionDenied):
        ResultService(c.db).for_patient(c.desk, pid)
    with pytest.raises(PermissionDenied):
        OrderService(c.db).for_patient(c.desk, pid)
    with pytest.raises(PermissionDenied):
        OrderService(c.db).place(c.nurse, pid, OrderInput((GLUCOSE,)))
    with pytest.raises(PermissionDenied):
        ResultService(c.db).sign_off(c.nurse, [1])
    assert order.status is OrderStatus.PENDING


def test_bad_orders_name_every_field_and_save_nothing(clinic: Clinic) -> None:
    c = clinic
    pid = c.patient()
    with pytest.raises(ValidationError) as info:
        OrderService(c.db).place(
            c.doctor, pid, OrderInput(("0000-0",), diagnosis_codes=("ZZZ",), lab_name="x" * 300)
        )
    assert "tests" in info.value.field and "diagnosis codes" in info.value.field
    assert "lab" in info.value.field
    assert OrderService(c.db).for_patient(c.doctor, pid) == []
    order = OrderService(c.db).place(c.doctor, pid, OrderInput((GLUCOSE,)))
    with pytest.raises(ValidationError) as info:
        ResultService(c.db).enter(c.nurse, order.id, [ResultInput(SODIUM, 140)], NOW)
    assert "not ordered" in info.value.message
    assert OrderService(c.db).for_patient(c.doctor, pid)[0].status is OrderStatus.PENDING


def test_an_order_without_results_is_overdue_after_the_practice_setting(clinic: Clinic) -> None:
    c = clinic
    pid = c.patient()
    order = OrderService(c.db).place(c.doctor, pid, OrderInput((GLUCOSE,)))
    from emr_desktop.models import LabOrder

    with c.db.unit_of_work() as s:
        row = s.get(LabOrder, order.id)
        assert row is not None
        row.ordered_at = NOW - dt.timedelta(days=20)
    overdue = OrderService(c.db).open_orders(c.doctor, overdue_only=True)
    assert order.id in [o.id for o in overdue]
    SettingsService(c.db).update(c.practice.admin, order_overdue_days=30)
    try:
        assert order.id not in [
            o.id for o in OrderService(c.db).open_orders(c.doctor, overdue_only=True)
        ]
    finally:
        SettingsService(c.db).update(c.practice.admin, order_overdue_days=14)
