"""The visit-note editor: S/O/A/P, templates, autosave, Sign, addenda; signed is read-only."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import Note
from emr_desktop.domain.clinical import NoteStatus
from emr_desktop.domain.notes import SOAP_FIELDS
from emr_desktop.domain.security import Actor, Permission, Role
from emr_desktop.errors import EmrError
from emr_desktop.services.chart.notes import NoteService
from emr_desktop.ui.chart.addendum import AddendumDialog, ask_addendum
from emr_desktop.ui.chart.note_templates import TEMPLATES
from emr_desktop.ui.ops import Operations

AUTOSAVE_MS = 2000
_TITLES = {
    "subjective": "&Subjective",
    "objective": "&Objective",
    "assessment": "&Assessment",
    "plan": "&Plan",
}


class NoteEditor(QWidget):
    """Edits one note. Typed text is saved as a draft 2 s after typing stops, and at once
    when the workstation locks, another user switches in or the chart closes."""

    changed = Signal()

    def __init__(self, notes: NoteService, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self._notes = notes
        self._actor = actor
        self._ops = ops
        self.note: Note | None = None
        self.dirty = False
        self.editable = False
        self.addendum_dialog: AddendumDialog | None = None
        self._loading = False
        self.header = QLabel()
        self.header.setAccessibleName("Note heading")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for visit")
        self.reason.textEdited.connect(self._on_text_edited)
        self.template = QComboBox()
        self.template.setAccessibleName("Insert template")
        self.template.addItem("Insert template…", "")
        for name in TEMPLATES:
            self.template.addItem(name, name)
        self.template.activated.connect(self._on_template_activated)
        self.fields: dict[str, QPlainTextEdit] = {}
        form = QFormLayout()
        form.addRow("Reason", self.reason)
        for name in SOAP_FIELDS:
            edit = QPlainTextEdit()
            edit.setAccessibleName(name.capitalize())
            edit.setTabChangesFocus(True)
            edit.textChanged.connect(self._on_text_edited)
            self.fields[name] = edit
            form.addRow(_TITLES[name], edit)
        self.status = QLabel()
        self.status.setAccessibleName("Save status")
        self.sign_button = QPushButton("Si&gn note")
        self.sign_button.clicked.connect(self._on_sign_clicked)
        self.addendum_button = QPushButton("Add a&ddendum…")
        self.addendum_button.clicked.connect(self._on_addendum_clicked)
        self.addenda = QLabel()
        self.addenda.setWordWrap(True)
        self.addenda.setAccessibleName("Addenda")
        buttons = QHBoxLayout()
        buttons.addWidget(self.template)
        buttons.addStretch()
        buttons.addWidget(self.status)
        buttons.addWidget(self.addendum_button)
        buttons.addWidget(self.sign_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addLayout(form, 1)
        layout.addWidget(self.addenda)
        layout.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.save_now)
        self.show_note(None)

    # --- showing -------------------------------------------------------------
    def show_note(self, note: Note | None) -> None:
        """Show ``note`` (or nothing); signed notes are read-only."""
        self._loading = True
        self.note = note
        self.dirty = False
        signed = note is not None and note.status is NoteStatus.SIGNED
        # Read-only from the first keystroke when this user may not edit the draft.
        editable = note is not None and note.may_edit(
            self._actor.user_id, self._actor.role is Role.PHYSICIAN
        )
        self.editable = editable
        for name, edit in self.fields.items():
            edit.setPlainText(getattr(note, name) if note else "")
            edit.setReadOnly(not editable)
        self.reason.setText(note.reason if note else "")
        self.reason.setReadOnly(not editable)
        self.template.setEnabled(editable)
        self.sign_button.setVisible(editable and self._actor.can(Permission.NOTE_SIGN))
        self.addendum_button.setVisible(signed and self._actor.can(Permission.NOTE_ADDENDUM))
        if note is None:
            self.header.setText("<i>Choose a visit, or start a new note.</i>")
            self.status.clear()
            self.addenda.clear()
        else:
            when = note.occurred_at.astimezone()
            state = (
                f"signed by {html.escape(note.signed_by)} "
                f"{note.signed_at.astimezone():%m/%d/%Y %H:%M}"
                if signed and note.signed_at
                else "draft"
            )
            self.header.setText(
                f"<b>{when:%m/%d/%Y %H:%M} · {html.escape(note.kind)}</b> · "
                f"{html.escape(note.provider or 'no provider')} · {state}"
            )
            self.status.setText(
                "Read-only (signed)"
                if signed
                else "Saved"
                if editable
                else "Read-only: only the author or a physician may edit this draft"
            )
            self.addenda.setText(
                "<br>".join(
                    f"<b>Addendum</b> {a.created_at.astimezone():%m/%d/%Y %H:%M} by "
                    f"{html.escape(a.author)}: {html.escape(a.text)}"
                    for a in note.addenda
                )
            )
        self.setEnabled(note is not None)
        self._loading = False

    # --- saving --------------------------------------------------------------
    def _on_text_edited(self, *_: object) -> None:
        if self._loading or self.note is None or not self.editable:
            return
        self.dirty = True
        self.status.setText("Unsaved changes…")
        self._timer.start()

    def _on_template_activated(self, index: int) -> None:
        name = self.template.itemData(index)
        self.template.setCurrentIndex(0)
        if not name:
            return
        for field, text in TEMPLATES[name].items():
            edit = self.fields[field]
            if text and not edit.toPlainText().strip():
                edit.setPlainText(text)
        self._on_text_edited()

    def save_now(self) -> bool:
        """Save the draft now if anything changed; False when it could not be saved."""
        self._timer.stop()
        if not self.dirty or self.note is None:
            return True
        note = self.note
        try:
            saved = self._notes.save_draft(
                self._actor,
                note.id,
                reason=self.reason.text(),
                expected_version=note.version,
                **{name: edit.toPlainText() for name, edit in self.fields.items()},
            )
        except EmrError as err:
            # Keep the user's text on screen: nothing typed is ever thrown away.
            self.status.setText("Not saved — see message")
            self._ops.show_error(err)
            return False
        self.note = saved
        self.dirty = False
        self.status.setText(f"Draft saved {dt.datetime.now():%H:%M:%S}")
        self.changed.emit()
        return True

    def _on_sign_clicked(self) -> None:
        if self.note is None or not self.save_now():
            return
        note = self.note
        answer = QMessageBox.question(
            self,
            "Sign note",
            "Sign this note? A signed note can no longer be edited; later changes are addenda.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        signed = self._ops.run(
            lambda: self._notes.sign(self._actor, note.id, expected_version=note.version),
            changes=f"chart:{note.patient_id}",
        )
        if signed is not None:
            self.show_note(signed)
            self.changed.emit()

    def _on_addendum_clicked(self) -> None:
        if self.note is None:
            return
        note = self.note

        def add(text: str) -> None:
            updated = self._ops.run(
                lambda: self._notes.add_addendum(self._actor, note.id, text),
                changes=f"chart:{note.patient_id}",
            )
            if updated is not None and self.note is not None and self.note.id == note.id:
                self.show_note(updated)
                self.changed.emit()

        self.addendum_dialog = ask_addendum(note.patient_id, self, add)
