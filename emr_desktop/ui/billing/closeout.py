"""The day's close-out: takings by method and by user, with a total; saved as CSV. The
manager also prints the statements of every balance above an amount from here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.billing import TakingsRow
from emr_desktop.domain.security import Actor
from emr_desktop.services.billing.reports import aging_csv, charges_csv, takings_csv
from emr_desktop.ui.billing import BillingServices
from emr_desktop.ui.billing.forms import day_of
from emr_desktop.ui.billing.tables import amount_text, table_view
from emr_desktop.ui.chart.rx_print import PdfPreviewDialog
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel

TAKINGS_COLUMNS: list[Column[TakingsRow]] = [
    Column("Method", lambda r: r.method.capitalize()),
    Column("Taken by", lambda r: r.user),
    Column("Payments", lambda r: str(r.payments), align_right=True),
    Column("Amount", lambda r: amount_text(r.cents), align_right=True),
]


class CloseOutDialog(QDialog):
    """Takings of one day by method and user."""

    def __init__(
        self, billing: BillingServices, actor: Actor, ops: Operations, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Day close-out")
        self._billing, self._actor, self._ops = billing, actor, ops
        self.rows: list[TakingsRow] = []
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("MM/dd/yyyy")
        self.day.setAccessibleName("Day")
        self.day.dateChanged.connect(self.refresh)
        self.model: DtoTableModel[TakingsRow] = DtoTableModel(TAKINGS_COLUMNS)
        self.table = table_view(self.model, "Takings")
        self.total = QLabel()
        self.total.setAccessibleName("Total taken")
        save = QPushButton("Save &CSV…")
        save.clicked.connect(self._on_save)
        batch = QPushButton("S&tatements above…")
        batch.clicked.connect(self._on_batch)
        aging = QPushButton("&Aging CSV…")
        aging.clicked.connect(self._on_aging)
        charges = QPushButton("C&harges CSV…")
        charges.clicked.connect(self._on_charges)
        top = QHBoxLayout()
        top.addWidget(QLabel("Day"))
        top.addWidget(self.day)
        top.addStretch()
        top.addWidget(self.total)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(save, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(batch, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(aging, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(charges, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(620, 420)
        self.refresh()

    def refresh(self) -> None:
        """Load the takings of the day chosen."""
        day = day_of(self.day)
        rows = self._ops.run(lambda: self._billing.reports.takings(self._actor, day))
        self.rows = rows or []
        self.model.set_rows(self.rows)
        self.total.setText(f"Total: <b>$ {amount_text(sum(r.cents for r in self.rows))}</b>")

    def save_csv(self, title: str, name: str, text: str) -> None:
        """Ask where, then write ``text`` (the report was audited when it was made)."""
        chosen, _ = QFileDialog.getSaveFileName(self, title, name, "CSV (*.csv)")
        if chosen:
            try:
                Path(chosen).write_text(text, encoding="utf-8")
            except OSError as err:
                QMessageBox.warning(
                    self, "Not saved", f"The file could not be written ({err.strerror})."
                )

    def _on_save(self) -> None:
        day = day_of(self.day)
        self.save_csv("Save close-out", f"closeout-{day}.csv", takings_csv(self.rows))

    def _on_aging(self) -> None:
        rows = self._ops.run(lambda: self._billing.reports.aging(self._actor))
        if rows is not None:
            self.save_csv("Unpaid balances by age", f"aging-{dt.date.today()}.csv", aging_csv(rows))

    def _on_charges(self) -> None:
        """Charges by provider and service over the month of the day shown."""
        end = day_of(self.day)
        start = end.replace(day=1)
        rows = self._ops.run(lambda: self._billing.reports.charges(self._actor, start, end))
        if rows is not None:
            self.save_csv("Charges by provider", f"charges-{start}-{end}.csv", charges_csv(rows))

    def _on_batch(self) -> None:
        above, ok = QInputDialog.getText(
            self, "Statements", "Statements of every balance above:", text="25.00"
        )
        if not ok:
            return
        progress = QProgressDialog("Making statements…", "", 0, 100, self)
        progress.setCancelButton(None)
        progress.setMinimumDuration(0)

        def step(done: int, total: int) -> None:
            progress.setMaximum(total)
            progress.setValue(done)

        result = self._ops.run(
            lambda: self._billing.documents.statements_batch(self._actor, above, step)
        )
        progress.close()
        if result is not None:
            PdfPreviewDialog("Statements", result, self).exec()
