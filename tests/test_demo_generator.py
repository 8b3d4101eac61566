"""The synthetic demo practice: deterministic, realistic, valid codes, a busy day today."""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import func, select

from emr_desktop.demo.build import DEMO_USERS, create_demo_practice, demo_password
from emr_desktop.demo.conditions import (
    ACUTE,
    ANTICOAG_CODES,
    CONDITIONS,
    DIALYSIS_CODES,
    MEDS,
)
from emr_desktop.demo.populate import long_chart_count
from emr_desktop.domain.clinical import (
    AllergyCategory,
    AppointmentStatus,
    LabFlag,
    NoteStatus,
    Sex,
)
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Role
from emr_desktop.errors import PracticeError, ValidationError
from emr_desktop.models import (
    Addendum,
    Allergy,
    Appointment,
    AuditLog,
    BlockedTime,
    Encounter,
    Immunization,
    LabResult,
    Medication,
    Patient,
    PatientNameToken,
    Prescription,
    Problem,
    ProviderHours,
    ProviderProfile,
    Referral,
    User,
    VitalSigns,
)
from emr_desktop.persistence.database import Database
from emr_desktop.reference import icd10
from emr_desktop.reference.allergies import classify_substance
from emr_desktop.reference.drugs import formulary
from emr_desktop.reference.loinc import lab_test
from emr_desktop.reference.vaccines import vaccine
from emr_desktop.services.chart.observations import VITAL_RANGES
from emr_desktop.services.common.rows import join_list
from emr_desktop.services.common.validation import luhn_digit
from emr_desktop.services.patients.registry import MRN_START, PatientService
from emr_desktop.services.patients.search import patient_tokens
from emr_desktop.services.practice.audit_report import verify_chain
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.prescribing.sig import render_sig

N = 300
SEED = 7
# A Wednesday afternoon (UTC) that is not a staff-meeting day, fixed so runs compare.
NOW = dt.datetime(2026, 3, 11, 15, 40, tzinfo=dt.UTC)
LOCAL_NOW = NOW.astimezone().replace(tzinfo=None)
TODAY = LOCAL_NOW.date()
CANCELLED = AppointmentStatus.CANCELLED
_ENV = ("EMR_DATA_DIR", "EMR_PASSWORD", "EMR_NEW_PASSWORD", "EMR_DB_PASSPHRASE")
RECORD_KINDS = (
    VitalSigns,
    LabResult,
    Appointment,
    Immunization,
    Problem,
    Medication,
    Allergy,
    Prescription,
    Referral,
    Addendum,
)


def _make(folder: Path, *, seed: int = SEED, patients: int = N) -> Database:
    return create_demo_practice(folder, patients=patients, seed=seed, now=NOW)


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the shared demo practice lives."""
    return tmp_path_factory.mktemp("demo") / "practice"


@pytest.fixture(scope="module")
def demo(demo_root: Path) -> Iterator[Database]:
    """One 300-patient demo practice shared by the read-only tests of this module."""
    with pytest.MonkeyPatch.context() as mp:
        for var in _ENV:
            mp.delenv(var, raising=False)
        previous = keyring.get_keyring()
        keyring.set_keyring(fail.Keyring())  # never the developer's keyring
        try:
            db = _make(demo_root)
            yield db
            db.dispose()
        finally:
            keyring.set_keyring(previous)


def _patients(db: Database) -> list[tuple[object, ...]]:
    cols = Patient.__table__.columns
    with db.unit_of_work() as s:
        return [tuple(r) for r in s.execute(select(*cols).order_by(Patient.id))]


def _notes(db: Database) -> list[tuple[object, ...]]:
    with db.unit_of_work() as s:
        stmt = select(Encounter.patient_id, Encounter.occurred_at, Encounter.subjective)
        return [tuple(r) for r in s.execute(stmt.order_by(Encounter.id))]


def test_the_same_seed_makes_the_same_practice_and_another_seed_a_different_one(
    demo: Database, tmp_path: Path
) -> None:
    again = _make(tmp_path / "again")
    other = _make(tmp_path / "other", seed=SEED + 1)
    try:
        assert _patients(again) == _patients(demo)
        assert _notes(again) == _notes(demo)
        names = [(p[2], p[4]) for p in _patients(demo)]  # (given, family)
        assert [(p[2], p[4]) for p in _patients(other)] != names
        assert [p[1] for p in _patients(other)] == [p[1] for p in _patients(demo)]  # MRNs
    finally:
        again.dispose()
        other.dispose()


def test_counts_long_charts_and_every_kind_of_record(demo: Database) -> None:
    with demo.unit_of_work() as s:
        assert s.scalar(select(func.count(Patient.id))) == N
        per_patient = s.execute(
            select(Encounter.patient_id, func.count()).group_by(Encounter.patient_id)
        ).all()
        for model in RECORD_KINDS:
            assert s.scalar(select(func.count()).select_from(model)) > 0, model.__name__
        allergic = set(s.scalars(select(Allergy.patient_id)))
        nka = Counter((p.no_known_allergies, p.id in allergic) for p in s.scalars(select(Patient)))
        drafts = s.scalar(select(func.count()).where(Encounter.status == NoteStatus.DRAFT))
        tokens = s.scalar(select(func.count()).select_from(PatientNameToken))
    long = [n for _, n in per_patient if n >= 700]
    assert len(long) == long_chart_count(N) == 1
    assert max(long) <= 900 + 40  # plus any visit of today
    ordinary = sorted(n for _, n in per_patient if n < 700)
    assert ordinary[-1] <= 42 and statistics.median(ordinary) <= 15  # 40 + today's visits
    assert nka[(True, False)] > 0 and nka[(False, False)] > 0 and nka[(False, True)] > 0
    assert nka[(True, True)] == 0  # "no known allergies" never sits beside an allergy
    assert drafts and tokens >= 2 * N
    assert long_chart_count(999) == 1 and long_chart_count(1000) == 3
    assert long_chart_count(100_000) == 50


def test_every_code_is_a_real_code_with_its_official_wording(demo: Database) -> None:
    content = [code for c in CONDITIONS for code in c.codes]
    content += [(a.code, a.description) for a in ACUTE] + [*DIALYSIS_CODES, *ANTICOAG_CODES]
    with demo.unit_of_work() as s:
        stored = set(map(tuple, s.execute(select(Problem.code, Problem.description))))
        labs = set(map(tuple, s.execute(select(LabResult.loinc, LabResult.name, LabResult.unit))))
        shots = set(map(tuple, s.execute(select(Immunization.cvx, Immunization.vaccine))))
    assert stored <= set(content)
    for code, description in set(content):
        found = icd10.describe(code)
        assert found is not None and found.description == description, code
    for loinc, name, unit in labs:
        test = lab_test(loinc)
        assert test is not None and (test.name, test.unit) == (name, unit), loinc
    for cvx, name in shots:
        known = vaccine(cvx)
        assert known is not None and known.short_name == name, cvx
    assert {"4548-4", "6301-6", "3016-3"} <= {code for code, _, _ in labs}
    assert {code for code, _, _ in labs} & {"13457-7", "18262-6"}


def test_medications_are_formulary_drugs_with_the_services_sigs(demo: Database) -> None:
    drugs = formulary()
    for m in MEDS.values():
        drug = drugs.get(m.name)
        assert drug is not None, m.name
        assert m.strength in drug.strengths and m.form in drug.forms, m
        assert m.route in drug.routes, m
        expected = render_sig(
            dose=Decimal(m.dose),
            dose_unit=m.unit,
            route=m.route,
            frequency=m.frequency,
            duration_days=m.days,
            prn=bool(m.prn),
            prn_indication=m.prn,
        )
        assert m.sig == expected
    with demo.unit_of_work() as s:
        meds = list(s.scalars(select(Medication)))
        rxs = {rx.id: rx for rx in s.scalars(select(Prescription))}
    for med in meds:
        drug = drugs.get(med.drug_name)
        assert drug is not None and med.ingredients == join_list(drug.ingredients)
        if med.prescription_id is not None:
            rx = rxs[med.prescription_id]
            assert rx.status.value == "signed" and rx.signed_at is not None
            for f in ("drug_name", "ingredients", "strength", "form", "route", "sig"):
                assert getattr(rx, f) == getattr(med, f)
    assert any(m.prescription_id for m in meds)


def test_allergies_are_classified_as_the_allergy_service_does(demo: Database) -> None:
    with demo.unit_of_work() as s:
        allergies = list(s.scalars(select(Allergy)))
        meds = defaultdict(set)
        for pid, name in s.execute(select(Medication.patient_id, Medication.drug_name)):
            meds[pid].add(name)
    for a in allergies:
        if a.category is AllergyCategory.DRUG:
            ingredients, classes = classify_substance(a.substance)
            assert (a.ingredients, a.classes) == (join_list(ingredients), join_list(classes))
        else:
            assert a.ingredients == a.classes == ""
    penicillin = {a.patient_id for a in allergies if a.substance == "Penicillin"}
    assert penicillin and not any("amoxicillin" in meds[p] for p in penicillin)


def test_names_search_tokens_phones_and_mrns_are_what_the_services_store(demo: Database) -> None:
    with demo.unit_of_work() as s:
        patients = list(s.scalars(select(Patient).order_by(Patient.id)))
        tokens = defaultdict(set)
        for t in s.scalars(select(PatientNameToken)):
            tokens[t.patient_id].add((t.token, t.kind))
    assert any(not (p.given_name + p.family_name).isascii() for p in patients)
    for i, p in enumerate(patients, 1):
        base = str(MRN_START + i)
        assert p.mrn == base + luhn_digit(base)
        assert tokens[p.id] == patient_tokens(p)
        assert p.mobile_digits == "".join(ch for ch in p.phone_mobile if ch.isdigit())
        assert "555-01" in (p.phone_mobile or p.phone_home)
        assert 0 <= (TODAY - p.birth_date).days <= 96 * 366


def test_vitals_are_plausible_and_trend_with_treatment(demo: Database) -> None:
    with demo.unit_of_work() as s:
        vitals = list(s.scalars(select(VitalSigns).order_by(VitalSigns.measured_at)))
        onset_rows = list(s.execute(select(Problem.patient_id, Problem.code, Problem.onset_date)))
        problems = {(pid, code) for pid, code, _ in onset_rows}
        a1c = defaultdict(list)
        for pid, value in s.execute(
            select(LabResult.patient_id, LabResult.value)
            .where(LabResult.loinc == "4548-4")
            .order_by(LabResult.collected_at)
        ):
            a1c[pid].append(value)
        flags = Counter(s.scalars(select(LabResult.flag)))
    for v in vitals:
        for name, r in VITAL_RANGES.items():
            value = getattr(v, name)
            assert value is None or r.low <= value <= r.high, (name, value)
        assert v.diastolic < v.systolic
        assert v.bmi == round(v.weight_kg / (v.height_cm / 100) ** 2, 1)
        assert v.measured_at <= NOW
    diabetic = [vals for pid, vals in a1c.items() if {(pid, "E11.9"), (pid, "E11.65")} & problems]
    assert statistics.mean(vs[0] for vs in diabetic) > statistics.mean(vs[-1] for vs in diabetic)
    assert flags[LabFlag.HIGH] and flags[LabFlag.NORMAL]
    # Blood pressure is highest around the diagnosis and comes down on treatment.
    onsets = {pid: day for pid, code, day in onset_rows if code == "I10"}
    treated: dict[int, list[VitalSigns]] = defaultdict(list)
    for v in vitals:
        if v.patient_id in onsets and v.measured_at.date() >= onsets[v.patient_id]:
            treated[v.patient_id].append(v)
    spans = [vs for vs in treated.values() if (vs[-1].measured_at - vs[0].measured_at).days > 365]
    assert len(spans) >= 10
    assert statistics.mean(vs[0].systolic for vs in spans) > statistics.mean(
        vs[-1].systolic for vs in spans
    )


def test_notes_are_signed_with_some_addenda_and_all_in_the_past(demo: Database) -> None:
    with demo.unit_of_work() as s:
        notes = list(s.scalars(select(Encounter)))
        linked = {e.appointment_id for e in notes if e.appointment_id}
        appts = {a.id: a for a in s.scalars(select(Appointment).where(Appointment.id.in_(linked)))}
    for e in notes:
        assert e.occurred_at <= NOW and e.subjective
        if e.status is NoteStatus.SIGNED:
            assert e.signed_by_id == e.provider_id and e.signed_at is not None
            assert e.occurred_at < e.signed_at <= NOW and e.plan
        else:
            assert e.signed_at is None
        if e.appointment_id:
            a = appts[e.appointment_id]
            assert a.patient_id == e.patient_id and a.provider_id == e.provider_id
            assert a.start_at == e.occurred_at.astimezone().replace(tzinfo=None)
    signed = sum(e.status is NoteStatus.SIGNED for e in notes)
    assert signed > 0.95 * len(notes)
    assert any("I10" in e.assessment for e in notes)


def test_today_is_busy_for_every_physician_and_the_schedule_keeps_its_rules(
    demo: Database,
) -> None:
    with demo.unit_of_work() as s:
        doctors = list(s.scalars(select(User.id).where(User.role == Role.PHYSICIAN)))
        appts = list(s.scalars(select(Appointment)))
        hours = list(s.scalars(select(ProviderHours)))
        profiles = list(s.scalars(select(ProviderProfile)))
        blocks = list(s.scalars(select(BlockedTime)))
    today = [a for a in appts if a.start_at.date() == TODAY]
    for doc in doctors:
        mine = [a for a in today if a.provider_id == doc and a.status is not CANCELLED]
        booked = sum(a.duration_min for a in mine)
        assert booked >= 0.8 * 8 * 60, doc  # 8 clinic hours, nearly full
        assert len({a.kind for a in mine}) >= 4
    assert sum(bool(a.override_reason) for a in today) >= 2  # the double bookings
    for a in today:  # the front desk's view matches the clock
        end = a.start_at + dt.timedelta(minutes=a.duration_min)
        if a.status in (AppointmentStatus.ARRIVED, AppointmentStatus.BOOKED):
            assert end > LOCAL_NOW
        if a.status is AppointmentStatus.COMPLETED:
            assert end <= LOCAL_NOW and a.completed_at is not None
    busy = defaultdict(list)
    for a in appts:
        t = a.start_at
        assert t.minute % 15 == 0 and t.second == 0
        end = t + dt.timedelta(minutes=a.duration_min)
        assert dt.time(8) <= t.time() and end.time() <= dt.time(17)
        assert not dt.time(12) <= t.time() < dt.time(13)
        if a.status not in (CANCELLED, AppointmentStatus.NO_SHOW) and not a.override_reason:
            busy[(a.provider_id, t.date())].append((t, end))
    for spans in busy.values():  # nobody is double-booked without a reason
        spans.sort()
        assert all(b[0] >= a[1] for a, b in itertools.pairwise(spans))
    assert max(a.start_at.date() for a in appts) >= TODAY + dt.timedelta(days=50)
    assert len(hours) == 2 * 5 * len(doctors) + 1
    assert blocks and all(b.provider_id is None for b in blocks)
    for p in profiles:
        assert len(p.npi) == 10 and luhn_digit("80840" + p.npi[:9]) == p.npi[9]
        d = [int(c) for c in p.dea[2:]]
        assert (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


def test_one_audit_row_for_the_whole_run_and_the_chain_is_intact(demo: Database) -> None:
    with demo.unit_of_work() as s:
        rows = list(s.scalars(select(AuditLog).where(AuditLog.action == "demo_generate")))
        total = s.scalar(select(func.count(AuditLog.id)))
    assert len(rows) == 1 and total < 20
    assert '"patient": 300' in rows[0].details and '"encounter":' in rows[0].details
    assert verify_chain(demo, None).ok


def test_registration_continues_the_mrn_sequence(demo: Database) -> None:
    clerk = AuthService(demo).login(DEMO_USERS[-1].username, demo_password())
    made = PatientService(demo).register(
        clerk,
        PatientInput("Ada", "Zywiec", dt.date(1990, 1, 2), Sex.FEMALE),
        confirm_not_duplicate=True,
    )
    base = str(MRN_START + N + 1)
    assert made.mrn == base + luhn_digit(base)
    found = PatientService(demo).search(clerk, "zywiec ada")
    assert [p.mrn for p in found] == [made.mrn]


def test_refuses_a_practice_a_busy_folder_and_a_bad_count(
    demo: Database, demo_root: Path, tmp_path: Path
) -> None:
    def state() -> tuple[list[str], int | None]:
        with demo.unit_of_work() as s:
            count = s.scalar(select(func.count(Patient.id)))
        return sorted(p.name for p in demo_root.iterdir()), count

    before = state()
    with pytest.raises(PracticeError):
        _make(demo_root, patients=5)
    assert state() == before
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("not a practice")
    with pytest.raises(PracticeError):
        _make(busy, patients=5)
    with pytest.raises(ValidationError):
        _make(tmp_path / "none", patients=0)
    assert not (tmp_path / "none").exists()
    assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]
