"""One list of what waits for a user: results to review, unsigned notes, renewal requests,
tasks (theirs or their role's), overdue orders; plus today's patients for the home screen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select

from emr_desktop.domain.clinical import AppointmentStatus, NoteStatus, RxStatus
from emr_desktop.domain.orders import CRITICAL_FLAGS, Inbox, InboxItem, InboxKind, ReviewStatus
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.models import (
    Appointment,
    Encounter,
    LabOrder,
    Patient,
    Prescription,
    ResultReview,
)
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import audit
from emr_desktop.services.common.records import summary
from emr_desktop.services.orders.rows import OPEN, order_rows, overdue_cutoff, result_rows
from emr_desktop.services.worklist.tasks import open_tasks, task_rows


class InboxService:
    """The inbox: what each role may see of it, in a fixed number of queries."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def inbox(self, actor: Actor, today: dt.date | None = None) -> Inbox:
        """This user's inbox, urgent and oldest first (opening it is audited when it
        shows results)."""
        require(actor, Permission.TASK_MANAGE)
        day = today or dt.date.today()
        items: list[InboxItem] = []
        with self._db.unit_of_work(actor) as s:
            items += [
                InboxItem(
                    InboxKind.TASK,
                    t.id,
                    t.title,
                    t.patient_id,
                    t.mrn,
                    t.patient_name,
                    t.created_at,
                    t.due_on,
                    t.due_on is not None and t.due_on < day,
                )
                for t in task_rows(s, open_tasks(s, actor))
            ]
            if actor.can(Permission.RESULT_SIGN):
                reviews = s.scalars(
                    select(ResultReview).where(
                        ResultReview.physician_id == actor.user_id,
                        ResultReview.status == ReviewStatus.TO_REVIEW,
                    )
                ).all()
                items += [
                    InboxItem(
                        InboxKind.RESULT,
                        r.review_id,
                        f"{r.name} {r.shown_value} {r.unit} {r.flag.value}".strip(),
                        r.patient_id,
                        r.mrn,
                        r.patient_name,
                        r.collected_at,
                        urgent=r.flag in CRITICAL_FLAGS,
                    )
                    for r in result_rows(s, reviews)
                ]
                if reviews:
                    audit.record(
                        s,
                        actor,
                        "result_list_view",
                        entity="result_review",
                        details={"physician_id": actor.user_id, "results": len(reviews)},
                    )
            if actor.can(Permission.RESULT_VIEW):
                stmt = select(LabOrder).where(
                    LabOrder.status.in_(OPEN), LabOrder.ordered_at < overdue_cutoff(s)
                )
                if actor.can(Permission.ORDER_PLACE):  # a physician: their own orders
                    stmt = stmt.where(LabOrder.ordering_provider_id == actor.user_id)
                late = s.scalars(stmt).all()
                items += [
                    InboxItem(
                        InboxKind.OVERDUE_ORDER,
                        o.id,
                        "No results: " + ", ".join(t.name for t in o.tests),
                        o.patient_id,
                        o.mrn,
                        o.patient_name,
                        o.ordered_at,
                    )
                    for o in order_rows(s, late)
                ]
            if actor.can(Permission.NOTE_SIGN):
                notes = s.execute(
                    select(Encounter, Patient)
                    .join(Patient, Patient.id == Encounter.patient_id)
                    .where(Encounter.status == NoteStatus.DRAFT)
                    .where(Encounter.provider_id == actor.user_id)
                ).all()
                for e, p in notes:
                    sp = summary(p)
                    items.append(
                        InboxItem(
                            InboxKind.UNSIGNED_NOTE,
                            e.id,
                            e.reason or e.kind,
                            p.id,
                            sp.mrn,
                            sp.display_name,
                            e.occurred_at,
                        )
                    )
            if actor.can(Permission.RX_PRESCRIBE):
                renewals = s.execute(
                    select(Prescription, Patient)
                    .join(Patient, Patient.id == Prescription.patient_id)
                    .where(Prescription.status == RxStatus.RENEWAL_REQUESTED)
                    .where(
                        or_(
                            Prescription.prescriber_id == actor.user_id,
                            Prescription.prescriber_id.is_(None),
                        )
                    )
                ).all()
                for rx, p in renewals:
                    sp = summary(p)
                    items.append(
                        InboxItem(
                            InboxKind.RENEWAL,
                            rx.id,
                            f"Renew {rx.drug_name}",
                            p.id,
                            sp.mrn,
                            sp.display_name,
                            rx.created_at,
                        )
                    )
            todays = 0
            if actor.can(Permission.SCHEDULE_VIEW):
                start = dt.datetime.combine(day, dt.time())
                count_stmt = select(func.count(Appointment.id)).where(
                    Appointment.start_at >= start,
                    Appointment.start_at < start + dt.timedelta(days=1),
                    Appointment.status.not_in(
                        (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
                    ),
                )
                if actor.can(Permission.NOTE_SIGN):
                    count_stmt = count_stmt.where(Appointment.provider_id == actor.user_id)
                todays = int(s.scalar(count_stmt) or 0)
        items.sort(key=lambda i: (not i.urgent, i.since))
        return Inbox(tuple(items), todays)
