"""The Labs section: results newest first (paged, abnormal only), one test's trend, entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import LabRow
from emr_desktop.domain.clinical import LabFlag
from emr_desktop.domain.sections import LabInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ValidationError
from emr_desktop.ui.chart.section_kit import make_table
from emr_desktop.ui.chart.trend_chart import Line, TrendChart
from emr_desktop.ui.chart.vitals import FieldRow, buddy
from emr_desktop.ui.context import Services
from emr_desktop.ui.discard import DiscardGuard
from emr_desktop.ui.format import num
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_header import patient_header, put_on_top
from emr_desktop.ui.table_model import Column, DtoTableModel, Index

PAGE = 100
_FLAG_WORDS = {
    LabFlag.NORMAL: "",
    LabFlag.LOW: "L",
    LabFlag.HIGH: "H",
    LabFlag.CRITICAL_LOW: "LL",
    LabFlag.CRITICAL_HIGH: "HH",
    LabFlag.ABNORMAL: "A",
}


def _abnormal(lab: LabRow) -> bool:
    return lab.flag is not LabFlag.NORMAL


def _result(lab: LabRow) -> str:
    value = num(lab.value, 2) if lab.value is not None else lab.value_text
    return f"{value} {lab.unit}".strip()


def reference_range(lab: LabRow) -> str:
    """'4–5.6 %' or the lab's own words; '' when the lab gave none."""
    if lab.ref_low is not None and lab.ref_high is not None:
        text = f"{num(lab.ref_low, 2)}–{num(lab.ref_high, 2)}"
    elif lab.ref_low is not None:
        text = f"≥ {num(lab.ref_low, 2)}"
    elif lab.ref_high is not None:
        text = f"≤ {num(lab.ref_high, 2)}"
    else:
        return lab.ref_text
    return f"{text} {lab.unit}".strip()


COLUMNS: tuple[Column[LabRow], ...] = (
    Column(
        "Collected", lambda r: f"{r.collected_at.astimezone():%m/%d/%Y}", lambda r: r.collected_at
    ),
    Column("Test", lambda r: r.name),
    Column("Result", _result, align_right=True, warn=_abnormal),
    Column("Reference range", reference_range),
    Column("Flag", lambda r: _FLAG_WORDS[r.flag], warn=_abnormal),
)
_BOLD_COLUMNS = (2, 4)


class LabTableModel(DtoTableModel[LabRow]):
    """Lab rows; an abnormal result and its flag are bold as well as in the warning colour."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Qt override."""
        if (
            role == Qt.ItemDataRole.FontRole
            and index.isValid()
            and index.column() in _BOLD_COLUMNS
            and _abnormal(self.row(index.row()))
        ):
            font = QFont()
            font.setBold(True)
            return font
        return super().data(index, role)


class LabDialog(QDialog):
    """Record one lab result; the name, unit and range fill in from a known LOINC code."""

    def __init__(
        self, services: Services, actor: Actor, patient_id: int, ops: Operations, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.guard = DiscardGuard(self, "Discard the result you typed?")
        from emr_desktop.reference import loinc

        self.setWindowTitle("Record lab result")
        self._services, self._actor, self._patient_id, self._ops = services, actor, patient_id, ops
        self.saved: LabRow | None = None
        self.rows: dict[str, FieldRow] = {}
        form = QFormLayout(self)
        self.collected = QDateTimeEdit(QDateTime.currentDateTime())
        self.collected.setCalendarPopup(True)
        self.collected.setDisplayFormat("MM/dd/yyyy HH:mm")
        collected_row = FieldRow(None)
        collected_row.edit.hide()
        collected_row.box.insertWidget(0, self.collected)
        self.rows["collection time"] = collected_row
        form.addRow(buddy("&Collected", self.collected), collected_row)
        specs = (
            ("LOINC code", "&LOINC code", None),
            ("test name", "Test &name", None),
            ("value", "&Value", False),
            ("text result", "Te&xt result", None),
            ("unit", "&Unit", None),
            ("reference range low", "Reference &low", False),
            ("reference range high", "Reference &high", False),
        )
        for key, label, whole in specs:
            # Results and limits can be negative (base excess); vitals never are.
            row = FieldRow(whole, signed=whole is not None)
            self.rows[key] = row
            form.addRow(buddy(label, row.edit), row)
        codes = [f"{t.loinc} {t.name}" for t in loinc.lab_tests()]
        completer = QCompleter(codes, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.rows["LOINC code"].edit.setCompleter(completer)
        completer.activated.connect(self._on_code_picked)
        self.rows["LOINC code"].edit.setPlaceholderText("code or test name, e.g. 4548-4")
        self.general = FieldRow(None)
        self.general.edit.hide()
        form.addRow(self.general)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(560)
        self.header = patient_header(parent, patient_id, services, actor, ops)
        put_on_top(self, self.header)

    def reject(self) -> None:
        """Qt override (Esc, Cancel, the close box): ask before typed content is lost."""
        if self.guard.may_close():
            super().reject()

    def _on_code_picked(self, text: str) -> None:
        from emr_desktop.reference import loinc

        code = text.split(" ", 1)[0]
        self.rows["LOINC code"].edit.setText(code)
        test = loinc.lab_test(code)
        if test is not None:
            self.rows["test name"].edit.setText(test.name)
            self.rows["unit"].edit.setText(test.unit or "")
            for key, value in (
                ("reference range low", test.low),
                ("reference range high", test.high),
            ):
                self.rows[key].edit.setText(num(value, 3))

    def show_validation(self, err: ValidationError) -> None:
        """Show a refused value beside its field."""
        row = self.rows.get(err.field)
        if row is None and err.field == "reference range":
            row = self.rows["reference range low"]
        if row is None:
            self.general.show_error(f"{err.field}: {err.reason}")
        else:
            row.show_error(err.reason)

    def save(self) -> None:
        """Validate and record; stays open with the error beside the field when refused."""
        for row in (*self.rows.values(), self.general):
            row.clear_error()
        text = {k: r.edit.text().strip() for k, r in self.rows.items()}
        try:
            value = self.rows["value"].number("value")
            low = self.rows["reference range low"].number("reference range low")
            high = self.rows["reference range high"].number("reference range high")
        except ValidationError as err:
            self.show_validation(err)
            return
        when = self.collected.dateTime().toPython()
        assert isinstance(when, dt.datetime)
        data = LabInput(
            collected_at=when.astimezone(),
            loinc=text["LOINC code"].split(" ", 1)[0],
            name=text["test name"],
            value=value,
            value_text=text["text result"],
            unit=text["unit"],
            ref_low=low,
            ref_high=high,
        )
        saved = self._ops.run(
            lambda: self._services.observations.record_lab(self._actor, self._patient_id, data),
            changes=f"chart:{self._patient_id}",
            on_validation=self.show_validation,
        )
        if saved is not None:
            self.saved = saved
            self.accept()


class LabsSection(QWidget):
    """Lab results newest first, 'abnormal only', a trend of one test, 'Record lab result…'."""

    title = "Labs"

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self._services, self._actor, self.patient_id, self._ops = services, actor, patient_id, ops
        self._loaded = 0
        self._total = 0
        self.model = LabTableModel(COLUMNS)
        self.table = make_table(self.model, "Lab results", stretch=1)
        self.abnormal_only = QCheckBox("&Abnormal only")
        self.abnormal_only.toggled.connect(lambda _on: self.refresh())
        self.more = QPushButton("Load older results")
        self.more.clicked.connect(self._on_more_clicked)
        self.record = QPushButton("&Record lab result…")
        self.record.clicked.connect(self.open_record_dialog)
        self.record.setVisible(actor.can(Permission.LAB_RECORD))
        self.test_choice = QComboBox()
        self.test_choice.setAccessibleName("Trend of test")
        self.test_choice.setMinimumContentsLength(28)
        self.test_choice.currentIndexChanged.connect(lambda _i: self.load_trend())
        self.trend = TrendChart()
        top = QHBoxLayout()
        top.addWidget(self.record)
        top.addWidget(self.abnormal_only)
        top.addStretch()
        top.addWidget(buddy("&Trend:", self.test_choice))
        top.addWidget(self.test_choice)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.more)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("labsSplitter")
        split.addWidget(left)
        split.addWidget(self.trend)
        split.setSizes([420, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.refresh()

    def _page(self, offset: int) -> Any:
        return self._ops.run(
            lambda: self._services.observations.labs(
                self._actor,
                self.patient_id,
                offset=offset,
                limit=PAGE,
                abnormal_only=self.abnormal_only.isChecked(),
            )
        )

    def refresh(self) -> None:
        """Reload the newest page of results and the list of tests to trend."""
        page = self._page(0)
        if page is None:
            return
        self.model.set_rows(page.items)
        self._loaded, self._total = len(page.items), page.total
        self._update_more()
        tests = self._ops.run(
            lambda: self._services.observations.lab_tests_for(self._actor, self.patient_id)
        )
        if tests is None:
            return
        current = self.test_choice.currentData()
        self.test_choice.blockSignals(True)
        self.test_choice.clear()
        for code, name, count in tests:
            self.test_choice.addItem(f"{name} ({count})", code)
        index = self.test_choice.findData(current) if current else -1
        if index < 0 and tests:
            # Start on the test measured most often: the one a clinician is following.
            busiest = max(tests, key=lambda t: t[2])[0]
            index = self.test_choice.findData(busiest)
        self.test_choice.setCurrentIndex(index)
        self.test_choice.blockSignals(False)
        self.load_trend()

    def load_trend(self) -> None:
        """Draw every numeric result of the picked test, with its reference limits dashed."""
        code = self.test_choice.currentData()
        if not code:
            self.trend.show_lines([], empty="No coded lab results to trend")
            return
        results = self._ops.run(
            lambda: self._services.observations.lab_series(self._actor, self.patient_id, code)
        )
        if results is None:
            return
        points = [(r.collected_at, r.value) for r in results if r.value is not None]
        name = results[-1].name if results else code
        lines = [Line(name, points)]
        last = results[-1] if results else None
        unit = last.unit if last else ""
        title = name
        if points and last is not None:
            span = (points[0][0], points[-1][0])
            for label, limit in (("Low limit", last.ref_low), ("High limit", last.ref_high)):
                if limit is not None:
                    lines.append(Line(label, [(span[0], limit), (span[1], limit)], dashed=True))
            ref = reference_range(last)
            title = f"{name} — reference {ref}" if ref else name
        self.trend.show_lines(
            lines, y_title=unit, title=title, empty=f"No numeric results of {name}"
        )

    def _update_more(self) -> None:
        remaining = self._total - self._loaded
        self.more.setVisible(remaining > 0)
        self.more.setText(f"Load older results ({remaining} more)")

    def _on_more_clicked(self) -> None:
        page = self._page(self._loaded)
        if page is None:
            return
        self.model.set_rows(self.model.rows() + list(page.items))
        self._loaded += len(page.items)
        self._update_more()

    def make_record_dialog(self) -> LabDialog:
        """The 'Record lab result' dialog for this patient (not shown yet)."""
        return LabDialog(self._services, self._actor, self.patient_id, self._ops, self)

    def open_record_dialog(self) -> None:
        """Show the 'Record lab result' dialog; the chart refreshes when it saves."""
        self.record_dialog = self.make_record_dialog()
        self.record_dialog.open()  # window-modal: a lock or switch user keeps it

    def has_unsaved(self) -> bool:
        """Nothing here is typed outside a modal dialog."""
        return False

    def save_drafts(self) -> None:
        """Nothing to save: results are saved as soon as they are entered."""
