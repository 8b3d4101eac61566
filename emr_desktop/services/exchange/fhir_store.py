"""Storing one imported FHIR bundle: match the patient by the duplicate rules, then add the
clinical content in bulk, skipping what the chart already holds (one query per table for
what is there, one flush for what is new).

Records keep their own validators (problems, allergies, vitals, labs), so imported data
obeys the same rules as typed data; a record they refuse is skipped and counted, while a
broken bundle (a malformed date) was already refused whole by the reader.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.clinical import MedicationSource, NoteStatus, RecordStatus
from emr_desktop.domain.interop import BundleContent, ImportedVisit, ImportOutcome, ImportResult
from emr_desktop.domain.notes import SOAP_FIELDS
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.sections import AllergyInput, ProblemInput
from emr_desktop.domain.security import Actor, Role
from emr_desktop.errors import ValidationError
from emr_desktop.models import (
    Addendum,
    Allergy,
    Appointment,
    Encounter,
    Immunization,
    LabResult,
    Medication,
    Patient,
    Problem,
    User,
    VitalSigns,
)
from emr_desktop.reference.drug_names import resolve_drug
from emr_desktop.services.chart.allergies import clean_allergy
from emr_desktop.services.chart.immunizations import normalize_cvx
from emr_desktop.services.chart.notes import section_text
from emr_desktop.services.chart.observations import bmi as body_mass_index
from emr_desktop.services.chart.observations import clean_lab, clean_vitals
from emr_desktop.services.chart.problems import clean_problem
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.rows import join_list
from emr_desktop.services.patients.registry import clean_input, find_duplicates, next_mrn
from emr_desktop.services.patients.search import fold, reindex

SAME_PERSON = "same name and date of birth"
T = TypeVar("T")
A = TypeVar("A")


class _Tally:
    """What was added, found already present and skipped, per kind of record."""

    def __init__(self, skipped: dict[str, int]) -> None:
        self.added: Counter[str] = Counter()
        self.present: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter(skipped)

    def new(self, kind: str, key: Hashable, seen: set[Any]) -> bool:
        """Whether a record with ``key`` is new (and remember it, so a bundle's own repeats
        count as present too)."""
        if key in seen:
            self.present[kind] += 1
            return False
        seen.add(key)
        self.added[kind] += 1
        return True


def _keys(s: Session, columns: Iterable[Any], patient_id: int, model: Any) -> set[Any]:
    cols = list(columns)
    rows = s.execute(select(*cols).where(model.patient_id == patient_id))
    return {tuple(r) for r in rows}


def _match(s: Session, data: PatientInput) -> tuple[Patient | None, tuple[str, ...]]:
    """The existing patient this is (same name and date of birth), and other look-alikes."""
    cleaned, mobile, home = clean_input(data)
    candidates = find_duplicates(s, cleaned, mobile, home)
    same = [c for c in candidates if SAME_PERSON in c.reasons]
    if len(same) > 1:
        mrns = ", ".join(c.patient.mrn for c in same)
        raise ValidationError(
            "patient", f"matches several existing patients (MRN {mrns}); merge them first"
        )
    others = tuple(c.patient.mrn for c in candidates if SAME_PERSON not in c.reasons)
    return (s.get(Patient, same[0].patient.id) if same else None), others


def _register(s: Session, data: PatientInput, *, deceased: bool) -> Patient:
    cleaned, mobile, home = clean_input(data)
    p = Patient(mrn=next_mrn(s), active=not deceased, no_known_allergies=False)
    for name, value in dataclasses.asdict(cleaned).items():
        setattr(p, name, value)
    p.mobile_digits, p.home_digits = mobile, home
    s.add(p)
    s.flush()
    reindex(s, p)
    return p


def _checked(tally: _Tally, what: str, check: Callable[[A], T], value: A) -> T | None:
    """``check(value)``, or None (counted as skipped) when the validator refuses it."""
    try:
        return check(value)
    except ValidationError as err:
        tally.skipped[f"{what} refused ({err.field})"] += 1
        return None


def _note_sections(x: ImportedVisit) -> dict[str, str]:
    return {f: section_text(f, getattr(x, f)) for f in SOAP_FIELDS}


class _Store:
    """Adds one bundle's content to one patient's chart."""

    def __init__(self, s: Session, actor: Actor, patient: Patient, tally: _Tally) -> None:
        self.s, self.actor, self.p, self.tally = s, actor, patient, tally
        users = s.execute(select(User.id, User.full_name, User.role)).all()
        self.users = {fold(u.full_name): u.id for u in users}
        self.physicians = {fold(u.full_name): u.id for u in users if u.role is Role.PHYSICIAN}
        self.rows: list[Any] = []

    def problems(self, content: BundleContent) -> None:
        """Conditions, checked like typed problems (an ICD-10-CM code must exist)."""
        seen = _keys(
            self.s, (Problem.code_system, Problem.code, Problem.onset_date), self.p.id, Problem
        )
        for x in content.problems:
            data = ProblemInput(
                x.code, x.description, x.onset_date, x.status, x.note, x.code_system
            )
            c = _checked(self.tally, "Condition", clean_problem, data)
            if c is None or not self.tally.new(
                "problems", (c.code_system, c.code, c.onset_date), seen
            ):
                continue
            self.rows.append(
                Problem(
                    patient_id=self.p.id,
                    recorded_by_id=self.actor.user_id,
                    resolved_date=x.resolved_date,
                    **dataclasses.asdict(c),
                )
            )

    def allergies(self, content: BundleContent) -> None:
        """Allergies (classified for the safety checks) and "no known allergies"."""
        seen = _keys(self.s, (Allergy.substance, Allergy.status), self.p.id, Allergy)
        seen = {(str(k[0]).casefold(), k[1]) for k in seen}
        for x in content.allergies:
            data = AllergyInput(x.substance, x.category, x.reaction, x.severity, x.onset_date)
            c = _checked(self.tally, "AllergyIntolerance", clean_allergy, data)
            if c is None or not self.tally.new(
                "allergies", (c.substance.casefold(), x.status), seen
            ):
                continue
            self.rows.append(
                Allergy(
                    patient_id=self.p.id,
                    status=x.status,
                    recorded_by_id=self.actor.user_id,
                    **dataclasses.asdict(c),
                )
            )
            if x.status is RecordStatus.ACTIVE and self.p.no_known_allergies:
                self.p.no_known_allergies = False
        if content.no_known_allergies and not self.p.no_known_allergies:
            active = self.s.scalar(
                select(Allergy.id)
                .where(Allergy.patient_id == self.p.id, Allergy.status == RecordStatus.ACTIVE)
                .limit(1)
            )
            pending = any(
                isinstance(r, Allergy) and r.status is RecordStatus.ACTIVE for r in self.rows
            )
            if active is None and not pending:
                self.p.no_known_allergies = True
                self.tally.added["no known allergies"] += 1

    def medications(self, content: BundleContent) -> None:
        """Medication-list entries, as reported ones: they were not prescribed here."""
        cols = (Medication.drug_name, Medication.strength, Medication.start_date)
        seen = {(str(k[0]).casefold(), *k[1:]) for k in _keys(self.s, cols, self.p.id, Medication)}
        for x in content.medications:
            if not self.tally.new(
                "medications", (x.drug_name.casefold(), x.strength, x.start_date), seen
            ):
                continue
            self.rows.append(
                Medication(
                    patient_id=self.p.id,
                    ingredients=join_list(resolve_drug(x.drug_name, x.rxnorm_code).ingredients)[
                        :500
                    ],
                    source=MedicationSource.REPORTED,
                    recorded_by_id=self.actor.user_id,
                    **dataclasses.asdict(x),
                )
            )

    def vitals(self, content: BundleContent) -> None:
        """Sets of vital signs, checked against the same plausible ranges as typed ones."""
        seen = _keys(self.s, (VitalSigns.measured_at,), self.p.id, VitalSigns)
        for x in content.vitals:
            checked = _checked(self.tally, "Vital signs", clean_vitals, x.values)
            if checked is None or not self.tally.new("vital signs", (checked[0],), seen):
                continue
            when, values = checked
            row = VitalSigns(
                patient_id=self.p.id, measured_at=when, recorded_by_id=self.actor.user_id, **values
            )
            row.bmi = x.bmi
            if row.bmi is None and row.weight_kg and row.height_cm:
                row.bmi = body_mass_index(row.weight_kg, row.height_cm)
            self.rows.append(row)

    def labs(self, content: BundleContent) -> None:
        """Lab results, checked and flagged like entered ones."""
        cols = (LabResult.loinc, LabResult.name, LabResult.collected_at)
        seen = {(k[0] or k[1], k[2]) for k in _keys(self.s, cols, self.p.id, LabResult)}
        for x in content.labs:
            c = _checked(self.tally, "Lab result", clean_lab, x)
            if c is None or not self.tally.new(
                "lab results", (c["loinc"] or c["name"], c["collected_at"]), seen
            ):
                continue
            self.rows.append(
                LabResult(patient_id=self.p.id, recorded_by_id=self.actor.user_id, **c)
            )

    def immunizations(self, content: BundleContent) -> None:
        """Vaccines given."""
        seen = _keys(self.s, (Immunization.cvx, Immunization.given_on), self.p.id, Immunization)
        for x in content.immunizations:
            cvx = _checked(self.tally, "Immunization", normalize_cvx, x.cvx)
            if cvx is None or not self.tally.new("immunizations", (cvx, x.given_on), seen):
                continue
            fields = {**dataclasses.asdict(x), "cvx": cvx}
            self.rows.append(
                Immunization(patient_id=self.p.id, recorded_by_id=self.actor.user_id, **fields)
            )

    def appointments(self, content: BundleContent) -> None:
        """Appointments with a physician of this practice (matched by name)."""
        cols = (Appointment.start_at, Appointment.provider_id)
        seen = _keys(self.s, cols, self.p.id, Appointment)
        for x in content.appointments:
            provider = self.physicians.get(fold(x.provider))
            if provider is None:
                self.tally.skipped["Appointment with a provider who is not a physician here"] += 1
                continue
            if not self.tally.new("appointments", (x.start_at, provider), seen):
                continue
            fields = dataclasses.asdict(x)
            del fields["provider"]
            self.rows.append(
                Appointment(
                    patient_id=self.p.id,
                    provider_id=provider,
                    created_by_id=self.actor.user_id,
                    **fields,
                )
            )

    def visits(self, content: BundleContent) -> None:
        """Visits with their notes (signed: history is read-only) and new addenda."""
        existing = {
            (e.occurred_at, e.kind): e
            for e in self.s.scalars(select(Encounter).where(Encounter.patient_id == self.p.id))
        }
        have = {
            (a.encounter_id, a.created_at)
            for a in self.s.scalars(
                select(Addendum).join(Encounter).where(Encounter.patient_id == self.p.id)
            )
        }
        pairs: list[tuple[Encounter, ImportedVisit]] = []
        for x in content.visits:
            kind = x.kind or "Office visit"
            enc = existing.get((x.occurred_at, kind))
            if enc is not None:
                self.tally.present["visits"] += 1
                if enc.status is NoteStatus.SIGNED:
                    pairs.append((enc, x))
                continue
            sections = _checked(
                self.tally,
                "Visit note",
                _note_sections,
                x,
            )
            if sections is None:
                continue
            enc = Encounter(
                patient_id=self.p.id,
                provider_id=self.physicians.get(fold(x.provider)),
                occurred_at=x.occurred_at,
                kind=kind,
                reason=x.reason,
                status=NoteStatus.SIGNED,  # an outside record is history: read-only here
                signed_by_id=self.users.get(fold(x.signed_by)),
                signed_at=x.signed_at or x.occurred_at,
                created_by_id=self.actor.user_id,
                **sections,
            )
            existing[(x.occurred_at, kind)] = enc
            self.tally.added["visits"] += 1
            self.s.add(enc)
            pairs.append((enc, x))
        self.s.flush()  # the new encounters' ids, for their addenda
        for enc, x in pairs:
            for a in x.addenda:
                if (enc.id, a.created_at) in have:
                    self.tally.present["addenda"] += 1
                    continue
                have.add((enc.id, a.created_at))
                author = self.users.get(fold(a.author))
                text = a.text
                if author is None and a.author:  # keep who wrote it when they are not a user here
                    text = f"[Addendum by {a.author}, imported]\n{a.text}"
                self.tally.added["addenda"] += 1
                self.rows.append(
                    Addendum(
                        encounter_id=enc.id,
                        author_id=author or self.actor.user_id,
                        created_at=a.created_at,
                        text=text,
                    )
                )


def store_bundle(s: Session, actor: Actor, content: BundleContent, source: str) -> ImportResult:
    """Add one bundle's patient and content in the caller's transaction; audited."""
    patient, look_alikes = _match(s, content.patient)
    outcome = ImportOutcome.MERGED if patient is not None else ImportOutcome.IMPORTED
    if patient is None:
        patient = _register(s, content.patient, deceased=content.deceased)
    tally = _Tally(content.skipped)
    store = _Store(s, actor, patient, tally)
    store.problems(content)
    store.allergies(content)
    store.medications(content)
    store.vitals(content)
    store.labs(content)
    store.immunizations(content)
    store.appointments(content)
    store.visits(content)
    s.add_all(store.rows)
    s.flush()
    record(
        s,
        actor,
        "fhir_import",
        entity="patient",
        entity_id=patient.id,
        patient_id=patient.id,
        details={
            "outcome": outcome.value,
            "added": dict(tally.added),
            "already_present": dict(tally.present),
            "skipped": sum(tally.skipped.values()),
        },
    )
    return ImportResult(
        source=source,
        outcome=outcome,
        patient_id=patient.id,
        mrn=patient.mrn,
        added=dict(tally.added),
        already_present=dict(tally.present),
        skipped=dict(tally.skipped),
        possible_duplicates=look_alikes,
    )
