"""A PDF the app just built (a prescription, a medication list), shown from memory with
Print… and Save as…; no temporary file is ever written."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.exports import ExportResult
from emr_desktop.ui.printing import draw_pages, new_printer, print_pdf


def print_document(document: QPdfDocument, printer: QPrinter) -> int:
    """Paint every page of ``document`` onto ``printer``; the number of pages printed."""
    return draw_pages(document, printer)


class PdfPreviewDialog(QDialog):
    """The PDF on screen, with Print… (system print dialog) and Save as… (a PDF file)."""

    def __init__(self, title: str, result: ExportResult, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.result_pdf = result
        # The QBuffer and its byte array must outlive the document reading them.
        self._bytes = QByteArray(result.pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        self.view.setAccessibleName(title)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.print_button = QPushButton("&Print…")
        self.save_button = QPushButton("&Save as…")
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(self._on_print_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(760, 900)

    def save_to(self, path: Path) -> None:
        """Write the PDF to ``path`` (the user chose it)."""
        path.write_bytes(self.result_pdf.pdf)

    def _on_print_clicked(self) -> None:
        printer = new_printer(self.result_pdf.file_name)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        if not print_pdf(self.result_pdf.pdf, self.document, printer):
            QMessageBox.warning(self, "Not printed", "The printer or file could not be used.")

    def _on_save_clicked(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save as PDF", self.result_pdf.file_name, "PDF documents (*.pdf)"
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")
        try:
            self.save_to(path)
        except OSError as err:
            QMessageBox.warning(self, "Could not save", f"The file could not be written: {err}")

    def done(self, result: int) -> None:
        """Close the document and drop its bytes when the preview closes."""
        self.document.close()
        super().done(result)
