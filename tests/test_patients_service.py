"""Registering, finding, editing and merging patients on a real encrypted database."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from conftest import Practice

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.sections import AllergyInput, ProblemInput, VitalsInput
from emr_desktop.domain.security import Actor, Role
from emr_desktop.errors import (
    ConflictError,
    DuplicateError,
    LockedRecordError,
    PermissionDenied,
    ValidationError,
)
from emr_desktop.models import AuditHead
from emr_desktop.services.chart.allergies import AllergyService
from emr_desktop.services.chart.observations import ObservationService
from emr_desktop.services.chart.problems import ProblemService
from emr_desktop.services.common.validation import luhn_digit
from emr_desktop.services.patients.registry import PatientService

JOHN = PatientInput("John", "Smith", dt.date(1975, 3, 2), Sex.MALE, phone_mobile="(555) 010-4567")


@pytest.fixture
def desk(practice: Practice) -> Actor:
    return practice.add_user("desk", Role.RECEPTIONIST)


def _head(practice: Practice) -> int:
    with practice.db.unit_of_work() as s:
        head = s.get(AuditHead, 1)
        return head.last_id if head else 0


def test_register_gives_a_checked_mrn_and_search_finds_names_in_any_order(
    practice: Practice, desk: Actor
) -> None:
    service = PatientService(practice.db)
    john = service.register(desk, JOHN)
    zoe = service.register(
        desk, PatientInput("Zoë", "García-López", dt.date(1980, 1, 9), Sex.FEMALE)
    )
    assert john.mrn[-1] == luhn_digit(john.mrn[:-1])
    found = lambda q: [p.id for p in service.search(desk, q)]  # noqa: E731
    assert found("smi jo") == [john.id]
    assert found("john smi") == [john.id]
    assert found("lopez zoe") == [zoe.id]  # accents folded, hyphenated parts both indexed
    assert found("GARC") == [zoe.id]
    for dob in ("03/02/1975", "1975-03-02", "3/2/75", "03021975"):
        assert found(dob) == [john.id], dob
    assert found("555-010-45") == [john.id]
    assert found(john.mrn) == [john.id]
    assert [p.family_name for p in service.search(desk, "")] == ["García-López", "Smith"]


def test_a_possible_duplicate_is_shown_and_registered_only_when_confirmed(
    practice: Practice, desk: Actor
) -> None:
    service = PatientService(practice.db)
    john = service.register(desk, JOHN)
    again = PatientInput("Jon", "Smith", dt.date(1975, 3, 2), Sex.MALE)
    before = _head(practice)
    with pytest.raises(DuplicateError) as caught:
        service.register(desk, again)
    assert [c.patient.id for c in caught.value.candidates] == [john.id]  # type: ignore[attr-defined]
    assert _head(practice) == before  # nothing written
    by_phone = PatientInput(
        "Mary", "Jones", dt.date(1990, 1, 1), Sex.FEMALE, phone_home="555 010 4567"
    )
    with pytest.raises(DuplicateError):
        service.register(desk, by_phone)
    second = service.register(desk, again, confirm_not_duplicate=True)
    assert second.id != john.id


def test_bad_input_names_the_field_and_saves_nothing(practice: Practice, desk: Actor) -> None:
    service = PatientService(practice.db)
    before = _head(practice)
    cases = {
        "family name": dataclasses.replace(JOHN, family_name="  "),
        "date of birth": dataclasses.replace(
            JOHN, birth_date=dt.date.today() + dt.timedelta(days=1)
        ),
        "mobile phone": dataclasses.replace(JOHN, phone_mobile="call me"),
        "e-mail": dataclasses.replace(JOHN, email="not-an-address"),
    }
    for field, data in cases.items():
        with pytest.raises(ValidationError) as caught:
            service.register(desk, data)
        assert caught.value.field == field
    assert _head(practice) == before
    assert service.search(desk, "") == []


def test_two_workstations_editing_one_patient_second_save_conflicts(
    practice: Practice, desk: Actor
) -> None:
    service = PatientService(practice.db)
    john = service.register(desk, JOHN)
    mine = service.get(desk, john.id)
    theirs = service.get(desk, john.id)
    service.update(
        desk,
        john.id,
        dataclasses.replace(mine.data, city="Springfield"),
        expected_version=mine.version,
    )
    with pytest.raises(ConflictError):
        service.update(
            desk,
            john.id,
            dataclasses.replace(theirs.data, city="Shelbyville"),
            expected_version=theirs.version,
        )
    assert service.get(desk, john.id).data.city == "Springfield"


def test_merge_moves_everything_and_the_old_record_points_to_the_kept_one(
    practice: Practice, desk: Actor
) -> None:
    doctor = practice.add_user("drmerge", Role.PHYSICIAN)
    service = PatientService(practice.db)
    keep = service.register(desk, JOHN)
    dupe = service.register(
        desk,
        PatientInput("Johnny", "Smith", dt.date(1975, 3, 2), Sex.MALE, email="js@example.org"),
        confirm_not_duplicate=True,
    )
    ProblemService(practice.db).add(doctor, dupe.id, ProblemInput(code="I10"))
    AllergyService(practice.db).add(doctor, dupe.id, AllergyInput(substance="Penicillin"))
    ObservationService(practice.db).record_vitals(doctor, dupe.id, VitalsInput(pulse=70))
    with pytest.raises(PermissionDenied):
        service.merge(desk, keep.id, dupe.id)
    merged = service.merge(doctor, keep.id, dupe.id)
    assert merged.data.email == "js@example.org"  # empty field filled in from the merged one
    assert [p.code for p in ProblemService(practice.db).list(doctor, keep.id)] == ["I10"]
    assert [a.substance for a in AllergyService(practice.db).list(doctor, keep.id)] == [
        "Penicillin"
    ]
    assert ObservationService(practice.db).vitals(doctor, keep.id).total == 1
    gone = service.get(desk, dupe.id)
    assert gone.merged_into_mrn == keep.mrn and not gone.active
    assert [p.id for p in service.search(desk, "smith", include_inactive=True)] == [keep.id]
    with pytest.raises(LockedRecordError):
        service.update(desk, dupe.id, gone.data, expected_version=gone.version)


@pytest.mark.parametrize("role", list(Role))
def test_front_desk_work_by_role(practice: Practice, role: Role) -> None:
    actor = practice.add_user(f"user-{role.value}", role)
    service = PatientService(practice.db)
    may_register = role is not Role.ADMIN
    if may_register:
        john = service.register(actor, JOHN)
        assert service.search(actor, "smith")[0].id == john.id
    else:
        with pytest.raises(PermissionDenied):
            service.register(actor, JOHN)
        assert service.search(actor, "smith") == []  # admin may look patients up (audit)
