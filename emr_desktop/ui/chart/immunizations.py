"""The Immunizations section: vaccines given; record one, or mark one entered in error."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import ImmunizationRow
from emr_desktop.domain.clinical import RecordStatus
from emr_desktop.domain.sections import ImmunizationInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.reference import vaccines
from emr_desktop.services.chart.immunizations import CVX_FIELD, ImmunizationService
from emr_desktop.ui.chart.field_kinds import date_edit, date_of
from emr_desktop.ui.chart.form_kit import FormDialog, confirm
from emr_desktop.ui.chart.section_kit import FadingTableModel, make_table, selected
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel

SITES = ("", "Left deltoid", "Right deltoid", "Left thigh", "Right thigh", "Oral", "Nasal")
ROUTES = ("", "Intramuscular", "Subcutaneous", "Intradermal", "Oral", "Intranasal")


def _in_error(i: ImmunizationRow) -> bool:
    return i.status == RecordStatus.ENTERED_IN_ERROR


COLUMNS: tuple[Column[ImmunizationRow], ...] = (
    Column("Date", lambda i: f"{i.given_on:%m/%d/%Y}", lambda i: i.given_on, strike=_in_error),
    Column("Vaccine", lambda i: i.vaccine, strike=_in_error),
    Column("CVX", lambda i: i.cvx),
    Column("Lot", lambda i: i.lot),
    Column("Site", lambda i: i.site),
    Column("Route", lambda i: i.route),
    Column("Given by", lambda i: i.given_by),
    Column("Status", lambda i: "entered in error" if _in_error(i) else ""),
)


def _editable_combo(name: str, items: tuple[str, ...]) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.setEditable(True)
    combo.addItems(list(items))
    return combo


class ImmunizationDialog(FormDialog):
    """Record a vaccine given: CVX vaccine (searchable), date, lot, site, route, given by."""

    def __init__(
        self,
        service: ImmunizationService,
        actor: Actor,
        patient_id: int,
        ops: Operations,
        parent: QWidget,
        given_by: str = "",
    ) -> None:
        super().__init__("Record an immunization", ops, f"chart:{patient_id}", parent)
        self._service = service
        self._actor = actor
        self._patient_id = patient_id
        self.vaccine = QComboBox()
        self.vaccine.setAccessibleName("Vaccine")
        self.vaccine.setEditable(True)
        self.vaccine.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.vaccine.addItem("", "")
        current = sorted(
            (v for v in vaccines.vaccines() if v.active), key=lambda v: v.short_name.casefold()
        )
        for v in current:
            self.vaccine.addItem(f"{v.short_name}  (CVX {v.cvx})", v.cvx)
        completer = self.vaccine.completer()
        assert completer is not None  # an editable combo always has one
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        line = self.vaccine.lineEdit()
        assert line is not None
        line.setPlaceholderText("Type part of the name or the CVX code")
        self.given_on = date_edit("Date given", optional=False)
        self.lot = QLineEdit()
        self.site = _editable_combo("Site", SITES)
        self.route = _editable_combo("Route", ROUTES)
        self.given_by = QLineEdit(given_by)
        self.add_row("Vaccine *", self.vaccine, CVX_FIELD, "vaccine")
        self.add_row("Date given *", self.given_on, "date given")
        self.add_row("Lot number", self.lot, "lot number")
        self.add_row("Site", self.site, "site")
        self.add_row("Route", self.route, "route")
        self.add_row("Given by", self.given_by, "given by")
        self.setMinimumWidth(560)
        self.vaccine.setFocus()

    def choose(self, cvx: str) -> None:
        """Select the vaccine with CVX code ``cvx``."""
        self.vaccine.setCurrentIndex(self.vaccine.findData(vaccines.normalize_cvx(cvx)))

    def _cvx(self) -> str:
        text = self.vaccine.currentText().strip()
        index = self.vaccine.findText(text)
        if index > 0:
            return str(self.vaccine.itemData(index))
        return text  # a bare code typed in; the service checks it

    def call(self) -> ImmunizationRow:
        """Record the immunization."""
        given = date_of(self.given_on)
        assert given is not None  # a required date field always holds one
        data = ImmunizationInput(
            cvx=self._cvx(),
            given_on=given,
            lot=self.lot.text(),
            site=self.site.currentText(),
            route=self.route.currentText(),
            given_by=self.given_by.text(),
        )
        return self._service.record(self._actor, self._patient_id, data)


class ImmunizationsSection(QWidget):
    """Immunizations, newest first; entries in error shown struck out on request."""

    title = "Immunizations"

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.patient_id = patient_id
        self._ops = ops
        self.model: DtoTableModel[ImmunizationRow] = FadingTableModel(COLUMNS, _in_error)
        self.table = make_table(self.model, "Immunizations", 1)
        self.record = QPushButton("&Record immunization…")
        self.in_error = QPushButton("Entered in &error")
        self.show_errors = QCheckBox("Show entries in error")
        self.show_errors.setAccessibleName("Show immunizations entered in error")
        buttons = QHBoxLayout()
        for b in (self.record, self.in_error):
            b.setAccessibleName(b.text().replace("&", "").rstrip("…"))
            b.setVisible(actor.can(Permission.IMMUNIZATION_RECORD))
            buttons.addWidget(b)
        buttons.addStretch()
        buttons.addWidget(self.show_errors)
        self.record.clicked.connect(self._on_record_clicked)
        self.in_error.clicked.connect(self._on_in_error_clicked)
        self.show_errors.toggled.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        """Reload the immunizations."""
        rows = self._ops.run(
            lambda: self._services.immunizations.list(
                self._actor,
                self.patient_id,
                include_entered_in_error=self.show_errors.isChecked(),
            )
        )
        if rows is not None:
            self.model.set_rows(rows)
        self._update_buttons()

    def has_unsaved(self) -> bool:
        """Nothing is typed here outside a dialog."""
        return False

    def save_drafts(self) -> None:
        """Nothing to save."""

    def open_dialog(self) -> ImmunizationDialog:
        """Open the record dialog, window-modal, and return it."""
        dialog = ImmunizationDialog(
            self._services.immunizations,
            self._actor,
            self.patient_id,
            self._ops,
            self,
            given_by=self._actor.full_name,
        )
        dialog.open()
        return dialog

    def _update_buttons(self) -> None:
        i = selected(self.table, self.model)
        self.in_error.setEnabled(i is not None and not _in_error(i))

    def _on_record_clicked(self) -> None:
        self.open_dialog()

    def _on_in_error_clicked(self) -> None:
        i = selected(self.table, self.model)
        if i is None or not confirm(
            self, "Immunization", f"Mark {i.vaccine} of {i.given_on:%m/%d/%Y} entered in error?"
        ):
            return
        self._ops.run(
            lambda: self._services.immunizations.mark_entered_in_error(self._actor, i.id),
            changes=f"chart:{self.patient_id}",
        )
