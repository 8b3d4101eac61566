"""Fields the booking, edit and free-slot dialogs share: types, provider, time, length,
and the plain-words conflict list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import QComboBox, QDateEdit, QLabel, QSpinBox, QTimeEdit

from emr_desktop.domain.display import clock, provider_name
from emr_desktop.domain.schedule import (
    VISIT_TYPES,
    AppointmentTypeRow,
    ConflictKind,
    ConflictWarning,
    ProviderInfo,
)
from emr_desktop.ui.schedule.grid_paint import set_kind_colors

__all__ = [
    "APPOINTMENT_TYPES",
    "clock",
    "conflict_lines",
    "date_field",
    "length_field",
    "provider_combo",
    "show_conflicts",
    "time_field",
    "type_combo",
    "use_types",
    "warning_label",
    "when_of",
    "when_words",
]

# The visit types the practice books, with the length each usually takes; replaced by the
# practice's own list (Admin > Appointment types) whenever a schedule screen loads.
APPOINTMENT_TYPES: dict[str, int] = dict(VISIT_TYPES)


def use_types(types: Sequence[AppointmentTypeRow]) -> None:
    """Offer the practice's active appointment types, with their lengths and colours."""
    if not types:
        return
    APPOINTMENT_TYPES.clear()
    APPOINTMENT_TYPES.update({t.name: t.duration_min for t in types})
    set_kind_colors({t.name: t.color for t in types})


_KIND_WORDS = {
    ConflictKind.DOUBLE_BOOKING: "Double booking",
    ConflictKind.OUTSIDE_HOURS: "Outside working hours",
    ConflictKind.BLOCKED: "Blocked time",
}
WARNING_STYLE = (
    "QLabel { background: #fff4ce; color: #5c4400; border: 1px solid #e0c060;"
    " border-radius: 3px; padding: 6px; }"
)


def conflict_lines(warnings: Sequence[ConflictWarning]) -> list[str]:
    """One line per conflict: 'Double booking: Dr Ames already has ... on Mon Mar 2 ...'."""
    counts: dict[str, int] = {}
    for w in warnings:  # two appointments in the way read the same: say it once, counted
        line = f"{_KIND_WORDS.get(w.kind, 'Conflict')}: {w.message}"
        counts[line] = counts.get(line, 0) + 1
    return [line if n == 1 else f"{line} (×{n})" for line, n in counts.items()]


def warning_label(name: str) -> QLabel:
    """A yellow, wrapping warning box (hidden until it has something to say)."""
    label = QLabel()
    label.setAccessibleName(name)
    label.setWordWrap(True)
    label.setStyleSheet(WARNING_STYLE)
    label.hide()
    return label


def show_conflicts(label: QLabel, warnings: Sequence[ConflictWarning]) -> None:
    """Fill ``label`` with the conflicts (or hide it when there are none)."""
    if not warnings:
        label.hide()
        label.clear()
        return
    lines = conflict_lines(warnings)
    shown = lines[:6]
    more = len(lines) - len(shown)
    if more > 0:
        shown.append(f"… and {more} more")
    label.setText("⚠ This time is not free:\n" + "\n".join(f"• {line}" for line in shown))
    label.show()


def type_combo(current: str = "Follow-up") -> QComboBox:
    """An editable list of visit types (a type the practice uses rarely may be typed in)."""
    box = QComboBox()
    box.setEditable(True)
    box.setAccessibleName("Appointment type")
    box.addItems(list(APPOINTMENT_TYPES))
    if current and current not in APPOINTMENT_TYPES:
        box.addItem(current)
    box.setCurrentText(current or next(iter(APPOINTMENT_TYPES), "Follow-up"))
    return box


def provider_combo(providers: Sequence[ProviderInfo], current: int | None) -> QComboBox:
    """The scheduled providers by name (with credentials), ``current`` chosen."""
    box = QComboBox()
    box.setAccessibleName("Provider")
    for p in providers:
        box.addItem(provider_name(p), p.id)
    index = box.findData(current) if current is not None else -1
    box.setCurrentIndex(max(index, 0))
    return box


def date_field(day: dt.date) -> QDateEdit:
    """A date with a calendar pop-up, as the schedule reads dates."""
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setAccessibleName("Date")
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("ddd MM/dd/yyyy")
    return edit


def time_field(when: dt.time, slot_minutes: int = 15) -> QTimeEdit:
    """A clock time in 12-hour form."""
    edit = QTimeEdit(QTime(when.hour, when.minute))
    edit.setAccessibleName("Time")
    edit.setDisplayFormat("h:mm AP")
    edit.setToolTip(f"Slots are {slot_minutes} minutes long")
    return edit


def length_field(minutes: int) -> QSpinBox:
    """A length in minutes, 5 to 480 in steps of 5."""
    spin = QSpinBox()
    spin.setAccessibleName("Length")
    spin.setRange(5, 480)
    spin.setSingleStep(5)
    spin.setSuffix(" min")
    spin.setValue(minutes)
    return spin


def when_of(date_edit: QDateEdit, time_edit: QTimeEdit) -> dt.datetime:
    """The local date and time the two fields show."""
    d, t = date_edit.date(), time_edit.time()
    return dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


def when_words(when: dt.datetime, minutes: int | None = None) -> str:
    """'Mon Mar 2, 2026, 9:00 AM to 9:30 AM' (or just the start without a length)."""
    start = f"{when:%a %b} {when.day}, {when.year}, {clock(when)}"
    if minutes is None:
        return start
    return f"{start} to {clock(when + dt.timedelta(minutes=minutes))}"
