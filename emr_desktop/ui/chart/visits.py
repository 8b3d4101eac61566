"""The Visits section: the visit list (paged for long charts) beside the note editor."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import EncounterRow
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.ui.chart.note_editor import NoteEditor
from emr_desktop.ui.chart.section_kit import make_table
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel

PAGE = 50

COLUMNS: tuple[Column[EncounterRow], ...] = (
    Column("Date", lambda e: f"{e.occurred_at.astimezone():%m/%d/%Y}", lambda e: e.occurred_at),
    Column("Kind", lambda e: e.kind),
    Column("Reason", lambda e: e.reason),
    Column("Provider", lambda e: e.provider),
    Column("Status", lambda e: e.status.value, warn=lambda e: e.status.value == "draft"),
)


class VisitsSection(QWidget):
    """Visits and their notes; 'New note' starts a draft for today."""

    title = "Visits"

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.patient_id = patient_id
        self._ops = ops
        self._loaded = 0
        self._total = 0
        self.model: DtoTableModel[EncounterRow] = DtoTableModel(COLUMNS)
        self.table = make_table(self.model, "Visits", stretch=2)
        self.table.clicked.connect(self._on_table_activated)
        self.table.activated.connect(self._on_table_activated)
        self.more = QPushButton("Load older visits")
        self.more.clicked.connect(self._on_more_clicked)
        self.new = QPushButton("&New note")
        self.new.clicked.connect(self._on_new_clicked)
        self.new.setVisible(actor.can(Permission.NOTE_DRAFT))
        self.editor = NoteEditor(services.notes, actor, ops)
        from emr_desktop.ui.recalls.follow_up import follow_up_hook  # issue 20

        self.editor.follow_up = follow_up_hook(services, actor, ops)
        self.editor.changed.connect(self._on_editor_changed)
        if actor.can(Permission.BILLING_CODE):
            from emr_desktop.ui.billing.coding import offer_coding

            self.editor.signed.connect(lambda eid: offer_coding(services, actor, ops, eid, self))
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.new)
        top.addStretch()
        left_layout.addLayout(top)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.more)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("visitsSplitter")
        split.addWidget(left)
        split.addWidget(self.editor)
        split.setSizes([440, 840])
        state = QSettings().value("chart/visitsSplitter")
        if state is not None:
            split.restoreState(state)
        split.splitterMoved.connect(
            lambda *_: QSettings().setValue("chart/visitsSplitter", split.saveState())
        )
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.refresh()

    def refresh(self) -> None:
        """Reload the first page of visits."""
        page = self._ops.run(
            lambda: self._services.notes.list(self._actor, self.patient_id, offset=0, limit=PAGE)
        )
        if page is None:
            return
        self.model.set_rows(page.items)
        self._loaded, self._total = len(page.items), page.total
        self._update_more()

    def _update_more(self) -> None:
        remaining = self._total - self._loaded
        self.more.setVisible(remaining > 0)
        self.more.setText(f"Load older visits ({remaining} more)")

    def _on_more_clicked(self) -> None:
        page = self._ops.run(
            lambda: self._services.notes.list(
                self._actor, self.patient_id, offset=self._loaded, limit=PAGE
            )
        )
        if page is None:
            return
        self.model.set_rows(self.model.rows() + list(page.items))
        self._loaded += len(page.items)
        self._update_more()

    def _on_table_activated(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        encounter = self.model.row(rows[0].row())
        if self.editor.note is not None and self.editor.note.id == encounter.id:
            return
        if not self.editor.save_now():
            return
        note = self._ops.run(lambda: self._services.notes.get(self._actor, encounter.id))
        if note is not None:
            self.editor.show_note(note)

    def _on_new_clicked(self) -> None:
        if not self.editor.save_now():
            return
        note = self._ops.run(
            lambda: self._services.notes.create(self._actor, self.patient_id),
            changes=f"chart:{self.patient_id}",
        )
        if note is not None:
            self.refresh()
            self.editor.show_note(note)
            self.editor.fields["subjective"].setFocus()

    def _on_editor_changed(self) -> None:
        note = self.editor.note
        if note is None:
            return
        shown = next((row for row in self.model.rows() if row.id == note.id), None)
        if shown is not None and (shown.status != note.status or shown.reason != note.reason):
            self.refresh()

    def has_unsaved(self) -> bool:
        """Whether the editor holds text not yet saved."""
        return self.editor.dirty

    def save_drafts(self) -> None:
        """Save the editor's text as a draft now."""
        self.editor.save_now()
