"""Schedule DTOs: what booking takes, what conflicts say, and what the day and week show.

Appointment and blocked times are the practice's naive local wall-clock time.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.errors import EmrError, ValidationError

MAX_OCCURRENCES = 104

# The visit types the practice books, with the minutes each usually takes.
VISIT_TYPES: dict[str, int] = {
    "Follow-up": 15,
    "New patient": 30,
    "Physical": 30,
    "Sick visit": 15,
    "Procedure": 30,
    "Telehealth": 15,
}


class ConflictKind(enum.StrEnum):
    """Why a time is not free."""

    DOUBLE_BOOKING = "double_booking"
    OUTSIDE_HOURS = "outside_hours"
    BLOCKED = "blocked"


class Frequency(enum.StrEnum):
    """How often a recurring appointment repeats."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class BookingRequest:
    """A new appointment as the booking form fills it in."""

    patient_id: int
    provider_id: int
    start_at: dt.datetime  # naive local wall-clock time
    duration_min: int
    kind: str  # "Follow-up", "New patient", "Physical", "Sick visit", "Procedure", ...
    reason: str = ""
    room: str = ""


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A repeat rule: every ``interval`` days/weeks/months, until a date or ``count`` times.

    Exactly one of ``until`` and ``count`` is given. A monthly rule on the 31st falls on
    the last day of shorter months.
    """

    frequency: str
    interval: int = 1
    until: dt.date | None = None
    count: int | None = None

    def occurrences(self, first: dt.datetime) -> list[dt.datetime]:
        """Every start time of a series beginning at ``first``; ValidationError if the rule
        is incomplete or would make more than MAX_OCCURRENCES appointments."""
        try:
            frequency = Frequency(str(self.frequency))
        except ValueError:
            raise ValidationError("repeat", "must be one of: daily, weekly, monthly") from None
        if isinstance(self.interval, bool) or not isinstance(self.interval, int):
            raise ValidationError("repeat every", "must be a whole number")
        if not 1 <= self.interval <= 99:
            raise ValidationError("repeat every", "must be between 1 and 99")
        if (self.until is None) == (self.count is None):
            raise ValidationError("ends", "give either an end date or a number of appointments")
        if self.count is not None and not 1 <= self.count <= MAX_OCCURRENCES:
            raise ValidationError("number of appointments", f"must be 1 to {MAX_OCCURRENCES}")
        if self.until is not None and self.until < first.date():
            raise ValidationError("end date", "is before the first appointment")
        out: list[dt.datetime] = []
        while self.count is None or len(out) < self.count:
            when = nth(first, frequency, self.interval * len(out))
            if self.until is not None and when.date() > self.until:
                break
            if len(out) == MAX_OCCURRENCES:
                raise ValidationError(
                    "end date",
                    f"would make more than {MAX_OCCURRENCES} appointments; choose an earlier date",
                )
            out.append(when)
        return out


def nth(first: dt.datetime, frequency: Frequency, steps: int) -> dt.datetime:
    """The occurrence ``steps`` days/weeks/months after ``first`` (months clamp to the end)."""
    if frequency is Frequency.DAILY:
        return first + dt.timedelta(days=steps)
    if frequency is Frequency.WEEKLY:
        return first + dt.timedelta(weeks=steps)
    # Counted from the first date, not the previous one, so Jan 31 -> Feb 28 -> Mar 31.
    year, month0 = divmod(first.month - 1 + steps, 12)
    year += first.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return first.replace(year=year, month=month0 + 1, day=min(first.day, last))


@dataclass(frozen=True, slots=True)
class ConflictWarning:
    """One reason the chosen time is not free, in words fit to show the user."""

    kind: ConflictKind
    message: str
    start_at: dt.datetime  # the start of the appointment (or occurrence) it is about
    appointment_id: int | None = None  # the appointment in the way (double booking)
    block_id: int | None = None  # the blocked time in the way


class SchedulingConflict(EmrError):
    """The time conflicts with the schedule; nothing was saved.

    Call again with an override reason to book anyway. ``warnings`` lists every
    conflict; for a series, ``dates`` are the occurrences that conflict.
    """

    def __init__(self, warnings: Iterable[ConflictWarning]) -> None:
        self.warnings: tuple[ConflictWarning, ...] = tuple(warnings)
        first = self.warnings[0].message if self.warnings else "This time is not free."
        more = len(self.warnings) - 1
        extra = f" (and {more} more conflict{'s' if more > 1 else ''})" if more > 0 else ""
        super().__init__(f"{first}{extra} Give a reason to book anyway, or choose another time.")

    @property
    def dates(self) -> tuple[dt.date, ...]:
        """The distinct days that conflict, in order."""
        return tuple(sorted({w.start_at.date() for w in self.warnings}))


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """A provider who has a column on the schedule."""

    id: int
    name: str
    credentials: str
    color: str = ""
    username: str = ""
    active: bool = True  # False: disabled, shown only while appointments need rebooking


@dataclass(frozen=True, slots=True)
class HoursRow:
    """A provider's working hours on one weekday (0 = Monday)."""

    provider_id: int
    weekday: int
    start: dt.time
    end: dt.time


@dataclass(frozen=True, slots=True)
class BlockRow:
    """Blocked time; ``provider_id`` None means the whole practice."""

    id: int
    provider_id: int | None
    start_at: dt.datetime
    end_at: dt.datetime
    reason: str


@dataclass(frozen=True, slots=True)
class SeriesResult:
    """A booked recurring series: its rows, and the conflicts that were overridden."""

    series_id: int
    appointments: tuple[AppointmentRow, ...]
    overridden: tuple[ConflictWarning, ...]


@dataclass(frozen=True, slots=True)
class DayView:
    """One day of the schedule for some providers."""

    day: dt.date
    slot_minutes: int
    providers: tuple[ProviderInfo, ...]
    appointments: tuple[AppointmentRow, ...]  # by provider (in ``providers`` order), then start
    hours: tuple[HoursRow, ...]  # that weekday's hours of the providers shown
    blocked: tuple[BlockRow, ...]  # blocks overlapping the day (theirs or practice-wide)

    def for_provider(self, provider_id: int) -> tuple[AppointmentRow, ...]:
        """The appointments in one provider's column."""
        return tuple(a for a in self.appointments if a.provider_id == provider_id)

    def hours_for(self, provider_id: int) -> HoursRow | None:
        """A provider's hours that day (None: not working)."""
        return next((h for h in self.hours if h.provider_id == provider_id), None)


@dataclass(frozen=True, slots=True)
class WeekView:
    """One provider's week, Monday to Sunday."""

    provider: ProviderInfo
    week_start: dt.date  # the Monday
    slot_minutes: int
    appointments: tuple[AppointmentRow, ...]  # by start
    hours: tuple[HoursRow, ...]  # every weekday the provider works
    blocked: tuple[BlockRow, ...]

    @property
    def days(self) -> tuple[dt.date, ...]:
        """Monday to Sunday."""
        return tuple(self.week_start + dt.timedelta(days=i) for i in range(7))


@dataclass(frozen=True, slots=True)
class AppointmentTypeRow:
    """A kind of visit the practice books: its usual length and its colour on the grid."""

    id: int
    name: str
    duration_min: int
    color: str  # "#RRGGBB"
    active: bool
    sort_order: int = 0
