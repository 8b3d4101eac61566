"""The physician's inbox of renewal requests, each with the patient it is for.

The prescription service lists the requests; the inbox also needs to say whose they
are (name, date of birth, MRN) without opening every chart, so it loads the patients'
list rows in one query. Listing the inbox is not a chart opening and is not audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from emr_desktop.domain.chart import PrescriptionRow
from emr_desktop.domain.patients import PatientSummary
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.models import Patient
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common.records import summary
from emr_desktop.services.prescribing.prescriptions import PrescriptionService

__all__ = ["RenewalInboxService", "RenewalRequest"]


@dataclass(frozen=True, slots=True)
class RenewalRequest:
    """One renewal request waiting for a prescriber, with its patient's identifiers."""

    prescription: PrescriptionRow
    patient: PatientSummary


class RenewalInboxService:
    """Renewal requests waiting to be signed, oldest first."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._prescriptions = PrescriptionService(db)

    def pending(self, actor: Actor) -> list[RenewalRequest]:
        """Every waiting renewal request with its patient (physicians only)."""
        require(actor, Permission.RX_PRESCRIBE)
        rows = self._prescriptions.pending_renewals(actor)
        ids = {r.patient_id for r in rows}
        with self._db.unit_of_work(actor) as s:
            patients = {
                p.id: summary(p) for p in s.scalars(select(Patient).where(Patient.id.in_(ids)))
            }
        return [RenewalRequest(r, patients[r.patient_id]) for r in rows if r.patient_id in patients]
