"""Imported charts are checked: the importer keeps RxNorm codes, every imported
medication resolves, and imported pairs alert (Synthea fixtures when present)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Practice
from sqlalchemy import select
from test_fhir_import import SYNTHEA

from emr_desktop.domain.interop import ImportOutcome
from emr_desktop.domain.security import Role
from emr_desktop.models import Medication, Patient
from emr_desktop.reference.drug_names import resolve_drug
from emr_desktop.services.exchange.fhir import FhirService
from emr_desktop.services.prescribing.what_if import WhatIfService

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def _bundle(meds: list[tuple[str, str, str]]) -> dict[str, Any]:
    """A small transaction bundle: one patient and (resourceType, code, display) meds."""
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": "urn:uuid:p1",
            "resource": {
                "resourceType": "Patient",
                "id": "p1",
                "name": [{"family": "Imported", "given": ["Wanda"]}],
                "gender": "female",
                "birthDate": "1958-02-03",
            },
        }
    ]
    for n, (kind, code, display) in enumerate(meds):
        concept = {"coding": [{"system": RXNORM, "code": code, "display": display}]}
        if kind == "MedicationRequest":
            extra = {"intent": "order", "authoredOn": "2024-01-02"}
        else:
            extra = {"effectiveDateTime": "2024-01-02"}
        entries.append(
            {
                "fullUrl": f"urn:uuid:m{n}",
                "resource": {
                    "resourceType": kind,
                    "status": "active",
                    "medicationCodeableConcept": concept,
                    "subject": {"reference": "urn:uuid:p1"},
                    **extra,
                },
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def _mrn(practice: Practice, patient_id: int | None) -> str:
    with practice.db.unit_of_work() as s:
        patient = s.get(Patient, patient_id)
        assert patient is not None
        return patient.mrn


def test_imported_warfarin_alerts_with_fluconazole_and_naproxen(
    practice: Practice, tmp_path: Path
) -> None:
    doctor = practice.add_user("drgrey", Role.PHYSICIAN)
    path = tmp_path / "wanda.json"
    meds = [
        ("MedicationRequest", "855332", "Warfarin Sodium 5 MG Oral Tablet"),
        ("MedicationStatement", "", "Clarithromycin 500 MG Oral Tablet"),
    ]
    path.write_text(json.dumps(_bundle(meds)), encoding="utf-8")
    (result,) = FhirService(practice.db).import_files(doctor, [path]).results
    assert result.outcome == ImportOutcome.IMPORTED, result
    with practice.db.unit_of_work() as s:
        rows = s.scalars(select(Medication).order_by(Medication.id)).all()
        assert [(m.rxnorm_code, m.ingredients) for m in rows] == [
            ("855332", "warfarin"),
            ("", "clarithromycin"),
        ]
    mrn = _mrn(practice, result.patient_id)
    what_if = WhatIfService(practice.db)
    for drug in ("fluconazole", "naproxen 500 mg", "simvastatin"):
        alerts = what_if.check_drug(doctor, mrn, drug)
        assert any(a.kind == "drug-drug" for a in alerts), drug


def test_synthea_medications_keep_their_codes_resolve_and_alert(practice: Practice) -> None:
    if not SYNTHEA.is_dir() or not list(SYNTHEA.glob("*.json")):
        pytest.skip(f"the Synthea fixtures are not here ({SYNTHEA})")
    doctor = practice.add_user("drgrey", Role.PHYSICIAN)
    report = FhirService(practice.db).import_files(doctor, sorted(SYNTHEA.glob("*.json")))
    with practice.db.unit_of_work() as s:
        meds = s.scalars(select(Medication)).all()
        assert meds and all(m.rxnorm_code for m in meds)
        unresolved = [m.drug_name for m in meds if not m.ingredients]
        assert unresolved == []
        assert all(resolve_drug(m.drug_name, m.rxnorm_code).resolved for m in meds)
    mayte = next(r for r in report.results if r.source.startswith("Mayte"))
    alerts = WhatIfService(practice.db).check_drug(
        doctor, _mrn(practice, mayte.patient_id), "clarithromycin 500 mg", today=dt.date.today()
    )
    assert ("contraindicated", "drug-drug") in {(a.severity, a.kind) for a in alerts}
    assert not [a for a in alerts if a.kind == "unresolved"]
