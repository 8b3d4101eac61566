"""Tables and the patient header the billing screens share."""

from __future__ import annotations

import html

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView

from emr_desktop.domain.billing import BillingPatient, LedgerEntry
from emr_desktop.domain.display import date_text
from emr_desktop.domain.money import money_text
from emr_desktop.ui.table_model import Column


def amount_text(cents: int) -> str:
    """'1,250.00'."""
    return money_text(cents, grouped=True)


LEDGER_COLUMNS: list[Column[LedgerEntry]] = [
    Column("Date", lambda e: date_text(e.entry_date), lambda e: (e.entry_date, e.id)),
    Column("Entry", lambda e: e.category.capitalize()),
    Column("Code / method", lambda e: e.code_or_method),
    Column(
        "Description",
        lambda e: e.description + (f" (ref. {e.reference})" if e.reference else ""),
        strike=lambda e: e.reversed_by_id is not None,
    ),
    Column("Diagnoses", lambda e: ", ".join(e.diagnoses)),
    Column("Amount", lambda e: amount_text(e.shown_cents), align_right=True),
    Column("By", lambda e: e.recorded_by),
]


def table_view(model: QAbstractItemModel, name: str) -> QTableView:
    """A read-only, whole-row-selecting table over ``model``."""
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def selected_row(view: QTableView) -> int | None:
    """The selected row's index, or None."""
    rows = view.selectionModel().selectedRows()
    return rows[0].row() if rows else None


class PatientHeader(QLabel):
    """The two identifiers (name and date of birth, with the MRN) of the patient shown."""

    def __init__(self) -> None:
        super().__init__("No patient chosen")
        self.setAccessibleName("Patient identifiers")

    def show_patient(self, p: BillingPatient | None) -> None:
        """Show ``p`` (or that no patient is chosen)."""
        if p is None:
            self.setText("No patient chosen")
            return
        self.setText(
            f"<span style='font-size:15pt; font-weight:600'>{html.escape(p.name)}</span>"
            f"<br>DOB <b>{date_text(p.birth_date)}</b> · MRN <b>{html.escape(p.mrn)}</b>"
        )
