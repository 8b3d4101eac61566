"""FHIR R4 medication pieces shared by import and export: MedicationStatement records
(what a patient reports taking) and RxNorm codings.

The medication list holds prescribed and reported entries; a reported entry leaves as
a MedicationStatement (it is not a request by anyone), and the importer reads both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emr_desktop.domain.clinical import MedicationStatus
from emr_desktop.domain.interop import ImportedMedication
from emr_desktop.interop import fhir_codes as c
from emr_desktop.interop import fhir_values as f

__all__ = ["medication_statement", "rxnorm_concept"]

Json = Mapping[str, Any]
_ACTIVE = ("active", "intended", "on-hold")
_SKIPPED = ("entered-in-error", "not-taken", "unknown")


def medication_statement(r: Json, where: str) -> ImportedMedication | str:
    """A MedicationStatement as a medication-list entry; a string says why it was skipped."""
    status = str(r.get("status", ""))
    if status in _SKIPPED:
        return f"MedicationStatement ({status})"
    concept = r.get("medicationCodeableConcept")
    name = f.concept_text(concept)
    if not name:
        name = f.text(f.first([r.get("medicationReference")]).get("display"), 200)
    if not name:
        return "MedicationStatement without a medication name"
    dosage = f.first(r.get("dosage"))
    period = r.get("effectivePeriod")
    start = period.get("start") if isinstance(period, Mapping) else r.get("effectiveDateTime")
    end = period.get("end") if isinstance(period, Mapping) else None
    active = status in _ACTIVE
    return ImportedMedication(
        drug_name=name[:200],
        strength="",
        form="",
        route=f.concept_text(dosage.get("route"))[:60],
        sig=f.text(dosage.get("text"), 500),
        status=MedicationStatus.ACTIVE if active else MedicationStatus.STOPPED,
        start_date=f.day(start, where),
        stop_date=None if active else f.day(end, where),
        stop_reason="" if active else f.concept_text(r.get("statusReason"))[:300],
        rxnorm_code=f.code_in(concept, c.RXNORM)[:20],
    )


def rxnorm_concept(text: str, code: str, display: str = "") -> dict[str, Any]:
    """A medicationCodeableConcept: the text, with an RxNorm coding when the code is known."""
    concept: dict[str, Any] = {"text": text}
    if code:
        coding = {"system": c.RXNORM, "code": code}
        if display:
            coding["display"] = display
        concept["coding"] = [coding]
    return concept
