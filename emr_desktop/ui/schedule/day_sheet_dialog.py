"""The printed day sheet: a preview from memory, then Print or Save As. No temp files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, QStandardPaths
from PySide6.QtGui import QPageLayout, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.services.schedule.day_sheet import file_name

MAX_DPI = 300  # pages are rendered to an image no finer than this for the printer


def print_document(document: QPdfDocument, printer: QPrinter) -> int:
    """Draw every page of ``document`` on ``printer``, each fitted to the page; the pages
    printed (0 if the printer could not be opened)."""
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        for index in range(document.pageCount()):
            if index:
                printer.newPage()
            area = painter.viewport()
            points = document.pagePointSize(index)
            scale = min(area.width() / points.width(), area.height() / points.height())
            width, height = int(points.width() * scale), int(points.height() * scale)
            dpi = min(MAX_DPI, printer.resolution())
            image = document.render(
                index, QSize(int(points.width() * dpi / 72), int(points.height() * dpi / 72))
            )
            target = QRect(area.x() + (area.width() - width) // 2, area.y(), width, height)
            painter.drawImage(target, image)
    finally:
        painter.end()
    return document.pageCount()


class DaySheetDialog(QDialog):
    """Shows the day sheet; Print sends it to a printer, Save As writes the PDF."""

    def __init__(self, pdf: bytes, day: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.day = day
        self.pdf_bytes = pdf
        # The QBuffer and its byte array must outlive the document reading them.
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        pages = self.document.pageCount()
        self.setWindowTitle(f"Day sheet for {day:%a %b} {day.day}, {day.year}")
        view = QPdfView(self)
        view.setPageMode(QPdfView.PageMode.MultiPage)
        view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        view.setDocument(self.document)
        caption = QLabel(f"{pages} page{'s' if pages != 1 else ''}")
        self.print_button = QPushButton("&Print…")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_pages)
        self.save_button = QPushButton("&Save as…")
        self.save_button.clicked.connect(self.save_as)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(caption)
        bottom.addWidget(buttons, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(view, 1)
        layout.addLayout(bottom)
        self.resize(980, 760)

    def default_path(self) -> Path:
        """Where Save As starts: the documents folder, named by date only."""
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return Path(folder or Path.home()) / file_name(self.day)

    def print_pages(self) -> bool:
        """Ask for a printer and print every page."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(file_name(self.day))
        if self.document.pageCount():
            size = self.document.pagePointSize(0)
            if size.width() > size.height():
                printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
            return False
        if not print_document(self.document, printer):
            QMessageBox.warning(self, "Printing failed", "The printer could not be opened.")
            return False
        return True

    def save_as(self) -> bool:
        """Ask where to save the PDF (named by date, never by patient) and write it."""
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the day sheet", str(self.default_path()), "PDF documents (*.pdf)"
        )
        if not chosen:
            return False
        return self.save_to(Path(chosen))

    def save_to(self, path: Path) -> bool:
        """Write the PDF to ``path`` (adding .pdf); tell the user if it fails."""
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        try:
            path.write_bytes(self.pdf_bytes)
        except OSError as err:
            QMessageBox.warning(
                self, "Not saved", f"The file could not be written ({err.strerror})."
            )
            return False
        return True

    def done(self, result: int) -> None:
        """Close the document and drop its bytes when the dialog closes."""
        self.document.close()
        super().done(result)
