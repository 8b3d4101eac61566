"""Scheduled, verified backups: the manager sets a destination (a USB disk, a network
share) and a daily time; the running app makes the backup when it is due (one workstation
at a time, under the "backup" lease), verifies it by opening the copy, keeps a history and
prunes old copies (daily 14, weekly 8, monthly 12). The manager is warned when the last
verified backup is more than 2 days old.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.backup import BackupRunRow, BackupSchedule, BackupStatus
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import EmrError, ValidationError
from emr_desktop.models.base import utcnow
from emr_desktop.models.lease import BackupRun
from emr_desktop.models.setting import Setting
from emr_desktop.persistence import leases
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common.audit import record
from emr_desktop.services.practice.backups import write_backup
from emr_desktop.services.practice.folder import PracticePaths

DESTINATION, DAILY_AT = "backup_destination", "backup_daily_at"
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 14, 8, 12
STALE_AFTER = dt.timedelta(days=2)
LEASE_TTL = dt.timedelta(hours=2)  # longer than any backup takes
PREFIX = "emr-backup-"
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def to_keep(runs: Iterable[tuple[int, dt.datetime]]) -> set[int]:
    """The ids of the verified runs retention keeps: the newest of each of the last 14
    days, 8 ISO weeks and 12 months that have one."""
    ordered = sorted(runs, key=lambda r: r[1], reverse=True)
    keep: set[int] = set()
    for limit, bucket in (
        (KEEP_DAILY, lambda t: t.date()),
        (KEEP_WEEKLY, lambda t: t.isocalendar()[:2]),
        (KEEP_MONTHLY, lambda t: (t.year, t.month)),
    ):
        seen: list[object] = []
        for run_id, started in ordered:
            key = bucket(started)
            if key in seen:
                continue
            if len(seen) == limit:
                break
            seen.append(key)
            keep.add(run_id)
    return keep


def stale_warning(last: dt.datetime | None, now: dt.datetime) -> str | None:
    """The manager's warning when the last verified backup is too old (None: all well)."""
    if last is None:
        return "No verified backup has been made yet. Set a destination and make one now."
    if now - last <= STALE_AFTER:
        return None
    days = (now - last).days
    return (
        f"The last verified backup is {days} days old (made {last.astimezone():%m/%d/%Y}). "
        "Check that the backup disk is connected, or make one now."
    )


def due(schedule: BackupSchedule, last_attempt: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the daily backup is due: the latest scheduled moment passed since the last
    attempt (local time of this workstation)."""
    hour, minute = (int(x) for x in schedule.daily_at.split(":"))
    local = now.astimezone()
    moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if moment > local:
        moment -= dt.timedelta(days=1)
    return last_attempt is None or last_attempt < moment


class BackupScheduleService:
    """The schedule (manager), its history, and the run the app's timer starts."""

    def __init__(self, db: Database, paths: PracticePaths) -> None:
        self._db = db
        self._paths = paths

    def set_schedule(self, actor: Actor, destination: str, daily_at: str) -> BackupSchedule:
        """Where and when the daily backup goes; both fields are checked at once."""
        require(actor, Permission.BACKUP_RUN)
        problems = []
        folder = Path(destination.strip()).expanduser()
        if not destination.strip() or not folder.is_absolute() or not folder.is_dir():
            problems.append(("destination", "must be an existing folder (a USB disk, a share)"))
        if not _HHMM.match(daily_at.strip()):
            problems.append(("daily_at", "must be a time of day as HH:MM, e.g. 18:30"))
        if problems:
            raise ValidationError(
                ", ".join(f for f, _ in problems), "; ".join(f"{f} {m}" for f, m in problems)
            )
        schedule = BackupSchedule(str(folder), daily_at.strip())
        with self._db.unit_of_work(actor) as s:
            s.merge(Setting(key=DESTINATION, value=schedule.destination))
            s.merge(Setting(key=DAILY_AT, value=schedule.daily_at))
            record(s, actor, "backup_schedule", details={"daily_at": schedule.daily_at})
        return schedule

    def status(self, actor: Actor, now: dt.datetime | None = None) -> BackupStatus:
        """The schedule, the last 60 runs and the warning the manager sees."""
        require(actor, Permission.BACKUP_RUN)
        with self._db.reading(actor) as s:
            schedule = _schedule(s)
            rows = s.scalars(select(BackupRun).order_by(BackupRun.started_at.desc()).limit(60))
            history = tuple(_row(r) for r in rows)
            last = s.scalar(
                select(BackupRun.started_at)
                .where(BackupRun.verified.is_(True))
                .order_by(BackupRun.started_at.desc())
                .limit(1)
            )
        return BackupStatus(schedule, last, stale_warning(last, now or utcnow()), history)

    def run_if_due(self, now: dt.datetime | None = None, workstation: str = "") -> bool:
        """Make the scheduled backup if it is due and no other workstation is making it;
        True when one was attempted. The app's timer calls this (no user acts)."""
        now = now or utcnow()
        with self._db.unit_of_work() as s:
            schedule = _schedule(s)
            last = s.scalar(select(BackupRun.started_at).order_by(BackupRun.started_at.desc()))
            if schedule is None or not due(schedule, last, now):
                return False
            token = leases.take_sole(s, leases.BACKUP, LEASE_TTL, workstation)
            if token is None:
                return False
        try:
            self._run(schedule, now, workstation or leases.workstation_name())
        finally:
            with self._db.unit_of_work() as s:
                leases.release(s, token)
        return True

    def _run(self, schedule: BackupSchedule, now: dt.datetime, workstation: str) -> None:
        name = f"{PREFIX}{now.astimezone():%Y%m%d-%H%M%S}.emrbak"
        run = BackupRun(started_at=now, file_name=name, workstation=workstation[:128])
        try:
            manifest = write_backup(
                self._db, self._paths, Path(schedule.destination) / name, None, "backup_scheduled"
            )
            run.bytes, run.verified = manifest.database_bytes, True
        except (EmrError, OSError) as err:
            run.problem = (err.message if isinstance(err, EmrError) else str(err.strerror))[:500]
        run.finished_at = utcnow()
        with self._db.unit_of_work() as s:
            s.add(run)
            s.flush()
            self._prune(s, Path(schedule.destination))

    def _prune(self, s: Session, folder: Path) -> None:
        """Delete the copies retention no longer keeps (only files this schedule made)."""
        verified = list(
            s.scalars(
                select(BackupRun).where(BackupRun.verified.is_(True), BackupRun.pruned.is_(False))
            )
        )
        keep = to_keep((r.id, r.started_at) for r in verified)
        for r in verified:
            if r.id in keep or not r.file_name.startswith(PREFIX):
                continue
            (folder / r.file_name).unlink(missing_ok=True)
            r.pruned = True


def _schedule(s: Session) -> BackupSchedule | None:
    dest, at = s.get(Setting, DESTINATION), s.get(Setting, DAILY_AT)
    if dest is None or at is None:
        return None
    return BackupSchedule(dest.value, at.value)


def _row(r: BackupRun) -> BackupRunRow:
    return BackupRunRow(
        r.started_at, r.file_name, r.workstation, r.bytes, r.verified, r.problem, r.pruned
    )
