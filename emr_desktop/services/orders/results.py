"""Results against an order: entered with ranges and flags, sent to the ordering
physician's inbox, viewed (audited), commented and signed off, told to the patient."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.clinical import LabFlag
from emr_desktop.domain.orders import (
    OrderStatus,
    RecallKind,
    RecallStatus,
    ResultInput,
    ResultRow,
    ReviewStatus,
)
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.models import LabOrder, LabOrderTest, LabResult, Recall, ResultReview
from emr_desktop.persistence.database import Database
from emr_desktop.reference.lab_orders import Orderable, flag_for, resultable
from emr_desktop.security.permissions import require
from emr_desktop.services.common import audit
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.problems import FieldProblems
from emr_desktop.services.orders.rows import result_rows

MAX_FOLLOW_UP_WEEKS = 104


def _flag(item: ResultInput, known: Orderable) -> LabFlag:
    if item.flag is not None:
        return item.flag
    if item.value is None:
        return LabFlag.NORMAL
    low = item.ref_low if item.ref_low is not None else known.low
    high = item.ref_high if item.ref_high is not None else known.high
    return LabFlag(flag_for(item.value, low, high, known.critical_low, known.critical_high))


def file_result(
    s: Session,
    *,
    patient_id: int,
    physician_id: int,
    order: LabOrder | None,
    lab: LabResult,
) -> ResultReview:
    """Store one result and put it in ``physician_id``'s inbox (the caller audits)."""
    s.add(lab)
    s.flush()
    review = ResultReview(
        lab_result_id=lab.id,
        order_id=order.id if order is not None else None,
        patient_id=patient_id,
        physician_id=physician_id,
        status=ReviewStatus.TO_REVIEW,
    )
    s.add(review)
    return review


def _allowed(s: Session, order: LabOrder) -> dict[str, Orderable]:
    codes = s.scalars(select(LabOrderTest.loinc).where(LabOrderTest.order_id == order.id))
    return {t.code: t for code in codes for t in resultable(code)}


class ResultService:
    """Results and their review. Nurses and physicians see and enter them (never the
    front desk); the physician signs them off."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def enter(
        self,
        actor: Actor,
        order_id: int,
        values: Sequence[ResultInput],
        collected_at: dt.datetime,
        *,
        complete: bool = True,
    ) -> list[ResultRow]:
        """Record results of an ordered test or panel; each goes to the ordering
        physician's inbox. ``complete`` marks the order resulted (else partial)."""
        require(actor, Permission.RESULT_RECORD)
        if collected_at.tzinfo is None:
            raise ValidationError("collected", "needs a time zone")
        with self._db.unit_of_work(actor) as s:
            order = s.get(LabOrder, order_id)
            if order is None:
                raise NotFound("That order does not exist.")
            if order.status is OrderStatus.CANCELLED:
                raise ValidationError("order", "the order was cancelled")
            allowed = _allowed(s, order)
            bad = FieldProblems()
            if not values:
                bad.add("results", "enter at least one value")
            for item in values:
                known = allowed.get(item.loinc.strip())
                if known is None:
                    bad.add(item.loinc or "test", "was not ordered on this requisition")
                elif item.value is None and not item.value_text.strip():
                    bad.add(known.name, "needs a value")
                elif item.value is not None and not -1e9 < item.value < 1e9:
                    bad.add(known.name, "is not a plausible number")
            bad.raise_any()
            reviews = []
            for item in values:
                known = allowed[item.loinc.strip()]
                lab = LabResult(
                    patient_id=order.patient_id,
                    loinc=known.code,
                    name=known.name,
                    value=item.value,
                    value_text=item.value_text.strip()[:200],
                    unit=(item.unit or known.unit)[:40],
                    ref_low=item.ref_low if item.ref_low is not None else known.low,
                    ref_high=item.ref_high if item.ref_high is not None else known.high,
                    flag=_flag(item, known),
                    collected_at=collected_at,
                    resulted_at=dt.datetime.now(dt.UTC),
                    recorded_by_id=actor.user_id,
                )
                reviews.append(
                    file_result(
                        s,
                        patient_id=order.patient_id,
                        physician_id=order.ordering_provider_id,
                        order=order,
                        lab=lab,
                    )
                )
            order.status = OrderStatus.RESULTED if complete else OrderStatus.PARTIAL
            order.resulted_at = dt.datetime.now(dt.UTC)
            s.flush()
            audit.record(
                s,
                actor,
                "result_enter",
                entity="lab_order",
                entity_id=order.id,
                patient_id=order.patient_id,
                details={"results": len(reviews), "status": order.status.value},
            )
            return result_rows(s, reviews)

    def inbox(
        self, actor: Actor, *, physician_id: int | None = None, include_signed: bool = False
    ) -> list[ResultRow]:
        """Results waiting for review (a physician's own by default), critical first."""
        require(actor, Permission.RESULT_VIEW)
        owner = physician_id if physician_id is not None else actor.user_id
        with self._db.unit_of_work(actor) as s:
            stmt = select(ResultReview).where(ResultReview.physician_id == owner)
            if not include_signed:
                stmt = stmt.where(ResultReview.status == ReviewStatus.TO_REVIEW)
            rows = result_rows(s, s.scalars(stmt.order_by(ResultReview.id)).all())
            audit.record(
                s,
                actor,
                "result_list_view",
                entity="result_review",
                details={"physician_id": owner, "results": len(rows)},
            )
        rank = {LabFlag.CRITICAL_HIGH: 0, LabFlag.CRITICAL_LOW: 0, LabFlag.HIGH: 1, LabFlag.LOW: 1}
        return sorted(rows, key=lambda r: (rank.get(r.flag, 2), r.collected_at))

    def for_patient(self, actor: Actor, patient_id: int) -> list[ResultRow]:
        """Every reviewed-or-waiting result of one patient, newest first (audited)."""
        require(actor, Permission.RESULT_VIEW)
        with self._db.unit_of_work(actor) as s:
            found = s.scalars(
                select(ResultReview)
                .where(ResultReview.patient_id == patient_id)
                .order_by(ResultReview.id.desc())
            ).all()
            audit.record(
                s,
                actor,
                "result_view",
                entity="result_review",
                patient_id=patient_id,
                details={"results": len(found)},
            )
            return result_rows(s, found)

    def view(self, actor: Actor, review_id: int) -> ResultRow:
        """One result, opened (audited)."""
        require(actor, Permission.RESULT_VIEW)
        with self._db.unit_of_work(actor) as s:
            review = s.get(ResultReview, review_id)
            if review is None:
                raise NotFound("That result does not exist.")
            audit.record(
                s,
                actor,
                "result_view",
                entity="result_review",
                entity_id=review.id,
                patient_id=review.patient_id,
            )
            return result_rows(s, [review])[0]

    def sign_off(
        self,
        actor: Actor,
        review_ids: Sequence[int],
        comment: str = "",
        *,
        follow_up_weeks: int | None = None,
    ) -> list[ResultRow]:
        """Sign results off with an optional comment; a follow-up in N weeks becomes a
        recall on the front desk's list."""
        require(actor, Permission.RESULT_SIGN)
        note = v.text("comment", comment, max_len=2000)
        if follow_up_weeks is not None and not 1 <= follow_up_weeks <= MAX_FOLLOW_UP_WEEKS:
            raise ValidationError("follow-up", f"must be 1 to {MAX_FOLLOW_UP_WEEKS} weeks")
        if not review_ids:
            raise ValidationError("results", "choose at least one result")
        with self._db.unit_of_work(actor) as s:
            reviews = s.scalars(select(ResultReview).where(ResultReview.id.in_(review_ids))).all()
            if len(reviews) != len(set(review_ids)):
                raise NotFound("One of those results does not exist.")
            if any(r.status is ReviewStatus.SIGNED for r in reviews):
                raise ValidationError("results", "one of them is already signed off")
            now = dt.datetime.now(dt.UTC)
            for r in reviews:
                r.status, r.comment, r.signed_by_id, r.signed_at = (
                    ReviewStatus.SIGNED,
                    note,
                    actor.user_id,
                    now,
                )
                audit.record(
                    s,
                    actor,
                    "result_sign",
                    entity="result_review",
                    entity_id=r.id,
                    patient_id=r.patient_id,
                    details={"commented": bool(note)},
                )
            if follow_up_weeks is not None:
                for pid in sorted({r.patient_id for r in reviews}):
                    s.add(
                        Recall(
                            patient_id=pid,
                            kind=RecallKind.FOLLOW_UP,
                            rule_id="follow_up",
                            what=f"Follow-up on results in {follow_up_weeks} weeks",
                            due_on=dt.date.today() + dt.timedelta(weeks=follow_up_weeks),
                            status=RecallStatus.OPEN,
                            created_by_id=actor.user_id,
                        )
                    )
            s.flush()
            return result_rows(s, reviews)

    def letter(self, actor: Actor, review_ids: Sequence[int], message: str = "") -> bytes:
        """The result letter PDF for one patient's results (audited before it is made)."""
        require(actor, Permission.RESULT_SIGN)
        from emr_desktop.reports.requisition import result_letter_pdf
        from emr_desktop.services.orders.printing import printing_context, provider_line

        text = v.text("message", message, max_len=2000)
        with self._db.unit_of_work(actor) as s:
            reviews = s.scalars(select(ResultReview).where(ResultReview.id.in_(review_ids))).all()
            patients = {r.patient_id for r in reviews}
            if not reviews or len(patients) != 1:
                raise ValidationError("results", "choose results of one patient")
            pid = patients.pop()
            head, identity, _ = printing_context(s, pid, None)
            rows = result_rows(s, reviews)
            audit.record(
                s,
                actor,
                "result_letter_print",
                entity="result_review",
                patient_id=pid,
                details={"results": len(rows)},
            )
            return result_letter_pdf(rows, head, identity, provider_line(s, actor.user_id), text)
