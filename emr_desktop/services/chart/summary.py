"""Opening a chart: the banner and the summary in a fixed number of queries, one audit row.

Whatever the chart's size (a 900-visit dialysis patient or a newborn), opening it runs
the same eight indexed queries: active lists, the newest vitals and labs by index order
with a LIMIT, a count instead of loading history. Long histories are paged by the
section services.

The summary is read with Core statements built once at import, each selecting its DTO's
fields in order (user names joined in), so a row becomes its frozen DTO directly. Loading
~90 mapped objects through the ORM cost ten times the SQL itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import fields
from typing import Any, Protocol

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    FromClause,
    Integer,
    Row,
    Select,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import (
    AllergyRow,
    AppointmentRow,
    Banner,
    ChartSummary,
    EncounterRow,
    ImmunizationRow,
    LabRow,
    MedicationRow,
    ProblemRow,
    VitalsRow,
)
from emr_desktop.domain.clinical import (
    AppointmentStatus,
    MedicationStatus,
    ProblemStatus,
    RecordStatus,
)
from emr_desktop.domain.patients import PatientSummary, age_on
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import NotFound
from emr_desktop.models import (
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
from emr_desktop.persistence.batch import read_together
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.chart.allergies import NKA, NOT_RECORDED, RECORDED
from emr_desktop.services.common.chart_access import chart_read
from emr_desktop.services.common.rows import split_list

RECENT_LABS = 30
RECENT_ENCOUNTERS = 5
UPCOMING_APPOINTMENTS = 5


class ChartService:
    """Opening a patient's chart (clinical staff only)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def open(self, actor: Actor, patient_id: int) -> ChartSummary:
        """The banner and summary of the chart; writes one 'chart_open' audit row."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            result = load_summary(s, patient_id)
            pid = result.banner.patient_id
            chart_read(s, actor, pid, "chart", None, action="chart_open")
            return result

    def summary(self, actor: Actor, patient_id: int) -> ChartSummary:
        """Reload the summary of a chart this user already has open (after an edit).

        Not a new opening of the chart, but a read of it: audited as one.
        """
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            return chart_read(s, actor, patient_id, "summary", load_summary(s, patient_id))


class VaccineGiven(Protocol):
    """What the due-vaccine reminder reads of a vaccine given (a row or a model)."""

    @property
    def vaccine(self) -> str:
        """The vaccine's name."""

    @property
    def given_on(self) -> dt.date:
        """When it was given."""


def immunizations_due(
    birth_date: dt.date, given: Sequence[VaccineGiven], today: dt.date | None = None
) -> tuple[str, ...]:
    """Routine adult vaccines that look due (a reminder, simplified from the CDC adult
    schedule; children's schedules are not covered)."""
    today = today or dt.date.today()
    age = age_on(birth_date, today)
    if age < 19:
        return ()
    names = [(i.vaccine.lower(), i.given_on) for i in given]

    def last(*words: str) -> dt.date | None:
        dates = [d for name, d in names if any(w in name for w in words)]
        return max(dates) if dates else None

    due = []
    season_start = dt.date(today.year if today.month >= 8 else today.year - 1, 8, 1)
    flu = last("influenza", "flu")
    if flu is None or flu < season_start:
        due.append("Influenza (this season)")
    td = last("tdap", "td ", "tetanus")
    if td is None or (today - td).days > 3652:
        due.append("Tdap/Td booster (every 10 years)")
    if age >= 50:
        zoster = sum(1 for name, _ in names if "zoster" in name or "shingles" in name)
        if zoster < 2:
            due.append(f"Zoster, recombinant ({zoster} of 2 doses given)")
        if last("pneumococcal", "pcv", "ppsv") is None:
            due.append("Pneumococcal conjugate")
    return tuple(due)


# ---- the statements, built once ----------------------------------------------------------


def _table(model: type[Any]) -> FromClause:
    return sa_inspect(model).local_table  # type: ignore[no-any-return]


_PID: BindParameter[int] = bindparam("pid", type_=Integer)
_USERS = _table(User)
# A user id that matches no user shows as "", as the section services show it.
_USER_NAME = func.coalesce(_USERS.c.full_name, "")
_P, _A, _PR, _M = _table(Patient).c, _table(Allergy).c, _table(Problem).c, _table(Medication).c
_V, _L, _I = _table(VitalSigns).c, _table(LabResult).c, _table(Immunization).c
_E, _AP = _table(Encounter).c, _table(Appointment).c


def _dto_columns(
    dto: type[Any], model: type[Any], skip: tuple[str, ...] = (), **named: ColumnElement[Any]
) -> list[ColumnElement[Any]]:
    """The select list of ``dto``: its fields in order, each the model's column of that
    name or the expression in ``named`` (``skip``: fields filled in afterwards)."""
    columns = _table(model).c
    return [
        named[f.name].label(f.name) if f.name in named else columns[f.name]
        for f in fields(dto)
        if f.name not in skip
    ]


def _with_user(model: type[Any], user_id: ColumnElement[Any]) -> FromClause:
    return _table(model).outerjoin(_USERS, _USERS.c.id == user_id)


# The patient's columns, then the newest vital signs (VitalsRow's fields, from _VITALS_AT).
_PATIENT_COLUMNS = (
    "id",
    "mrn",
    "family_name",
    "given_name",
    "middle_name",
    "preferred_name",
    "birth_date",
    "sex_at_birth",
    "phone_mobile",
    "phone_home",
    "active",
    "alerts",
    "no_known_allergies",
)
_VITALS_AT = len(_PATIENT_COLUMNS) + 2


def _patient_stmt() -> Select[Any]:
    """The patient, the merged-into MRN, the visit count and the newest vital signs."""
    merged = _table(Patient).alias("merged")
    newest = _table(VitalSigns).alias("newest")
    newest_vitals = (
        select(newest.c.id)
        .where(newest.c.patient_id == _PID)
        .order_by(newest.c.measured_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            *(_P[name] for name in _PATIENT_COLUMNS),
            select(merged.c.mrn)
            .where(merged.c.id == _P.merged_into_id)
            .scalar_subquery()
            .label("merged_into_mrn"),
            select(func.count())
            .select_from(_table(Encounter))
            .where(_E.patient_id == _PID)
            .scalar_subquery()
            .label("encounter_count"),
            *_dto_columns(VitalsRow, VitalSigns, recorded_by=_USER_NAME),
        )
        .select_from(
            _table(Patient)
            .outerjoin(_table(VitalSigns), _V.id == newest_vitals)
            .outerjoin(_USERS, _USERS.c.id == _V.recorded_by_id)
        )
        .where(_P.id == _PID)
    )


_PATIENT = _patient_stmt()
_ALLERGIES = (
    select(*_dto_columns(AllergyRow, Allergy, recorded_by=_USER_NAME))
    .select_from(_with_user(Allergy, _A.recorded_by_id))
    .where(_A.patient_id == _PID, _A.status == RecordStatus.ACTIVE)
    .order_by(_A.substance)
)
_PROBLEMS = (
    select(*_dto_columns(ProblemRow, Problem, recorded_by=_USER_NAME))
    .select_from(_with_user(Problem, _PR.recorded_by_id))
    .where(_PR.patient_id == _PID, _PR.status == ProblemStatus.ACTIVE)
    .order_by(_PR.onset_date.desc(), _PR.id.desc())
)
_MEDICATIONS = (
    select(*_dto_columns(MedicationRow, Medication))
    .where(_M.patient_id == _PID, _M.status == MedicationStatus.ACTIVE)
    .order_by(_M.drug_name)
)
_LABS = (
    select(*_dto_columns(LabRow, LabResult))
    .where(_L.patient_id == _PID)
    .order_by(_L.collected_at.desc())
    .limit(RECENT_LABS)
)
_IMMUNIZATIONS = (
    select(*_dto_columns(ImmunizationRow, Immunization))
    .where(_I.patient_id == _PID, _I.status == RecordStatus.ACTIVE)
    .order_by(_I.given_on.desc())
)
_ENCOUNTERS = (
    select(*_dto_columns(EncounterRow, Encounter, provider=_USER_NAME))
    .select_from(_with_user(Encounter, _E.provider_id))
    .where(_E.patient_id == _PID)
    .order_by(_E.occurred_at.desc())
    .limit(RECENT_ENCOUNTERS)
)
# The patient's own identifiers come from the banner's row rather than a join.
_APPOINTMENT_PATIENT = ("patient_name", "patient_mrn", "patient_birth_date", "patient_phone")
_UPCOMING = (
    select(
        *_dto_columns(
            AppointmentRow, Appointment, skip=_APPOINTMENT_PATIENT, provider=_USERS.c.full_name
        )
    )
    .select_from(_table(Appointment).join(_USERS, _USERS.c.id == _AP.provider_id))
    .where(
        _AP.patient_id == _PID,
        _AP.start_at >= bindparam("since"),
        # Three equalities, not IN: an IN list is re-rendered on every execution.
        or_(
            _AP.status == AppointmentStatus.BOOKED,
            _AP.status == AppointmentStatus.ARRIVED,
            _AP.status == AppointmentStatus.IN_ROOM,
        ),
    )
    .order_by(_AP.start_at)
    .limit(UPCOMING_APPOINTMENTS)
)


# ---- rows to DTOs ------------------------------------------------------------------------


def _allergy(r: Row[Any]) -> AllergyRow:
    lists = {"ingredients": split_list(r.ingredients), "classes": split_list(r.classes)}
    return AllergyRow(**(r._asdict() | lists))


def _medication(r: Row[Any]) -> MedicationRow:
    return MedicationRow(**(r._asdict() | {"ingredients": split_list(r.ingredients)}))


def _banner(p: Row[Any], who: PatientSummary, allergies: tuple[AllergyRow, ...]) -> Banner:
    # The active-allergy list is what "recorded" means (services.allergies.allergy_state).
    state = RECORDED if allergies else NKA if p.no_known_allergies else NOT_RECORDED
    return Banner(
        patient_id=p.id,
        mrn=p.mrn,
        display_name=who.display_name,
        birth_date=p.birth_date,
        age=age_on(p.birth_date, dt.date.today()),
        sex_at_birth=p.sex_at_birth,
        allergy_state=state,
        allergies=tuple(
            f"{a.substance} ({a.reaction})" if a.reaction else a.substance for a in allergies
        ),
        alerts=p.alerts,
        active=p.active,
        merged_into_mrn=p.merged_into_mrn,
    )


def load_summary(s: Session, patient_id: int) -> ChartSummary:
    """Everything the summary shows, in a fixed number of indexed queries."""
    s.flush()  # the statements run on the connection, past the session's autoflush
    pid = {"pid": patient_id}
    since = dt.datetime.now().replace(second=0, microsecond=0) - dt.timedelta(hours=2)
    # One round trip on a practice server: the queries do not depend on one another.
    found, allergy_rows, immunization_rows, upcoming, problems, medications, labs, encounters = (
        read_together(
            s.connection(),
            [
                (_PATIENT, pid),
                (_ALLERGIES, pid),
                (_IMMUNIZATIONS, pid),
                (_UPCOMING, {"pid": patient_id, "since": since}),
                (_PROBLEMS, pid),
                (_MEDICATIONS, pid),
                (_LABS, pid),
                (_ENCOUNTERS, pid),
            ],
        )
    )
    if not found:
        raise NotFound("That patient record does not exist.")
    p = found[0]
    who = PatientSummary(
        id=p.id,
        mrn=p.mrn,
        family_name=p.family_name,
        given_name=p.given_name,
        middle_name=p.middle_name,
        preferred_name=p.preferred_name,
        birth_date=p.birth_date,
        sex_at_birth=p.sex_at_birth,
        phone=p.phone_mobile or p.phone_home,
        active=p.active,
    )
    allergies = tuple(_allergy(r) for r in allergy_rows)
    immunizations = tuple(ImmunizationRow(*r) for r in immunization_rows)
    vitals = p[_VITALS_AT:]
    return ChartSummary(
        banner=_banner(p, who, allergies),
        active_problems=tuple(ProblemRow(*r) for r in problems),
        active_medications=tuple(_medication(r) for r in medications),
        allergies=allergies,
        last_vitals=VitalsRow(*vitals) if vitals[0] is not None else None,
        recent_labs=tuple(LabRow(*r) for r in labs),
        immunizations=immunizations,
        immunizations_due=immunizations_due(p.birth_date, immunizations),
        upcoming_appointments=tuple(
            AppointmentRow(
                **r._asdict(),
                patient_name=who.display_name,
                patient_mrn=who.mrn,
                patient_birth_date=who.birth_date,
                patient_phone=who.phone,
            )
            for r in upcoming
        ),
        encounter_count=int(p.encounter_count or 0),
        recent_encounters=tuple(EncounterRow(*r) for r in encounters),
    )
