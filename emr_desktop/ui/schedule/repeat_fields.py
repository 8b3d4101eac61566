"""The repeat part of the booking form: daily, weekly, every N weeks or monthly, until a
date or a number of times."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QSpinBox, QWidget

from emr_desktop.domain.schedule import MAX_OCCURRENCES, Frequency, Recurrence

_CHOICES = (
    ("Does not repeat", None),
    ("Daily", Frequency.DAILY.value),
    ("Weekly", Frequency.WEEKLY.value),
    ("Monthly", Frequency.MONTHLY.value),
)
_UNITS = {"daily": "day(s)", "weekly": "week(s)", "monthly": "month(s)"}


class RepeatFields(QWidget):
    """Repeat rule fields; ``rule()`` is None for a single appointment."""

    # The field names the service uses in ValidationError for a repeat rule.
    FIELDS = ("repeat", "repeat every", "ends", "number of appointments", "end date")

    def __init__(self, first_day: dt.date) -> None:
        super().__init__()
        self.frequency = QComboBox()
        self.frequency.setAccessibleName("Repeat")
        for label, value in _CHOICES:
            self.frequency.addItem(label, value)
        self.every = QSpinBox()
        self.every.setAccessibleName("Repeat every")
        self.every.setRange(1, 99)
        self.every.setPrefix("every ")
        self.unit = QLabel()
        self.ends = QComboBox()
        self.ends.setAccessibleName("Ends")
        self.ends.addItem("for", "count")
        self.ends.addItem("until", "until")
        self.count = QSpinBox()
        self.count.setAccessibleName("Number of appointments")
        self.count.setRange(1, MAX_OCCURRENCES)
        self.count.setValue(4)
        self.count.setSuffix(" times")
        self.until = QDateEdit(QDate(first_day.year, first_day.month, first_day.day).addMonths(3))
        self.until.setAccessibleName("End date")
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("MM/dd/yyyy")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.frequency, self.every, self.unit, self.ends, self.count, self.until):
            row.addWidget(w)
        row.addStretch()
        self.frequency.currentIndexChanged.connect(self._on_frequency_current_index_changed)
        self.ends.currentIndexChanged.connect(self._on_frequency_current_index_changed)
        self._on_frequency_current_index_changed()

    def focus_chain(self) -> list[QWidget]:
        """The fields in the order Tab visits them."""
        return [self.frequency, self.every, self.ends, self.count, self.until]

    def set_rule(self, frequency: Frequency | None, every: int = 1, count: int = 4) -> None:
        """Fill in a rule (for tests and presets): ``count`` appointments in all."""
        index = 0 if frequency is None else self.frequency.findData(frequency.value)
        self.frequency.setCurrentIndex(index)
        self.every.setValue(every)
        self.ends.setCurrentIndex(0)
        self.count.setValue(count)

    def rule(self) -> Recurrence | None:
        """The repeat rule, or None when the appointment does not repeat."""
        frequency = self.frequency.currentData()
        if frequency is None:
            return None
        if self.ends.currentData() == "count":
            return Recurrence(str(frequency), self.every.value(), count=self.count.value())
        d = self.until.date()
        until = dt.date(d.year(), d.month(), d.day())
        return Recurrence(str(frequency), self.every.value(), until=until)

    def _on_frequency_current_index_changed(self, *_args: object) -> None:
        frequency = self.frequency.currentData()
        repeating = frequency is not None
        for w in (self.every, self.unit, self.ends):
            w.setVisible(repeating)
        by_count = self.ends.currentData() == "count"
        self.count.setVisible(repeating and by_count)
        self.until.setVisible(repeating and not by_count)
        if repeating:
            self.unit.setText(_UNITS[str(frequency)])
