"""Clinical enums shared by models, services and screens."""

from __future__ import annotations

import enum


class Sex(enum.StrEnum):
    """Sex assigned at birth, as recorded."""

    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class ProblemStatus(enum.StrEnum):
    """Where a problem stands."""

    ACTIVE = "active"
    RESOLVED = "resolved"
    INACTIVE = "inactive"


class AllergySeverity(enum.StrEnum):
    """How bad the reaction was."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    UNKNOWN = "unknown"


class AllergyCategory(enum.StrEnum):
    """What kind of substance."""

    DRUG = "drug"
    FOOD = "food"
    ENVIRONMENT = "environment"
    OTHER = "other"


class RecordStatus(enum.StrEnum):
    """Status of an allergy or similar list entry."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    ENTERED_IN_ERROR = "entered-in-error"


class MedicationStatus(enum.StrEnum):
    """Whether the patient is taking it."""

    ACTIVE = "active"
    STOPPED = "stopped"


class MedicationSource(enum.StrEnum):
    """Where a medication list entry came from."""

    PRESCRIBED = "prescribed"
    REPORTED = "reported"


class NoteStatus(enum.StrEnum):
    """A visit note is a draft until signed; signed notes are read-only."""

    DRAFT = "draft"
    SIGNED = "signed"


class LabFlag(enum.StrEnum):
    """Abnormal flag of a lab result."""

    NORMAL = "N"
    LOW = "L"
    HIGH = "H"
    CRITICAL_LOW = "LL"
    CRITICAL_HIGH = "HH"
    ABNORMAL = "A"


class ReferralStatus(enum.StrEnum):
    """Where a referral stands."""

    DRAFT = "draft"
    SENT = "sent"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Urgency(enum.StrEnum):
    """How soon the specialist should see the patient."""

    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENT = "emergent"


class AppointmentStatus(enum.StrEnum):
    """booked -> arrived -> in room -> completed, or cancelled / no-show."""

    BOOKED = "booked"
    ARRIVED = "arrived"
    IN_ROOM = "in_room"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class RxStatus(enum.StrEnum):
    """A prescription's life: draft (or a nurse's renewal request) -> signed, or cancelled."""

    DRAFT = "draft"
    RENEWAL_REQUESTED = "renewal_requested"
    SIGNED = "signed"
    CANCELLED = "cancelled"
