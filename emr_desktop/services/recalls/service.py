"""The recall list: rules turned into open recalls, contact attempts, booking in one step,
and recall letters as one PDF. The front desk works it; nothing here shows a result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.orders import RecallKind, RecallRow, RecallStatus
from emr_desktop.domain.schedule import BookingRequest
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.models import Patient, Recall, RecallContact, Setting
from emr_desktop.persistence.database import Database
from emr_desktop.reference.recall_rules import ScreeningRule, child_series, screening_rules
from emr_desktop.security.permissions import require
from emr_desktop.services.common import audit
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.records import summary
from emr_desktop.services.recalls.engine import DueItem, immunizations_due, screenings_due
from emr_desktop.services.recalls.facts import load_facts
from emr_desktop.services.schedule import conflicts, rules
from emr_desktop.services.schedule.steps import audit_override, override_text, refuse_unless, row

HORIZON_DAYS = 30  # recalls due within a month are listed, so the desk can book ahead
METHODS = ("phone", "letter", "message", "in person")
_SETTING = "recall_rule."


def active_rules(s: Session) -> tuple[ScreeningRule, ...]:
    """The screening rules switched on (a practice setting; the table's default otherwise)."""
    stored = {
        k.removeprefix(_SETTING): val
        for k, val in s.execute(
            select(Setting.key, Setting.value).where(Setting.key.like(_SETTING + "%"))
        )
    }
    return tuple(
        r
        for r in screening_rules()
        if stored.get(r.rule_id, "on" if r.default_on else "off") == "on"
    )


def refresh(s: Session, on: dt.date, patient_ids: set[int] | None = None) -> tuple[int, int]:
    """Open a recall for each item due within the horizon that has none; close rule-made
    recalls no longer due. Returns (opened, closed)."""
    wanted: dict[tuple[int, str], DueItem] = {}
    series, screens = child_series(), active_rules(s)
    limit = on + dt.timedelta(days=HORIZON_DAYS)
    for facts in load_facts(s, screens, on, patient_ids):
        for item in [*immunizations_due(facts, series, on), *screenings_due(facts, screens, on)]:
            if item.due_on <= limit:
                wanted[(facts.patient_id, item.rule_id)] = item
    stmt = select(Recall).where(
        Recall.status.in_((RecallStatus.OPEN, RecallStatus.BOOKED)),
        Recall.kind != RecallKind.FOLLOW_UP,
    )
    if patient_ids is not None:
        stmt = stmt.where(Recall.patient_id.in_(patient_ids))
    have = {(r.patient_id, r.rule_id): r for r in s.scalars(stmt)}
    now, closed = dt.datetime.now(dt.UTC), 0
    for key, recall in have.items():
        if key not in wanted and recall.status is RecallStatus.OPEN:
            recall.status, recall.closed_at = RecallStatus.DONE, now
            closed += 1
    fresh = [(k, i) for k, i in wanted.items() if k not in have]
    for (pid, rule_id), item in fresh:
        s.add(
            Recall(
                patient_id=pid,
                kind=item.kind,
                rule_id=rule_id,
                what=item.what[:200],
                due_on=item.due_on,
                status=RecallStatus.OPEN,
            )
        )
    s.flush()
    return len(fresh), closed


def recall_rows(s: Session, recalls: Sequence[Recall]) -> list[RecallRow]:
    """DTOs of recalls with their contact attempts (three queries)."""
    if not recalls:
        return []
    ids = [r.id for r in recalls]
    tries = {
        rid: (int(n), last)
        for rid, n, last in s.execute(
            select(
                RecallContact.recall_id, func.count(RecallContact.id), func.max(RecallContact.at)
            )
            .where(RecallContact.recall_id.in_(ids))
            .group_by(RecallContact.recall_id)
        )
    }
    pids = {r.patient_id for r in recalls}
    people = {p.id: summary(p) for p in s.scalars(select(Patient).where(Patient.id.in_(pids)))}
    out = []
    for r in recalls:
        p = people[r.patient_id]
        n, last = tries.get(r.id, (0, None))
        out.append(
            RecallRow(
                r.id,
                r.patient_id,
                p.mrn,
                p.display_name,
                p.birth_date,
                p.phone,
                r.kind,
                r.rule_id,
                r.what,
                r.due_on,
                r.status,
                n,
                last,
                r.appointment_id,
            )
        )
    return out


class RecallService:
    """The front desk's recall list (receptionists, nurses and physicians)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def refresh(self, actor: Actor, on: dt.date | None = None) -> tuple[int, int]:
        """Bring the list up to date with the rules (opened, closed)."""
        require(actor, Permission.RECALL_WORK)
        with self._db.unit_of_work(actor) as s:
            opened, closed = refresh(s, on or dt.date.today())
            audit.record(
                s,
                actor,
                "recall_refresh",
                entity="recall",
                details={"opened": opened, "closed": closed},
            )
            return opened, closed

    def due(
        self, actor: Actor, *, by: dt.date | None = None, kind: RecallKind | None = None
    ) -> list[RecallRow]:
        """Open recalls due by a day (today plus the horizon by default), oldest first."""
        require(actor, Permission.RECALL_WORK)
        limit = by or dt.date.today() + dt.timedelta(days=HORIZON_DAYS)
        with self._db.reading(actor) as s:
            stmt = select(Recall).where(Recall.status == RecallStatus.OPEN, Recall.due_on <= limit)
            if kind is not None:
                stmt = stmt.where(Recall.kind == kind)
            found = s.scalars(stmt.order_by(Recall.due_on, Recall.id)).all()
            return recall_rows(s, found)

    def for_patient(self, actor: Actor, patient_id: int) -> list[RecallRow]:
        """Every recall of a patient, closed ones included (the chart's history)."""
        require(actor, Permission.RECALL_WORK)
        with self._db.reading(actor) as s:
            found = s.scalars(
                select(Recall).where(Recall.patient_id == patient_id).order_by(Recall.due_on)
            ).all()
            return recall_rows(s, found)

    def log_contact(
        self, actor: Actor, recall_id: int, method: str, outcome: str = ""
    ) -> RecallRow:
        """Note an attempt to reach the patient (phone, letter, message, in person)."""
        require(actor, Permission.RECALL_WORK)
        if method not in METHODS:
            raise ValidationError("method", f"choose one of {', '.join(METHODS)}")
        text = v.text("outcome", outcome, max_len=200)
        with self._db.unit_of_work(actor) as s:
            recall = _get(s, recall_id)
            s.add(
                RecallContact(recall_id=recall.id, method=method, outcome=text, by_id=actor.user_id)
            )
            s.flush()
            audit.record(
                s,
                actor,
                "recall_contact",
                entity="recall",
                entity_id=recall.id,
                patient_id=recall.patient_id,
                details={"method": method},
            )
            return recall_rows(s, [recall])[0]

    def book(
        self,
        actor: Actor,
        recall_id: int,
        request: BookingRequest,
        *,
        override_reason: str | None = None,
    ) -> AppointmentRow:
        """Book the recall's appointment and mark it booked, in one step (one transaction)."""
        require(actor, Permission.SCHEDULE_BOOK)
        require(actor, Permission.RECALL_WORK)
        req = rules.clean_request(request)
        override = override_text(override_reason)
        with self._db.unit_of_work(actor) as s:
            recall = _get(s, recall_id)
            if recall.status is not RecallStatus.OPEN:
                raise ValidationError("recall", f"this recall is already {recall.status.value}")
            if req.patient_id != recall.patient_id:
                raise ValidationError("patient", "the booking is for another patient")
            rules.bookable_patient(s, req.patient_id)
            provider = rules.provider_user(s, req.provider_id, lock=True)
            found = conflicts.conflicts(s, provider, req.start_at, req.duration_min)
            refuse_unless(found, override)
            a = rules.new_appointment(
                actor.user_id, req, req.start_at, override if found else "", None
            )
            s.add(a)
            s.flush()
            recall.status, recall.appointment_id = RecallStatus.BOOKED, a.id
            audit.record(
                s,
                actor,
                "appointment_book",
                entity="appointment",
                entity_id=a.id,
                patient_id=a.patient_id,
                details={
                    "provider_id": a.provider_id,
                    "start": a.start_at.isoformat(),
                    "recall_id": recall.id,
                },
            )
            audit_override(s, actor, found, [a], "book")
            return row(s, a.id)

    def letters(self, actor: Actor, recall_ids: Sequence[int]) -> bytes:
        """One PDF with a recall letter per patient; each letter counts as a contact
        attempt and is audited before the bytes are returned."""
        require(actor, Permission.RECALL_WORK)
        from emr_desktop.reports.base import Letterhead
        from emr_desktop.reports.recall_letters import recall_letters_pdf
        from emr_desktop.services.practice.details import load_details

        if not recall_ids:
            raise ValidationError("recalls", "choose at least one recall")
        with self._db.unit_of_work(actor) as s:
            found = s.scalars(select(Recall).where(Recall.id.in_(recall_ids))).all()
            if len(found) != len(set(recall_ids)):
                raise NotFound("One of those recalls does not exist.")
            rows = recall_rows(s, found)
            for r in found:
                s.add(RecallContact(recall_id=r.id, method="letter", by_id=actor.user_id))
            for pid in sorted({r.patient_id for r in found}):
                audit.record(s, actor, "recall_letter_print", entity="recall", patient_id=pid)
            details = load_details(s)
            return recall_letters_pdf(rows, Letterhead.from_details(details), details.phone)

    def set_rule(self, actor: Actor, rule_id: str, on: bool) -> None:
        """Switch a screening rule on or off for the practice (admin)."""
        require(actor, Permission.SETTINGS_MANAGE)
        if rule_id not in {r.rule_id for r in screening_rules()}:
            raise ValidationError("rule", f"{rule_id} is not a screening rule")
        with self._db.unit_of_work(actor) as s:
            s.merge(Setting(key=_SETTING + rule_id, value="on" if on else "off"))
            audit.record(
                s,
                actor,
                "settings_change",
                entity="setting",
                details={"changed": [_SETTING + rule_id]},
            )

    def rules(self, actor: Actor) -> list[tuple[ScreeningRule, bool]]:
        """Every screening rule and whether it is on here."""
        require(actor, Permission.RECALL_WORK)
        with self._db.reading(actor) as s:
            on = {r.rule_id for r in active_rules(s)}
        return [(r, r.rule_id in on) for r in screening_rules()]


def _get(s: Session, recall_id: int) -> Recall:
    recall = s.get(Recall, recall_id)
    if recall is None:
        raise NotFound("That recall does not exist.")
    return recall
