"""FHIR import: our own bundles round-trip into an empty practice, Synthea's bundles import,
a re-import adds nothing twice, a broken bundle leaves nothing behind."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Practice, make_practice
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from test_fhir_export import DOCTOR, Chart, export, make_rich_chart, resources

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.interop import ImportOutcome
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Actor, Role
from emr_desktop.errors import PermissionDenied, ValidationError
from emr_desktop.interop import fhir_values
from emr_desktop.interop.fhir_import import read_bundle
from emr_desktop.models import (
    Addendum,
    AuditLog,
    Encounter,
    LabResult,
    Patient,
    Problem,
    VitalSigns,
)
from emr_desktop.services.chart.allergies import AllergyService
from emr_desktop.services.chart.notes import NoteService
from emr_desktop.services.chart.summary import ChartService
from emr_desktop.services.exchange.fhir import FhirService
from emr_desktop.services.patients.registry import PatientService

Json = dict[str, Any]
# EMR_SYNTHEA_DIR, else the shared folder next to the checkout, else /work/shared.
SYNTHEA = next(
    (
        p
        for p in (
            Path(os.environ.get("EMR_SYNTHEA_DIR", "/nonexistent")),
            Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "synthea",
            Path("/work/shared/fixtures/synthea"),
        )
        if p.is_dir()
    ),
    Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "synthea",
)
# What legitimately differs between two practices' exports of the same chart: ids and
# references, the MRN, when things were recorded, and the prescription details (quantity,
# refills, prescriber) that stay with the practice that wrote the prescription.
_VOLATILE = {"id", "fullUrl", "reference", "recordedDate", "meta", "timestamp"}
_PRACTICE_ONLY = {"reportedBoolean", "requester", "quantity", "numberOfRepeatsAllowed"}


def normalized(bundle: Json) -> list[str]:
    """The bundle's clinical content, comparable across practices (sorted resources)."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: clean(v) for k, v in value.items() if k not in _VOLATILE | _PRACTICE_ONLY}
            return {k: v for k, v in out.items() if v not in ({}, [])}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    out = []
    for entry in bundle["entry"]:
        resource = copy.deepcopy(entry["resource"])
        if resource["resourceType"] == "Patient":
            resource.pop("identifier")
        if resource["resourceType"] == "Practitioner":
            continue  # the prescribers stay with the practice that wrote the prescriptions
        if resource["resourceType"] in ("MedicationRequest", "MedicationStatement"):
            # A prescription imported elsewhere is a reported medication there: compare
            # what is taken, not whether it is a request or a statement.
            dosage = resource.get("dosageInstruction") or resource.get("dosage") or []
            resource = {
                "resourceType": "Medication entry",
                "medication": resource["medicationCodeableConcept"],
                "status": resource["status"],
                "dosage": [d.get("text", "") for d in dosage],
            }
        out.append(json.dumps(clean(resource), sort_keys=True, ensure_ascii=False))
    return sorted(out)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chart]:
    """The practice the rich chart is exported from."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMR_NO_KEYRING", "1")
        practice = make_practice(tmp_path_factory.mktemp("fhir-src") / "practice")
    yield make_rich_chart(practice)
    practice.db.dispose()


@pytest.fixture
def importer(practice: Practice) -> Actor:
    """A physician of an empty practice; the same person as the source's physician."""
    return practice.add_user(DOCTOR, Role.PHYSICIAN)


def _count(practice: Practice, model: Any) -> int:
    with practice.db.unit_of_work() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_round_trip_into_an_empty_practice_keeps_the_clinical_content(
    source: Chart, practice: Practice, importer: Actor
) -> None:
    first = export(source)
    fhir = FhirService(practice.db)
    result = fhir.import_bundle(importer, first)
    assert result.outcome is ImportOutcome.IMPORTED and result.patient_id is not None
    assert result.added["problems"] == 4 and result.added["visits"] == 2
    assert result.added["addenda"] == 1 and result.added["appointments"] == 1
    assert not result.skipped
    second = json.loads(fhir.export_patient(importer, result.patient_id))
    assert normalized(second) == normalized(first)
    summary = ChartService(practice.db).open(importer, result.patient_id)
    assert summary.banner.display_name.startswith("Łukasiewicz-Núñez, Zoë")
    assert {a.substance for a in summary.allergies} == {"Penicillin", "Peanut"}
    penicillin = next(a for a in summary.allergies if a.substance == "Penicillin")
    assert penicillin.classes  # imported drug allergies still drive the safety checks


def test_reimporting_matches_the_patient_and_adds_nothing_twice(
    source: Chart, practice: Practice, importer: Actor
) -> None:
    bundle = export(source)
    fhir = FhirService(practice.db)
    first = fhir.import_bundle(importer, bundle)
    counts = {m: _count(practice, m) for m in (Patient, Problem, VitalSigns, Encounter, Addendum)}
    again = fhir.import_bundle(importer, bundle)
    assert again.outcome is ImportOutcome.MERGED and again.patient_id == first.patient_id
    assert again.added == {}
    assert again.already_present["problems"] == 4 and again.already_present["visits"] == 2
    assert {m: _count(practice, m) for m in counts} == counts


def test_a_matched_patient_gets_only_the_new_records(
    source: Chart, practice: Practice, importer: Actor
) -> None:
    bundle = export(source)
    fhir = FhirService(practice.db)
    pid = fhir.import_bundle(importer, bundle).patient_id
    assert pid is not None
    extra = copy.deepcopy(bundle)
    lab = next(
        e for e in extra["entry"] if e["resource"].get("code", {}).get("text") == "Urine culture"
    )
    new_lab = copy.deepcopy(lab)
    new_lab["fullUrl"] = "urn:uuid:00000000-0000-4000-8000-000000000001"
    new_lab["resource"]["effectiveDateTime"] = "2025-09-01T10:00:00+00:00"
    new_lab["resource"]["issued"] = "2025-09-02T10:00:00+00:00"
    extra["entry"].append(new_lab)
    result = fhir.import_bundle(importer, extra)
    assert result.outcome is ImportOutcome.MERGED and result.added == {"lab results": 1}
    with practice.db.unit_of_work() as s:
        labs = s.scalars(select(LabResult).where(LabResult.patient_id == pid)).all()
        assert sorted(lab.value_text for lab in labs if lab.value_text) == ["No growth"] * 2


def test_a_broken_bundle_leaves_nothing_behind(
    source: Chart, practice: Practice, importer: Actor
) -> None:
    bundle = export(source)
    broken = copy.deepcopy(bundle)
    obs = next(e for e in broken["entry"] if e["resource"]["resourceType"] == "Observation")
    obs["resource"]["effectiveDateTime"] = "2025-02-30T10:00:00+00:00"
    before = _count(practice, AuditLog)
    with pytest.raises(ValidationError, match="Observation"):
        FhirService(practice.db).import_bundle(importer, broken)
    assert _count(practice, Patient) == 0 and _count(practice, AuditLog) == before
    # A bundle without a patient is refused whole, too.
    no_patient = {**bundle, "entry": [e for e in bundle["entry"][1:]]}
    with pytest.raises(ValidationError, match="patient"):
        FhirService(practice.db).import_bundle(importer, no_patient)


def test_import_files_reports_each_file_and_goes_on_after_a_broken_one(
    source: Chart, practice: Practice, importer: Actor, tmp_path: Path
) -> None:
    good = tmp_path / "good.json"
    good.write_bytes(json.dumps(export(source)).encode())
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    seen: list[tuple[int, int]] = []
    report = FhirService(practice.db).import_files(
        importer, [bad, good], lambda d, t: seen.append((d, t))
    )
    assert [r.outcome for r in report.results] == [ImportOutcome.FAILED, ImportOutcome.IMPORTED]
    assert report.results[0].message == "file: is not JSON"
    assert seen == [(1, 2), (2, 2)]


def test_authors_who_are_not_users_here_are_kept_in_the_text(
    source: Chart, practice: Practice
) -> None:
    other = practice.add_user("drother", Role.PHYSICIAN)
    result = FhirService(practice.db).import_bundle(other, export(source))
    assert result.patient_id is not None
    with practice.db.unit_of_work() as s:
        (addendum,) = s.scalars(select(Addendum)).all()
        assert addendum.author_id == other.user_id
        assert addendum.text.startswith("[Addendum by Drfhir, imported]\n")
        encounters = s.scalars(select(Encounter)).all()
        assert all(e.provider_id is None and e.signed_by_id is None for e in encounters)
    assert result.skipped == {"Appointment with a provider who is not a physician here": 1}
    # Imported notes are signed history: read-only like any signed note.
    note = NoteService(practice.db).list(other, result.patient_id).items[0]
    assert note.status.value == "signed"


def test_receptionist_and_nurse_cannot_import_and_imports_are_audited(
    source: Chart, practice: Practice, importer: Actor
) -> None:
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    nurse = practice.add_user("nurse", Role.NURSE)
    bundle = export(source)
    fhir = FhirService(practice.db)
    for actor in (desk, nurse):
        with pytest.raises(PermissionDenied):
            fhir.import_bundle(actor, bundle)
        with pytest.raises(PermissionDenied):
            fhir.import_files(actor, [])
    result = fhir.import_bundle(importer, bundle)
    with practice.db.unit_of_work() as s:
        (row,) = s.scalars(select(AuditLog).where(AuditLog.action == "fhir_import")).all()
        assert row.patient_id == result.patient_id and row.username == DOCTOR
        assert "Penicillin" not in row.details and "Zo" not in row.details


def test_a_similar_but_different_patient_is_registered_and_flagged(
    source: Chart, practice: Practice, importer: Actor
) -> None:
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    look_alike = PatientService(practice.db).register(
        desk, PatientInput("Zoe", "Lukas", dt.date(1961, 4, 9), Sex.FEMALE)
    )
    result = FhirService(practice.db).import_bundle(importer, export(source))
    assert result.outcome is ImportOutcome.IMPORTED and result.patient_id != look_alike.id
    assert result.possible_duplicates == (look_alike.mrn,)


def test_a_bundle_matching_two_existing_records_is_refused_whole(
    source: Chart, practice: Practice, importer: Actor
) -> None:
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    twin = PatientInput("Zoë", "Łukasiewicz-Núñez", dt.date(1961, 4, 9), Sex.FEMALE)
    patients = PatientService(practice.db)
    patients.register(desk, twin)
    patients.register(desk, twin, confirm_not_duplicate=True)
    with pytest.raises(ValidationError, match="several existing patients"):
        FhirService(practice.db).import_bundle(importer, export(source))
    assert _count(practice, Problem) == 0


def test_no_known_allergies_round_trips_as_recorded_not_assumed(
    source: Chart, practice: Practice, importer: Actor
) -> None:
    db = source.practice.db
    nka = PatientService(db).register(
        source.desk, PatientInput("Noel", "Kerr", dt.date(1977, 7, 7), Sex.MALE)
    )
    AllergyService(db).mark_no_known_allergies(source.doctor, nka.id)
    blank = PatientService(db).register(
        source.desk, PatientInput("Bea", "Blank", dt.date(1988, 8, 8), Sex.FEMALE)
    )
    fhir, states = FhirService(practice.db), []
    for pid in (nka.id, blank.id):
        bundle = json.loads(FhirService(db).export_patient(source.doctor, pid))
        new = fhir.import_bundle(importer, bundle).patient_id
        assert new is not None
        states.append(ChartService(practice.db).open(importer, new).banner.allergy_state)
    assert states == ["nka", "not recorded"]


def _synthea_files() -> list[Path]:
    if not SYNTHEA.is_dir():
        pytest.skip(f"the Synthea fixtures are not here ({SYNTHEA})")
    files = sorted(SYNTHEA.glob("*.json"))
    if not files:
        pytest.skip("no Synthea bundles in the fixtures folder")
    return files


def test_synthea_bundles_import_with_snomed_problems_and_a_report(
    practice: Practice, importer: Actor
) -> None:
    files = _synthea_files()
    fhir = FhirService(practice.db)
    report = fhir.import_files(importer, files)
    assert [r.outcome for r in report.results] == [ImportOutcome.IMPORTED] * len(files)
    for r in report.results:
        assert r.added["visits"] > 0 and r.added["lab results"] > 0
        assert r.added["vital signs"] > 0 and r.added["immunizations"] > 0
        assert r.skipped.get("Claim", 0) > 0  # billing resources are counted, not imported
    mayte = next(r for r in report.results if r.source.startswith("Mayte"))
    assert mayte.added["medications"] > 10 and mayte.added["lab results"] > 300
    with practice.db.unit_of_work() as s:
        names = {(p.given_name, p.family_name): p for p in s.scalars(select(Patient))}
        assert not names["Mayte", "Rodríguez"].active  # deceased: registered inactive
        snomed = s.scalars(select(Problem).where(Problem.code_system == "SNOMED-CT")).all()
        assert snomed and all(p.description and p.code.isdigit() for p in snomed)
    # The same files again: every patient matched, nothing added twice.
    again = fhir.import_files(importer, files)
    assert [r.outcome for r in again.results] == [ImportOutcome.MERGED] * len(files)
    assert all(r.added == {} for r in again.results)
    assert _count(practice, Patient) == len(files)
    # And the imported charts export as valid bundles again.
    assert mayte.patient_id is not None
    out = json.loads(fhir.export_patient(importer, mayte.patient_id))
    assert len(resources(out, "Encounter")) == mayte.added["visits"]
    for entry in out["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])


_FIELDS = st.sampled_from(
    ["code", "status", "clinicalStatus", "verificationStatus", "category", "coding", "system",
     "text", "display", "effectiveDateTime", "issued", "valueQuantity", "value", "unit",
     "component", "period", "start", "end", "participant", "individual", "content",
     "attachment", "data", "title", "context", "encounter", "relatesTo", "target", "reference",
     "minutesDuration", "occurrenceDateTime", "vaccineCode", "medicationCodeableConcept",
     "dosageInstruction", "reaction", "manifestation", "onsetDateTime", "authoredOn",
     "referenceRange", "low", "high", "interpretation", "dispenseRequest", "date", "author"]
)  # fmt: skip
_WORDS = [
    "2020-01-02", "2020-13-01", "2020-01-02T03:04:05+00:00", "http://loinc.org",
    "http://hl7.org/fhir/sid/cvx", "http://terminology.hl7.org/CodeSystem/observation-category",
    "http://snomed.info/sct", "vital-signs", "laboratory", "8480-6", "8462-4", "85354-9",
    "29463-7", "[lb_av]", "appends", "active", "urn:uuid:x", "aGVsbG8=", "text/plain", "!!",
]  # fmt: skip
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(_WORDS)
)
_JSON = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_FIELDS, inner, max_size=4),
    max_leaves=20,
)
_KINDS = st.sampled_from(
    ["Condition", "Observation", "Encounter", "DocumentReference", "Appointment",
     "AllergyIntolerance", "MedicationRequest", "Immunization", "Claim"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(_KINDS, st.dictionaries(_FIELDS, _JSON, max_size=6)), max_size=6))
def test_any_bundle_is_read_or_refused_with_a_validation_error(
    resources_: list[tuple[str, dict[str, Any]]],
) -> None:
    patient = {"resourceType": "Patient", "birthDate": "1970-01-01", "name": [{"family": "X"}]}
    entries = [{"resource": {**body, "resourceType": kind}} for kind, body in resources_]
    bundle = {"resourceType": "Bundle", "entry": [{"resource": patient}, *entries]}
    with contextlib.suppress(ValidationError):  # anything else is a bug
        read_bundle(bundle)


@given(st.text(max_size=30))
def test_a_date_is_read_or_refused_naming_where_it_was(text: str) -> None:
    for read in (fhir_values.day, fhir_values.instant):
        try:
            read(text, "Condition (entry 2)")
        except ValidationError as err:
            assert err.field == "Condition (entry 2)"
