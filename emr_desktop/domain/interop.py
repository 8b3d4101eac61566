"""FHIR interchange DTOs: a whole chart handed to the exporter, what the importer read from a
Bundle, and what an import did (per bundle and in total)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from emr_desktop.domain.chart import (
    AllergyRow,
    AppointmentRow,
    ImmunizationRow,
    LabRow,
    MedicationRow,
    Note,
    PrescriptionRow,
    ProblemRow,
    VitalsRow,
)
from emr_desktop.domain.clinical import (
    AllergyCategory,
    AllergySeverity,
    AppointmentStatus,
    MedicationStatus,
    ProblemStatus,
    RecordStatus,
)
from emr_desktop.domain.patients import PatientDetails, PatientInput
from emr_desktop.domain.sections import LabInput, VitalsInput


@dataclass(frozen=True, slots=True)
class ChartExport:
    """Everything one patient's FHIR Bundle holds, already loaded (all history, not pages)."""

    patient: PatientDetails
    problems: tuple[ProblemRow, ...]
    allergies: tuple[AllergyRow, ...]
    medications: tuple[MedicationRow, ...]
    prescriptions: tuple[PrescriptionRow, ...]  # those the medication list points at
    vitals: tuple[VitalsRow, ...]
    labs: tuple[LabRow, ...]
    immunizations: tuple[ImmunizationRow, ...]
    notes: tuple[Note, ...]  # signed notes with their addenda
    appointments: tuple[AppointmentRow, ...]
    generated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ImportedProblem:
    """A Condition as read: ICD-10-CM, SNOMED-CT or another system's code and text."""

    code: str
    code_system: str
    description: str
    status: ProblemStatus
    onset_date: dt.date | None
    resolved_date: dt.date | None
    note: str


@dataclass(frozen=True, slots=True)
class ImportedAllergy:
    """An AllergyIntolerance as read (not "no known allergies": that is a flag)."""

    substance: str
    category: AllergyCategory
    reaction: str
    severity: AllergySeverity
    status: RecordStatus
    onset_date: dt.date | None


@dataclass(frozen=True, slots=True)
class ImportedMedication:
    """A MedicationRequest as read, for the medication list."""

    drug_name: str
    strength: str
    form: str
    route: str
    sig: str
    status: MedicationStatus
    start_date: dt.date | None
    stop_date: dt.date | None
    stop_reason: str
    rxnorm_code: str = ""


@dataclass(frozen=True, slots=True)
class ImportedImmunization:
    """An Immunization as read."""

    cvx: str
    vaccine: str
    given_on: dt.date
    lot: str
    site: str
    route: str
    given_by: str
    status: RecordStatus


@dataclass(frozen=True, slots=True)
class ImportedVitals:
    """One set of vital signs as read; ``bmi`` as the sender computed it (None: compute it)."""

    values: VitalsInput
    bmi: float | None


@dataclass(frozen=True, slots=True)
class ImportedAddendum:
    """An addendum to a signed note: who wrote it (as a name) and when."""

    author: str
    created_at: dt.datetime
    text: str


@dataclass(frozen=True, slots=True)
class ImportedVisit:
    """An Encounter with its note sections (empty when the bundle carried no note)."""

    occurred_at: dt.datetime
    kind: str
    reason: str
    provider: str
    subjective: str = ""
    objective: str = ""
    assessment: str = ""
    plan: str = ""
    signed_by: str = ""
    signed_at: dt.datetime | None = None
    addenda: tuple[ImportedAddendum, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportedAppointment:
    """An Appointment as read (local wall-clock start, as the schedule keeps it)."""

    start_at: dt.datetime
    duration_min: int
    kind: str
    reason: str
    provider: str
    status: AppointmentStatus
    cancel_reason: str
    room: str = ""


@dataclass(frozen=True, slots=True)
class BundleContent:
    """What one Bundle holds for one patient, parsed but not yet checked against the database.

    ``skipped`` counts what was left out and why ("Claim": 7, "Observation (survey)": 10).
    """

    patient: PatientInput
    no_known_allergies: bool
    problems: tuple[ImportedProblem, ...] = ()
    allergies: tuple[ImportedAllergy, ...] = ()
    medications: tuple[ImportedMedication, ...] = ()
    vitals: tuple[ImportedVitals, ...] = ()
    labs: tuple[LabInput, ...] = ()
    immunizations: tuple[ImportedImmunization, ...] = ()
    visits: tuple[ImportedVisit, ...] = ()
    appointments: tuple[ImportedAppointment, ...] = ()
    skipped: dict[str, int] = field(default_factory=dict)
    deceased: bool = False  # a new record of a deceased patient is registered inactive


class ImportOutcome(enum.StrEnum):
    """What happened to one bundle."""

    IMPORTED = "imported"  # a new patient was registered with the bundle's content
    MERGED = "merged"  # matched an existing patient: new content added, duplicates skipped
    FAILED = "failed"  # nothing was written (the message says why)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """One bundle's import. Counts are per kind of record ("problems", "lab results", ...)."""

    source: str
    outcome: ImportOutcome
    patient_id: int | None = None
    mrn: str = ""
    added: dict[str, int] = field(default_factory=dict)
    already_present: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    possible_duplicates: tuple[str, ...] = ()  # MRNs of similar, unmatched patients
    message: str = ""

    @property
    def added_total(self) -> int:
        """How many records were written."""
        return sum(self.added.values())


@dataclass(frozen=True, slots=True)
class ImportReport:
    """Every bundle of a multi-file import."""

    results: tuple[ImportResult, ...]

    def count(self, outcome: ImportOutcome) -> int:
        """How many bundles ended with ``outcome``."""
        return sum(1 for r in self.results if r.outcome is outcome)
