"""Back up now, check the database, restore a backup: each verified and explained.

A restore replaces the database file this running application has open, so after a
successful restore the application tells the user and quits (``QApplication.quit``):
starting it again opens the restored database cleanly, with nothing of the old one
left in memory.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.backup import BackupManifest, RestoreResult
from emr_desktop.domain.security import Actor
from emr_desktop.errors import (
    EmrError,
)
from emr_desktop.services.practice.backup_schedule import BackupScheduleService
from emr_desktop.services.practice.backups import BackupService, read_manifest
from emr_desktop.services.practice.folder import PracticePaths
from emr_desktop.ui.admin import (
    ResultLine,
    button,
    label,
    run_job,
    set_tab_order,
)
from emr_desktop.ui.admin.backup_schedule_box import BackupScheduleBox
from emr_desktop.ui.admin.restore_dialog import RestoreDialog, created_text, manifest_form
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations

BACKUP_SUFFIX = ".emrbackup"


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
        folder = services.db.data_dir
        self._service = BackupService(services.db, PracticePaths(folder or Path()))
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
                "This practice lives on the practice server. Its backups are restored by the "
                "clinic's IT person into a new, empty server database with emr-admin server "
                "restore (README, “A practice with several PCs”)."
                if services.db.on_server
                else "Replace the practice database with a backup file, after checking the "
                "file completely. The current database is kept in the backups folder.",
                "About restoring",
            )
        )
        restore_layout.addWidget(self.restore_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addWidget(backup_box)
        self.schedule: BackupScheduleBox | None = None
        if not services.db.on_server:  # a server is backed up by its owner's tools
            self.schedule = BackupScheduleBox(
                BackupScheduleService(services.db, PracticePaths(folder or Path())), actor, ops
            )
            layout.addWidget(self.schedule)
        layout.addWidget(restore_box)
        layout.addStretch()
        set_tab_order([self.backup_button, self.check_button, self.restore_button])
        if services.db.on_server:
            # A server practice restores into an empty server database, as its owner.
            self.restore_button.setEnabled(False)
            self.restore_button.setToolTip(
                "A practice server's backup is restored by the clinic's IT person into an "
                "empty server database (emr-admin server restore)."
            )

    def refresh(self) -> None:
        """Reload the scheduled backups' history and warning."""
        if self.schedule is not None:
            self.schedule.refresh()

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
