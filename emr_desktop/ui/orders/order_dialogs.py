"""Ordering labs (tests and panels from the practice's list, a reason from the problem
list) and entering the results of an order."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from emr_desktop.domain.chart import ProblemRow
from emr_desktop.domain.orders import OrderInput, OrderRow, ResultInput
from emr_desktop.domain.security import Actor
from emr_desktop.errors import ValidationError
from emr_desktop.reference.lab_orders import orderables, resultable
from emr_desktop.ui.chart.form_kit import FormDialog
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.work_services import WorkServices


class OrderDialog(FormDialog):
    """Tick tests and panels, choose the reason, add specimen notes; Save orders them."""

    def __init__(
        self,
        work: WorkServices,
        actor: Actor,
        ops: Operations,
        patient_id: int,
        problems: list[ProblemRow],
        parent: QWidget,
    ) -> None:
        super().__init__(
            "Order labs", ops, f"chart:{patient_id}", parent, discard="Throw away this order?"
        )
        self._work, self._actor, self._patient_id = work, actor, patient_id
        self.search = QLineEdit()
        self.search.setPlaceholderText("Type to filter, e.g. lipid, A1c, CBC")
        self.search.textChanged.connect(self._filter)
        self.add_row("&Find", self.search)
        self.tests = QListWidget()
        self.tests.setMinimumHeight(220)
        for item in orderables().values():
            row = QListWidgetItem(f"{item.name}  ·  {item.code}  ({item.kind})")
            row.setData(Qt.ItemDataRole.UserRole, item.code)
            row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            row.setCheckState(Qt.CheckState.Unchecked)
            self.tests.addItem(row)
        self.add_row("&Tests *", self.tests, "tests")
        self.reason = QComboBox()
        self.reason.addItem("(no problem linked)", None)
        for p in problems:
            self.reason.addItem(f"{p.code} {p.description}", p.id)
        self.add_row("&Reason", self.reason, "reason")
        self.codes = QLineEdit()
        self.codes.setPlaceholderText("more ICD-10-CM codes, separated by commas")
        self.add_row("&Diagnosis codes", self.codes, "diagnosis codes")
        self.notes = QLineEdit()
        self.add_row("&Specimen notes", self.notes, "specimen notes")
        self.lab = QLineEdit()
        self.add_row("&Laboratory", self.lab, "lab")
        self.setMinimumWidth(620)

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.tests.count()):
            item = self.tests.item(i)
            item.setHidden(not all(w in item.text().lower() for w in words))

    def chosen(self) -> tuple[str, ...]:
        """The LOINC codes ticked."""
        items = (self.tests.item(i) for i in range(self.tests.count()))
        return tuple(
            str(i.data(Qt.ItemDataRole.UserRole))
            for i in items
            if i.checkState() == Qt.CheckState.Checked
        )

    def call(self) -> object:
        """Place the order."""
        data = OrderInput(
            self.chosen(),
            problem_id=self.reason.currentData(),
            diagnosis_codes=tuple(c.strip() for c in self.codes.text().split(",") if c.strip()),
            specimen_notes=self.notes.text(),
            lab_name=self.lab.text(),
        )
        return self._work.orders.place(self._actor, self._patient_id, data)


class ResultsDialog(FormDialog):
    """One value per ordered test (blank: not reported yet); Save files them to the
    ordering physician's inbox."""

    def __init__(
        self, work: WorkServices, actor: Actor, ops: Operations, order: OrderRow, parent: QWidget
    ) -> None:
        super().__init__(
            "Enter results",
            ops,
            f"chart:{order.patient_id}",
            parent,
            discard="Throw away these results?",
        )
        self._work, self._actor, self.order = work, actor, order
        self.collected = QDateTimeEdit(QDateTime.currentDateTime())
        self.collected.setCalendarPopup(True)
        self.collected.setDisplayFormat("MM/dd/yyyy h:mm AP")
        self.add_row("&Collected", self.collected, "collected")
        grid_box = QWidget()
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(0, 0, 0, 0)
        for c, head in enumerate(("Test", "Value", "Unit", "Reference range")):
            grid.addWidget(QLabel(f"<b>{head}</b>"), 0, c)
        self.values: dict[str, QLineEdit] = {}
        tests = {t.code: t for o in order.tests for t in resultable(o.loinc)}  # once each
        for r, test in enumerate(tests.values(), start=1):
            edit = QLineEdit()
            edit.setAccessibleName(test.name)
            edit.setMaximumWidth(110)
            self.values[test.code] = edit
            rng = "-".join(f"{x:g}" for x in (test.low, test.high) if x is not None)
            grid.addWidget(QLabel(test.name), r, 0)
            grid.addWidget(edit, r, 1)
            grid.addWidget(QLabel(test.unit), r, 2)
            grid.addWidget(QLabel(rng), r, 3)
            self._inputs.append(edit)
        self.add_row("Results", grid_box, "results")
        self.complete = QCheckBox("All results are in (the order is complete)")
        self.complete.setChecked(True)
        self.add_row("", self.complete)
        self.setMinimumWidth(700)

    def call(self) -> object:
        """File the values typed (numbers as numbers, anything else as text)."""
        values = []
        for code, edit in self.values.items():
            text = edit.text().strip()
            if not text:
                continue
            try:
                values.append(ResultInput(code, value=float(text)))
            except ValueError:
                values.append(ResultInput(code, value_text=text))
        if not values:
            raise ValidationError("results", "type at least one value")
        picked = self.collected.dateTime()
        local = dt.datetime.combine(picked.date().toPython(), picked.time().toPython())  # type: ignore[arg-type]
        return self._work.results.enter(
            self._actor,
            self.order.id,
            values,
            local.astimezone(),
            complete=self.complete.isChecked(),
        )
