"""Helpers every clinical service shares: finding the patient and shaping DTOs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.patients import PatientSummary
from emr_desktop.errors import LockedRecordError, NotFound
from emr_desktop.models.patient import Patient
from emr_desktop.models.user import User


def get_patient(session: Session, patient_id: int, *, writable: bool = False) -> Patient:
    """The patient, or NotFound. ``writable`` refuses a record merged into another."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("That patient record does not exist.")
    if writable and patient.merged_into_id is not None:
        target = session.get(Patient, patient.merged_into_id)
        mrn = target.mrn if target else "another record"
        raise LockedRecordError(
            f"This record was merged into MRN {mrn}; make changes there instead."
        )
    return patient


def patient_by_mrn(session: Session, mrn: str) -> Patient:
    """The patient with this MRN, or NotFound."""
    patient = session.scalar(select(Patient).where(Patient.mrn == mrn.strip()))
    if patient is None:
        raise NotFound(f"There is no patient with MRN {mrn.strip()}.")
    return patient


def summary(p: Patient) -> PatientSummary:
    """The list DTO of a patient."""
    return PatientSummary(
        id=p.id,
        mrn=p.mrn,
        family_name=p.family_name,
        given_name=p.given_name,
        middle_name=p.middle_name,
        preferred_name=p.preferred_name,
        birth_date=p.birth_date,
        sex_at_birth=p.sex_at_birth,
        phone=p.phone_mobile or p.phone_home,
        active=p.active,
        deceased_on=p.deceased_on,
    )


def user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    """Full names of the users with these ids, in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.full_name).where(User.id.in_(wanted)))
    return {row.id: row.full_name for row in rows}
