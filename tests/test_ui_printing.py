"""Print to file writes the vector PDF itself (its text kept, not page pictures), under
the document's own name in the documents folder, never ``~/print.pdf`` (issue 19, item 9)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import io
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication
from reportlab.pdfgen import canvas

from emr_desktop.ui.printing import new_printer, print_pdf


def _pdf() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Amoxicillin 500 mg capsule")
    page.save()
    return out.getvalue()


def test_print_to_file_writes_the_vector_pdf_under_its_own_name(
    qapp: QApplication, tmp_path: Path
) -> None:
    pdf = _pdf()
    data = QByteArray(pdf)
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    printer = new_printer("prescription-10000016-2026-12-02.pdf")
    assert printer.outputFileName().endswith("prescription-10000016-2026-12-02.pdf")
    assert Path(printer.outputFileName()) != Path.home() / "print.pdf"
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert print_pdf(pdf, document, printer) == 1
    printed = (tmp_path / "printed.pdf").read_bytes()
    assert printed == pdf  # the same vector PDF: text, not a picture of it
