"""FHIR DiagnosticReport + Observation import (both engines): the results land in the
inbox of the physician who ordered them here (the order is then resulted), else in the
importing physician's; a second import files nothing twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import Clinic

from emr_desktop.domain.orders import OrderInput, OrderStatus
from emr_desktop.interop.fhir_import import read_bundle
from emr_desktop.services.exchange.fhir import FhirService
from emr_desktop.services.orders.orders import OrderService
from emr_desktop.services.orders.results import ResultService
from emr_desktop.services.patients.registry import PatientService

WHEN = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).replace(microsecond=0).isoformat()


def _bundle(given: str, family: str, born: str, with_report: bool = True) -> dict[str, Any]:
    obs = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": "http://loinc.org", "code": "4548-4"}],
            "text": "Hemoglobin A1c",
        },
        "effectiveDateTime": WHEN,
        "valueQuantity": {"value": 9.2, "unit": "%"},
    }
    report = {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "status": "final",
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "LAB"}]}
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}], "text": "HbA1c"},
        "result": [{"reference": "Observation/o1"}],
    }
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": family, "given": [given]}],
        "birthDate": born,
        "gender": "female",
    }
    entries = [patient, obs] + ([report] if with_report else [])
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in entries],
    }


def test_a_report_is_read_with_its_results() -> None:
    content = read_bundle(_bundle("Rita", "Report", "1961-02-03"))
    assert len(content.lab_reports) == 1
    assert content.lab_reports[0].results[0][0] == "4548-4"
    assert "DiagnosticReport" not in content.skipped
    assert read_bundle(_bundle("Rita", "Report", "1961-02-03", False)).lab_reports == ()


def test_imported_results_reach_the_ordering_physicians_inbox(clinic: Clinic) -> None:
    c = clinic
    from emr_desktop.domain.clinical import Sex
    from emr_desktop.domain.patients import PatientInput

    pid = (
        PatientService(c.db)
        .register(
            c.desk,
            PatientInput("Olga", "Ordered", dt.date(1958, 4, 5), Sex.FEMALE),
            confirm_not_duplicate=True,
        )
        .id
    )
    order = OrderService(c.db).place(c.doctor2, pid, OrderInput(("4548-4",)))
    result = FhirService(c.db).import_bundle(c.doctor, _bundle("Olga", "Ordered", "1958-04-05"))
    assert result.patient_id == pid
    waiting = [r for r in ResultService(c.db).inbox(c.doctor2) if r.patient_id == pid]
    assert [(r.loinc, r.flag.value, r.order_id) for r in waiting] == [("4548-4", "H", order.id)]
    assert OrderService(c.db).for_patient(c.doctor2, pid)[0].status is OrderStatus.RESULTED
    FhirService(c.db).import_bundle(c.doctor, _bundle("Olga", "Ordered", "1958-04-05"))
    assert len([r for r in ResultService(c.db).inbox(c.doctor2) if r.patient_id == pid]) == 1


def test_without_an_order_the_importing_physician_reviews(clinic: Clinic) -> None:
    c = clinic
    result = FhirService(c.db).import_bundle(c.doctor, _bundle("Una", "Unordered", "1970-01-09"))
    waiting = [r for r in ResultService(c.db).inbox(c.doctor) if r.patient_id == result.patient_id]
    assert len(waiting) == 1 and waiting[0].order_id is None
