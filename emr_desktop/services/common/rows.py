"""ORM -> DTO converters for the chart sections, shared by the section services and the summary.

Each converter takes the model row and a map of user id -> full name resolved beforehand
with ``common.user_names`` (one query for a whole list), so no converter queries anything.
The document converter never touches the deferred ``content`` column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from emr_desktop.domain.chart import (
    AllergyRow,
    DocumentRow,
    ImmunizationRow,
    LabRow,
    PrescriptionRow,
    ProblemRow,
    ReferralRow,
    VitalsRow,
)
from emr_desktop.models import (
    Allergy,
    Document,
    Immunization,
    LabResult,
    Prescription,
    Problem,
    Referral,
    VitalSigns,
)

Names = Mapping[int, str]


def split_list(joined: str) -> tuple[str, ...]:
    """A ';'-joined column (allergy ingredients and classes) as a tuple, empties dropped."""
    return tuple(part for part in joined.split(";") if part)


def join_list(parts: Iterable[str]) -> str:
    """The ';'-joined, sorted, de-duplicated storage form of ``parts``."""
    return ";".join(sorted({p.strip() for p in parts if p.strip()}))


def _name(names: Names, user_id: int | None) -> str:
    return names.get(user_id, "") if user_id is not None else ""


def problem_row(p: Problem, names: Names) -> ProblemRow:
    """The DTO of a problem-list entry."""
    return ProblemRow(
        id=p.id,
        patient_id=p.patient_id,
        code=p.code,
        code_system=p.code_system,
        description=p.description,
        onset_date=p.onset_date,
        resolved_date=p.resolved_date,
        status=p.status,
        note=p.note,
        recorded_by=_name(names, p.recorded_by_id),
        recorded_at=p.recorded_at,
        version=p.version,
    )


def allergy_row(a: Allergy, names: Names) -> AllergyRow:
    """The DTO of an allergy."""
    return AllergyRow(
        id=a.id,
        patient_id=a.patient_id,
        substance=a.substance,
        ingredients=split_list(a.ingredients),
        classes=split_list(a.classes),
        category=a.category,
        reaction=a.reaction,
        severity=a.severity,
        status=a.status,
        onset_date=a.onset_date,
        recorded_by=_name(names, a.recorded_by_id),
        recorded_at=a.recorded_at,
        version=a.version,
    )


def vitals_row(v: VitalSigns, names: Names) -> VitalsRow:
    """The DTO of one set of vital signs."""
    return VitalsRow(
        id=v.id,
        patient_id=v.patient_id,
        measured_at=v.measured_at,
        systolic=v.systolic,
        diastolic=v.diastolic,
        pulse=v.pulse,
        respiration=v.respiration,
        temperature_c=v.temperature_c,
        spo2=v.spo2,
        weight_kg=v.weight_kg,
        height_cm=v.height_cm,
        bmi=v.bmi,
        pain=v.pain,
        recorded_by=_name(names, v.recorded_by_id),
    )


def lab_row(r: LabResult, names: Names | None = None) -> LabRow:
    """The DTO of a lab result (``names`` is unused: the row shows no user)."""
    return LabRow(
        id=r.id,
        patient_id=r.patient_id,
        loinc=r.loinc,
        name=r.name,
        value=r.value,
        value_text=r.value_text,
        unit=r.unit,
        ref_low=r.ref_low,
        ref_high=r.ref_high,
        ref_text=r.ref_text,
        flag=r.flag,
        collected_at=r.collected_at,
        resulted_at=r.resulted_at,
    )


def immunization_row(i: Immunization, names: Names | None = None) -> ImmunizationRow:
    """The DTO of a vaccine given (``given_by`` is free text; ``names`` is unused)."""
    return ImmunizationRow(
        id=i.id,
        patient_id=i.patient_id,
        cvx=i.cvx,
        vaccine=i.vaccine,
        given_on=i.given_on,
        lot=i.lot,
        site=i.site,
        route=i.route,
        given_by=i.given_by,
        status=i.status,
    )


def document_row(d: Document, names: Names) -> DocumentRow:
    """The DTO of an attached document, without its bytes (``content`` stays unloaded)."""
    return DocumentRow(
        id=d.id,
        patient_id=d.patient_id,
        title=d.title,
        media_type=d.media_type,
        size_bytes=d.size_bytes,
        document_date=d.document_date,
        uploaded_by=_name(names, d.uploaded_by_id),
        uploaded_at=d.uploaded_at,
    )


def referral_row(r: Referral, names: Names) -> ReferralRow:
    """The DTO of a referral."""
    return ReferralRow(
        id=r.id,
        patient_id=r.patient_id,
        to_name=r.to_name,
        to_specialty=r.to_specialty,
        to_organization=r.to_organization,
        to_phone=r.to_phone,
        to_fax=r.to_fax,
        reason=r.reason,
        clinical_question=r.clinical_question,
        urgency=r.urgency,
        status=r.status,
        sent_date=r.sent_date,
        referring_provider=_name(names, r.referring_provider_id),
        created_at=r.created_at,
        version=r.version,
    )


def prescription_row(p: Prescription, names: Names) -> PrescriptionRow:
    """The DTO of a prescription; ``names`` maps user ids to full names."""

    return PrescriptionRow(
        id=p.id,
        patient_id=p.patient_id,
        prescriber_id=p.prescriber_id,
        prescriber=_name(names, p.prescriber_id),
        drug_name=p.drug_name,
        ingredients=split_list(p.ingredients),
        strength=p.strength,
        form=p.form,
        route=p.route,
        dose=p.dose,
        dose_unit=p.dose_unit,
        frequency=p.frequency,
        duration_days=p.duration_days,
        prn=p.prn,
        prn_indication=p.prn_indication,
        sig=p.sig,
        quantity=p.quantity,
        quantity_unit=p.quantity_unit,
        refills=p.refills,
        dispense_as_written=p.dispense_as_written,
        note_to_pharmacist=p.note_to_pharmacist,
        status=p.status,
        renewal_of_id=p.renewal_of_id,
        requested_by=_name(names, p.requested_by_id),
        signed_at=p.signed_at,
        created_at=p.created_at,
        version=p.version,
    )
