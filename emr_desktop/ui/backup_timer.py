"""The running app's timer for scheduled backups: every few minutes it asks the service
whether the daily backup is due, and makes it in a background thread (the service takes
the practice's backup lease, so only one workstation makes it)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from emr_desktop.errors import EmrError
from emr_desktop.services.practice.backup_schedule import BackupScheduleService
from emr_desktop.services.practice.folder import PracticePaths
from emr_desktop.services.practice.store import Database

log = logging.getLogger(__name__)
CHECK_EVERY_MS = 10 * 60 * 1000
FIRST_CHECK_MS = 60 * 1000


class ScheduledBackups:
    """Starts the scheduled backup when it is due; never two at once in this app."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._busy = threading.Lock()
        self._service = BackupScheduleService(db, PracticePaths(db.data_dir or Path()))
        self.timer: QTimer | None = None

    def start(self, parent: QObject) -> None:
        """Check a minute after start, then every ten minutes (embedded practices only)."""
        if self._db.on_server:
            return
        self.timer = QTimer(parent)
        self.timer.timeout.connect(self.check)
        self.timer.start(CHECK_EVERY_MS)
        QTimer.singleShot(FIRST_CHECK_MS, self.check)

    def check(self) -> None:
        """Run the due backup in a background thread, if none is running here."""
        if self._db.retired is not None or not self._busy.acquire(blocking=False):
            return
        threading.Thread(target=self._run, name="scheduled-backup", daemon=True).start()

    def _run(self) -> None:
        try:
            self._service.run_if_due()
        except EmrError as err:  # busy or unreachable: the next check tries again
            log.warning("scheduled backup not made: %s", type(err).__name__)
        finally:
            self._busy.release()
