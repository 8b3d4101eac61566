"""Scheduled verified backups: the schedule, one workstation at a time, history,
retention (daily 14, weekly 8, monthly 12) and the manager's warning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import Practice
from hypothesis import given
from hypothesis import strategies as st
from test_foundation_support import run_cli

from emr_desktop.domain.security import Role
from emr_desktop.errors import PermissionDenied, ValidationError
from emr_desktop.persistence import leases
from emr_desktop.services.practice import backup_schedule as bs
from emr_desktop.services.practice.backup_schedule import BackupScheduleService
from emr_desktop.services.practice.backups import read_manifest

NOW = dt.datetime(2026, 12, 2, 23, 0, tzinfo=dt.UTC)


def test_the_schedule_is_checked_field_by_field_and_kept(
    practice: Practice, tmp_path: Path
) -> None:
    service = BackupScheduleService(practice.db, practice.paths)
    with pytest.raises(ValidationError) as caught:
        service.set_schedule(practice.admin, "relative/folder", "25:00")
    assert "destination" in caught.value.field and "daily_at" in caught.value.field
    service.set_schedule(practice.admin, str(tmp_path), "18:30")
    status = service.status(practice.admin, NOW)
    assert status.schedule is not None and status.schedule.daily_at == "18:30"
    assert status.warning is not None and "No verified backup" in status.warning
    nurse = practice.add_user("nurse", Role.NURSE)
    with pytest.raises(PermissionDenied):
        service.status(nurse)


@pytest.mark.sqlcipher_only(reason="the running app backs up its embedded database file")
def test_the_app_makes_a_verified_backup_when_due_once_and_only_one_workstation(
    practice: Practice, tmp_path: Path
) -> None:
    dest = tmp_path / "usb"
    dest.mkdir()
    service = BackupScheduleService(practice.db, practice.paths)
    service.set_schedule(practice.admin, str(dest), "00:00")
    with practice.db.unit_of_work() as s:  # another workstation is making it right now
        other = leases.take_sole(s, leases.BACKUP, workstation="exam-room")
    assert other is not None
    assert service.run_if_due(NOW) is False
    with practice.db.unit_of_work() as s:
        leases.release(s, other)
    assert service.run_if_due(NOW, "front-desk") is True
    assert service.run_if_due(NOW + dt.timedelta(minutes=10)) is False  # done for today
    status = service.status(practice.admin, NOW)
    assert status.warning is None
    [run] = status.history
    assert run.verified and run.workstation == "front-desk" and run.bytes > 0
    assert read_manifest(dest / run.file_name).database_bytes == run.bytes
    later = NOW + dt.timedelta(days=3)
    warning = BackupScheduleService(practice.db, practice.paths).status(practice.admin, later)
    assert warning.warning is not None and "3 days old" in warning.warning


@pytest.mark.sqlcipher_only(reason="the running app backs up its embedded database file")
def test_a_missing_destination_is_recorded_not_raised(practice: Practice, tmp_path: Path) -> None:
    dest = tmp_path / "usb"
    dest.mkdir()
    service = BackupScheduleService(practice.db, practice.paths)
    service.set_schedule(practice.admin, str(dest), "00:00")
    dest.rmdir()  # the USB disk was unplugged
    assert service.run_if_due(NOW) is True
    [run] = service.status(practice.admin, NOW).history
    assert not run.verified and run.problem and "does not exist" in run.problem


@given(st.lists(st.integers(0, 3 * 366 * 24), unique=True, max_size=80))
def test_retention_keeps_the_newest_of_each_day_week_and_month(hours: list[int]) -> None:
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    runs = [(i, start + dt.timedelta(hours=h)) for i, h in enumerate(hours)]
    keep = bs.to_keep(runs)
    assert len(keep) <= bs.KEEP_DAILY + bs.KEEP_WEEKLY + bs.KEEP_MONTHLY
    if runs:
        newest = max(runs, key=lambda r: r[1])
        assert newest[0] in keep
    days = sorted({t.date() for _, t in runs}, reverse=True)[: bs.KEEP_DAILY]
    for day in days:  # each of the 14 latest days keeps its newest backup
        best = max((r for r in runs if r[1].date() == day), key=lambda r: r[1])
        assert best[0] in keep


@pytest.mark.sqlcipher_only(reason="emr-admin on the embedded practice")
def test_emr_admin_sets_and_shows_the_schedule(
    practice: Practice,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    practice.db.dispose()
    bad = run_cli(monkeypatch, practice.root, "--user", "admin", "backups", "schedule",
                  "--to", "nowhere", "--at", "7pm")  # fmt: skip
    assert bad == 1 and "destination" in capsys.readouterr().err
    ok = run_cli(monkeypatch, practice.root, "--user", "admin", "backups", "schedule",
                 "--to", str(tmp_path), "--at", "19:00")  # fmt: skip
    assert ok == 0 and "Daily backup at 19:00" in capsys.readouterr().out
    assert run_cli(monkeypatch, practice.root, "--user", "admin", "backups", "status") == 1
    assert "WARNING: No verified backup" in capsys.readouterr().out
    out = tmp_path / "now.emrbak"
    assert run_cli(monkeypatch, practice.root, "--user", "admin", "backup", "--out", str(out)) == 0
    assert "Verified:" in capsys.readouterr().out
