"""Renewals: signing one prescription after its checks (one step from the medication
list), and the physician's inbox of renewal requests nurses prepared."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import PrescriptionRow
from emr_desktop.domain.display import date_text
from emr_desktop.domain.security import Actor
from emr_desktop.services.prescribing.renewals import RenewalRequest
from emr_desktop.ui.chart.rx_alerts import OverrideDialog
from emr_desktop.ui.chart.section_kit import make_table, selected
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_header import patient_header
from emr_desktop.ui.table_model import Column, DtoTableModel

Done = Callable[[list[PrescriptionRow] | None], None]


class RenewalSigner:
    """Check one pending prescription, ask for override reasons if alerts need them, sign.

    ``start`` returns the alerts dialog when one is shown (it is window-modal; signing
    happens when it is accepted), or None when the prescription was signed at once or
    the check failed. ``on_done`` gets the signed rows, or None when nothing was signed.
    """

    def __init__(self, services: Services, actor: Actor, ops: Operations, parent: QWidget) -> None:
        self._services, self._actor, self._ops, self._parent = services, actor, ops, parent

    def start(self, rx: PrescriptionRow, on_done: Done) -> OverrideDialog | None:
        """Run the checks on ``rx``; sign it, or show the alerts first."""
        alerts = self._ops.run(lambda: self._services.prescriptions.check(self._actor, [rx.id]))
        if alerts is None:
            on_done(None)
            return None
        if not alerts:
            on_done(self._sign(rx, {}))
            return None
        header = patient_header(self._parent, rx.patient_id, self._services, self._actor, self._ops)
        dialog = OverrideDialog(
            f"Safety alerts: renew {rx.drug_name}",
            alerts,
            {rx.id: rx.drug_name},
            self._parent,
            header,
        )

        def finished(result: int) -> None:
            if result == QDialog.DialogCode.Accepted:
                on_done(self._sign(rx, dialog.panel.reasons()))
            else:
                on_done(None)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def _sign(self, rx: PrescriptionRow, reasons: dict[str, str]) -> list[PrescriptionRow] | None:
        return self._ops.run(
            lambda: self._services.prescriptions.sign(
                self._actor, [rx.id], override_reasons=reasons
            ),
            changes=f"chart:{rx.patient_id}",
        )


COLUMNS: tuple[Column[RenewalRequest], ...] = (
    Column("Requested", lambda r: f"{r.prescription.created_at.astimezone():%m/%d/%Y %H:%M}"),
    Column("Patient", lambda r: r.patient.display_name),
    Column("Born", lambda r: date_text(r.patient.birth_date)),
    Column("MRN", lambda r: r.patient.mrn),
    Column(
        "Medication",
        lambda r: " ".join(
            p for p in (r.prescription.drug_name, r.prescription.strength, r.prescription.form) if p
        ),
    ),
    Column("Directions", lambda r: r.prescription.sig),
    Column("Requested by", lambda r: r.prescription.requested_by),
)


class RenewalsDialog(QDialog):
    """The renewal requests waiting for a physician: open the chart, sign, or decline."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        ops: Operations,
        open_chart: Callable[[int], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Renewal requests")
        self._services, self._actor, self._ops = services, actor, ops
        self._open_chart = open_chart
        self.signer = RenewalSigner(services, actor, ops, self)
        self.model: DtoTableModel[RenewalRequest] = DtoTableModel(COLUMNS)
        self.table = make_table(self.model, "Renewal requests", 5)
        self.empty = QLabel("No renewal requests are waiting.")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.open_button = QPushButton("&Open chart")
        self.sign_button = QPushButton("&Sign renewal")
        self.decline_button = QPushButton("&Decline…")
        row = QHBoxLayout()
        for b in (self.open_button, self.sign_button, self.decline_button):
            row.addWidget(b)
        row.addStretch()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.sign_button.clicked.connect(self.sign_selected)
        self.decline_button.clicked.connect(self._on_decline_clicked)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(self._on_open_clicked)
        self.resize(980, 460)
        self.refresh()

    def refresh(self) -> None:
        """Reload the waiting requests."""
        rows = self._ops.run(lambda: self._services.rx_inbox.pending(self._actor))
        if rows is not None:
            self.model.set_rows(rows)
            self.empty.setVisible(not rows)
            if rows:
                self.table.selectRow(0)
        self._update_buttons()

    def _update_buttons(self, *_: object) -> None:
        chosen = selected(self.table, self.model) is not None
        for b in (self.open_button, self.sign_button, self.decline_button):
            b.setEnabled(chosen)

    def _on_open_clicked(self, *_: object) -> None:
        r = selected(self.table, self.model)
        if r is not None:
            self._open_chart(r.patient.id)

    def sign_selected(self) -> OverrideDialog | None:
        """Sign the selected request after its checks (alerts shown first if any)."""
        r = selected(self.table, self.model)
        if r is None:
            return None

        def done(rows: list[PrescriptionRow] | None) -> None:
            if rows:
                self.status.setText(
                    f"Signed the renewal of {r.prescription.drug_name} for "
                    f"{r.patient.display_name}."
                )
            self.refresh()

        return self.signer.start(r.prescription, done)

    def _on_decline_clicked(self) -> None:
        r = selected(self.table, self.model)
        if r is None:
            return
        reason, ok = QInputDialog.getText(self, "Decline renewal", "Why is it declined?")
        if ok:
            self.decline(r, reason)

    def decline(self, request: RenewalRequest, reason: str) -> None:
        """Cancel the request with ``reason`` (the nurse sees it cancelled on the chart)."""
        self._ops.run(
            lambda: self._services.prescriptions.cancel(
                self._actor, request.prescription.id, reason
            ),
            changes=f"chart:{request.patient.id}",
        )
        self.refresh()
