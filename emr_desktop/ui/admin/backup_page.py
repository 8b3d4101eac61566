"""Back up now, check the database, restore a backup: each verified and explained.

A restore replaces the database file this running application has open, so after a
successful restore the application tells the user and quits (``QApplication.quit``):
starting it again opens the restored database cleanly, with nothing of the old one
left in memory.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
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
from emr_desktop.services.backups import BackupService, read_manifest, restore_backup
from emr_desktop.services.store import PracticePaths
from emr_desktop.ui.admin import (
    FieldErrors,
    ResultLine,
    button,
    label,
    run_job,
    set_tab_order,
)
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations

BACKUP_SUFFIX = ".emrbackup"


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
            f"current database is not deleted: it is kept in {folder}. Everyone else should "
            "close emr-desktop first. When the restore is done, emr-desktop closes; start it "
            "again.",
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
        return restore_backup(
            data_dir,
            self._backup,
            username=self._actor.username,
            password=password,
            passphrase=passphrase,
        )

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


class BackupPage(QWidget):
    """Back up now, check the database and restore, for the open practice."""

    def __init__(self, services: Services, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self._services = services
        self.actor = actor
        self._ops = ops
        self.dialog: RestoreDialog | None = None
        self.last_manifest: BackupManifest | None = None
        self.last_problems: list[str] | None = None
        path = services.db.path
        self._service = BackupService(services.db, PracticePaths(path.parent if path else Path()))
        self.backup_button = button("&Back up now…", "Back up now", self.back_up)
        self.check_button = button("&Check database", "Check database", self.check)
        self.restore_button = button("&Restore…", "Restore from a backup", self.choose_restore)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Working")
        self.progress.hide()
        self.status = label(name="Status")
        self.result = ResultLine("Result")
        self.manifest_box = QGroupBox("The backup just made")
        self.manifest_box.hide()

        backup_box = QGroupBox("Back up")
        backup_layout = QVBoxLayout(backup_box)
        backup_layout.addWidget(
            label(
                "A backup file holds the whole practice database, still encrypted, and the "
                "practice key locked by the practice passphrase. Keep copies on a drive that "
                "leaves the building, and keep the passphrase somewhere safe apart from them.",
                "About backups",
            )
        )
        row = QHBoxLayout()
        for widget in (self.backup_button, self.check_button):
            row.addWidget(widget)
        row.addWidget(self.progress)
        row.addStretch()
        backup_layout.addLayout(row)
        backup_layout.addWidget(self.status)
        backup_layout.addWidget(self.result)
        backup_layout.addWidget(self.manifest_box)
        restore_box = QGroupBox("Restore")
        restore_layout = QVBoxLayout(restore_box)
        restore_layout.addWidget(
            label(
                "Replace the practice database with a backup file, after checking the file "
                "completely. The current database is kept in the backups folder.",
                "About restoring",
            )
        )
        restore_layout.addWidget(self.restore_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addWidget(backup_box)
        layout.addWidget(restore_box)
        layout.addStretch()
        set_tab_order([self.backup_button, self.check_button, self.restore_button])
        if path is None:
            for widget in (self.backup_button, self.check_button, self.restore_button):
                widget.setEnabled(False)
            self.status.setText(
                "This practice uses a database server: back it up with the server's own tools."
            )

    def refresh(self) -> None:
        """Nothing to reload: this page shows what its own buttons did."""

    def _buttons(self) -> list[QWidget]:
        return [self.backup_button, self.check_button, self.restore_button]

    def back_up(self) -> None:
        """Ask where to save, then write and verify a backup in the background."""
        default = Path.home() / f"practice-{dt.datetime.now():%Y%m%d-%H%M}{BACKUP_SUFFIX}"
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the backup as", str(default), f"emr-desktop backups (*{BACKUP_SUFFIX})"
        )
        if not chosen:
            return
        out = Path(chosen)
        if not out.suffix:
            out = out.with_suffix(BACKUP_SUFFIX)
        self.result.hide()
        self.manifest_box.hide()
        self.status.setText(f"Backing up to {out}… You can keep working meanwhile.")
        run_job(
            self._ops,
            lambda: self._service.backup(self.actor, out),
            lambda manifest: self._on_backed_up(manifest, out),
            busy=self._buttons(),
            progress=self.progress,
            on_failed=self._on_job_failed,
        )

    def _on_job_failed(self, err: EmrError) -> bool:
        self.status.clear()
        self.result.show_result(False, err.message)
        return True

    def _on_backed_up(self, manifest: BackupManifest, out: Path) -> None:
        self.last_manifest = manifest
        self.status.clear()
        self.result.show_result(
            True,
            "The backup was written. A restore checks it against the checksum and the audit "
            "log position below. Keep a copy away from this computer.",
        )
        old = self.manifest_box.layout()
        if old is not None:
            QWidget().setLayout(old)  # reparent the old rows away so they are deleted
        self.manifest_box.setLayout(manifest_form(manifest, out))
        self.manifest_box.show()

    def check(self) -> None:
        """Run the database's integrity, encryption and audit-chain checks."""
        self.result.hide()
        self.status.setText("Checking the database… This may take a minute on a large practice.")
        run_job(
            self._ops,
            lambda: self._service.check(self.actor),
            self._on_checked,
            busy=self._buttons(),
            progress=self.progress,
            on_failed=self._on_job_failed,
        )

    def _on_checked(self, problems: list[str]) -> None:
        self.last_problems = problems
        self.status.clear()
        if not problems:
            self.result.show_result(
                True,
                "No problems found: the database file, its encryption and the audit log all "
                "check out.",
            )
            return
        listed = "\n".join(f"• {p}" for p in problems[:10])
        more = f"\n…and {len(problems) - 10} more." if len(problems) > 10 else ""
        self.result.show_result(
            False,
            f"The check found {len(problems)} problem(s). Restore the latest good backup, "
            f"or ask whoever looks after your IT.\n{listed}{more}",
        )

    def choose_restore(self) -> None:
        """Pick a backup file, show what it holds and open the restore dialog."""
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            "Choose the backup to restore",
            str(Path.home()),
            f"emr-desktop backups (*{BACKUP_SUFFIX});;All files (*)",
        )
        if not chosen:
            return
        backup = Path(chosen)
        manifest = self._ops.run(lambda: read_manifest(backup))
        if manifest is None:
            return
        dialog = RestoreDialog(self._services, self.actor, backup, manifest, self)
        dialog.restored.connect(self._on_restored)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()

    def _on_restored(self, result: RestoreResult) -> None:
        kept = (
            f" The database it replaced was kept as {result.replaced_file}."
            if result.replaced_file
            else ""
        )
        QMessageBox.information(
            self,
            "Backup restored",
            f"The backup made {created_text(result.manifest)} is now the practice database."
            f"{kept}\n\nemr-desktop will now close. Start it again to work with the restored "
            "database.",
        )
        # The open database was replaced underneath us: quitting is the only clean state.
        QApplication.quit()
