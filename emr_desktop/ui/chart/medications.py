"""The Medications section: the medication list; prescribe, renew, request a renewal,
add a reported medication, discontinue, and print the list or a prescription."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QLabel, QLineEdit

from emr_desktop.domain.chart import MedicationRow, PrescriptionRow
from emr_desktop.domain.clinical import MedicationStatus
from emr_desktop.domain.exports import ExportResult
from emr_desktop.domain.prescribing import MedicationInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.reference.drug_print import tall_man
from emr_desktop.reference.drugs import formulary
from emr_desktop.services.chart.recognition import medication_mark
from emr_desktop.ui.chart.field_kinds import DateField, Text
from emr_desktop.ui.chart.form_kit import Field, FormSpec, SectionForm
from emr_desktop.ui.chart.prescription_dialog import PrescriptionDialog
from emr_desktop.ui.chart.renewals import RenewalSigner
from emr_desktop.ui.chart.rx_alerts import OverrideDialog
from emr_desktop.ui.chart.rx_print import PdfPreviewDialog
from emr_desktop.ui.chart.section_kit import Action, ChartSection, Only, SectionSpec, Table, Toggle
from emr_desktop.ui.table_model import Column

PRESCRIBE = Permission.RX_PRESCRIBE
EDIT = Permission.MEDICATION_EDIT
EXPORT = Permission.CHART_EXPORT


def _stopped(m: MedicationRow) -> bool:
    return m.status == MedicationStatus.STOPPED


def _active(m: MedicationRow) -> bool:
    return m.status == MedicationStatus.ACTIVE


def _prescribed(m: MedicationRow) -> bool:
    """Active and prescribed here: it has a prescription to renew or print."""
    return _active(m) and m.prescription_id is not None


def _why_not_prescribed(m: MedicationRow) -> str:
    if not _active(m):
        return "This medication is no longer taken"
    return "Reported by the patient: there is no prescription from this practice"


def _requests_renewal(actor: Actor) -> bool:
    """A nurse asks for renewals; a prescriber renews instead."""
    return actor.can(Permission.RX_RENEWAL_REQUEST) and not actor.can(PRESCRIBE)


def _unresolved(m: MedicationRow) -> bool:
    return _active(m) and bool(medication_mark(m))


COLUMNS: tuple[Column[MedicationRow], ...] = (
    Column("Medication", lambda m: tall_man(m.drug_name), strike=_stopped, warn=_unresolved),
    Column("Strength", lambda m: m.strength),
    Column("Form", lambda m: m.form),
    Column("Route", lambda m: m.route),
    Column("Directions", lambda m: m.sig),
    Column("Source", lambda m: m.source.value),
    Column("Safety checks", medication_mark, warn=_unresolved),
    Column("Started", lambda m: f"{m.start_date:%m/%d/%Y}" if m.start_date else ""),
    Column(
        "Stopped",
        lambda m: f"{m.stop_date:%m/%d/%Y} — {m.stop_reason}" if m.stop_date else "",
        lambda m: m.stop_date,
    ),
)


class ReportedMedicationDialog(SectionForm):
    """A medication the patient reports taking; the drug name completes from the formulary
    and an exact name suggests its usual form and route."""

    drug: QLineEdit
    dose_form: QLineEdit
    route: QLineEdit

    def __init__(self, spec: FormSpec[Any], section: Any, row: Any = None) -> None:
        super().__init__(spec, section, row)
        self._names = QStringListModel(self)
        completer = QCompleter(self._names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.drug.setCompleter(completer)
        self.drug.textEdited.connect(self._on_drug_edited)

    def _on_drug_edited(self, text: str) -> None:
        names: list[str] = []
        for drug in formulary().search(text, 15):
            names.append(drug.generic)
            names.extend(b for b in drug.brands if b.casefold().startswith(text.casefold()))
        self._names.setStringList(list(dict.fromkeys(names)))
        exact = formulary().get(text) or formulary().by_brand(text)
        if exact is not None:  # an exact name: suggest the usual form and route
            if not self.dose_form.text() and len(exact.forms) == 1:
                self.dose_form.setText(exact.forms[0])
            if not self.route.text() and len(exact.routes) == 1:
                self.route.setText(exact.routes[0])


REPORTED: FormSpec[MedicationRow] = FormSpec(
    "Add a reported medication",
    "medication",
    (
        Field(
            "drug",
            "Drug name",
            Text("Generic or brand name"),
            ("drug name", "ingredient", "ingredients"),
            to="drug_name",
            required=True,
        ),
        Field("strength", "Strength", Text("e.g. 500 mg")),
        Field("dose_form", "Form", Text("e.g. tablet"), to="form"),
        Field("route", "Route", Text("e.g. oral")),
        Field("sig", "Directions", Text("e.g. 1 tablet by mouth twice daily")),
        Field("start", "Start date", DateField(), to="start_date"),
    ),
    lambda s, data, _row: s.services.medications.record_reported(s.actor, s.patient_id, data),
    MedicationInput,
    dialog=ReportedMedicationDialog,
)

DISCONTINUE: FormSpec[MedicationRow] = FormSpec(
    lambda m: f"Discontinue {m.drug_name}",
    "discontinuation",
    (
        Field(
            "reason",
            "Reason",
            Text("e.g. side effects, no longer needed"),
            ("reason", "medication"),
            required=True,
        ),
        Field("stop", "Stop date", DateField(optional=False), to="stop_date"),
    ),
    lambda s, v, m: s.services.medications.discontinue(
        s.actor, m.id, v["reason"], stop_date=v["stop_date"], expected_version=m.version
    ),
)

# Renew, request a renewal, print: what the selected medication's prescription allows.
PRESCRIBED: Only[MedicationRow] = Only(_prescribed, _why_not_prescribed)


def _on_prescription(key: str, text: str, who: Any, flow: Any) -> Action[MedicationRow]:
    """A button running one of the section's flows on the selected prescription."""
    return Action(key, text, permission=who, flow=flow, row=PRESCRIBED)


ACTIONS: tuple[Action[MedicationRow], ...] = (
    Action(
        "prescribe", "Prescri&be…", permission=PRESCRIBE, flow=lambda s: s.open_prescribe_dialog()
    ),
    _on_prescription("renew", "Re&new", PRESCRIBE, lambda s, _m: s.renew_selected()),
    _on_prescription(
        "request_renewal",
        "Request &renewal",
        _requests_renewal,
        lambda s, _m: s.request_selected_renewal(),
    ),
    Action("add", "&Add reported medication…", permission=EDIT, form=REPORTED),
    Action(
        "discontinue",
        "&Discontinue…",
        permission=EDIT,
        form=DISCONTINUE,
        row=Only(_active, "This medication is already stopped"),
    ),
    _on_prescription(
        "print_rx", "Print prescription…", EXPORT, lambda s, _m: s.print_selected_prescription()
    ),
    Action(
        "print_list", "Print &list…", permission=EXPORT, flow=lambda s: s.print_medication_list()
    ),
)

TOGGLE = Toggle("show_stopped", "Show stopped", "Show stopped medications", "include_stopped")
TABLE = Table(COLUMNS, faded=_stopped, stretch=4)
SPEC = SectionSpec(
    "Medications", "medication", TABLE, lambda sv: sv.medications.list, ACTIONS, TOGGLE
)


class MedicationsSection(ChartSection[MedicationRow]):
    """Active medications (stopped ones on request, struck through)."""

    spec = SPEC

    def add_extras(self) -> None:
        """The line below the list saying what a renewal did, and the renewal signer."""
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Medication list status")
        self.body.addWidget(self.status)
        self.signer = RenewalSigner(self.services, self.actor, self.ops, self)

    def select_drug(self, drug_name: str) -> bool:
        """Select the first row of ``drug_name`` (any case); False if it is not listed."""
        for i in range(self.model.rowCount()):
            if self.model.row(i).drug_name.casefold() == drug_name.casefold():
                self.table.selectRow(i)
                return True
        return False

    def open_prescribe_dialog(self) -> PrescriptionDialog:
        """Open the prescription dialog, window-modal, and return it."""
        dialog = PrescriptionDialog(self._services, self._actor, self.patient_id, self._ops, self)
        dialog.open()
        return dialog

    def open_add_dialog(self) -> SectionForm:
        """Open the reported-medication form, window-modal, and return it."""
        return self.open_form(REPORTED)

    def open_discontinue_dialog(self) -> SectionForm | None:
        """Open the discontinue form for the selected medication (None if none is active)."""
        m = self.selected()
        if m is None or not _active(m):
            return None
        return self.open_form(DISCONTINUE, m)

    def renew_selected(self) -> OverrideDialog | None:
        """Renew the selected prescription in one step: renew, check, sign.

        Returns the alerts dialog when the checks found something to review (signing
        waits for it), else None (signed already, or refused with a message).
        """
        m = self._prescribed()
        if m is None or m.prescription_id is None:
            return None
        rx_id = m.prescription_id
        draft = self._ops.run(lambda: self._services.prescriptions.renew(self._actor, rx_id))
        if draft is None:
            return None

        def done(rows: list[PrescriptionRow] | None) -> None:
            if rows:
                self.status.setText(f"Renewed and signed: {draft.drug_name}.")
            elif not draft.requested_by:  # our own draft, not a nurse's request: drop it
                self._ops.run(
                    lambda: self._services.prescriptions.cancel(
                        self._actor, draft.id, "renewal not signed"
                    )
                )
                self.status.setText(f"{draft.drug_name} was not renewed.")

        return self.signer.start(draft, done)

    def request_selected_renewal(self) -> PrescriptionRow | None:
        """A nurse's renewal request for the selected prescription, for a physician to sign."""
        m = self._prescribed()
        if m is None or m.prescription_id is None:
            return None
        rx_id = m.prescription_id
        row = self._ops.run(
            lambda: self._services.prescriptions.request_renewal(self._actor, rx_id),
            changes=f"chart:{self.patient_id}",
        )
        if row is not None:
            self.status.setText(
                f"Renewal of {row.drug_name} requested: it waits in the physicians' inbox."
            )
        return row

    def print_selected_prescription(self) -> PdfPreviewDialog | None:
        """Show the selected medication's signed prescription, ready to print or save."""
        m = self._prescribed()
        if m is None or m.prescription_id is None:
            return None
        rx_id = m.prescription_id
        result = self._ops.run(
            lambda: self._services.rx_printing.prescriptions_pdf(self._actor, [rx_id])
        )
        return self._preview("Prescription", result)

    def print_medication_list(self) -> PdfPreviewDialog | None:
        """Show the patient's printable medication list, ready to print or save."""
        result = self._ops.run(
            lambda: self._services.rx_printing.medication_list_pdf(self._actor, self.patient_id)
        )
        return self._preview("Medication list", result)

    def _preview(self, title: str, result: ExportResult | None) -> PdfPreviewDialog | None:
        if result is None:
            return None
        preview = PdfPreviewDialog(title, result, self)
        preview.open()
        return preview

    def _prescribed(self) -> MedicationRow | None:
        m = self.selected()
        return m if m is not None and _prescribed(m) else None
