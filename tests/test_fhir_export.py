"""FHIR export: a whole chart as one R4 Bundle that the FHIR models accept, shaped to US Core.

fhir.resources 8.x models FHIR R5 by default; its ``R4B`` subpackage is the release
closest to R4 it ships, so the structure checks here use ``fhir.resources.R4B``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import Practice, make_practice
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import select

from emr_desktop.domain.clinical import AllergyCategory, AllergySeverity, ProblemStatus, Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.prescribing import MedicationInput, PrescriptionInput
from emr_desktop.domain.schedule import BookingRequest
from emr_desktop.domain.sections import (
    AllergyInput,
    ImmunizationInput,
    LabInput,
    ProblemInput,
    VitalsInput,
)
from emr_desktop.domain.security import Actor, Role
from emr_desktop.errors import NotFound, PermissionDenied
from emr_desktop.models import AuditLog
from emr_desktop.services.chart.allergies import AllergyService
from emr_desktop.services.chart.immunizations import ImmunizationService
from emr_desktop.services.chart.medications import MedicationService
from emr_desktop.services.chart.notes import NoteService
from emr_desktop.services.chart.observations import ObservationService
from emr_desktop.services.chart.problems import ProblemService
from emr_desktop.services.exchange.fhir import FhirService
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.prescribing.prescriptions import PrescriptionService
from emr_desktop.services.schedule.service import ScheduleService

Json = dict[str, Any]
DOCTOR = "drfhir"  # full name "Drfhir": the same physician exists in the import practice


@dataclass
class Chart:
    """A patient with something in every chart section, and who made it."""

    practice: Practice
    doctor: Actor
    desk: Actor
    patient_id: int
    mrn: str


def make_rich_chart(practice: Practice) -> Chart:
    """Problems (ICD-10 and SNOMED), allergies, medications (reported and prescribed),
    vitals, labs, a vaccine, signed notes with an addendum, a draft, appointments."""
    db = practice.db
    doctor = practice.add_user(DOCTOR, Role.PHYSICIAN)
    desk = practice.add_user("frontdesk", Role.RECEPTIONIST)
    p = PatientService(db).register(
        desk,
        PatientInput(
            "Zoë",
            "Łukasiewicz-Núñez",
            dt.date(1961, 4, 9),
            Sex.FEMALE,
            middle_name="Ann",
            preferred_name="Zo",
            phone_mobile="555-201-7788",
            phone_home="555-201-1122",
            email="zoe@example.org",
            address_line1="12 Elm Street",
            address_line2="Apt 3",
            city="Springfield",
            state="IL",
            postal_code="62701",
            emergency_contact_name="Piotr Łukasiewicz",
            emergency_contact_phone="555-201-9900",
            emergency_contact_relation="Brother",
        ),
    )
    pid = p.id
    problems = ProblemService(db)
    problems.add(doctor, pid, ProblemInput("E11.9", onset_date=dt.date(2015, 3, 1)))
    problems.add(doctor, pid, ProblemInput("I10", note="Home readings higher"))
    problems.add(
        doctor,
        pid,
        ProblemInput("J45.909", status=ProblemStatus.RESOLVED, onset_date=dt.date(2001, 1, 1)),
    )
    problems.add(
        doctor,
        pid,
        ProblemInput("195967001", "Asthma (disorder)", code_system="SNOMED-CT"),
    )
    allergies = AllergyService(db)
    allergies.add(
        doctor, pid, AllergyInput("Penicillin", reaction="hives", severity=AllergySeverity.SEVERE)
    )
    allergies.add(doctor, pid, AllergyInput("Peanut", AllergyCategory.FOOD, "anaphylaxis"))
    MedicationService(db).record_reported(
        doctor,
        pid,
        MedicationInput(
            drug_name="Lisinopril",
            strength="10 mg",
            form="tablet",
            route="oral",
            sig="Take 1 tablet by mouth daily",
            start_date=dt.date(2020, 5, 1),
        ),
    )
    rx = PrescriptionService(db)
    draft = rx.create_draft(
        doctor,
        pid,
        PrescriptionInput(
            drug_name="Metformin",
            ingredients=("metformin",),
            strength="500 mg",
            form="tablet",
            dose="1",
            dose_unit="tablet",
            frequency="twice daily",
            duration_days=30,
            quantity="60",
            quantity_unit="tablet",
            refills=2,
        ),
    )
    rx.sign(doctor, [draft.id], override_reasons={})
    obs = ObservationService(db)
    base = dt.datetime(2025, 6, 2, 14, 30, tzinfo=dt.UTC)
    for i in range(2):
        obs.record_vitals(
            doctor,
            pid,
            VitalsInput(
                measured_at=base + dt.timedelta(days=30 * i),
                systolic=128 + i,
                diastolic=82,
                pulse=72,
                respiration=16,
                temperature_c=36.8,
                spo2=98,
                weight_kg=70.5,
                height_cm=165.0,
                pain=2,
            ),
        )
    obs.record_lab(doctor, pid, LabInput(loinc="4548-4", value=7.2, collected_at=base))
    obs.record_lab(
        doctor,
        pid,
        LabInput(
            name="Urine culture",
            value_text="No growth",
            collected_at=base,
            resulted_at=base + dt.timedelta(days=2),
        ),
    )
    ImmunizationService(db).record(
        doctor, pid, ImmunizationInput("140", dt.date(2024, 10, 1), lot="AB12", site="left arm")
    )
    notes = NoteService(db)
    for i, text in enumerate(("Thirsty a lot.\nSleeps poorly.", "Feels better; no chest pain.")):
        n = notes.create(
            doctor, pid, occurred_at=base + dt.timedelta(days=30 * i), reason="Diabetes"
        )
        n = notes.save_draft(
            doctor,
            n.id,
            subjective=text,
            objective="BP 128/82",
            assessment="Type 2 diabetes, controlled",
            plan="Continue metformin.\nRecheck A1c in 3 months.",
            reason="Diabetes follow-up",
            expected_version=n.version,
        )
        n = notes.sign(doctor, n.id, expected_version=n.version)
    notes.add_addendum(doctor, n.id, "A1c result reviewed with the patient by phone.")
    notes.create(doctor, pid, reason="Unsigned draft")  # drafts are not exported
    start = dt.datetime.now().replace(second=0, microsecond=0) + dt.timedelta(days=7)
    schedule = ScheduleService(db)
    schedule.book(
        desk,
        BookingRequest(pid, doctor.user_id, start, 30, "Follow-up", "A1c review", room="2"),
        override_reason="test",
    )
    return Chart(practice, doctor, desk, pid, p.mrn)


def export(chart: Chart) -> Json:
    """The chart's bundle, as the physician exports it."""
    data = FhirService(chart.practice.db).export_patient(chart.doctor, chart.patient_id)
    bundle: Json = json.loads(data)
    return bundle


def resources(bundle: Json, kind: str) -> list[Json]:
    """The bundle's resources of one type."""
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chart]:
    """One rich chart for the module (users cost argon2 time); tests only read or add."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMR_NO_KEYRING", "1")
        practice = make_practice(tmp_path_factory.mktemp("fhir") / "practice")
    yield make_rich_chart(practice)
    practice.db.dispose()


def _audit_rows(chart: Chart, after: int = 0) -> list[AuditLog]:
    with chart.practice.db.unit_of_work() as s:
        return list(
            s.scalars(select(AuditLog).where(AuditLog.action == "fhir_export", AuditLog.id > after))
        )


def test_every_resource_of_the_export_is_valid_fhir_r4(chart: Chart) -> None:
    bundle = export(chart)
    get_fhir_model_class("Bundle").model_validate(bundle)
    kinds = set()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        kinds.add(resource["resourceType"])
    assert kinds == {
        "Patient",
        "Condition",
        "AllergyIntolerance",
        "MedicationRequest",
        "MedicationStatement",  # a reported medication-list entry
        "Practitioner",  # each prescriber, the requester of their prescriptions
        "Observation",
        "Immunization",
        "Encounter",
        "DocumentReference",
        "Appointment",
    }


def test_the_patient_carries_mrn_name_birth_date_contacts(chart: Chart) -> None:
    (patient,) = resources(export(chart), "Patient")
    assert patient["identifier"][0]["value"] == chart.mrn
    assert patient["identifier"][0]["type"]["coding"][0]["code"] == "MR"
    assert patient["name"][0] == {
        "use": "official",
        "family": "Łukasiewicz-Núñez",
        "given": ["Zoë", "Ann"],
    }
    assert patient["birthDate"] == "1961-04-09" and patient["gender"] == "female"
    assert {t["value"] for t in patient["telecom"]} == {
        "555-201-7788",
        "555-201-1122",
        "zoe@example.org",
    }
    assert patient["address"][0]["line"] == ["12 Elm Street", "Apt 3"]
    assert "us-core-patient" in patient["meta"]["profile"][0]


def test_conditions_allergies_and_medications_are_coded(chart: Chart) -> None:
    bundle = export(chart)
    conditions = {c["code"]["coding"][0]["code"]: c for c in resources(bundle, "Condition")}
    assert conditions["E11.9"]["code"]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10-cm"
    assert conditions["E11.9"]["clinicalStatus"]["coding"][0]["code"] == "active"
    assert conditions["J45.909"]["clinicalStatus"]["coding"][0]["code"] == "resolved"
    assert conditions["195967001"]["code"]["coding"][0]["system"] == "http://snomed.info/sct"
    assert conditions["E11.9"]["category"][0]["coding"][0]["code"] == "problem-list-item"
    allergies = {a["code"]["text"]: a for a in resources(bundle, "AllergyIntolerance")}
    assert allergies["Penicillin"]["category"] == ["medication"]
    assert allergies["Penicillin"]["reaction"][0]["severity"] == "severe"
    assert allergies["Peanut"]["reaction"][0]["manifestation"][0]["text"] == "anaphylaxis"
    meds = {
        m["medicationCodeableConcept"]["text"]: m for m in resources(bundle, "MedicationRequest")
    }
    metformin = meds["Metformin 500 mg tablet"]
    assert metformin["dispenseRequest"]["quantity"]["value"] == 60
    assert metformin["dispenseRequest"]["numberOfRepeatsAllowed"] == 2
    assert metformin["dosageInstruction"][0]["text"]  # the rendered sig
    assert metformin["requester"]["reference"].startswith("urn:uuid:")
    (doctor,) = resources(bundle, "Practitioner")
    assert metformin["requester"]["reference"] == f"urn:uuid:{doctor['id']}"
    # A medication the patient reports is a statement, not a request by the patient.
    statements = {
        m["medicationCodeableConcept"]["text"]: m for m in resources(bundle, "MedicationStatement")
    }
    lisinopril = statements["Lisinopril 10 mg tablet"]
    assert lisinopril["dosage"][0]["text"] == "Take 1 tablet by mouth daily"
    assert "Lisinopril 10 mg tablet" not in meds


def test_vital_signs_use_loinc_and_ucum_and_bp_is_a_panel(chart: Chart) -> None:
    observations = resources(export(chart), "Observation")
    vitals = [o for o in observations if o["category"][0]["coding"][0]["code"] == "vital-signs"]
    by_code: dict[str, list[Json]] = {}
    for o in vitals:
        by_code.setdefault(o["code"]["coding"][0]["code"], []).append(o)
    assert all(o["code"]["coding"][0]["system"] == "http://loinc.org" for o in vitals)
    (bp, _) = by_code["85354-9"]
    components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in bp["component"]}
    assert components["8480-6"]["code"] == "mm[Hg]" and components["8462-4"]["value"] == 82
    assert by_code["8310-5"][0]["valueQuantity"]["code"] == "Cel"
    assert by_code["29463-7"][0]["valueQuantity"] == {
        "value": 70.5,
        "unit": "kg",
        "system": "http://unitsofmeasure.org",
        "code": "kg",
    }
    assert {"8867-4", "9279-1", "59408-5", "8302-2", "39156-5", "72514-3"} <= set(by_code)
    labs = [o for o in observations if o["category"][0]["coding"][0]["code"] == "laboratory"]
    a1c = next(o for o in labs if o["code"].get("coding", [{}])[0].get("code") == "4548-4")
    assert a1c["valueQuantity"]["value"] == 7.2
    assert a1c["interpretation"][0]["coding"][0]["code"] == "H"
    assert "high" in a1c["referenceRange"][0]
    culture = next(o for o in labs if o["code"]["text"] == "Urine culture")
    assert culture["valueString"] == "No growth" and culture["issued"]


def test_signed_notes_travel_with_sections_and_addenda_drafts_do_not(chart: Chart) -> None:
    bundle = export(chart)
    assert len(resources(bundle, "Encounter")) == 2
    docs = resources(bundle, "DocumentReference")
    notes = [d for d in docs if "relatesTo" not in d]
    (addendum,) = [d for d in docs if "relatesTo" in d]
    assert len(notes) == 2
    first = next(n for n in notes if n["docStatus"] == "final")  # the one without addenda
    sections = {
        c["attachment"]["title"]: base64.b64decode(c["attachment"]["data"]).decode()
        for c in first["content"]
    }
    assert sections["Subjective"] == "Thirsty a lot.\nSleeps poorly."
    assert sections["Plan"] == "Continue metformin.\nRecheck A1c in 3 months."
    text = base64.b64decode(addendum["content"][0]["attachment"]["data"]).decode()
    assert text == "A1c result reviewed with the patient by phone."
    assert addendum["relatesTo"][0]["code"] == "appends"
    assert addendum["author"][0]["display"] == "Drfhir"
    (imm,) = resources(bundle, "Immunization")
    assert imm["vaccineCode"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/cvx",
        "code": "140",
        "display": imm["vaccineCode"]["coding"][0]["display"],
    }
    (appt,) = resources(bundle, "Appointment")
    assert appt["status"] == "booked" and appt["minutesDuration"] == 30


def test_no_known_allergies_is_exported_as_the_snomed_code(chart: Chart) -> None:
    db, doctor = chart.practice.db, chart.doctor
    p = PatientService(db).register(
        doctor, PatientInput("Nia", "Kay", dt.date(1990, 2, 3), Sex.FEMALE)
    )
    AllergyService(db).mark_no_known_allergies(doctor, p.id)
    bundle = json.loads(FhirService(db).export_patient(doctor, p.id))
    (nka,) = resources(bundle, "AllergyIntolerance")
    assert nka["code"]["coding"][0]["code"] == "716186003"
    get_fhir_model_class("AllergyIntolerance").model_validate(nka)


def test_export_is_audited_and_needs_chart_access(chart: Chart) -> None:
    fhir = FhirService(chart.practice.db)
    with pytest.raises(PermissionDenied):
        fhir.export_patient(chart.desk, chart.patient_id)
    with pytest.raises(PermissionDenied):
        list(fhir.export_all(chart.desk))
    with pytest.raises(NotFound):
        fhir.export_patient(chart.doctor, 99999)
    before = max((r.id for r in _audit_rows(chart)), default=0)
    export(chart)
    rows = _audit_rows(chart, before)
    assert [(r.patient_id, r.username) for r in rows] == [(chart.patient_id, DOCTOR)]
    assert "Penicillin" not in rows[0].details and "Zo" not in rows[0].details


def test_export_all_gives_one_bundle_per_patient_and_one_audit_row_each(chart: Chart) -> None:
    other = PatientService(chart.practice.db).register(
        chart.desk, PatientInput("Al", "Other", dt.date(1980, 1, 1), Sex.MALE)
    )
    before = max((r.id for r in _audit_rows(chart)), default=0)
    seen: list[tuple[int, int]] = []
    out = dict(
        FhirService(chart.practice.db).export_all(chart.doctor, lambda d, t: seen.append((d, t)))
    )
    assert {chart.mrn, other.mrn} <= set(out)
    assert seen == [(i + 1, len(out)) for i in range(len(out))]
    (patient,) = resources(json.loads(out[other.mrn]), "Patient")
    assert patient["name"][0]["family"] == "Other"
    audited = [r.patient_id for r in _audit_rows(chart, before)]
    assert len(audited) == len(out) and {chart.patient_id, other.id} <= set(audited)
