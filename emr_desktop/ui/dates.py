"""The date widgets of every form: an optional date that starts empty (no "January 1900"),
takes what clinicians type and never drops it silently, and a date-time whose value Tab
never changes (Tab leaves the field instead of walking through its sections)."""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QDate, QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QDateTimeEdit,
    QHBoxLayout,
    QLineEdit,
    QToolButton,
    QWidget,
)

from emr_desktop.errors import ValidationError
from emr_desktop.services.common.validation import parse_date

_PARTIAL = re.compile(r"\s*(\d{4})(?:[-/](\d{1,2}))?\s*|\s*(\d{1,2})/(\d{4})\s*")


def is_partial_date(text: str) -> bool:
    """Whether ``text`` is a year ("2019") or a month ("2019-05", "05/2019") only."""
    return _PARTIAL.fullmatch(text) is not None


class DateTimeField(QDateTimeEdit):
    """A date and time typed or picked; Tab and Shift+Tab move to the next field and never
    into the next section, so typing the following values cannot change the time."""

    def __init__(self) -> None:
        super().__init__(QDateTime.currentDateTime())
        self.setCalendarPopup(True)
        self.setDisplayFormat("MM/dd/yyyy HH:mm")

    def focusNextPrevChild(self, next: bool) -> bool:
        """Qt override: leave the field (QDateTimeEdit would move between its sections)."""
        return QWidget.focusNextPrevChild(self, next)


class OptionalDateEdit(QWidget):
    """A date that may be left empty ("not known"). Typed as MM/DD/YYYY or YYYY-MM-DD, or
    picked from a calendar that opens at today; never after today. ``date()`` raises a
    ValidationError naming ``field`` for text that is not a date, so nothing typed is
    thrown away without a word."""

    changed = Signal()

    def __init__(self, field: str, *, required: bool = False) -> None:
        super().__init__()
        self.field = field
        self.required = required
        self.edit = QLineEdit()
        self.edit.setAccessibleName(field[:1].upper() + field[1:])
        self.edit.setPlaceholderText("MM/DD/YYYY" if required else "MM/DD/YYYY, or empty")
        self.edit.textChanged.connect(self.changed)
        self.button = QToolButton()
        self.button.setText("▾")
        self.button.setToolTip("Pick the date from a calendar")
        self.button.setAccessibleName(f"{self.edit.accessibleName()}: calendar")
        self.button.clicked.connect(self._on_button_clicked)
        self.calendar: QCalendarWidget | None = None
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.edit, 1)
        box.addWidget(self.button)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        """What is typed."""
        return self.edit.text()

    def is_empty(self) -> bool:
        """Nothing typed: "not known"."""
        return not self.edit.text().strip()

    def date(self) -> dt.date | None:
        """The date typed (None when empty); ValidationError when it is not a date."""
        text = self.edit.text().strip()
        if not text:
            return None
        if is_partial_date(text):
            raise ValidationError(
                self.field, "needs the day too (MM/DD/YYYY), or leave it empty if not known"
            )
        day = parse_date(self.field, text)
        if day > dt.date.today():
            raise ValidationError(self.field, "cannot be in the future")
        return day

    def set_date(self, day: dt.date | None) -> None:
        """Show ``day`` (None: empty)."""
        self.edit.setText("" if day is None else f"{day:%m/%d/%Y}")

    def _on_button_clicked(self) -> None:
        calendar = QCalendarWidget(self)
        calendar.setWindowFlags(Qt.WindowType.Popup)
        calendar.setMaximumDate(QDate.currentDate())
        calendar.setGridVisible(True)
        try:
            start = self.date() or dt.date.today()
        except ValidationError:
            start = dt.date.today()
        calendar.setSelectedDate(QDate(start.year, start.month, start.day))
        calendar.clicked.connect(self._on_calendar_clicked)
        calendar.activated.connect(self._on_calendar_clicked)
        calendar.move(self.mapToGlobal(self.rect().bottomLeft()))
        calendar.show()
        self.calendar = calendar

    def _on_calendar_clicked(self, day: QDate) -> None:
        self.set_date(dt.date(day.year(), day.month(), day.day()))
        if self.calendar is not None:
            self.calendar.close()
            self.calendar.deleteLater()
            self.calendar = None
        self.edit.setFocus()
