"""The problem list and allergies: coded entries, dates that can be true, NKA recorded on purpose.

Also holds the helpers the other chart-section test files share (a practice with staff
and one patient, and the role-matrix runner).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import Practice
from sqlalchemy import event
from test_foundation_support import audit_head_id, audit_rows

from emr_desktop.domain.clinical import (
    AllergyCategory,
    AllergySeverity,
    ProblemStatus,
    RecordStatus,
    Sex,
)
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.sections import AllergyInput, ProblemInput
from emr_desktop.domain.security import Actor, Role, UserStatus
from emr_desktop.errors import ConflictError, PermissionDenied, ValidationError
from emr_desktop.models import Allergy, Patient, Problem, User
from emr_desktop.persistence import sessions
from emr_desktop.services.chart.allergies import AllergyService, allergy_state
from emr_desktop.services.chart.problems import ProblemService
from emr_desktop.services.common.chart_access import READ_ACTIONS
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.auth import actor_for

pytest.importorskip("emr_desktop.reference.icd10")
pytest.importorskip("emr_desktop.reference.allergies")

ALL_ROLES = tuple(Role)
CLINICIANS = frozenset({Role.PHYSICIAN, Role.NURSE})
PHYSICIAN_ONLY = frozenset({Role.PHYSICIAN})
TODAY = dt.date.today()
TOMORROW = TODAY + dt.timedelta(days=1)
BIRTH = dt.date(1960, 5, 17)


# --- shared helpers (imported by the other chart-section test files) -----------------


@dataclass
class World:
    """A practice with a physician, the users a test asked for, and one patient."""

    practice: Practice
    physician: Actor
    patient_id: int
    staff: dict[Role, Actor] = field(default_factory=dict)

    @property
    def db(self) -> Any:
        return self.practice.db

    def actor(self, role: Role) -> Actor:
        """The logged-in user with ``role`` (the admin is the practice's own)."""
        if role is Role.ADMIN:
            return self.practice.admin
        if role is Role.PHYSICIAN:
            return self.physician
        if role not in self.staff:
            self.staff[role] = staff_user(self.practice, role.value + "1", role)
        return self.staff[role]

    def new_patient(self, given: str = "Ann", birth: dt.date = BIRTH) -> int:
        """Register another patient and return the id."""
        data = PatientInput(given, "Testperson", birth, Sex.FEMALE)
        return PatientService(self.db).register(self.physician, data, confirm_not_duplicate=True).id


def staff_user(practice: Practice, username: str, role: Role) -> Actor:
    """A user made straight in the database, as the login service would present them.

    These tests are about charts, not logins: skipping the two argon2 hashes that
    ``practice.add_user`` costs keeps the files fast. ``require`` checks the role table,
    so the Actor grants nothing a logged-in one would not.
    """
    with practice.db.unit_of_work() as s:
        user = User(
            username=username,
            full_name=username.title(),
            role=role,
            status=UserStatus.ACTIVE,
            password_hash="!",  # no password can match: this account cannot log in
        )
        s.add(user)
        s.flush()
        return actor_for(user, "test-workstation", sessions.start(s, user.id, "test-workstation"))


def make_world(practice: Practice) -> World:
    """A physician and one patient (born 1960-05-17) in ``practice``."""
    doc = staff_user(practice, "drwho", Role.PHYSICIAN)
    data = PatientInput("Mary", "Sample", BIRTH, Sex.FEMALE)
    pid = PatientService(practice.db).register(doc, data).id
    return World(practice, doc, pid)


@dataclass(frozen=True)
class Case:
    """One service method in a role matrix: who may call it and how.

    ``prepare`` runs as the physician before the audit head is read (making the row the
    call acts on); ``call`` runs as the role under test and gets what prepare returned.
    """

    name: str
    allowed: frozenset[Role]
    call: Callable[[Actor, Any], object]
    prepare: Callable[[], Any] = lambda: None


def check_roles(world: World, role: Role, cases: Iterable[Case]) -> None:
    """Every case: allowed roles succeed; others get PermissionDenied and write nothing."""
    actor = world.actor(role)
    for case in cases:
        target = case.prepare()
        head = audit_head_id(world.db)
        if role in case.allowed:
            case.call(actor, target)
        else:
            with pytest.raises(PermissionDenied):
                case.call(actor, target)
            assert audit_head_id(world.db) == head, f"{case.name} wrote while denied"


def field_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    """The field a ValidationError names."""
    return excinfo.value.field


def audit_details(world: World, after: int) -> list[tuple[str, int | None, dict[str, Any]]]:
    """(action, patient id, details) of the audit rows written after ``after``."""
    return [
        (r.action, r.patient_id, json.loads(r.details) if r.details else {})
        for r in audit_rows(world.db, after)
        if r.action not in READ_ACTIONS  # reads are audited too; these tests follow changes
    ]


@contextmanager
def captured_sql(world: World) -> Iterator[list[str]]:
    """The SQL statements run on the practice database inside the block."""
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(world.db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(world.db.engine, "before_cursor_execute", listen)


def count(world: World, model: type[Any]) -> int:
    """How many rows ``model``'s table holds."""
    from sqlalchemy import func, select

    with world.db.unit_of_work() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


# --- role matrix ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES, ids=[r.value for r in ALL_ROLES])
def test_who_may_touch_problems_and_allergies(practice: Practice, role: Role) -> None:
    w = make_world(practice)
    problems, allergies = ProblemService(w.db), AllergyService(w.db)
    pid, doc = w.patient_id, w.physician
    n = iter(range(1000))

    def new_problem(status: ProblemStatus = ProblemStatus.ACTIVE) -> Any:
        # A fresh SNOMED code each time, so no duplicate refusal gets in the way.
        data = ProblemInput(f"{next(n)}", "Something", code_system="SNOMED-CT", status=status)
        return problems.add(doc, pid, data)

    def new_allergy() -> Any:
        return allergies.add(doc, pid, AllergyInput(f"substance {next(n)}", AllergyCategory.OTHER))

    other = w.new_patient("Nora")
    cases = [
        Case(
            "problems.add", PHYSICIAN_ONLY, lambda a, _: problems.add(a, pid, ProblemInput("I10"))
        ),
        Case(
            "problems.update",
            PHYSICIAN_ONLY,
            lambda a, p: problems.update(
                a,
                p.id,
                ProblemInput(p.code, "Other", code_system="SNOMED-CT"),
                expected_version=p.version,
            ),
            new_problem,
        ),
        Case(
            "problems.resolve",
            PHYSICIAN_ONLY,
            lambda a, p: problems.resolve(a, p.id, expected_version=p.version),
            new_problem,
        ),
        Case(
            "problems.reactivate",
            PHYSICIAN_ONLY,
            lambda a, p: problems.reactivate(a, p.id, expected_version=p.version),
            lambda: new_problem(ProblemStatus.RESOLVED),
        ),
        Case("problems.list", CLINICIANS, lambda a, _: problems.list(a, pid)),
        Case(
            "allergies.add", CLINICIANS, lambda a, _: allergies.add(a, pid, AllergyInput("Latex"))
        ),
        Case(
            "allergies.update",
            CLINICIANS,
            lambda a, x: allergies.update(
                a,
                x.id,
                AllergyInput(x.substance, AllergyCategory.FOOD),
                expected_version=x.version,
            ),
            new_allergy,
        ),
        Case(
            "allergies.inactivate",
            CLINICIANS,
            lambda a, x: allergies.inactivate(a, x.id, expected_version=x.version),
            new_allergy,
        ),
        Case("allergies.list", CLINICIANS, lambda a, _: allergies.list(a, pid)),
        Case(
            "allergies.mark_no_known_allergies",
            CLINICIANS,
            lambda a, _: allergies.mark_no_known_allergies(a, other),
        ),
    ]
    check_roles(w, role, cases)


# --- problems -------------------------------------------------------------------------


def test_problem_codes_are_checked_and_stored_the_official_way(practice: Practice) -> None:
    w = make_world(practice)
    svc = ProblemService(w.db)
    head = audit_head_id(w.db)

    row = svc.add(w.physician, w.patient_id, ProblemInput(" e119 ", onset_date=dt.date(2019, 3, 1)))
    assert (row.code, row.code_system) == ("E11.9", "ICD-10-CM")
    assert row.description == "Type 2 diabetes mellitus without complications"
    assert row.status is ProblemStatus.ACTIVE and row.recorded_by == "Drwho"
    mine = svc.add(w.physician, w.patient_id, ProblemInput("I10", "High blood pressure"))
    assert mine.description == "High blood pressure"  # a typed description wins

    bad: list[tuple[ProblemInput, str, str]] = [
        (ProblemInput("E11.99"), "ICD-10 code", "E11.99 is not an ICD-10-CM code"),
        (ProblemInput("banana"), "ICD-10 code", "not an ICD-10-CM code"),
        (ProblemInput(""), "ICD-10 code", "required"),
        (ProblemInput("J06.9", onset_date=TOMORROW), "onset date", "future"),
        (ProblemInput("J06.9", onset_date=dt.date(1950, 1, 1)), "onset date", "date of birth"),
        (ProblemInput("E11.9"), "ICD-10 code", "already on the active problem list"),
        (ProblemInput("E11.9", status="bogus"), "status", "must be one of"),  # type: ignore[arg-type]
        (ProblemInput("J06.9", "x" * 301), "description", "at most 300"),
        (ProblemInput("404684003", code_system="SNOMED-CT"), "description", "required"),
    ]
    for data, field_name, words in bad:
        with pytest.raises(ValidationError) as err:
            svc.add(w.physician, w.patient_id, data)
        assert field_of(err) == field_name, data
        assert words in err.value.reason, (data, err.value.reason)
    assert count(w, Problem) == 2  # nothing saved by a refusal

    snomed = svc.add(
        w.physician,
        w.patient_id,
        ProblemInput("404684003", "Clinical finding", code_system="SNOMED-CT"),
    )
    assert (snomed.code, snomed.code_system) == ("404684003", "SNOMED-CT")

    rows = audit_details(w, head)
    assert [a for a, _, _ in rows] == ["problem_add"] * 3
    assert all(p == w.patient_id for _, p, _ in rows)
    # Codes are clinical: they never reach the audit log.
    assert not any(c in json.dumps(d) for _, _, d in rows for c in ("E11", "I10", "404684003"))


def test_problems_are_edited_resolved_and_reactivated_safely(practice: Practice) -> None:
    w = make_world(practice)
    svc = ProblemService(w.db)
    doc, pid = w.physician, w.patient_id
    onset = dt.date(2020, 6, 1)
    p = svc.add(doc, pid, ProblemInput("J45.909", onset_date=onset))

    edited = svc.update(
        doc,
        p.id,
        ProblemInput("J45.909", note="Uses inhaler", onset_date=onset),
        expected_version=p.version,
    )
    assert edited.note == "Uses inhaler" and edited.version == p.version + 1
    # A second workstation saving with the version it loaded earlier is refused.
    with pytest.raises(ConflictError):
        svc.update(doc, p.id, ProblemInput("J45.909", note="Stale"), expected_version=p.version)
    with pytest.raises(ConflictError):
        svc.resolve(doc, p.id, expected_version=p.version)
    assert svc.list(doc, pid)[0].note == "Uses inhaler"

    for day, words in [(TOMORROW, "future"), (dt.date(2020, 5, 31), "before the onset")]:
        with pytest.raises(ValidationError) as err:
            svc.resolve(doc, p.id, resolved_date=day, expected_version=edited.version)
        assert field_of(err) == "resolved date" and words in err.value.reason
    done = svc.resolve(doc, p.id, expected_version=edited.version)
    assert done.status is ProblemStatus.RESOLVED and done.resolved_date == TODAY
    with pytest.raises(ValidationError, match="already resolved"):
        svc.resolve(doc, p.id, expected_version=done.version)

    # While it is resolved the same code may be added again (a new episode) ...
    again = svc.add(doc, pid, ProblemInput("J45.909"))
    # ... but then reactivating the old entry would make two active ones.
    with pytest.raises(ValidationError) as err:
        svc.reactivate(doc, p.id, expected_version=done.version)
    assert field_of(err) == "ICD-10 code"
    svc.resolve(doc, again.id, expected_version=again.version)
    back = svc.reactivate(doc, p.id, expected_version=done.version)
    assert back.status is ProblemStatus.ACTIVE and back.resolved_date is None

    # The update cannot be used to sneak in a duplicate either.
    htn = svc.add(doc, pid, ProblemInput("I10", onset_date=dt.date(2015, 1, 1)))
    with pytest.raises(ValidationError, match="already on the active problem list"):
        svc.update(doc, htn.id, ProblemInput("J45.909"), expected_version=htn.version)
    old = svc.add(doc, pid, ProblemInput("R51.9", onset_date=dt.date(2023, 1, 1)))
    svc.resolve(doc, old.id, expected_version=old.version)

    listed = svc.list(doc, pid)
    assert [r.code for r in listed] == ["J45.909", "I10", "R51.9", "J45.909"]
    assert [r.status for r in listed][:2] == [ProblemStatus.ACTIVE] * 2
    current = svc.list(doc, pid, include_resolved=False)
    assert [r.code for r in current] == ["J45.909", "I10"]

    head = audit_head_id(w.db)
    svc.update(doc, htn.id, ProblemInput("I10", note="Home BP log"), expected_version=htn.version)
    [(action, patient, details)] = audit_details(w, head)
    assert (action, patient) == ("problem_update", pid)
    assert details == {"fields": ["onset_date", "note"]}


# --- allergies ------------------------------------------------------------------------


def _state(w: World, patient_id: int) -> str:
    with w.db.unit_of_work() as s:
        return allergy_state(s, s.get(Patient, patient_id))


def test_no_known_allergies_is_recorded_never_assumed(practice: Practice) -> None:
    w = make_world(practice)
    svc = AllergyService(w.db)
    nurse = w.actor(Role.NURSE)
    pid = w.patient_id
    assert _state(w, pid) == "not recorded"  # an empty list is not "no allergies"

    head = audit_head_id(w.db)
    svc.mark_no_known_allergies(nurse, pid)
    assert _state(w, pid) == "nka"
    assert audit_details(w, head) == [("allergy_nka", pid, {})]

    pen = svc.add(nurse, pid, AllergyInput("Penicillin", reaction="Hives"))
    assert _state(w, pid) == "recorded"
    with w.db.unit_of_work() as s:
        assert s.get(Patient, pid).no_known_allergies is False  # adding one clears NKA

    head = audit_head_id(w.db)
    with pytest.raises(ValidationError) as err:
        svc.mark_no_known_allergies(nurse, pid)
    assert field_of(err) == "allergies" and "1 active allergy" in err.value.reason
    assert audit_head_id(w.db) == head and _state(w, pid) == "recorded"

    svc.inactivate(
        nurse, pen.id, status=RecordStatus.ENTERED_IN_ERROR, expected_version=pen.version
    )
    # Removing the last allergy does not bring NKA back: someone has to ask the patient.
    assert _state(w, pid) == "not recorded"
    svc.mark_no_known_allergies(nurse, pid)
    assert _state(w, pid) == "nka"


def test_allergies_are_classified_checked_and_listed(practice: Practice) -> None:
    w = make_world(practice)
    svc = AllergyService(w.db)
    nurse = w.actor(Role.NURSE)
    pid = w.patient_id
    head = audit_head_id(w.db)

    amox = svc.add(
        nurse, pid, AllergyInput("Amoxicillin", reaction="Rash", severity=AllergySeverity.MILD)
    )
    assert amox.ingredients == ("amoxicillin",) and amox.classes == ("penicillin",)
    assert amox.status is RecordStatus.ACTIVE and amox.recorded_by == "Nurse1"
    peanut = svc.add(
        nurse,
        pid,
        AllergyInput("Peanuts", AllergyCategory.FOOD, "Anaphylaxis", AllergySeverity.SEVERE),
    )
    assert peanut.ingredients == () and peanut.classes == ()  # only drugs are classified
    sulfa = svc.add(nurse, pid, AllergyInput("sulfa", severity=AllergySeverity.MODERATE))
    assert sulfa.classes == ("sulfonamide antibiotic",)

    bad: list[tuple[AllergyInput, str, str]] = [
        (AllergyInput("  "), "substance", "required"),
        (AllergyInput("AMOXICILLIN"), "substance", "already recorded"),
        (AllergyInput("Latex", onset_date=TOMORROW), "onset date", "future"),
        (AllergyInput("Latex", category="mineral"), "category", "must be one of"),  # type: ignore[arg-type]
        (AllergyInput("Latex", severity="deadly"), "severity", "must be one of"),  # type: ignore[arg-type]
        (AllergyInput("Latex", reaction="r" * 301), "reaction", "at most 300"),
    ]
    for data, field_name, words in bad:
        with pytest.raises(ValidationError) as err:
            svc.add(nurse, pid, data)
        assert field_of(err) == field_name and words in err.value.reason, data
    assert count(w, Allergy) == 3

    changed = svc.update(
        nurse,
        amox.id,
        AllergyInput("Cephalexin", reaction="Rash", severity=AllergySeverity.MILD),
        expected_version=amox.version,
    )
    assert changed.classes == ("cephalosporin",) and changed.version == amox.version + 1
    with pytest.raises(ConflictError):
        svc.update(nurse, amox.id, AllergyInput("Amoxicillin"), expected_version=amox.version)
    with pytest.raises(ValidationError, match="already recorded"):
        svc.update(nurse, changed.id, AllergyInput("Peanuts"), expected_version=changed.version)
    with pytest.raises(ValidationError) as err:
        svc.inactivate(nurse, sulfa.id, status=RecordStatus.ACTIVE, expected_version=sulfa.version)
    assert field_of(err) == "status"
    gone = svc.inactivate(nurse, sulfa.id, expected_version=sulfa.version)
    assert gone.status is RecordStatus.INACTIVE
    # The substance may be recorded again once the old entry is inactive.
    svc.add(nurse, pid, AllergyInput("Sulfa"))

    # Worst first, so the dangerous allergy tops the list; inactive ones only when asked.
    assert [a.substance for a in svc.list(nurse, pid)] == ["Peanuts", "Sulfa", "Cephalexin"]
    everything = svc.list(nurse, pid, include_inactive=True)
    assert [a.substance for a in everything][-1] == "sulfa"

    rows = audit_details(w, head)
    assert {a for a, _, _ in rows} == {"allergy_add", "allergy_update", "allergy_inactivate"}
    assert all(p == pid for _, p, _ in rows)
    text = json.dumps([d for _, _, d in rows]).lower()
    assert not any(word in text for word in ("amox", "peanut", "sulfa", "rash", "penicillin"))
