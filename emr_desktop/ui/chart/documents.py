"""The Documents section: attached letters and scans, attaching one, viewing one in the app.

Document bytes only ever live in memory (a QBuffer for PDFs, a QPixmap for images):
nothing is written to a temporary file, so no patient information is left on disk.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QDate, QIODevice, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import DocumentRow
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ValidationError
from emr_desktop.services.chart.documents import sniff
from emr_desktop.ui.chart.section_kit import make_table
from emr_desktop.ui.chart.vitals import FieldRow, buddy
from emr_desktop.ui.context import Services
from emr_desktop.ui.discard import DiscardGuard
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_header import patient_header, put_on_top
from emr_desktop.ui.table_model import Column, DtoTableModel

FILE_FILTER = "Documents (*.pdf *.png *.jpg *.jpeg *.tif *.tiff);;All files (*)"
_BY_SUFFIX = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
_KIND = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF"}


def size_text(size: int) -> str:
    """'820 KB', '1.4 MB': a file size as people say it."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _date(d: DocumentRow) -> dt.date:
    return d.document_date or d.uploaded_at.astimezone().date()


COLUMNS: tuple[Column[DocumentRow], ...] = (
    Column("Title", lambda d: d.title),
    Column("Date", lambda d: f"{_date(d):%m/%d/%Y}", _date),
    Column("Type", lambda d: _KIND.get(d.media_type, d.media_type)),
    Column("Size", lambda d: size_text(d.size_bytes), lambda d: d.size_bytes, align_right=True),
    Column("Uploaded by", lambda d: d.uploaded_by),
    Column("Uploaded", lambda d: f"{d.uploaded_at.astimezone():%m/%d/%Y %H:%M}"),
)


class AttachDialog(QDialog):
    """Title and date of a file being attached; the title starts as the file's name."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        patient_id: int,
        ops: Operations,
        path: Path,
        content: bytes,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.guard = DiscardGuard(self, "Discard this document without attaching it?")
        self.setWindowTitle("Attach document")
        self._services, self._actor, self._patient_id, self._ops = services, actor, patient_id, ops
        self._content = content
        # What the bytes are wins over the file name; the service checks they agree.
        self._media_type = sniff(content) or _BY_SUFFIX.get(path.suffix.lower(), "")
        self.saved: DocumentRow | None = None
        form = QFormLayout(self)
        form.addRow("File", QLabel(f"{path.name} ({size_text(len(content))})"))
        self.title_row = FieldRow(None)
        self.title_row.edit.setText(path.stem)
        self.title_row.edit.setMaxLength(200)
        self.title_row.edit.selectAll()
        form.addRow(buddy("&Title", self.title_row.edit), self.title_row)
        self.has_date = QCheckBox("&Dated")
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("MM/dd/yyyy")
        self.date.setMaximumDate(QDate.currentDate())
        self.date.setEnabled(False)
        self.has_date.toggled.connect(self.date.setEnabled)
        self.date_row = FieldRow(None)
        self.date_row.edit.hide()
        self.date_row.box.insertWidget(0, self.has_date)
        self.date_row.box.insertWidget(1, self.date)
        form.addRow("Document date", self.date_row)
        self.general = FieldRow(None)
        self.general.edit.hide()
        form.addRow(self.general)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(480)
        self.header = patient_header(parent, patient_id, services, actor, ops)
        put_on_top(self, self.header)

    def reject(self) -> None:
        """Qt override (Esc, Cancel, the close box): ask before typed content is lost."""
        if self.guard.may_close():
            super().reject()

    def show_validation(self, err: ValidationError) -> None:
        """Show a refused value beside its field."""
        if err.field == "title":
            self.title_row.show_error(err.reason)
        elif err.field == "document date":
            self.date_row.show_error(err.reason)
        else:
            self.general.show_error(f"The {err.field} {err.reason}")

    def save(self) -> None:
        """Attach the file; stays open with the reason when refused."""
        for row in (self.title_row, self.date_row, self.general):
            row.clear_error()
        when = self.date.date().toPython() if self.has_date.isChecked() else None
        assert when is None or isinstance(when, dt.date)
        saved = self._ops.run(
            lambda: self._services.documents.attach(
                self._actor,
                self._patient_id,
                title=self.title_row.edit.text(),
                content=self._content,
                media_type=self._media_type or "application/octet-stream",
                document_date=when,
            ),
            changes=f"chart:{self._patient_id}",
            on_validation=self.show_validation,
        )
        if saved is not None:
            self.saved = saved
            self.accept()


class DocumentViewer(QDialog):
    """One document shown inside the app, from memory only."""

    def __init__(self, row: DocumentRow, content: bytes, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(row.title)
        self.pdf: QPdfDocument | None = None
        self.image: QLabel | None = None
        layout = QVBoxLayout(self)
        if row.media_type == "application/pdf":
            # The QBuffer and its byte array must outlive the document reading them.
            self._bytes = QByteArray(content)
            self._buffer = QBuffer(self._bytes, self)
            self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            self.pdf = QPdfDocument(self)
            self.pdf.load(self._buffer)
            view = QPdfView(self)
            view.setPageMode(QPdfView.PageMode.MultiPage)
            view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
            view.setDocument(self.pdf)
            layout.addWidget(view)
        else:
            image = QImage.fromData(content)
            self.image = QLabel()
            self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
            if image.isNull():
                self.image.setText("This image cannot be shown.")
            else:
                self.image.setPixmap(QPixmap.fromImage(image))
            self.image.setAccessibleName(row.title)
            scroll = QScrollArea()
            scroll.setWidget(self.image)
            scroll.setWidgetResizable(True)
            layout.addWidget(scroll)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.resize(820, 900)
        self.header = patient_header(parent, row.patient_id)
        put_on_top(self, self.header)

    def done(self, result: int) -> None:
        """Close the document and drop its bytes when the viewer closes."""
        if self.pdf is not None:
            self.pdf.close()
        super().done(result)


class DocumentsSection(QWidget):
    """The chart's documents; 'Attach…' for clinicians allowed to, 'View' for everyone."""

    title = "Documents"

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self._services, self._actor, self.patient_id, self._ops = services, actor, patient_id, ops
        self.model: DtoTableModel[DocumentRow] = DtoTableModel(COLUMNS)
        self.table = make_table(self.model, "Documents", stretch=0)
        self.table.activated.connect(lambda _index: self.view_selected())
        self.attach = QPushButton("&Attach…")
        self.attach.clicked.connect(self.choose_and_attach)
        self.attach.setVisible(actor.can(Permission.DOCUMENT_ATTACH))
        self.view = QPushButton("&View")
        self.view.clicked.connect(self.view_selected)
        self.empty = QLabel("No documents attached.")
        self.viewer: DocumentViewer | None = None
        top = QHBoxLayout()
        top.addWidget(self.attach)
        top.addWidget(self.view)
        top.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        """Reload the list (without the documents' bytes)."""
        rows = self._ops.run(lambda: self._services.documents.list(self._actor, self.patient_id))
        if rows is None:
            return
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        self.view.setEnabled(bool(rows))

    def choose_and_attach(self) -> None:
        """Pick a file, then confirm its title and date."""
        name, _ = QFileDialog.getOpenFileName(self, "Attach document", "", FILE_FILTER)
        if not name:
            return
        path = Path(name)
        try:
            content = path.read_bytes()
        except OSError as err:
            self._ops.show_error(ValidationError("file", f"cannot be read ({err.strerror})"))
            return
        self.attach_dialog = self.make_attach_dialog(path, content)
        self.attach_dialog.open()  # window-modal: a lock or switch user keeps it

    def make_attach_dialog(self, path: Path, content: bytes) -> AttachDialog:
        """The 'Attach document' dialog for ``content`` read from ``path`` (not shown yet)."""
        return AttachDialog(
            self._services, self._actor, self.patient_id, self._ops, path, content, self
        )

    def view_selected(self) -> None:
        """Open the selected (or only) document in the viewer; audited as a view."""
        rows = self.table.selectionModel().selectedRows()
        if rows:
            doc = self.model.row(rows[0].row())
        elif self.model.rowCount() == 1:
            doc = self.model.row(0)
        else:
            return
        loaded = self._ops.run(lambda: self._services.documents.content(self._actor, doc.id))
        if loaded is None:
            return
        row, content = loaded
        if self.viewer is not None:
            self.viewer.close()
            self.viewer.deleteLater()
        self.viewer = DocumentViewer(row, content, self)
        self.viewer.show()

    def has_unsaved(self) -> bool:
        """Nothing here is typed outside a modal dialog."""
        return False

    def save_drafts(self) -> None:
        """Nothing to save."""
