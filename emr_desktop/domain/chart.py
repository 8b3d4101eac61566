"""Chart DTOs: the banner, the summary and one row type per chart section."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Generic, TypeVar

from emr_desktop.domain.clinical import (
    AllergyCategory,
    AllergySeverity,
    AppointmentStatus,
    LabFlag,
    MedicationSource,
    MedicationStatus,
    NoteStatus,
    ProblemStatus,
    RecordStatus,
    ReferralStatus,
    RxStatus,
    Sex,
    Urgency,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a long list (newest first unless said otherwise)."""

    items: tuple[T, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class ProblemRow:
    """A problem-list entry."""

    id: int
    patient_id: int
    code: str
    code_system: str
    description: str
    onset_date: dt.date | None
    resolved_date: dt.date | None
    status: ProblemStatus
    note: str
    recorded_by: str
    recorded_at: dt.datetime
    version: int


@dataclass(frozen=True, slots=True)
class AllergyRow:
    """An allergy."""

    id: int
    patient_id: int
    substance: str
    ingredients: tuple[str, ...]
    classes: tuple[str, ...]
    category: AllergyCategory
    reaction: str
    severity: AllergySeverity
    status: RecordStatus
    onset_date: dt.date | None
    recorded_by: str
    recorded_at: dt.datetime
    version: int


@dataclass(frozen=True, slots=True)
class MedicationRow:
    """A medication-list entry."""

    id: int
    patient_id: int
    drug_name: str
    ingredients: tuple[str, ...]
    strength: str
    form: str
    route: str
    sig: str
    source: MedicationSource
    prescription_id: int | None
    status: MedicationStatus
    start_date: dt.date | None
    stop_date: dt.date | None
    stop_reason: str
    version: int
    rxnorm_code: str = ""


@dataclass(frozen=True, slots=True)
class VitalsRow:
    """One set of vital signs (metric units: mm[Hg], /min, Cel, %, kg, cm, kg/m2)."""

    id: int
    patient_id: int
    measured_at: dt.datetime
    systolic: int | None
    diastolic: int | None
    pulse: int | None
    respiration: int | None
    temperature_c: float | None
    spo2: int | None
    weight_kg: float | None
    height_cm: float | None
    bmi: float | None
    pain: int | None
    recorded_by: str


@dataclass(frozen=True, slots=True)
class LabRow:
    """A lab result with its reference range and flag."""

    id: int
    patient_id: int
    loinc: str
    name: str
    value: float | None
    value_text: str
    unit: str
    ref_low: float | None
    ref_high: float | None
    ref_text: str
    flag: LabFlag
    collected_at: dt.datetime
    resulted_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ImmunizationRow:
    """A vaccine given."""

    id: int
    patient_id: int
    cvx: str
    vaccine: str
    given_on: dt.date
    lot: str
    site: str
    route: str
    given_by: str
    status: RecordStatus


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """An attached document (without its bytes)."""

    id: int
    patient_id: int
    title: str
    media_type: str
    size_bytes: int
    document_date: dt.date | None
    uploaded_by: str
    uploaded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ReferralRow:
    """A referral to an outside specialist."""

    id: int
    patient_id: int
    to_name: str
    to_specialty: str
    to_organization: str
    to_phone: str
    to_fax: str
    reason: str
    clinical_question: str
    urgency: Urgency
    status: ReferralStatus
    sent_date: dt.date | None
    referring_provider: str
    created_at: dt.datetime
    version: int


@dataclass(frozen=True, slots=True)
class EncounterRow:
    """A visit in the visit list (without the note text)."""

    id: int
    patient_id: int
    occurred_at: dt.datetime
    kind: str
    reason: str
    provider: str
    status: NoteStatus
    signed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class AddendumRow:
    """Text added to a signed note."""

    id: int
    author: str
    created_at: dt.datetime
    text: str


@dataclass(frozen=True, slots=True)
class Note:
    """A visit with its whole SOAP note and addenda."""

    id: int
    patient_id: int
    occurred_at: dt.datetime
    kind: str
    reason: str
    provider_id: int | None
    provider: str
    subjective: str
    objective: str
    assessment: str
    plan: str
    status: NoteStatus
    signed_by: str
    signed_at: dt.datetime | None
    addenda: tuple[AddendumRow, ...]
    updated_at: dt.datetime
    version: int
    author_id: int | None = None  # who started the draft

    def may_edit(self, user_id: int, is_physician: bool) -> bool:
        """Whether that user may change this note: a draft, by its author or a physician."""
        if self.status is NoteStatus.SIGNED:
            return False
        return is_physician or self.author_id is None or self.author_id == user_id


@dataclass(frozen=True, slots=True)
class AppointmentRow:
    """An appointment as schedules and the chart show it (times are local wall-clock)."""

    id: int
    patient_id: int
    patient_name: str
    patient_mrn: str
    patient_birth_date: dt.date
    patient_phone: str
    provider_id: int
    provider: str
    start_at: dt.datetime
    duration_min: int
    kind: str
    reason: str
    room: str
    status: AppointmentStatus
    arrived_at: dt.datetime | None
    roomed_at: dt.datetime | None
    cancel_reason: str
    series_id: int | None
    version: int

    @property
    def end_at(self) -> dt.datetime:
        """When the appointment ends."""
        return self.start_at + dt.timedelta(minutes=self.duration_min)


@dataclass(frozen=True, slots=True)
class PrescriptionRow:
    """A prescription with its structured sig rendered as one sentence."""

    id: int
    patient_id: int
    prescriber_id: int | None
    prescriber: str
    drug_name: str
    ingredients: tuple[str, ...]
    strength: str
    form: str
    route: str
    dose: str
    dose_unit: str
    frequency: str
    duration_days: int | None
    prn: bool
    prn_indication: str
    sig: str
    quantity: str
    quantity_unit: str
    refills: int
    dispense_as_written: bool
    note_to_pharmacist: str
    status: RxStatus
    renewal_of_id: int | None
    requested_by: str
    signed_at: dt.datetime | None
    created_at: dt.datetime
    version: int


@dataclass(frozen=True, slots=True)
class Banner:
    """What the chart banner always shows: two identifiers, allergies, alerts."""

    patient_id: int
    mrn: str
    display_name: str
    birth_date: dt.date
    age: int
    sex_at_birth: Sex
    allergy_state: str  # "recorded", "nka" or "not recorded"
    allergies: tuple[str, ...]
    alerts: str
    active: bool
    merged_into_mrn: str | None


@dataclass(frozen=True, slots=True)
class ChartSummary:
    """Everything the chart's summary page shows, loaded in a fixed number of queries."""

    banner: Banner
    active_problems: tuple[ProblemRow, ...]
    active_medications: tuple[MedicationRow, ...]
    allergies: tuple[AllergyRow, ...]
    last_vitals: VitalsRow | None
    recent_labs: tuple[LabRow, ...]
    immunizations: tuple[ImmunizationRow, ...]
    immunizations_due: tuple[str, ...]
    upcoming_appointments: tuple[AppointmentRow, ...]
    encounter_count: int
    recent_encounters: tuple[EncounterRow, ...]
