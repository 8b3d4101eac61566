"""Lab orders, results to review, tasks and recalls: enums and frozen DTOs."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from emr_desktop.domain.clinical import LabFlag


class OrderStatus(enum.StrEnum):
    """An order is pending until results arrive (partly or fully), or cancelled."""

    PENDING = "pending"
    PARTIAL = "partial"
    RESULTED = "resulted"
    CANCELLED = "cancelled"


class ReviewStatus(enum.StrEnum):
    """A result waits in the ordering physician's inbox until signed off."""

    TO_REVIEW = "to_review"
    SIGNED = "signed"


class TaskStatus(enum.StrEnum):
    """A task is open until done (or cancelled); either way it stays in the chart's history."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class RecallKind(enum.StrEnum):
    """Why a patient is due."""

    IMMUNIZATION = "immunization"
    FOLLOW_UP = "follow_up"
    WELLNESS = "wellness"
    SCREENING = "screening"


class RecallStatus(enum.StrEnum):
    """Open until booked or done; closed recalls stay in history."""

    OPEN = "open"
    BOOKED = "booked"
    DONE = "done"
    CANCELLED = "cancelled"


CRITICAL_FLAGS = frozenset({LabFlag.CRITICAL_LOW, LabFlag.CRITICAL_HIGH})


@dataclass(frozen=True, slots=True)
class OrderInput:
    """What the physician orders: LOINC codes from the orderables table, a reason."""

    codes: tuple[str, ...]
    problem_id: int | None = None
    diagnosis_codes: tuple[str, ...] = ()
    specimen_notes: str = ""
    lab_name: str = ""


@dataclass(frozen=True, slots=True)
class OrderTestRow:
    """One ordered test or panel."""

    loinc: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One lab order as the chart and the inbox show it."""

    id: int
    patient_id: int
    mrn: str
    patient_name: str
    ordering_provider_id: int
    ordering_provider: str
    ordered_at: dt.datetime
    status: OrderStatus
    tests: tuple[OrderTestRow, ...]
    diagnosis_codes: tuple[str, ...]
    problem: str
    specimen_notes: str
    lab_name: str
    overdue: bool


@dataclass(frozen=True, slots=True)
class ResultInput:
    """One result value entered against an order."""

    loinc: str
    value: float | None = None
    value_text: str = ""
    unit: str = ""
    ref_low: float | None = None
    ref_high: float | None = None
    flag: LabFlag | None = None  # None: computed from the range and the critical limits


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One result with its review state."""

    review_id: int
    lab_result_id: int
    order_id: int | None
    patient_id: int
    mrn: str
    patient_name: str
    loinc: str
    name: str
    value: float | None
    value_text: str
    unit: str
    ref_low: float | None
    ref_high: float | None
    flag: LabFlag
    collected_at: dt.datetime
    physician_id: int
    status: ReviewStatus
    comment: str
    signed_by: str
    signed_at: dt.datetime | None

    @property
    def shown_value(self) -> str:
        """The value as printed: the number (without a trailing .0) or the text."""
        if self.value is None:
            return self.value_text
        return f"{self.value:g}"

    @property
    def range_text(self) -> str:
        """The reference range as printed."""
        if self.ref_low is not None and self.ref_high is not None:
            return f"{self.ref_low:g}-{self.ref_high:g}"
        if self.ref_high is not None:
            return f"<= {self.ref_high:g}"
        if self.ref_low is not None:
            return f">= {self.ref_low:g}"
        return ""


@dataclass(frozen=True, slots=True)
class TaskInput:
    """A task for a user or a role, optionally about a patient, optionally due."""

    title: str
    assignee_id: int | None = None
    assignee_role: str = ""
    patient_id: int | None = None
    due_on: dt.date | None = None
    details: str = ""


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One task."""

    id: int
    title: str
    details: str
    assignee: str  # a username or "role: nurse"
    patient_id: int | None
    mrn: str
    patient_name: str
    due_on: dt.date | None
    status: TaskStatus
    created_by: str
    created_at: dt.datetime
    done_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class RecallRow:
    """One recall on the front desk's list."""

    id: int
    patient_id: int
    mrn: str
    patient_name: str
    birth_date: dt.date
    phone: str
    kind: RecallKind
    rule_id: str
    what: str
    due_on: dt.date
    status: RecallStatus
    attempts: int
    last_attempt: dt.datetime | None
    appointment_id: int | None


class InboxKind(enum.StrEnum):
    """What an inbox line asks for."""

    RESULT = "result"
    UNSIGNED_NOTE = "unsigned_note"
    RENEWAL = "renewal"
    TASK = "task"
    OVERDUE_ORDER = "overdue_order"


INBOX_WORDS = {
    InboxKind.RESULT: "Result to review",
    InboxKind.UNSIGNED_NOTE: "Unsigned note",
    InboxKind.RENEWAL: "Renewal request",
    InboxKind.TASK: "Task",
    InboxKind.OVERDUE_ORDER: "Overdue order",
}


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One line of a user's inbox; ``ref_id`` is the result review, note, prescription,
    task or order it is about."""

    kind: InboxKind
    ref_id: int
    title: str
    patient_id: int | None
    mrn: str
    patient_name: str
    since: dt.datetime
    due_on: dt.date | None = None
    urgent: bool = False  # a critical result, an overdue task


@dataclass(frozen=True, slots=True)
class Inbox:
    """A user's inbox and the home screen's counts."""

    items: tuple[InboxItem, ...]
    todays_patients: int

    def count(self, kind: InboxKind) -> int:
        """How many lines of this kind wait."""
        return sum(1 for i in self.items if i.kind is kind)
