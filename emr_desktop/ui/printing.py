"""Printing a PDF the app built: to a printer, each page drawn at the printer's resolution;
to a file ("Print to file"), the vector PDF itself, its text kept, in the user's documents
folder under the document's own name (not ``~/print.pdf``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSize, QStandardPaths
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter


def new_printer(file_name: str) -> QPrinter:
    """A printer for ``file_name`` (named by MRN and date, never by the patient's name);
    Print to file offers the documents folder and that name."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(file_name)
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    printer.setOutputFileName(str(Path(folder or Path.home()) / file_name))
    printer.setOutputFormat(QPrinter.OutputFormat.NativeFormat)
    return printer


def draw_pages(document: QPdfDocument, printer: QPrinter) -> int:
    """Paint every page of ``document`` onto ``printer``; the number of pages printed."""
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        area = printer.pageLayout().paintRectPixels(printer.resolution())
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            points = document.pagePointSize(page)
            scale = min(area.width() / points.width(), area.height() / points.height())
            size = QSize(int(points.width() * scale), int(points.height() * scale))
            painter.drawImage(QRect(0, 0, size.width(), size.height()), document.render(page, size))
    finally:
        painter.end()
    return document.pageCount()


def print_pdf(pdf: bytes, document: QPdfDocument, printer: QPrinter) -> int:
    """Print ``pdf`` (loaded in ``document``): a PDF file gets the vector bytes as they are,
    a printer the drawn pages. The number of pages; 0 when nothing could be printed."""
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        try:
            Path(printer.outputFileName()).write_bytes(pdf)
        except OSError:
            return 0
        return document.pageCount()
    return draw_pages(document, printer)
