"""The Vitals section: every set of vital signs (paged), recording a new set, and trends."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDateTime, QRegularExpression, Qt
from PySide6.QtGui import QPalette, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import VitalsRow
from emr_desktop.domain.sections import VitalsInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ValidationError
from emr_desktop.services.chart.observations import VITAL_RANGES, VitalsField
from emr_desktop.ui.chart.section_kit import make_table
from emr_desktop.ui.chart.trend_chart import Line, TrendChart
from emr_desktop.ui.context import Services
from emr_desktop.ui.discard import DiscardGuard
from emr_desktop.ui.format import num
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_header import patient_header, put_on_top
from emr_desktop.ui.table_model import Column, DtoTableModel

PAGE = 100


def _bp(v: VitalsRow) -> str:
    return f"{v.systolic}/{v.diastolic}" if v.systolic is not None else ""


def _int(value: int | None) -> str:
    return "" if value is None else str(value)


COLUMNS: tuple[Column[VitalsRow], ...] = (
    Column(
        "Date", lambda v: f"{v.measured_at.astimezone():%m/%d/%Y %H:%M}", lambda v: v.measured_at
    ),
    Column("BP mmHg", _bp, align_right=True),
    Column("Pulse /min", lambda v: _int(v.pulse), align_right=True),
    Column("Resp /min", lambda v: _int(v.respiration), align_right=True),
    Column("Temp °C", lambda v: num(v.temperature_c), align_right=True),
    Column("SpO2 %", lambda v: _int(v.spo2), align_right=True),
    Column("Weight kg", lambda v: num(v.weight_kg), align_right=True),
    Column("Height cm", lambda v: num(v.height_cm), align_right=True),
    Column("BMI", lambda v: num(v.bmi), align_right=True),
    Column("Pain /10", lambda v: _int(v.pain), align_right=True),
    Column("Recorded by", lambda v: v.recorded_by),
)

# Trend choices: (label, fields drawn, axis title).
TRENDS: tuple[tuple[str, tuple[tuple[VitalsField, str], ...], str], ...] = (
    ("Blood pressure", (("systolic", "Systolic"), ("diastolic", "Diastolic")), "mmHg"),
    ("Weight", (("weight_kg", "Weight"),), "kg"),
    ("BMI", (("bmi", "BMI"),), "kg/m²"),
    ("Pulse", (("pulse", "Pulse"),), "/min"),
)

_WHOLE = QRegularExpression(r"\d{0,3}")
_DECIMAL = QRegularExpression(r"\d{0,3}([.,]\d{0,2})?")
_SIGNED = QRegularExpression(r"-?\d{0,7}([.,]\d{0,4})?")


def buddy(text: str, widget: QWidget) -> QLabel:
    """A form label whose &-mnemonic moves the focus to ``widget``."""
    label = QLabel(text)
    label.setBuddy(widget)
    return label


class FieldRow(QWidget):
    """A line edit with its error shown beside it, in the warning colour."""

    def __init__(self, whole: bool | None, unit: str = "", *, signed: bool = False) -> None:
        super().__init__()
        self.edit = QLineEdit()
        if whole is not None:
            pattern = _SIGNED if signed else _WHOLE if whole else _DECIMAL
            self.edit.setValidator(QRegularExpressionValidator(pattern, self.edit))
            self.edit.setMaximumWidth(90)
        self.error = QLabel()
        self.error.setWordWrap(True)
        palette = self.error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, DtoTableModel.WARN)
        self.error.setPalette(palette)
        self.error.hide()
        self.box = QHBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.addWidget(self.edit)
        if unit:
            self.box.addWidget(QLabel(unit))
        self.box.addWidget(self.error, 1)
        self.box.addStretch()  # keeps a short box at the left when no error is shown
        self.edit.textEdited.connect(lambda _text: self.clear_error())

    def number(self, label: str) -> float | None:
        """The typed number, None when empty; ValidationError naming ``label`` if unreadable."""
        text = self.edit.text().strip().replace(",", ".")
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise ValidationError(label, "must be a number") from None

    def show_error(self, message: str) -> None:
        """Show ``message`` beside the field and put the cursor there."""
        self.error.setText(message)
        self.error.setAccessibleName(message)
        self.error.show()
        self.edit.setFocus()

    def clear_error(self) -> None:
        """Hide the error."""
        self.error.clear()
        self.error.hide()


def _unit(field: str) -> str:
    return VITAL_RANGES[field].unit.replace("mm[Hg]", "mmHg")


class VitalsDialog(QDialog):
    """Record one set of vitals; empty boxes were not measured."""

    FIELDS = (
        ("systolic", "&Systolic BP"),
        ("diastolic", "&Diastolic BP"),
        ("pulse", "&Pulse"),
        ("respiration", "&Respiratory rate"),
        ("temperature_c", "&Temperature"),
        ("spo2", "SpO&2"),
        ("weight_kg", "&Weight"),
        ("height_cm", "&Height"),
        ("pain", "P&ain (0–10)"),
    )

    def __init__(
        self, services: Services, actor: Actor, patient_id: int, ops: Operations, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.guard = DiscardGuard(self, "Discard the vitals you typed?")
        self.setWindowTitle("Record vitals")
        self._services, self._actor, self._patient_id, self._ops = services, actor, patient_id, ops
        self.saved: VitalsRow | None = None
        form = QFormLayout(self)
        self.when = QDateTimeEdit(QDateTime.currentDateTime())
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("MM/dd/yyyy HH:mm")
        self.when.setMaximumDateTime(QDateTime.currentDateTime().addSecs(60))
        self.when_row = FieldRow(None)
        self.when_row.edit.hide()
        self.when_row.box.insertWidget(0, self.when)
        form.addRow("Measured &at", self.when_row)
        self.fields: dict[str, FieldRow] = {}
        for name, label in self.FIELDS:
            row = FieldRow(VITAL_RANGES[name].whole, _unit(name))
            self.fields[name] = row
            form.addRow(buddy(label, row.edit), row)
        self.general = FieldRow(None)
        self.general.edit.hide()
        form.addRow(self.general)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.setMinimumWidth(520)
        self.header = patient_header(parent, patient_id, services, actor, ops)
        put_on_top(self, self.header)

    def reject(self) -> None:
        """Qt override (Esc, Cancel, the close box): ask before typed content is lost."""
        if self.guard.may_close():
            super().reject()

    def _row_for(self, err: ValidationError) -> FieldRow:
        for name, r in VITAL_RANGES.items():
            if err.field == r.label:
                return self.fields[name]
        return self.when_row if err.field == "time measured" else self.general

    def show_validation(self, err: ValidationError) -> None:
        """Show a refused value beside its field."""
        row = self._row_for(err)
        prefix = "" if row is not self.general else f"{err.field}: "
        row.show_error(prefix + err.reason)

    def save(self) -> None:
        """Validate and record; stays open with the error beside the field when refused."""
        for row in (*self.fields.values(), self.when_row, self.general):
            row.clear_error()
        values: dict[str, float | None] = {}
        try:
            for name, row in self.fields.items():
                values[name] = row.number(VITAL_RANGES[name].label)
        except ValidationError as err:
            self.show_validation(err)
            return
        when = self.when.dateTime().toPython()
        assert isinstance(when, dt.datetime)
        data = VitalsInput(measured_at=when.astimezone(), **values)  # type: ignore[arg-type]
        saved = self._ops.run(
            lambda: self._services.observations.record_vitals(self._actor, self._patient_id, data),
            changes=f"chart:{self._patient_id}",
            on_validation=self.show_validation,
        )
        if saved is not None:
            self.saved = saved
            self.accept()


class VitalsSection(QWidget):
    """Vital signs newest first, 'Record vitals…' for nurses and physicians, and a trend."""

    title = "Vitals"

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self._services, self._actor, self.patient_id, self._ops = services, actor, patient_id, ops
        self._loaded = 0
        self._total = 0
        self.model: DtoTableModel[VitalsRow] = DtoTableModel(COLUMNS)
        self.table = make_table(self.model, "Vital signs")
        self.more = QPushButton("Load older vitals")
        self.more.clicked.connect(self._on_more_clicked)
        self.record = QPushButton("&Record vitals…")
        self.record.clicked.connect(self.open_record_dialog)
        self.record.setVisible(actor.can(Permission.VITALS_RECORD))
        self.trend_choice = QComboBox()
        self.trend_choice.setAccessibleName("Trend of")
        self.trend_choice.addItems([label for label, _, _ in TRENDS])
        self.trend_choice.currentIndexChanged.connect(lambda _i: self.load_trend())
        self.trend = TrendChart()
        top = QHBoxLayout()
        top.addWidget(self.record)
        top.addStretch()
        top.addWidget(buddy("&Trend:", self.trend_choice))
        top.addWidget(self.trend_choice)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.more)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("vitalsSplitter")
        split.addWidget(left)
        split.addWidget(self.trend)
        split.setSizes([420, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.refresh()

    def refresh(self) -> None:
        """Reload the newest page of vitals and the trend shown."""
        page = self._ops.run(
            lambda: self._services.observations.vitals(
                self._actor, self.patient_id, offset=0, limit=PAGE
            )
        )
        if page is None:
            return
        self.model.set_rows(page.items)
        self._loaded, self._total = len(page.items), page.total
        self._update_more()
        self.load_trend()

    def load_trend(self) -> None:
        """Draw the trend picked in the combo box (one query per line)."""
        label, fields, unit = TRENDS[max(self.trend_choice.currentIndex(), 0)]
        lines: list[Line] = []
        for field, name in fields:
            points = self._ops.run(
                lambda f=field: self._services.observations.vitals_series(  # type: ignore[misc]
                    self._actor, self.patient_id, f
                )
            )
            if points is None:
                return
            lines.append(Line(name, points))
        self.trend.show_lines(lines, y_title=unit, empty=f"No {label.lower()} recorded")

    def _update_more(self) -> None:
        remaining = self._total - self._loaded
        self.more.setVisible(remaining > 0)
        self.more.setText(f"Load older vitals ({remaining} more)")

    def _on_more_clicked(self) -> None:
        page = self._ops.run(
            lambda: self._services.observations.vitals(
                self._actor, self.patient_id, offset=self._loaded, limit=PAGE
            )
        )
        if page is None:
            return
        self.model.set_rows(self.model.rows() + list(page.items))
        self._loaded += len(page.items)
        self._update_more()

    def make_record_dialog(self) -> VitalsDialog:
        """The 'Record vitals' dialog for this patient (not shown yet)."""
        return VitalsDialog(self._services, self._actor, self.patient_id, self._ops, self)

    def open_record_dialog(self) -> None:
        """Show the 'Record vitals' dialog; the chart refreshes when it saves."""
        self.record_dialog = self.make_record_dialog()
        self.record_dialog.open()  # window-modal: a lock or switch user keeps it

    def has_unsaved(self) -> bool:
        """Nothing here is typed outside a modal dialog."""
        return False

    def save_drafts(self) -> None:
        """Nothing to save: vitals are saved as soon as they are entered."""
