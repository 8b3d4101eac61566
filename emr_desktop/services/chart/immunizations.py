"""Immunizations: vaccines given here or elsewhere, CVX coded."""

from __future__ import annotations

from sqlalchemy import select

from emr_desktop.domain.chart import ImmunizationRow
from emr_desktop.domain.clinical import RecordStatus
from emr_desktop.domain.sections import ImmunizationInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.models import Immunization
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import audit  # by module name: a method here is called record
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.chart_access import chart_read
from emr_desktop.services.common.records import get_patient
from emr_desktop.services.common.rows import immunization_row

CVX_FIELD = "CVX code"


def normalize_cvx(code: str) -> str:
    """A CVX code as the code set writes it: digits, at least two ("3" and "003" are "03")."""
    cleaned = v.text(CVX_FIELD, code, max_len=4, required=True)
    return str(int(cleaned)).zfill(2) if cleaned.isdigit() else cleaned


class ImmunizationService:
    """Vaccines given. Nurses and physicians record them; clinicians read them."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, actor: Actor, patient_id: int, data: ImmunizationInput) -> ImmunizationRow:
        """Record a vaccine given; the CVX code must exist, the date be real for this patient."""
        require(actor, Permission.IMMUNIZATION_RECORD)
        from emr_desktop.reference import vaccines

        cvx = normalize_cvx(data.cvx)
        known = vaccines.vaccine(cvx)
        if known is None:
            raise ValidationError(CVX_FIELD, f"{cvx} is not a known CVX vaccine code")
        name = v.text("vaccine", data.vaccine, max_len=200) or known.short_name[:200]
        v.not_future("date given", data.given_on)
        fields = {
            "lot": v.text("lot number", data.lot, max_len=40),
            "site": v.text("site", data.site, max_len=60),
            "route": v.text("route", data.route, max_len=60),
            "given_by": v.text("given by", data.given_by, max_len=200),
        }
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            if data.given_on < patient.birth_date:
                raise ValidationError("date given", "cannot be before the patient's date of birth")
            row = Immunization(
                patient_id=patient.id,
                cvx=cvx,
                vaccine=name,
                given_on=data.given_on,
                status=RecordStatus.ACTIVE,
                recorded_by_id=actor.user_id,
                **fields,
            )
            s.add(row)
            s.flush()
            audit.record(
                s,
                actor,
                "immunization_record",
                entity="immunization",
                entity_id=row.id,
                patient_id=patient.id,
            )
            return immunization_row(row)

    def mark_entered_in_error(self, actor: Actor, immunization_id: int) -> ImmunizationRow:
        """Mark a vaccine entry as entered in error; it stays in the record, struck out."""
        require(actor, Permission.IMMUNIZATION_RECORD)
        with self._db.unit_of_work(actor) as s:
            row = s.get(Immunization, immunization_id)
            if row is None:
                raise NotFound("That immunization does not exist.")
            get_patient(s, row.patient_id, writable=True)
            if row.status == RecordStatus.ENTERED_IN_ERROR:
                raise ValidationError("status", "this entry is already marked entered in error")
            row.status = RecordStatus.ENTERED_IN_ERROR
            audit.record(
                s,
                actor,
                "immunization_error",
                entity="immunization",
                entity_id=row.id,
                patient_id=row.patient_id,
            )
            return immunization_row(row)

    def list(
        self, actor: Actor, patient_id: int, *, include_entered_in_error: bool = False
    ) -> list[ImmunizationRow]:
        """The patient's immunizations, newest first (entries in error only when asked)."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            get_patient(s, patient_id)
            stmt = select(Immunization).where(Immunization.patient_id == patient_id)
            if not include_entered_in_error:
                stmt = stmt.where(Immunization.status != RecordStatus.ENTERED_IN_ERROR)
            stmt = stmt.order_by(Immunization.given_on.desc(), Immunization.id.desc())
            return chart_read(
                s,
                actor,
                patient_id,
                "immunizations",
                [immunization_row(r) for r in s.scalars(stmt)],
            )
