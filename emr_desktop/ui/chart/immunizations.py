"""The Immunizations section: vaccines given; record one, or mark one entered in error."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter

from emr_desktop.domain.chart import ImmunizationRow
from emr_desktop.domain.clinical import RecordStatus
from emr_desktop.domain.sections import ImmunizationInput
from emr_desktop.domain.security import Permission
from emr_desktop.reference import vaccines
from emr_desktop.services.chart.immunizations import CVX_FIELD
from emr_desktop.ui.chart.field_kinds import DateField, Editable, Kind, Text
from emr_desktop.ui.chart.form_kit import Field, FormSpec, SectionForm
from emr_desktop.ui.chart.section_kit import Action, ChartSection, Only, SectionSpec, Table, Toggle
from emr_desktop.ui.table_model import Column

SITES = ("", "Left deltoid", "Right deltoid", "Left thigh", "Right thigh", "Oral", "Nasal")
ROUTES = ("", "Intramuscular", "Subcutaneous", "Intradermal", "Oral", "Intranasal")
RECORD = Permission.IMMUNIZATION_RECORD


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


class Vaccine(Kind[QComboBox]):
    """A current CVX vaccine, found by typing part of its name or its code."""

    def make(self, label: str) -> QComboBox:
        """An editable combo of the current vaccines, completing on any part of the name."""
        combo = QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.addItem("", "")
        current = sorted(
            (v for v in vaccines.vaccines() if v.active), key=lambda v: v.short_name.casefold()
        )
        for v in current:
            combo.addItem(f"{v.short_name}  (CVX {v.cvx})", v.cvx)
        completer = combo.completer()
        assert completer is not None  # an editable combo always has one
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        line = combo.lineEdit()
        assert line is not None
        line.setPlaceholderText("Type part of the name or the CVX code")
        return combo

    def value(self, widget: QComboBox) -> str:
        """The CVX code of the vaccine shown, or the bare code typed (the service checks it)."""
        text = widget.currentText().strip()
        index = widget.findText(text)
        return str(widget.itemData(index)) if index > 0 else text

    def set_value(self, widget: QComboBox, value: Any) -> None:
        """Choose the vaccine of CVX code ``value``."""
        widget.setCurrentIndex(widget.findData(vaccines.normalize_cvx(str(value))))

    def is_empty(self, widget: QComboBox) -> bool:
        """Nothing chosen or typed."""
        return not widget.currentText().strip()


class ImmunizationDialog(SectionForm):
    """The record form, with a helper to choose a vaccine by its code."""

    vaccine: QComboBox

    def choose(self, cvx: str) -> None:
        """Select the vaccine with CVX code ``cvx``."""
        Vaccine().set_value(self.vaccine, cvx)


FORM: FormSpec[ImmunizationRow] = FormSpec(
    "Record an immunization",
    "immunization",
    (
        Field("vaccine", "Vaccine", Vaccine(), (CVX_FIELD, "vaccine"), to="cvx", required=True),
        Field("given_on", "Date given", DateField(optional=False), required=True),
        Field("lot", "Lot number", Text()),
        Field("site", "Site", Editable(SITES)),
        Field("route", "Route", Editable(ROUTES)),
        Field("given_by", "Given by", Text(), initial=lambda s: s.actor.full_name),
    ),
    lambda s, data, _row: s.services.immunizations.record(s.actor, s.patient_id, data),
    ImmunizationInput,
    width=560,
    dialog=ImmunizationDialog,
)


ACTIONS: tuple[Action[ImmunizationRow], ...] = (
    Action("record", "&Record immunization…", permission=RECORD, form=FORM),
    Action(
        "in_error",
        "Entered in &error",
        lambda s, i: s.services.immunizations.mark_entered_in_error(s.actor, i.id),
        permission=RECORD,
        row=Only(
            lambda i: not _in_error(i), "This immunization is already marked entered in error"
        ),
        confirm=lambda i: f"Mark {i.vaccine} of {i.given_on:%m/%d/%Y} entered in error?",
    ),
)

TOGGLE = Toggle(
    "show_errors",
    "Show entries in error",
    "Show immunizations entered in error",
    "include_entered_in_error",
)
TABLE = Table(COLUMNS, faded=_in_error, stretch=1)
SPEC = SectionSpec(
    "Immunizations", "immunization", TABLE, lambda sv: sv.immunizations.list, ACTIONS, TOGGLE
)


class ImmunizationsSection(ChartSection[ImmunizationRow]):
    """Immunizations, newest first; entries in error shown struck out on request."""

    spec = SPEC
