"""Readers for the FHIR resources that become chart records: each takes one resource (a
dict) and returns the import DTO, or a reason (str) when the resource is left out."""

from __future__ import annotations

from collections.abc import Mapping

from emr_desktop.domain.clinical import (
    AllergyCategory,
    AllergySeverity,
    LabFlag,
    MedicationStatus,
    ProblemStatus,
    RecordStatus,
)
from emr_desktop.domain.interop import (
    ImportedAllergy,
    ImportedAppointment,
    ImportedImmunization,
    ImportedMedication,
    ImportedProblem,
)
from emr_desktop.domain.sections import LabInput
from emr_desktop.interop import fhir_codes as c
from emr_desktop.interop import fhir_values as f

Json = f.Json
Skip = str  # why a resource was left out, as the import report shows it


def is_no_known_allergy(r: Json) -> bool:
    """Whether an AllergyIntolerance records "no known allergies" rather than an allergy."""
    return f.code_in(r.get("code"), c.SNOMED) == c.NKA_CODE[0]


def condition(r: Json, where: str) -> ImportedProblem | Skip:
    """A Condition as a problem; ICD-10-CM preferred, else SNOMED CT or another known system."""
    verification = f.first_code(r.get("verificationStatus"))
    if verification in ("entered-in-error", "refuted"):
        return f"Condition ({verification})"
    concept = r.get("code")
    code, system = "", ""
    for uri, short in c.CODE_SYSTEMS.items():
        code = f.code_in(concept, uri)
        if code:
            system = short
            break
    description = f.concept_text(concept)
    if not code or not description:
        return "Condition without a known code"
    status = c.PROBLEM_FROM_FHIR.get(f.first_code(r.get("clinicalStatus")), ProblemStatus.ACTIVE)
    onset = r.get("onsetDateTime") or f.first([r.get("onsetPeriod")]).get("start")
    resolved = f.day(r.get("abatementDateTime"), where)
    return ImportedProblem(
        code=f.cap(code, 20, where, "code"),
        code_system=system,
        description=f.cap(description, 300, where, "description"),
        status=status,
        onset_date=f.day(onset, where),
        resolved_date=resolved if status is ProblemStatus.RESOLVED else None,
        note=f.cap(
            "\n".join(f.text(n.get("text"), 4000, "note", where) for n in f.dicts(r.get("note"))),
            4000,
            where,
            "note",
        ),
    )


_CATEGORIES = {
    "medication": AllergyCategory.DRUG,
    "food": AllergyCategory.FOOD,
    "environment": AllergyCategory.ENVIRONMENT,
}


def allergy(r: Json, where: str) -> ImportedAllergy | Skip:
    """An AllergyIntolerance (not a "no known allergies" one) as an allergy."""
    substance = f.concept_text(r.get("code"))
    if not substance:
        return "AllergyIntolerance without a substance"
    verification = f.first_code(r.get("verificationStatus"))
    if verification == "refuted":
        return "AllergyIntolerance (refuted)"
    if verification == "entered-in-error":
        status = RecordStatus.ENTERED_IN_ERROR
    elif f.first_code(r.get("clinicalStatus")) in ("inactive", "resolved"):
        status = RecordStatus.INACTIVE
    else:
        status = RecordStatus.ACTIVE
    categories = r.get("category")
    first_category = categories[0] if isinstance(categories, list) and categories else ""
    reactions = list(f.dicts(r.get("reaction")))
    manifestations = [f.concept_text(m) for x in reactions for m in f.dicts(x.get("manifestation"))]
    severities = {str(x.get("severity")) for x in reactions}
    severity = next((s for s in AllergySeverity if s.value in severities), AllergySeverity.UNKNOWN)
    return ImportedAllergy(
        substance=f.cap(substance, 200, where, "substance"),
        category=_CATEGORIES.get(str(first_category), AllergyCategory.OTHER),
        reaction=f.cap("; ".join(m for m in manifestations if m), 300, where, "reaction"),
        severity=severity,
        status=status,
        onset_date=f.day(r.get("onsetDateTime"), where),
    )


def _extension(element: object, url: str) -> str:
    if not isinstance(element, Mapping):
        return ""
    for e in f.dicts(element.get("extension")):
        if e.get("url") == url:
            return f.text(e.get("valueString"), 200, "extension")
    return ""


def medication(r: Json, where: str) -> ImportedMedication | Skip:
    """A MedicationRequest as a medication-list entry (what and how, not the dispensing)."""
    status = str(r.get("status", ""))
    if status in ("entered-in-error", "draft", "cancelled"):
        return f"MedicationRequest ({status})"
    concept = r.get("medicationCodeableConcept")
    name = _extension(concept, c.EXT_DRUG_NAME) or f.concept_text(concept)
    if not name:
        name = f.text(
            f.first([r.get("medicationReference")]).get("display"), 200, "drug_name", where
        )
    if not name:
        return "MedicationRequest without a medication name"
    dosage = f.first(r.get("dosageInstruction"))
    active = status in ("active", "on-hold")
    dispense = r.get("dispenseRequest")
    validity = dispense.get("validityPeriod") if isinstance(dispense, Mapping) else None
    stop = validity.get("end") if isinstance(validity, Mapping) and not active else None
    return ImportedMedication(
        drug_name=f.cap(name, 200, where, "drug_name"),
        strength=f.cap(_extension(concept, c.EXT_STRENGTH), 100, where, "strength"),
        form=f.cap(_extension(concept, c.EXT_FORM), 60, where, "form"),
        route=f.cap(f.concept_text(dosage.get("route")), 60, where, "route"),
        sig=f.text(dosage.get("text"), 500, "sig", where),
        status=MedicationStatus.ACTIVE if active else MedicationStatus.STOPPED,
        start_date=f.day(r.get("authoredOn"), where),
        stop_date=f.day(stop, where),
        stop_reason=f.cap(
            "" if active else f.concept_text(r.get("statusReason")), 300, where, "stop_reason"
        ),
        rxnorm_code=f.cap(f.code_in(concept, c.RXNORM), 20, where, "rxnorm_code"),
    )


def immunization(r: Json, where: str, names: Mapping[str, str]) -> ImportedImmunization | Skip:
    """An Immunization with a CVX code."""
    status = str(r.get("status", "completed"))
    if status == "not-done":
        return "Immunization (not done)"
    cvx = f.code_in(r.get("vaccineCode"), c.CVX)
    if not cvx:
        return "Immunization without a CVX code"
    given = f.day(r.get("occurrenceDateTime"), where)
    if given is None:
        return "Immunization without a date"
    performer = f.first(r.get("performer")).get("actor")
    return ImportedImmunization(
        cvx=f.cap(cvx, 4, where, "cvx"),
        vaccine=f.cap((f.concept_text(r.get("vaccineCode")) or cvx), 200, where, "vaccine"),
        given_on=given,
        lot=f.text(r.get("lotNumber"), 40, "lot", where),
        site=f.cap(f.concept_text(r.get("site")), 60, where, "site"),
        route=f.cap(f.concept_text(r.get("route")), 60, where, "route"),
        # Who gave it is kept only for a primary record: a historical one (primarySource
        # false) was not given by this practice, and the export says so by the blank.
        given_by=""
        if r.get("primarySource") is False
        else f.cap(f.display_of(performer, names), 200, where, "given_by"),
        status=RecordStatus.ENTERED_IN_ERROR
        if status == "entered-in-error"
        else RecordStatus.ACTIVE,
    )


def lab(r: Json, where: str) -> LabInput | Skip:
    """A laboratory Observation as a lab result (checked later by the lab validator)."""
    concept = r.get("code")
    when = r.get("effectiveDateTime") or f.first([r.get("effectivePeriod")]).get("start")
    if when is None:
        return "Observation without a time"
    quantity = r.get("valueQuantity")
    value = f.number(quantity.get("value")) if isinstance(quantity, Mapping) else None
    unit = ""
    if isinstance(quantity, Mapping):
        unit = f.text(quantity.get("unit") or quantity.get("code"), 40, "unit", where)
    value_text = f.text(r.get("valueString"), 200, "value", where) or f.cap(
        f.concept_text(r.get("valueCodeableConcept")), 200, where, "value"
    )
    ref = f.first(r.get("referenceRange"))
    low, high = ref.get("low"), ref.get("high")
    flag_code = f.code_in(f.first(r.get("interpretation")), c.INTERPRETATION)
    return LabInput(
        collected_at=f.instant(when, where),
        loinc=f.cap(f.code_in(concept, c.LOINC), 10, where, "loinc"),
        name=f.cap(f.concept_text(concept), 200, where, "name"),
        value=value,
        value_text=value_text,
        unit=unit,
        ref_low=f.number(low.get("value")) if isinstance(low, Mapping) else None,
        ref_high=f.number(high.get("value")) if isinstance(high, Mapping) else None,
        ref_text=f.text(ref.get("text"), 100, "reference range", where),
        flag=LabFlag(flag_code) if flag_code in {x.value for x in LabFlag} else None,
        resulted_at=f.maybe_instant(r.get("issued"), where),
    )


def appointment(
    r: Json, where: str, patient_refs: set[str], names: Mapping[str, str]
) -> ImportedAppointment | Skip:
    """An Appointment with a start time and a practitioner."""
    status = c.APPOINTMENT_FROM_FHIR.get(str(r.get("status", "")))
    if status is None:
        return f"Appointment ({r.get('status', 'no status')})"
    if r.get("start") is None:
        return "Appointment without a start time"
    start = f.instant(r.get("start"), where)
    minutes = f.number(r.get("minutesDuration"))
    if minutes is None and r.get("end") is not None:
        minutes = (f.instant(r.get("end"), where) - start).total_seconds() / 60
    provider = ""
    for p in f.dicts(r.get("participant")):
        actor = p.get("actor")
        if isinstance(actor, Mapping) and f.reference(actor) not in patient_refs:
            provider = provider or f.display_of(actor, names)
    kind = f.concept_text(r.get("appointmentType")) or f.concept_text(f.first(r.get("serviceType")))
    comment = f.text(r.get("comment"), 100, "comment", where)
    return ImportedAppointment(
        start_at=start.astimezone().replace(tzinfo=None),  # the schedule keeps local time
        duration_min=min(max(5, int(minutes or 15)), 24 * 60),
        kind=f.cap((kind or "Appointment"), 60, where, "kind"),
        reason=f.cap(f.concept_text(f.first(r.get("reasonCode"))), 300, where, "reason"),
        provider=provider,
        status=status,
        cancel_reason=f.cap(
            f.concept_text(r.get("cancelationReason")), 300, where, "cancel_reason"
        ),
        room=f.cap(comment.removeprefix(c.ROOM_PREFIX), 40, where, "room")
        if comment.startswith(c.ROOM_PREFIX)
        else "",
    )
