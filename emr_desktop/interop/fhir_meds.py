"""FHIR R4 medication pieces shared by import and export: MedicationStatement records
(what a patient reports taking) and RxNorm codings.

The medication list holds prescribed and reported entries; a reported entry leaves as
a MedicationStatement (it is not a request by anyone), and the importer reads both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emr_desktop.domain.chart import MedicationRow, PrescriptionRow
from emr_desktop.domain.clinical import MedicationStatus
from emr_desktop.domain.interop import ImportedMedication
from emr_desktop.interop import fhir_codes as c
from emr_desktop.interop import fhir_values as f
from emr_desktop.interop.fhir_build import Builder, ref, resource_id
from emr_desktop.reference.drug_names import ingredient_code, resolve_drug

__all__ = [
    "add_statement",
    "medication_statement",
    "practitioner",
    "rxnorm_code",
    "rxnorm_concept",
]

Json = Mapping[str, Any]
_ACTIVE = ("active", "intended", "on-hold")
_SKIPPED = ("entered-in-error", "not-taken", "unknown")


def _extension(element: object, url: str) -> str:
    """Our own extension's string (drug name, strength, form), or ''."""
    if not isinstance(element, Mapping):
        return ""
    for e in f.dicts(element.get("extension")):
        if e.get("url") == url:
            return f.text(e.get("valueString"), 200)
    return ""


def medication_statement(r: Json, where: str) -> ImportedMedication | str:
    """A MedicationStatement as a medication-list entry; a string says why it was skipped."""
    status = str(r.get("status", ""))
    if status in _SKIPPED:
        return f"MedicationStatement ({status})"
    concept = r.get("medicationCodeableConcept")
    name = _extension(concept, c.EXT_DRUG_NAME) or f.concept_text(concept)
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
        strength=_extension(concept, c.EXT_STRENGTH)[:100],
        form=_extension(concept, c.EXT_FORM)[:60],
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


def rxnorm_code(drug_name: str, stored: str) -> str:
    """The RxNorm code to export: the one on record, else the formulary ingredient code."""
    if stored:
        return stored
    drug = resolve_drug(drug_name).drug
    return ingredient_code(drug.generic) if drug is not None else ""


def add_statement(b: Builder, m: MedicationRow, request: dict[str, Any]) -> None:
    """A reported medication-list entry as a MedicationStatement."""
    body: dict[str, Any] = {
        "status": "active" if m.status is MedicationStatus.ACTIVE else "stopped",
        "medicationCodeableConcept": request["medicationCodeableConcept"],
        "subject": b.subject,
        "informationSource": b.subject,
    }
    period = {k: d.isoformat() for k, d in (("start", m.start_date), ("end", m.stop_date)) if d}
    if period:
        body["effectivePeriod"] = period
    if m.status is MedicationStatus.STOPPED and m.stop_reason:
        body["statusReason"] = [{"text": m.stop_reason}]
    if m.sig or m.route:
        dosage: dict[str, Any] = {"text": m.sig} if m.sig else {}
        if m.route:
            dosage["route"] = {"text": m.route}
        body["dosage"] = [dosage]
    b.add("MedicationStatement", m.id, body)


def practitioner(b: Builder, rx: PrescriptionRow) -> dict[str, Any]:
    """A reference to the prescriber's Practitioner resource (added once per provider)."""
    key = rx.prescriber_id if rx.prescriber_id is not None else rx.prescriber or "unknown"
    rid = resource_id("Practitioner", b.mrn, key)
    added: set[str] = b.__dict__.setdefault("practitioners", set())
    if rid not in added:
        added.add(rid)
        b.add("Practitioner", key, {"name": [{"text": rx.prescriber or "Prescriber"}]})
    return {**ref(rid), "display": rx.prescriber or "Prescriber"}
