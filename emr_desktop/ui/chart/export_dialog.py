"""Export / Referral: choose what to send, see it exactly as it will print, then print or
save it. Printing and saving are recorded (audit row; a referral is marked sent).

The PDF lives in memory only (a QBuffer behind the preview): no temporary file ever
holds the patient's chart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import DocumentRow, EncounterRow, ReferralRow
from emr_desktop.domain.exports import Destination, ExportRequest, ExportResult
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import EmrError, ValidationError
from emr_desktop.ui.chart.export_form import ExportForm
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_header import patient_header, put_on_top

PDF_FILTER = "PDF files (*.pdf)"
_DEBOUNCE_MS = 700  # rebuild the preview this long after the last change


class _Superseded(EmrError):
    """A preview build overtaken by a newer one (or by the dialog closing)."""

    def __init__(self) -> None:
        super().__init__("superseded")


def preview_request(request: ExportRequest) -> ExportRequest:
    """The same export without password or PDF/A: what the preview shows and paper gets."""
    return dataclasses.replace(request, password=None, pdf_a=False)


class ExportDialog(QDialog):
    """Build a referral packet, full chart or chosen sections; preview, print, save."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        patient_id: int,
        ops: Operations,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export / Referral")
        self._services, self._actor, self._patient_id, self._ops = services, actor, patient_id, ops
        self.built: ExportResult | None = None  # the preview's PDF
        self._built_for: ExportRequest | None = None
        self._generation = 0
        self.form = ExportForm(*self._load_lists(), actor.can(Permission.REFERRAL_MANAGE))
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(450)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.status = QLabel("Building the preview…")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.pdf = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.pdf)
        self.view.setAccessibleName("Preview")
        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(self.status)
        right_box.addWidget(self.progress)
        right_box.addWidget(self.view, 1)
        split = QSplitter()
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([460, 740])

        self.update_button = QPushButton("&Update preview")
        self.print_button = QPushButton("&Print…")
        self.save_button = QPushButton("&Save As…")
        close = QPushButton("Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.update_button)
        buttons.addStretch(1)
        for b in (self.print_button, self.save_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.update_button.clicked.connect(self.build_preview)
        self.print_button.clicked.connect(self.print_pdf)
        self.save_button.clicked.connect(self.save_as)
        close.clicked.connect(self.reject)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.build_preview)
        self.form.changed.connect(self._on_form_changed)
        self._buffer: QBuffer | None = None
        self._bytes = QByteArray()
        self.resize(1200, 860)
        self.build_preview()
        self.header = patient_header(parent, patient_id, services, actor, ops)
        put_on_top(self, self.header)

    def _load_lists(self) -> tuple[list[ReferralRow], list[EncounterRow], list[DocumentRow]]:
        s, a, pid = self._services, self._actor, self._patient_id
        referrals = self._ops.run(lambda: s.referrals.list(a, pid)) or []
        page = self._ops.run(lambda: s.notes.list(a, pid, limit=500))
        documents = self._ops.run(lambda: s.documents.list(a, pid)) or []
        return referrals, list(page.items) if page else [], documents

    # --- building -----------------------------------------------------------------------

    def _build(self, request: ExportRequest, then: Callable[[ExportResult], None]) -> None:
        """Build ``request`` in the background with progress; ``then`` gets the result."""
        self._generation += 1
        generation = self._generation
        self.progress.setValue(0)
        self.progress.show()
        self._set_busy(True)

        def call(progress: Callable[[int, str], None]) -> ExportResult:
            def report(percent: int, message: str) -> None:
                # Runs in the worker: a build the user has moved on from stops early.
                if generation != self._generation:
                    raise _Superseded()
                progress(percent, message)

            return self._services.exports.build_pdf(self._actor, self._patient_id, request, report)

        def done(result: ExportResult) -> None:
            self._set_busy(False)
            self.progress.hide()
            if generation == self._generation:
                then(result)

        def failed(err: EmrError) -> bool:
            if isinstance(err, _Superseded):
                return True
            self._set_busy(False)
            self.progress.hide()
            if isinstance(err, ValidationError):
                self.status.setText(f"Not ready: the {err.field} {err.reason}.")
                return True
            return False

        def progress(percent: int, message: str) -> None:
            if generation == self._generation:
                self.progress.setValue(percent)
                self.status.setText(message)

        self._ops.run_in_background(call, done, on_progress=progress, on_failed=failed)

    def _set_busy(self, busy: bool) -> None:
        for b in (self.print_button, self.save_button, self.update_button):
            b.setEnabled(not busy)

    def build_preview(self) -> None:
        """Rebuild the preview from the form (without password or PDF/A)."""
        self._debounce.stop()
        request = preview_request(self.form.request())
        if self.built is not None and request == self._built_for:
            self._describe(self.built)  # only the password or PDF/A changed: same pages
            return
        self._build(request, lambda result: self._show(request, result))

    def _show(self, request: ExportRequest, result: ExportResult) -> None:
        self.built, self._built_for = result, request
        self.pdf.close()
        # The byte array and buffer must outlive the document reading them.
        self._bytes = QByteArray(result.pdf)
        old, self._buffer = self._buffer, QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf.load(self._buffer)
        if old is not None:
            old.close()
            old.deleteLater()
        self._describe(result)

    def _describe(self, result: ExportResult) -> None:
        plural = "s" if result.pages != 1 else ""
        self.status.setText(f"{result.pages} page{plural} · {result.file_name}")

    def _with_preview(self, then: Callable[[ExportResult], None]) -> None:
        """``then`` with a preview that matches the form (rebuilt first if it does not)."""
        request = preview_request(self.form.request())
        if self.built is not None and self._built_for == request:
            then(self.built)
            return

        def shown(result: ExportResult) -> None:
            self._show(request, result)
            then(result)

        self._build(request, shown)

    # --- printing and saving ------------------------------------------------------------

    def print_pdf(self) -> None:
        """Print through the system print dialog; recorded once the pages are sent."""

        def go(result: ExportResult) -> None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setDocName(result.file_name)
            if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
                return
            self.print_to(printer)
            self._record(preview_request(self.form.request()), "print")

        self._with_preview(go)

    def print_to(self, printer: QPrinter) -> None:
        """Draw every preview page onto ``printer``, scaled to fit, upright."""
        painter = QPainter()
        if not painter.begin(printer):
            self._ops.show_error(EmrError("The printer could not be started."))
            return
        try:
            area = printer.pageLayout().paintRectPixels(printer.resolution())
            for index in range(self.pdf.pageCount()):
                if index:
                    printer.newPage()
                points = self.pdf.pagePointSize(index)
                scale = min(area.width() / points.width(), area.height() / points.height())
                size = QSize(int(points.width() * scale), int(points.height() * scale))
                image = self.pdf.render(index, size)
                painter.drawImage(QRect(0, 0, size.width(), size.height()), image)
        finally:
            painter.end()

    def save_as(self) -> None:
        """Save to a file the user names (MRN and date offered); recorded when written."""
        request = self.form.request()

        def write(result: ExportResult) -> None:
            folder = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation
            )
            name, _ = QFileDialog.getSaveFileName(
                self, "Save PDF", str(Path(folder) / result.file_name), PDF_FILTER
            )
            if not name:
                return
            path = Path(name)
            try:
                path.write_bytes(result.pdf)
            except OSError as err:
                self._ops.show_error(EmrError(f"The file could not be saved ({err.strerror})."))
                return
            self._record(request, "file")
            self.status.setText(f"Saved {path.name}")

        if request.password or request.pdf_a:
            self._build(request, write)  # the protected file differs from the preview
        else:
            self._with_preview(write)

    def _record(self, request: ExportRequest, destination: Destination) -> None:
        """Audit the export; a referral typed here is now on the chart as sent."""
        s, a, pid = self._services, self._actor, self._patient_id
        referral_id = self._ops.run(
            lambda: s.exports.record_export(a, pid, request, destination),
            changes=f"chart:{pid}",
        )
        if referral_id is not None and request.referral is not None:
            rows = self._ops.run(lambda: s.referrals.list(a, pid)) or []
            for row in rows:
                if row.id == referral_id:
                    self.form.use_referral(row)

    def _on_form_changed(self) -> None:
        self.status.setText("Options changed: the preview will update…")
        self._debounce.start()

    def done(self, result: int) -> None:
        """Drop the PDF from memory when the dialog closes."""
        self._debounce.stop()
        self._generation += 1  # a build still running is no longer wanted
        self.pdf.close()
        super().done(result)
