"""Prescriptions: drafts, renewal requests, safety-checked signing, cancelling.

Signing runs every function in SAFETY_CHECKS first. An alert that needs an override
stops the whole batch unless the prescriber gave a reason for it; each override is
audited. Signed prescriptions go onto the medication list in the same transaction.
"""

from __future__ import annotations

import builtins
import dataclasses
import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import PrescriptionRow
from emr_desktop.domain.clinical import RxStatus
from emr_desktop.domain.prescribing import (
    PrescriptionInput,
    SafetyAlert,
    SafetyOverrideRequired,
)
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import NotFound, PermissionDenied, ValidationError
from emr_desktop.models import Patient, Prescription
from emr_desktop.models.base import utcnow
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import permissions_for, require
from emr_desktop.services.chart.medications import (
    add_prescribed,
    clean_ingredients,
    formulary_ingredients,
    stop_prescribed,
)
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.chart_access import chart_read, worklist_read
from emr_desktop.services.common.records import get_patient, user_names
from emr_desktop.services.common.rows import prescription_row
from emr_desktop.services.prescribing import sig
from emr_desktop.services.prescribing.safety_context import load_context, run_checks

__all__ = ["PrescriptionService", "SafetyOverrideRequired"]


_PENDING = (RxStatus.DRAFT, RxStatus.RENEWAL_REQUESTED)
# A renewal copies the clinical content: every input field and the rendered sig.
_COPIED = ("patient_id", "sig", *(f.name for f in dataclasses.fields(PrescriptionInput)))


def clean_prescription(data: PrescriptionInput) -> dict[str, Any]:
    """The validated column values of a prescription, with its sig rendered.

    Ingredients left empty are filled in from the drug reference when it knows the drug.
    """
    values = sig.clean_order(data)
    ingredients = data.ingredients
    if not any(i.strip() for i in ingredients):
        ingredients = formulary_ingredients(values["drug_name"])
    values["ingredients"] = clean_ingredients(ingredients)
    return values


def _rows(session: Session, items: Iterable[Prescription]) -> list[PrescriptionRow]:
    items = list(items)
    ids = {i for p in items for i in (p.prescriber_id, p.requested_by_id)}
    names = user_names(session, ids)
    return [prescription_row(p, names) for p in items]


def _get(session: Session, prescription_id: int) -> Prescription:
    p = session.get(Prescription, prescription_id)
    if p is None:
        raise NotFound("That prescription does not exist.")
    return p


def _renewable(session: Session, src: Prescription) -> Prescription | None:
    """Check ``src`` may be renewed; return a renewal already pending for it, if any."""
    if src.status is not RxStatus.SIGNED:
        raise ValidationError("prescription", "only a signed prescription can be renewed")
    get_patient(session, src.patient_id, writable=True)
    later = session.scalars(select(Prescription).where(Prescription.renewal_of_id == src.id))
    pending = None
    for p in later:
        if p.status is RxStatus.SIGNED:
            raise ValidationError(
                "prescription", "has already been renewed; renew the newest prescription"
            )
        if p.status in _PENDING:
            pending = p
    return pending


def _copy(src: Prescription, actor: Actor, status: RxStatus) -> Prescription:
    return Prescription(
        **{f: getattr(src, f) for f in _COPIED},
        status=status,
        renewal_of_id=src.id,
        prescriber_id=actor.user_id if status is RxStatus.DRAFT else src.prescriber_id,
        requested_by_id=actor.user_id if status is RxStatus.RENEWAL_REQUESTED else None,
        created_by_id=actor.user_id,
    )


def _batch(
    session: Session, ids: builtins.list[int]
) -> tuple[builtins.list[Prescription], Patient]:
    """The pending prescriptions ``ids`` (in that order) of one patient, and the patient."""
    if not ids:
        raise ValidationError("prescriptions", "choose at least one to sign")
    found = {p.id: p for p in session.scalars(select(Prescription).where(Prescription.id.in_(ids)))}
    if len(found) != len(ids):
        raise NotFound("One of those prescriptions does not exist.")
    batch = [found[i] for i in ids]
    if len({p.patient_id for p in batch}) != 1:
        raise ValidationError("prescriptions", "must all be for the same patient")
    for p in batch:
        if p.status not in _PENDING:
            raise ValidationError("prescription", f"is already {p.status.value}")
    return batch, get_patient(session, batch[0].patient_id, writable=True)


class PrescriptionService:
    """Prescriptions. Physicians prescribe and sign; nurses may request renewals."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create_draft(
        self, actor: Actor, patient_id: int, data: PrescriptionInput
    ) -> PrescriptionRow:
        """Save a new prescription as a draft, to be signed (alone or with others)."""
        require(actor, Permission.RX_PRESCRIBE)
        values = clean_prescription(data)
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            p = Prescription(
                **values,
                patient_id=patient.id,
                status=RxStatus.DRAFT,
                prescriber_id=actor.user_id,
                created_by_id=actor.user_id,
            )
            s.add(p)
            s.flush()
            record(
                s,
                actor,
                "rx_create",
                entity="prescription",
                entity_id=p.id,
                patient_id=patient.id,
                details={
                    "ingredients_from_reference": bool(values["ingredients"])
                    and not any(i.strip() for i in data.ingredients)
                },
            )
            return _rows(s, [p])[0]

    def request_renewal(self, actor: Actor, prescription_id: int) -> PrescriptionRow:
        """Ask the prescriber to renew a signed prescription (a nurse's request).

        If a renewal of it is already waiting (requested or drafted), that one is returned.
        """
        require(actor, Permission.RX_RENEWAL_REQUEST)
        return self._renewal(actor, prescription_id, RxStatus.RENEWAL_REQUESTED)

    def pending_renewals(self, actor: Actor) -> builtins.list[PrescriptionRow]:
        """Renewal requests waiting for a prescriber, oldest first (the physician's inbox)."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            items = s.scalars(
                select(Prescription)
                .where(Prescription.status == RxStatus.RENEWAL_REQUESTED)
                .order_by(Prescription.created_at, Prescription.id)
                .limit(500)
            )
            return worklist_read(s, actor, "renewal requests", _rows(s, items))

    def renew(self, actor: Actor, prescription_id: int) -> PrescriptionRow:
        """A draft renewing a signed prescription, ready to sign (from the medication list).

        If a renewal of it is already waiting (a nurse's request or a draft), that one is
        returned instead, so signing it answers the request.
        """
        require(actor, Permission.RX_PRESCRIBE)
        return self._renewal(actor, prescription_id, RxStatus.DRAFT)

    def _renewal(self, actor: Actor, prescription_id: int, status: RxStatus) -> PrescriptionRow:
        with self._db.unit_of_work(actor) as s:
            src = _get(s, prescription_id)
            pending = _renewable(s, src)
            if pending is not None:
                return _rows(s, [pending])[0]
            p = _copy(src, actor, status)
            s.add(p)
            s.flush()
            record(
                s,
                actor,
                "rx_renewal_request" if status is RxStatus.RENEWAL_REQUESTED else "rx_renew",
                entity="prescription",
                entity_id=p.id,
                patient_id=p.patient_id,
                details={"renewal_of_id": src.id},
            )
            return _rows(s, [p])[0]

    def check(
        self, actor: Actor, prescription_ids: builtins.list[int]
    ) -> builtins.list[SafetyAlert]:
        """The alerts (same keys) that signing these pending prescriptions would raise."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            batch, patient = _batch(s, list(dict.fromkeys(prescription_ids)))
            return run_checks(load_context(s, patient, batch)[0])

    def sign(
        self,
        actor: Actor,
        prescription_ids: builtins.list[int],
        *,
        override_reasons: dict[str, str] | None = None,
    ) -> builtins.list[PrescriptionRow]:
        """Sign drafts and renewal requests of one patient together, after the safety checks.

        Raises SafetyOverrideRequired (signing nothing) while an alert that needs an
        override has no reason in ``override_reasons`` (keyed by the alert's key).
        """
        require(actor, Permission.RX_PRESCRIBE)
        ids = list(dict.fromkeys(prescription_ids))
        reasons = {
            key: v.text("override reason", text, max_len=500)
            for key, text in (override_reasons or {}).items()
        }
        with self._db.unit_of_work(actor) as s:
            batch, patient = _batch(s, ids)
            context, active = load_context(s, patient, batch)
            alerts = run_checks(context)
            overridden = [a for a in alerts if a.requires_override]
            unresolved = tuple(a.key for a in overridden if not reasons.get(a.key))
            if unresolved:
                raise SafetyOverrideRequired(tuple(alerts), unresolved)
            now = utcnow()
            entries = []
            for p in batch:
                p.status = RxStatus.SIGNED
                p.signed_at = now
                p.prescriber_id = actor.user_id
                entries.append(add_prescribed(s, actor, p, active))
            s.flush()
            for p, (entry, updated) in zip(batch, entries, strict=True):
                record(
                    s,
                    actor,
                    "rx_sign",
                    entity="prescription",
                    entity_id=p.id,
                    patient_id=p.patient_id,
                    details={
                        "renewal_of_id": p.renewal_of_id,
                        "medication_id": entry.id,
                        "medication_updated": updated,
                        "alerts_shown": len(alerts),
                    },
                )
            for a in overridden:
                # The reason is the prescriber's own account of the decision; the audit
                # is where it must be kept, so it is stored as written.
                record(
                    s,
                    actor,
                    "rx_alert_override",
                    entity="prescription",
                    entity_id=a.prescription_ids[0] if a.prescription_ids else batch[0].id,
                    patient_id=patient.id,
                    details={
                        # The key names drugs and allergens; its digest still ties the
                        # override to the same finding without putting them in the log.
                        "alert": hashlib.sha256(a.key.encode()).hexdigest()[:16],
                        "severity": a.severity,
                        "kind": a.kind,
                        "prescription_ids": list(a.prescription_ids) or ids,
                        "reason": reasons[a.key],
                    },
                )
            return _rows(s, batch)

    def cancel(self, actor: Actor, prescription_id: int, reason: str) -> PrescriptionRow:
        """Cancel a prescription. Cancelling a signed one also stops it on the medication list.

        A nurse may cancel only a renewal request of her own; a signed one needs a reason.
        """
        perms = permissions_for(actor.role)
        prescriber = Permission.RX_PRESCRIBE in perms
        if not prescriber:
            require(actor, Permission.RX_RENEWAL_REQUEST)
        why = v.text("reason", reason, max_len=300)
        with self._db.unit_of_work(actor) as s:
            p = _get(s, prescription_id)
            own_request = (
                p.status is RxStatus.RENEWAL_REQUESTED and p.requested_by_id == actor.user_id
            )
            if not prescriber and not own_request:
                raise PermissionDenied("You may cancel only a renewal request you made.")
            if p.status is RxStatus.CANCELLED:
                raise ValidationError("prescription", "is already cancelled")
            get_patient(s, p.patient_id, writable=True)
            previous = p.status
            stopped: builtins.list[int] = []
            if previous is RxStatus.SIGNED:
                if not why:
                    raise ValidationError("reason", "is required to cancel a signed prescription")
                stopped = stop_prescribed(s, p.id, why)
            p.status = RxStatus.CANCELLED
            p.cancel_reason = why
            s.flush()
            record(
                s,
                actor,
                "rx_cancel",
                entity="prescription",
                entity_id=p.id,
                patient_id=p.patient_id,
                details={"previous_status": previous.value, "medications_stopped": stopped},
            )
            return _rows(s, [p])[0]

    def list(
        self, actor: Actor, patient_id: int, *, statuses: Iterable[RxStatus] | None = None
    ) -> builtins.list[PrescriptionRow]:
        """The patient's prescriptions, newest first, optionally only some statuses."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            get_patient(s, patient_id)
            stmt = select(Prescription).where(Prescription.patient_id == patient_id)
            if statuses is not None:
                stmt = stmt.where(Prescription.status.in_(list(statuses)))
            stmt = stmt.order_by(Prescription.created_at.desc(), Prescription.id.desc())
            return chart_read(s, actor, patient_id, "prescriptions", _rows(s, s.scalars(stmt)))

    def get(self, actor: Actor, prescription_id: int) -> PrescriptionRow:
        """One prescription."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            rx = _get(s, prescription_id)
            return chart_read(
                s,
                actor,
                rx.patient_id,
                "prescription",
                _rows(s, [rx])[0],
                entity="prescription",
                entity_id=rx.id,
            )
