"""The problem list: add, edit, resolve and reactivate coded problems (physicians only)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import ProblemRow
from emr_desktop.domain.clinical import ProblemStatus
from emr_desktop.domain.sections import ICD10_CM, ProblemInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ConflictError, NotFound, ValidationError
from emr_desktop.models import Patient, Problem
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.chart_access import chart_read
from emr_desktop.services.common.records import get_patient, user_names
from emr_desktop.services.common.rows import problem_row

ICD_FIELD = "ICD-10 code"
_EDITABLE = ("code", "code_system", "description", "onset_date", "status", "note")


@dataclass(frozen=True, slots=True)
class _Clean:
    """A validated problem entry, ready to store."""

    code: str
    code_system: str
    description: str
    onset_date: dt.date | None
    status: ProblemStatus
    note: str


def _code_field(code_system: str) -> str:
    return ICD_FIELD if code_system == ICD10_CM else "code"


def clean_problem(data: ProblemInput) -> _Clean:
    """Validate a problem entry: an ICD-10-CM code must exist; other systems need a description.

    An ICD-10-CM code is stored in its dotted form and, when no description was typed,
    with the official description.
    """
    system = v.text("code system", data.code_system, max_len=20) or ICD10_CM
    if system.upper().replace("-", "") == "ICD10CM":
        system = ICD10_CM
    field = _code_field(system)
    code = v.text(field, data.code, max_len=20, required=True)
    description = v.text("description", data.description, max_len=300)
    if system == ICD10_CM:
        from emr_desktop.reference import icd10

        if not icd10.is_valid(code):
            raise ValidationError(field, f"{code} is not an ICD-10-CM code")
        info = icd10.describe(code)
        if info is not None:
            code = info.code
            description = description or info.description[:300]
    elif not description:
        raise ValidationError("description", "is required for a code outside ICD-10-CM")
    v.not_future("onset date", data.onset_date)
    return _Clean(
        code=code,
        code_system=system,
        description=description,
        onset_date=data.onset_date,
        status=v.choice("status", ProblemStatus, data.status),
        note=v.text("note", data.note, max_len=4000),
    )


def _check_patient_dates(patient: Patient, onset: dt.date | None) -> None:
    if onset is not None and onset < patient.birth_date:
        raise ValidationError("onset date", "cannot be before the patient's date of birth")


def _refuse_duplicate(
    s: Session, patient_id: int, code: str, system: str, *, exclude_id: int | None = None
) -> None:
    """An active problem with the same code is refused: edit the existing entry instead."""
    stmt = select(Problem.id).where(
        Problem.patient_id == patient_id,
        Problem.code == code,
        Problem.code_system == system,
        Problem.status == ProblemStatus.ACTIVE,
    )
    if exclude_id is not None:
        stmt = stmt.where(Problem.id != exclude_id)
    if s.scalar(stmt.limit(1)) is not None:
        raise ValidationError(
            _code_field(system),
            f"{code} is already on the active problem list; edit that entry instead",
        )


def _resolved_date(
    status: ProblemStatus, onset: dt.date | None, resolved: dt.date | None
) -> dt.date | None:
    """The resolved date a status implies (today unless given), checked against the onset."""
    if status != ProblemStatus.RESOLVED:
        return None
    day = resolved or dt.date.today()
    v.not_future("resolved date", day)
    if onset is not None and day < onset:
        raise ValidationError("resolved date", "cannot be before the onset date")
    return day


class ProblemService:
    """A patient's problem list. Physicians change it; every clinician may read it."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _load(self, s: Session, problem_id: int, expected_version: int) -> Problem:
        p = s.get(Problem, problem_id)
        if p is None:
            raise NotFound("That problem does not exist.")
        get_patient(s, p.patient_id, writable=True)
        if p.version != expected_version:
            raise ConflictError(
                "Someone else saved this problem while you were editing. "
                "Nothing was overwritten; reopen the problem list to see their changes."
            )
        return p

    def _row(self, s: Session, p: Problem) -> ProblemRow:
        s.flush()  # the new version and defaults
        return problem_row(p, user_names(s, {p.recorded_by_id}))

    def add(self, actor: Actor, patient_id: int, data: ProblemInput) -> ProblemRow:
        """Add a problem; a second active entry with the same code is refused."""
        require(actor, Permission.PROBLEM_EDIT)
        c = clean_problem(data)
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            _check_patient_dates(patient, c.onset_date)
            if c.status == ProblemStatus.ACTIVE:
                _refuse_duplicate(s, patient.id, c.code, c.code_system)
            p = Problem(
                patient_id=patient.id,
                resolved_date=_resolved_date(c.status, c.onset_date, None),
                recorded_by_id=actor.user_id,
                **dataclasses.asdict(c),
            )
            s.add(p)
            s.flush()
            record(
                s, actor, "problem_add", entity="problem", entity_id=p.id, patient_id=p.patient_id
            )
            return self._row(s, p)

    def update(
        self, actor: Actor, problem_id: int, data: ProblemInput, *, expected_version: int
    ) -> ProblemRow:
        """Save an edited problem; ConflictError if someone saved since ``expected_version``."""
        require(actor, Permission.PROBLEM_EDIT)
        c = clean_problem(data)
        with self._db.unit_of_work(actor) as s:
            p = self._load(s, problem_id, expected_version)
            _check_patient_dates(get_patient(s, p.patient_id), c.onset_date)
            if c.status == ProblemStatus.ACTIVE:
                _refuse_duplicate(s, p.patient_id, c.code, c.code_system, exclude_id=p.id)
            resolved = p.resolved_date if p.status == ProblemStatus.RESOLVED else None
            changed = [f for f in _EDITABLE if getattr(p, f) != getattr(c, f)]
            for f in _EDITABLE:
                setattr(p, f, getattr(c, f))
            p.resolved_date = _resolved_date(c.status, c.onset_date, resolved)
            record(
                s,
                actor,
                "problem_update",
                entity="problem",
                entity_id=p.id,
                patient_id=p.patient_id,
                details={"fields": changed},
            )
            return self._row(s, p)

    def resolve(
        self,
        actor: Actor,
        problem_id: int,
        *,
        resolved_date: dt.date | None = None,
        expected_version: int,
    ) -> ProblemRow:
        """Mark a problem resolved (today unless a date is given; not before its onset)."""
        require(actor, Permission.PROBLEM_EDIT)
        with self._db.unit_of_work(actor) as s:
            p = self._load(s, problem_id, expected_version)
            if p.status == ProblemStatus.RESOLVED:
                raise ValidationError("status", "this problem is already resolved")
            p.resolved_date = _resolved_date(ProblemStatus.RESOLVED, p.onset_date, resolved_date)
            p.status = ProblemStatus.RESOLVED
            record(
                s,
                actor,
                "problem_resolve",
                entity="problem",
                entity_id=p.id,
                patient_id=p.patient_id,
            )
            return self._row(s, p)

    def reactivate(self, actor: Actor, problem_id: int, *, expected_version: int) -> ProblemRow:
        """Make a resolved or inactive problem active again (a recurrence)."""
        require(actor, Permission.PROBLEM_EDIT)
        with self._db.unit_of_work(actor) as s:
            p = self._load(s, problem_id, expected_version)
            if p.status == ProblemStatus.ACTIVE:
                raise ValidationError("status", "this problem is already active")
            _refuse_duplicate(s, p.patient_id, p.code, p.code_system, exclude_id=p.id)
            p.status = ProblemStatus.ACTIVE
            p.resolved_date = None
            record(
                s,
                actor,
                "problem_reactivate",
                entity="problem",
                entity_id=p.id,
                patient_id=p.patient_id,
            )
            return self._row(s, p)

    def list(
        self, actor: Actor, patient_id: int, *, include_resolved: bool = True
    ) -> list[ProblemRow]:
        """The problem list: active first, then by onset (newest first, unknown onset last)."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            get_patient(s, patient_id)
            stmt = select(Problem).where(Problem.patient_id == patient_id)
            if not include_resolved:
                stmt = stmt.where(Problem.status != ProblemStatus.RESOLVED)
            problems = list(s.scalars(stmt))
            names = user_names(s, {p.recorded_by_id for p in problems})
            problems.sort(
                key=lambda p: (
                    p.status != ProblemStatus.ACTIVE,
                    p.onset_date is None,
                    -(p.onset_date.toordinal() if p.onset_date else 0),
                    -p.id,
                )
            )
            return chart_read(
                s, actor, patient_id, "problems", [problem_row(p, names) for p in problems]
            )
