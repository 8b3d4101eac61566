"""One patient's chart as a FHIR R4 Bundle (a plain dict, ready for json.dumps).

Shaped to US Core where it applies: profiles in ``meta.profile``, the category codes and
the elements US Core requires. Resource ids are stable (a UUID derived from the record),
so exporting the same chart twice gives the same ids. Visit notes travel as US Core
DocumentReferences (one attachment per SOAP section; an addendum is its own
DocumentReference that "appends" the note), since a narrative would lose the sections.
"""

from __future__ import annotations

import gc
from typing import Any

from emr_desktop.domain.chart import (
    AllergyRow,
    ImmunizationRow,
    LabRow,
    MedicationRow,
    PrescriptionRow,
    ProblemRow,
    VitalsRow,
)
from emr_desktop.domain.clinical import MedicationSource, MedicationStatus, RecordStatus
from emr_desktop.domain.interop import ChartExport
from emr_desktop.interop import fhir_billing
from emr_desktop.interop import fhir_codes as c
from emr_desktop.interop import fhir_export_visits as visits
from emr_desktop.interop import fhir_meds as meds
from emr_desktop.interop.fhir_build import (
    METAS,
    Builder,
    coding,
    concept,
    fhir_time,
    quantity,
    resource_id,
)

Json = dict[str, Any]

_VITAL_CATEGORY = [concept(c.OBS_CATEGORY, "vital-signs", "Vital Signs")]
_LAB_CATEGORY = [concept(c.OBS_CATEGORY, "laboratory", "Laboratory")]
_VITAL_CODES = {v.field: concept(c.LOINC, v.loinc, v.name) for v in c.VITALS}
_VITAL_METAS = {v.field: {"profile": [v.profile or c.PROFILE["vital-signs"]]} for v in c.VITALS}
_BP_CODE = concept(c.LOINC, c.BP_PANEL.loinc, c.BP_PANEL.name)
_BP_META = {"profile": [c.BP_PANEL.profile]}
_BP_PARTS = {v.field: concept(c.LOINC, v.loinc, v.name) for v in (c.SYSTOLIC, c.DIASTOLIC)}


def _condition(b: Builder, p: ProblemRow) -> None:
    system = {v: k for k, v in c.CODE_SYSTEMS.items()}.get(p.code_system, p.code_system)
    body: Json = {
        "clinicalStatus": concept(c.CONDITION_CLINICAL, c.PROBLEM_TO_FHIR[p.status]),
        "verificationStatus": concept(c.CONDITION_VERIFICATION, "confirmed"),
        "category": [concept(c.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
        "code": {"coding": [coding(system, p.code, p.description)], "text": p.description},
        "subject": b.subject,
        "recordedDate": fhir_time(p.recorded_at),
    }
    if p.onset_date:
        body["onsetDateTime"] = p.onset_date.isoformat()
    if p.resolved_date:
        body["abatementDateTime"] = p.resolved_date.isoformat()
    if p.note:
        body["note"] = [{"text": p.note}]
    b.add("Condition", p.id, body)


def _allergy(b: Builder, a: AllergyRow) -> None:
    body: Json = {
        "code": {"text": a.substance},
        "patient": b.subject,
        "recordedDate": fhir_time(a.recorded_at),
    }
    if a.status is RecordStatus.ENTERED_IN_ERROR:
        body["verificationStatus"] = concept(c.ALLERGY_VERIFICATION, "entered-in-error")
    else:
        body["clinicalStatus"] = concept(c.ALLERGY_CLINICAL, a.status.value)
        body["verificationStatus"] = concept(c.ALLERGY_VERIFICATION, "confirmed")
    if a.category in c.ALLERGY_CATEGORY:
        body["category"] = [c.ALLERGY_CATEGORY[a.category]]
    if a.onset_date:
        body["onsetDateTime"] = a.onset_date.isoformat()
    if a.reaction or a.severity.value != "unknown":
        reaction: Json = {"manifestation": [{"text": a.reaction or "Reaction not described"}]}
        if a.severity.value != "unknown":
            reaction["severity"] = a.severity.value
        body["reaction"] = [reaction]
    b.add("AllergyIntolerance", a.id, body)


def _no_known_allergies(b: Builder) -> None:
    code, display = c.NKA_CODE
    b.add(
        "AllergyIntolerance",
        "nka",
        {
            "clinicalStatus": concept(c.ALLERGY_CLINICAL, "active"),
            "verificationStatus": concept(c.ALLERGY_VERIFICATION, "confirmed"),
            "code": concept(c.SNOMED, code, display, "No known allergies"),
            "patient": b.subject,
        },
    )


def _medication(b: Builder, m: MedicationRow, rx: PrescriptionRow | None) -> None:
    label = " ".join(x for x in (m.drug_name, m.strength, m.form) if x)
    extension = [
        {"url": url, "valueString": value}
        for url, value in (
            (c.EXT_DRUG_NAME, m.drug_name),
            (c.EXT_STRENGTH, m.strength),
            (c.EXT_FORM, m.form),
        )
        if value
    ]
    body: Json = {
        "status": "active" if m.status is MedicationStatus.ACTIVE else "stopped",
        "intent": "order",
        "medicationCodeableConcept": {
            "extension": extension,
            **meds.rxnorm_concept(label, meds.rxnorm_code(m.drug_name, m.rxnorm_code)),
        },
        "subject": b.subject,
    }
    if m.source is MedicationSource.REPORTED and rx is None:
        # What the patient reports taking is a statement, not a request by anyone.
        meds.add_statement(b, m, body)
        return
    body["requester"] = b.subject  # US Core wants one; the prescriber replaces it below
    if m.start_date:
        body["authoredOn"] = m.start_date.isoformat()
    if rx is not None:
        body["requester"] = meds.practitioner(b, rx)
        body["dispenseRequest"] = {"numberOfRepeatsAllowed": rx.refills}
        try:
            quantity: Json = {"value": float(rx.quantity)}
        except ValueError:
            quantity = {}
        if quantity:
            if rx.quantity_unit:
                quantity["unit"] = rx.quantity_unit
            body["dispenseRequest"]["quantity"] = quantity
    if m.sig or m.route:
        dosage: Json = {"text": m.sig} if m.sig else {}
        if m.route:
            dosage["route"] = {"text": m.route}
        body["dosageInstruction"] = [dosage]
    if m.status is MedicationStatus.STOPPED:
        if m.stop_reason:
            body["statusReason"] = {"text": m.stop_reason}
        if m.stop_date:
            body["dispenseRequest"] = {
                **body.get("dispenseRequest", {}),
                "validityPeriod": {"end": m.stop_date.isoformat()},
            }
    b.add("MedicationRequest", m.id, body)


def _observation(
    b: Builder, key: object, category: list[Json], meta: Json, code: Json, when: str, rest: Json
) -> None:
    body: Json = {
        "status": "final",
        "category": category,
        "code": code,
        "subject": b.subject,
        "effectiveDateTime": when,
        **rest,
    }
    b.add("Observation", key, body, meta=meta)


def _vitals(b: Builder, v: VitalsRow) -> None:
    when = fhir_time(v.measured_at)
    if v.systolic is not None:
        parts = (("systolic", v.systolic), ("diastolic", v.diastolic))
        components = [
            {"code": _BP_PARTS[name], "valueQuantity": quantity(value, "mm[Hg]")}
            for name, value in parts
            if value is not None
        ]
        rest = {"component": components}
        _observation(b, f"{v.id}/bp", _VITAL_CATEGORY, _BP_META, _BP_CODE, when, rest)
    for code in c.VITALS:
        value = getattr(v, code.field)
        if value is not None:
            _observation(
                b,
                f"{v.id}/{code.field}",
                _VITAL_CATEGORY,
                _VITAL_METAS[code.field],
                _VITAL_CODES[code.field],
                when,
                {"valueQuantity": quantity(value, code.unit)},
            )


def _lab(b: Builder, lab: LabRow) -> None:
    code: Json = (
        concept(c.LOINC, lab.loinc, lab.name, lab.name) if lab.loinc else {"text": lab.name}
    )
    rest: Json = {}
    if lab.value is not None:
        rest["valueQuantity"] = quantity(lab.value, lab.unit) if lab.unit else {"value": lab.value}
    else:
        rest["valueString"] = lab.value_text
    if lab.resulted_at:
        rest["issued"] = fhir_time(lab.resulted_at)
    rest["interpretation"] = [concept(c.INTERPRETATION, lab.flag.value, c.FLAG_DISPLAY[lab.flag])]
    ref: Json = {}
    if lab.ref_low is not None:
        ref["low"] = quantity(lab.ref_low, lab.unit) if lab.unit else {"value": lab.ref_low}
    if lab.ref_high is not None:
        ref["high"] = quantity(lab.ref_high, lab.unit) if lab.unit else {"value": lab.ref_high}
    if lab.ref_text:
        ref["text"] = lab.ref_text
    if ref:
        rest["referenceRange"] = [ref]
    meta = METAS["laboratory"]
    _observation(b, lab.id, _LAB_CATEGORY, meta, code, fhir_time(lab.collected_at), rest)


def _immunization(b: Builder, i: ImmunizationRow) -> None:
    body: Json = {
        "status": "entered-in-error" if i.status is RecordStatus.ENTERED_IN_ERROR else "completed",
        "vaccineCode": concept(c.CVX, i.cvx, i.vaccine, i.vaccine),
        "patient": b.subject,
        "occurrenceDateTime": i.given_on.isoformat(),
        # True for what the practice gave (its giver is recorded); false for history.
        "primarySource": bool(i.given_by),
    }
    if i.lot:
        body["lotNumber"] = i.lot
    if i.site:
        body["site"] = {"text": i.site}
    if i.route:
        body["route"] = {"text": i.route}
    if i.given_by:
        body["performer"] = [{"actor": {"display": i.given_by}}]
    b.add("Immunization", i.id, body)


def chart_bundle(chart: ChartExport) -> Json:
    """The FHIR R4 Bundle (type collection) of one patient's whole chart."""
    # A long chart is some 200,000 small dicts, none of them in a cycle: pausing the cycle
    # collector while they are made halves the time (it would rescan them again and again).
    paused = gc.isenabled()
    gc.disable()
    try:
        return _bundle(chart)
    finally:
        if paused:
            gc.enable()


def _bundle(chart: ChartExport) -> Json:
    b = Builder(chart)
    b.add("Patient", chart.patient.id, visits.patient(chart.patient))
    for p in chart.problems:
        _condition(b, p)
    if chart.patient.no_known_allergies and not any(
        a.status is RecordStatus.ACTIVE for a in chart.allergies
    ):
        _no_known_allergies(b)
    for a in chart.allergies:
        _allergy(b, a)
    prescriptions = {rx.id: rx for rx in chart.prescriptions}
    for m in chart.medications:
        _medication(b, m, prescriptions.get(m.prescription_id or -1))
    for v in chart.vitals:
        _vitals(b, v)
    for lab in chart.labs:
        _lab(b, lab)
    for i in chart.immunizations:
        _immunization(b, i)
    for n in chart.notes:
        visits.note(b, n)
    for appt in chart.appointments:
        visits.appointment(b, appt)
    fhir_billing.billing(b, chart.billing)
    return {
        "resourceType": "Bundle",
        "id": resource_id("Bundle", chart.patient.mrn, chart.generated_at.isoformat()),
        "meta": {"lastUpdated": fhir_time(chart.generated_at)},
        "type": "collection",
        "timestamp": fhir_time(chart.generated_at),
        "entry": b.entries,
    }
