"""The restore dialog: choose a backup, see what it holds, prove who you are, restore."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.backup import BackupManifest, RestoreResult
from emr_desktop.domain.security import Actor
from emr_desktop.errors import (
    AuthenticationError,
    BackupError,
    EmrError,
    ValidationError,
    WrongPassphrase,
)
from emr_desktop.services.practice.folder import PracticePaths
from emr_desktop.services.practice.restore import restore_backup
from emr_desktop.ui.admin import (
    FieldErrors,
    label,
    run_job,
    set_tab_order,
)
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations


def size_text(size: int) -> str:
    """1234567 -> '1.2 MB'."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def created_text(manifest: BackupManifest) -> str:
    """When the backup was made, in local time."""
    try:
        when = dt.datetime.fromisoformat(manifest.created_at)
    except ValueError:
        return manifest.created_at
    return when.astimezone().strftime("%m/%d/%Y %H:%M")


def manifest_form(manifest: BackupManifest, saved_to: Path | None = None) -> QFormLayout:
    """The facts of a backup as label/value rows the user can select and copy."""
    form = QFormLayout()
    fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    rows = [
        ("Made", created_text(manifest)),
        ("Database size", size_text(manifest.database_bytes)),
        ("SHA-256", manifest.database_sha256),
        (
            "Audit log",
            f"ends at row {manifest.audit_head_id:,} (hash {manifest.audit_head_hash[:16]}…)",
        ),
        ("Made by", f"emr-desktop {manifest.app_version}"),
    ]
    if saved_to is not None:
        rows.insert(0, ("Saved to", str(saved_to)))
    for title, value in rows:
        shown = label(value, title, selectable=True)
        if title == "SHA-256":
            shown.setFont(fixed)
        form.addRow(f"{title}:", shown)
    return form


class _PassphraseNeeded(BackupError):
    """Raised from the passphrase callback when the user has not typed one yet."""


class RestoreDialog(QDialog):
    """Shows what a backup holds, warns, asks for the admin's password, then restores."""

    restored = Signal(object)

    def __init__(
        self,
        services: Services,
        actor: Actor,
        backup: Path,
        manifest: BackupManifest,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore a backup")
        self._services = services
        self._actor = actor
        self._backup = backup
        self._ops = Operations(self)
        self.errors = FieldErrors(self._ops)
        self.passphrase_asked = False
        data_dir = services.db.path.parent if services.db.path else Path()
        folder = PracticePaths(data_dir).backups
        warning = label(
            "<b>Restoring replaces the practice database with this backup.</b> Everything "
            f"entered after {created_text(manifest)} will no longer be in the practice. The "
            f"current database is not deleted: it is kept in {folder}. The restore is refused "
            "while emr-desktop is open on another computer or window. When the restore is "
            "done, emr-desktop closes; start it again.",
            "Warning",
        )
        warning.setTextFormat(Qt.TextFormat.RichText)
        self.password = QLineEdit()
        self.password.setAccessibleName("Your password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase = QLineEdit()
        self.passphrase.setAccessibleName("Practice passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Restoring")
        self.progress.hide()
        facts = QGroupBox(f"The backup {backup.name}")
        facts.setLayout(manifest_form(manifest))
        self._form = form = QFormLayout()
        self.errors.row(form, f"Your pass&word ({actor.username}):", self.password, "password")
        self._passphrase_note = label(
            "This computer does not hold the key of this backup: type the practice passphrase "
            "that was in use when the backup was made.",
            "About the passphrase",
        )
        self._passphrase_note.hide()
        form.addRow(self._passphrase_note)
        self.errors.row(form, "Practice &passphrase:", self.passphrase, "passphrase")
        self._set_passphrase_visible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = self.buttons.addButton(
            "&Replace the database with this backup", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.restore_button.setAccessibleName("Replace the database with this backup")
        self.restore_button.setAutoDefault(False)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(facts)
        layout.addWidget(warning)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        set_tab_order([self.password, self.passphrase, self.buttons])
        self.password.setFocus()
        self.setMinimumWidth(700)  # room for the whole SHA-256

    def _set_passphrase_visible(self, visible: bool) -> None:
        holder = self.passphrase.parentWidget()  # the field with its error label
        assert holder is not None
        self._form.setRowVisible(holder, visible)
        self._passphrase_note.setVisible(visible)
        self.passphrase_asked = visible

    def _restore(self, password: str, typed: str) -> RestoreResult:
        """Runs in a worker thread: it gets the typed secrets, never touches widgets."""
        data_dir = self._services.db.path.parent if self._services.db.path else None
        if data_dir is None:
            raise BackupError("A practice on a database server is restored with its own tools.")

        def passphrase() -> str:
            if not typed:
                raise _PassphraseNeeded("The practice passphrase is needed for this backup.")
            return typed

        # Close our connections so the file can be moved aside (Windows refuses to move
        # an open file); the engine reopens by itself if the restore is refused.
        self._services.db.dispose()
        result = restore_backup(
            data_dir,
            self._backup,
            username=self._actor.username,
            password=password,
            passphrase=passphrase,
            own_lease=self._services.db.open_lease,
        )
        # This window's database file was replaced: nothing more may be written through it.
        self._services.db.retire(
            "The practice was restored from a backup; start emr-desktop again to go on."
        )
        return result

    def _on_failed(self, err: EmrError) -> bool:
        if isinstance(err, _PassphraseNeeded):
            self._set_passphrase_visible(True)
            self.passphrase.setFocus()
            return True
        if isinstance(err, AuthenticationError):
            self.errors.show(
                ValidationError(
                    "password",
                    f"{err.message} The password checked is the one you had when this backup "
                    "was made.",
                )
            )
            return True
        if isinstance(err, WrongPassphrase):
            self.errors.show(ValidationError("passphrase", err.message))
            return True
        return False

    def _on_buttons_accepted(self) -> None:
        self.errors.clear()
        if not self.password.text():
            self.errors.show(ValidationError("password", "Type your password to confirm."))
            return
        password = self.password.text()
        typed = self.passphrase.text() if self.passphrase_asked else ""
        run_job(
            self._ops,
            lambda: self._restore(password, typed),
            self._on_restored,
            busy=[self.password, self.passphrase, self.buttons],
            progress=self.progress,
            on_failed=self._on_failed,
        )

    def _on_restored(self, result: RestoreResult) -> None:
        self.accept()
        self.restored.emit(result)
