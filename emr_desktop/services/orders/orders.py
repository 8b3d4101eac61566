"""Ordering labs: place (LOINC codes from the curated table, a reason linked to a problem),
list pending and overdue orders, cancel, print the requisition."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from emr_desktop.domain.orders import OrderInput, OrderRow, OrderStatus
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.models import LabOrder, LabOrderTest, Problem
from emr_desktop.persistence.database import Database
from emr_desktop.reference import icd10
from emr_desktop.reference.lab_orders import orderable
from emr_desktop.security.permissions import require
from emr_desktop.services.common import audit
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.problems import FieldProblems
from emr_desktop.services.common.records import get_patient
from emr_desktop.services.orders.rows import OPEN, order_rows, overdue_cutoff

MAX_TESTS = 30


def clean_order(data: OrderInput) -> tuple[list[str], list[str], str, str]:
    """The order's codes, diagnosis codes, specimen notes and lab, or ValidationError
    naming every bad field at once."""
    bad = FieldProblems()
    codes = list(dict.fromkeys(c.strip() for c in data.codes if c.strip()))
    unknown = [c for c in codes if orderable(c) is None]
    if not codes:
        bad.add("tests", "choose at least one test or panel")
    elif unknown:
        bad.add("tests", f"{', '.join(unknown)} is not in the practice's list of lab tests")
    elif len(codes) > MAX_TESTS:
        bad.add("tests", f"at most {MAX_TESTS} tests on one requisition")
    diagnoses = list(dict.fromkeys(c.strip().upper() for c in data.diagnosis_codes if c.strip()))
    wrong = [c for c in diagnoses if not icd10.is_valid(c)]
    if wrong:
        bad.add("diagnosis codes", f"{', '.join(wrong)} is not an ICD-10-CM code")
    notes = bad.check(lambda: v.text("specimen notes", data.specimen_notes, max_len=500), "")
    lab = bad.check(lambda: v.text("lab", data.lab_name, max_len=200), "")
    bad.raise_any()
    return codes, diagnoses, notes, lab


class OrderService:
    """Lab orders. Physicians order; physicians and nurses follow them up."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def place(self, actor: Actor, patient_id: int, data: OrderInput) -> OrderRow:
        """Order tests for the patient; pending until results arrive. The problem (if
        given) must be the patient's, and its code joins the diagnosis codes."""
        require(actor, Permission.ORDER_PLACE)
        codes, diagnoses, notes, lab = clean_order(data)
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            if data.problem_id is not None:
                problem = s.get(Problem, data.problem_id)
                if problem is None or problem.patient_id != patient.id:
                    raise ValidationError("reason", "choose one of this patient's problems")
                if problem.code and problem.code.upper() not in diagnoses:
                    diagnoses.insert(0, problem.code.upper())
            order = LabOrder(
                patient_id=patient.id,
                ordering_provider_id=actor.user_id,
                problem_id=data.problem_id,
                diagnosis_codes=";".join(diagnoses)[:200],
                specimen_notes=notes,
                lab_name=lab,
                status=OrderStatus.PENDING,
                ordered_at=dt.datetime.now(dt.UTC),
            )
            s.add(order)
            s.flush()
            for code in codes:
                item = orderable(code)
                assert item is not None  # checked by clean_order
                s.add(LabOrderTest(order_id=order.id, loinc=code, name=item.name, kind=item.kind))
            s.flush()
            audit.record(
                s,
                actor,
                "order_place",
                entity="lab_order",
                entity_id=order.id,
                patient_id=patient.id,
                details={"tests": codes, "problem_id": data.problem_id},
            )
            return order_rows(s, [order])[0]

    def cancel(self, actor: Actor, order_id: int, reason: str) -> OrderRow:
        """Cancel an order that has no results yet (it stays in the chart, cancelled)."""
        require(actor, Permission.ORDER_PLACE)
        why = v.text("reason", reason, max_len=200, required=True)
        with self._db.unit_of_work(actor) as s:
            order = s.get(LabOrder, order_id)
            if order is None:
                raise NotFound("That order does not exist.")
            if order.status is not OrderStatus.PENDING:
                raise ValidationError("status", f"a {order.status.value} order cannot be cancelled")
            order.status = OrderStatus.CANCELLED
            audit.record(
                s,
                actor,
                "order_cancel",
                entity="lab_order",
                entity_id=order.id,
                patient_id=order.patient_id,
                details={"reason_length": len(why)},
            )
            return order_rows(s, [order])[0]

    def for_patient(self, actor: Actor, patient_id: int) -> list[OrderRow]:
        """The patient's orders, newest first."""
        require(actor, Permission.RESULT_VIEW)
        with self._db.reading(actor) as s:
            get_patient(s, patient_id)
            found = s.scalars(
                select(LabOrder)
                .where(LabOrder.patient_id == patient_id)
                .order_by(LabOrder.ordered_at.desc(), LabOrder.id.desc())
            ).all()
            return order_rows(s, found)

    def open_orders(
        self, actor: Actor, *, provider_id: int | None = None, overdue_only: bool = False
    ) -> list[OrderRow]:
        """Orders still waiting for results (oldest first), optionally only the overdue."""
        require(actor, Permission.RESULT_VIEW)
        with self._db.reading(actor) as s:
            stmt = select(LabOrder).where(LabOrder.status.in_(OPEN))
            if provider_id is not None:
                stmt = stmt.where(LabOrder.ordering_provider_id == provider_id)
            if overdue_only:
                stmt = stmt.where(LabOrder.ordered_at < overdue_cutoff(s))
            found = s.scalars(stmt.order_by(LabOrder.ordered_at, LabOrder.id)).all()
            return order_rows(s, found)

    def requisition(self, actor: Actor, order_id: int) -> bytes:
        """The requisition PDF for the outside lab (audited before the bytes are returned)."""
        require(actor, Permission.ORDER_PLACE)
        from emr_desktop.reports.requisition import requisition_pdf
        from emr_desktop.services.orders.printing import printing_context

        with self._db.unit_of_work(actor) as s:
            order = s.get(LabOrder, order_id)
            if order is None:
                raise NotFound("That order does not exist.")
            row = order_rows(s, [order])[0]
            letterhead, identity, provider = printing_context(s, order.patient_id, order)
            audit.record(
                s,
                actor,
                "order_requisition_print",
                entity="lab_order",
                entity_id=order.id,
                patient_id=order.patient_id,
            )
            return requisition_pdf(row, letterhead, identity, provider)
