"""Admin > Hours: a provider's working ranges per weekday, and blocked time (a day off, a
meeting, a practice holiday) with its reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.display import clock, provider_name
from emr_desktop.domain.schedule import BlockRow, HoursRow
from emr_desktop.domain.security import Actor
from emr_desktop.errors import ValidationError
from emr_desktop.services.schedule.hours import parse_range, range_words
from emr_desktop.ui.admin import button, fit_columns, label, table_view
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HINT = "e.g. 08:00-12:00 13:00-17:00 (empty: not working)"


def day_text(hours: list[HoursRow], weekday: int) -> str:
    """One weekday's ranges as the field shows them."""
    return " ".join(range_words(h.start, h.end) for h in hours if h.weekday == weekday)


def _when(b: BlockRow) -> str:
    same = b.start_at.date() == b.end_at.date()
    end = clock(b.end_at) if same else f"{b.end_at:%a %m/%d/%Y} {clock(b.end_at)}"
    return f"{b.start_at:%a %m/%d/%Y} {clock(b.start_at)} – {end}"


BLOCK_COLUMNS: tuple[Column[BlockRow], ...] = (
    Column("When", _when, lambda b: b.start_at.isoformat()),
    Column("Who", lambda b: "Whole practice" if b.provider_id is None else "This provider"),
    Column("Reason", lambda b: b.reason),
)


def _minute(edit: QDateTimeEdit) -> dt.datetime:
    value = edit.dateTime().toPython()
    assert isinstance(value, dt.datetime)
    return value.replace(second=0, microsecond=0)


class HoursPage(QWidget):
    """Working hours and blocked time of one provider at a time."""

    def __init__(self, services: Services, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self._schedule, self.actor, self._ops = services.schedule, actor, ops
        self.provider = QComboBox()
        self.provider.setAccessibleName("Provider")
        self.provider.currentIndexChanged.connect(lambda _i: self.load())
        self.days: list[QLineEdit] = []
        hours_box = QGroupBox("Working hours (any number of ranges a day)")
        hours_layout = QVBoxLayout(hours_box)
        form = QFormLayout()
        hours_layout.addLayout(form)
        for name in DAY_NAMES:
            edit = QLineEdit()
            edit.setAccessibleName(f"{name} hours")
            edit.setPlaceholderText(HINT)
            self.days.append(edit)
            form.addRow(name, edit)
        self.save_hours = button("&Save hours", "Save hours", self.save)
        hours_layout.addWidget(self.save_hours)
        self.hours_message = label(name="Hours message")
        hours_layout.addWidget(self.hours_message)
        hours_layout.addStretch()

        blocks_box = QGroupBox("Blocked time (from today on)")
        self.model: DtoTableModel[BlockRow] = DtoTableModel(BLOCK_COLUMNS)
        self.table = table_view("Blocked time")
        self.table.setModel(self.model)
        now = QDateTime.currentDateTime()
        self.block_from = QDateTimeEdit(now)
        self.block_to = QDateTimeEdit(now.addSecs(3600))
        for when, name in ((self.block_from, "Block from"), (self.block_to, "Block until")):
            when.setCalendarPopup(True)
            when.setDisplayFormat("ddd MM/dd/yyyy h:mm AP")
            when.setAccessibleName(name)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Block reason")
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText("e.g. day off, conference, Thanksgiving")
        self.whole_practice = QCheckBox("Whole practice (a holiday)")
        self.add_block = button("&Block", "Add blocked time", self.block)
        self.remove_block = button("&Remove", "Remove blocked time", self.unblock)
        when_row = QHBoxLayout()
        when_row.addWidget(label("From"))
        when_row.addWidget(self.block_from)
        when_row.addWidget(label("until"))
        when_row.addWidget(self.block_to)
        when_row.addStretch()
        add_row = QHBoxLayout()
        add_row.addWidget(label("Reason"))
        add_row.addWidget(self.reason, 1)
        add_row.addWidget(self.whole_practice)
        add_row.addWidget(self.add_block)
        add_row.addWidget(self.remove_block)
        self.block_message = label(name="Block message")
        box = QVBoxLayout(blocks_box)
        box.addWidget(self.table, 1)
        box.addLayout(when_row)
        box.addLayout(add_row)
        box.addWidget(self.block_message)

        top = QHBoxLayout()
        top.addWidget(label("Provider:"))
        top.addWidget(self.provider, 1)
        top.addStretch(2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        row = QHBoxLayout()
        row.addWidget(hours_box, 2)
        row.addWidget(blocks_box, 3)
        layout.addLayout(row, 1)

    def provider_id(self) -> int | None:
        """The provider chosen (None when the practice has none)."""
        data = self.provider.currentData()
        return None if data is None else int(data)

    def refresh(self) -> None:
        """Reload the providers (keeping the chosen one) and their hours and blocks."""
        chosen = self.provider_id()
        found = self._ops.run(lambda: self._schedule.providers(self.actor)) or []
        self.provider.blockSignals(True)
        self.provider.clear()
        for p in found:
            self.provider.addItem(provider_name(p), p.id)
        index = self.provider.findData(chosen) if chosen is not None else 0
        self.provider.setCurrentIndex(max(index, 0))
        self.provider.blockSignals(False)
        self.load()

    def load(self) -> None:
        """Show the chosen provider's hours and upcoming blocked time."""
        pid = self.provider_id()
        hours = [] if pid is None else self._ops.run(lambda: self._hours(pid)) or []
        for weekday, edit in enumerate(self.days):
            edit.setText(day_text(hours, weekday))
            edit.setEnabled(pid is not None)
        blocks = self._ops.run(lambda: self._schedule.upcoming_blocks(self.actor, pid)) or []
        self.model.set_rows(blocks)
        fit_columns(self.table)

    def _hours(self, pid: int) -> list[HoursRow]:
        return self._schedule.provider_hours(self.actor, pid)

    def save(self) -> bool:
        """Save every weekday whose ranges changed; every bad day is named at once."""
        pid = self.provider_id()
        if pid is None:
            return False
        parsed: dict[int, list[tuple[dt.time, dt.time]]] = {}
        bad: list[str] = []
        for weekday, edit in enumerate(self.days):
            try:
                parsed[weekday] = [parse_range(part) for part in edit.text().split()]
            except ValidationError as err:
                bad.append(f"{DAY_NAMES[weekday]}: {err.reason}")
        if bad:
            self.hours_message.setText("Not saved. " + "; ".join(bad))
            return False
        current = self._ops.run(lambda: self._hours(pid)) or []
        changed = [
            d
            for d, spans in parsed.items()
            if " ".join(range_words(a, b) for a, b in spans) != day_text(current, d)
        ]
        for day in changed:
            saved = self._ops.run(self._saver(pid, day, parsed[day]), changes="schedule")
            if saved is None:
                self.hours_message.setText(f"{DAY_NAMES[day]} was not saved.")
                return False
        self.hours_message.setText(
            f"Saved: {', '.join(DAY_NAMES[d] for d in changed)}." if changed else "No changes."
        )
        self.load()
        return True

    def _saver(
        self, pid: int, day: int, spans: list[tuple[dt.time, dt.time]]
    ) -> Callable[[], list[HoursRow]]:
        return lambda: self._schedule.set_day_hours(self.actor, pid, day, spans)

    def block(self) -> bool:
        """Block the chosen time for the provider (or the whole practice)."""
        start, end = _minute(self.block_from), _minute(self.block_to)
        pid = None if self.whole_practice.isChecked() else self.provider_id()
        done = self._ops.run(
            lambda: self._schedule.block_time(self.actor, pid, start, end, self.reason.text()),
            changes="schedule",
        )
        if done is None:
            return False
        self.block_message.setText("Blocked; bookings in that time now ask for a reason.")
        self.reason.clear()
        self.load()
        return True

    def unblock(self) -> None:
        """Remove the selected blocked time."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        b = self.model.row(rows[0].row())
        self._ops.run(lambda: self._schedule.unblock(self.actor, b.id), changes="schedule")
        self.block_message.setText(f"Removed the blocked time of {_when(b)}.")
        self.load()
