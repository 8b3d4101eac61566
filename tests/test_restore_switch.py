"""Restore: another practice's backup only by name, an atomic switch that a crash at any
step leaves openable, and refusal while another app holds the practice open."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from conftest import ADMIN_PASSWORD, PASSPHRASE, Practice, make_practice
from sqlalchemy import update

from emr_desktop.domain.security import Role
from emr_desktop.errors import BackupError, PracticeError
from emr_desktop.models.lease import PracticeLease
from emr_desktop.persistence import restore_journal
from emr_desktop.services.practice import presence, restore
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.backups import BackupService
from emr_desktop.services.practice.restore import restore_backup
from emr_desktop.services.practice.store import open_practice
from emr_desktop.services.practice.users import UserService

pytestmark = pytest.mark.sqlcipher_only(reason="the embedded practice's files are switched")


def _ask() -> str:
    return PASSPHRASE


def _usernames(root: Path) -> set[str]:
    db = open_practice(root, _ask)
    try:
        admin = AuthService(db).login("admin", ADMIN_PASSWORD)
        assert db.verify_audit().ok
        return {u.username for u in UserService(db).list(admin)}
    finally:
        db.dispose()


class _Crash(BaseException):
    """The process dies here."""


@pytest.fixture
def backed_up(practice: Practice, tmp_path: Path) -> tuple[Practice, Path]:
    """A practice with 'keepme' in its backup and 'goneafter' added after it."""
    practice.add_user("keepme", Role.NURSE)
    backup = tmp_path / "b.emrbak"
    BackupService(practice.db, practice.paths).backup(practice.admin, backup)
    practice.add_user("goneafter", Role.NURSE)
    practice.db.dispose()
    return practice, backup


def test_a_crash_at_every_step_of_the_switch_leaves_a_practice_that_opens(
    backed_up: tuple[Practice, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    practice, backup = backed_up
    real_replace = os.replace
    step = 0
    while True:
        root = tmp_path / f"crash-{step}"
        shutil.copytree(practice.root, root)

        calls = [0]

        def dying_replace(
            src: object, dst: object, _limit: int = step, _c: list[int] = calls
        ) -> None:
            if _c[0] == _limit:
                raise _Crash
            _c[0] += 1
            real_replace(src, dst)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "replace", dying_replace)  # every rename, not just the journal's
        monkeypatch.setattr(restore, "_abandon", lambda *a: None)  # a crash cleans nothing
        crashed = False
        try:
            restore_backup(root, backup, username="admin", password=ADMIN_PASSWORD, passphrase=_ask)
        except _Crash:
            crashed = True
        monkeypatch.undo()
        committed = restore_journal.pending(root)
        names = _usernames(root)  # the next start completes (or forgets) the switch
        assert "keepme" in names
        # Before the journal is in place nothing changed; after it, the backup is live.
        assert ("goneafter" in names) == (crashed and not committed)
        assert not (root / restore_journal.JOURNAL_NAME).exists()
        assert not (root / restore_journal.STAGED).exists()
        if not crashed:
            break
        step += 1
    assert step >= 6  # the journal, the live database, key, anchor, then the staged files


def test_another_practices_backup_needs_this_practices_name_typed_back(
    practice: Practice, tmp_path: Path
) -> None:
    practice.add_user("onlyours", Role.NURSE)
    practice.db.dispose()
    other = make_practice(tmp_path / "other", name="Other Clinic")
    theirs = tmp_path / "theirs.emrbak"
    BackupService(other.db, other.paths).backup(other.admin, theirs)
    other.db.dispose()
    for typed in (None, "Other Clinic", "Test Practic"):
        with pytest.raises(BackupError, match='--replace-practice "Test Practice"'):
            restore_backup(
                practice.root,
                theirs,
                username="admin",
                password=ADMIN_PASSWORD,
                passphrase=_ask,
                replace_practice=typed,
            )
        assert "onlyours" in _usernames(practice.root)
    restore_backup(
        practice.root,
        theirs,
        username="admin",
        password=ADMIN_PASSWORD,
        passphrase=_ask,
        replace_practice="test practice",
    )
    assert "onlyours" not in _usernames(practice.root)


def test_a_restore_is_refused_while_another_app_holds_the_practice_open(
    backed_up: tuple[Practice, Path],
) -> None:
    practice, backup = backed_up
    ours = open_practice(practice.root, _ask)
    theirs = open_practice(practice.root, _ask)  # another window on the same file
    presence.hold(ours, "front-desk")
    presence.hold(theirs, "exam-room-2")
    with pytest.raises(BackupError, match=r"open in 1 other .*exam-room-2"):
        restore_backup(
            practice.root,
            backup,
            username="admin",
            password=ADMIN_PASSWORD,
            passphrase=_ask,
            own_lease=ours.open_lease,
        )
    assert "goneafter" in _usernames(practice.root)
    presence.release(theirs)  # the other window closed
    theirs.dispose()
    ours.dispose()
    restore_backup(
        practice.root,
        backup,
        username="admin",
        password=ADMIN_PASSWORD,
        passphrase=_ask,
        own_lease=ours.open_lease,
    )
    ours.retire("The practice was restored; start emr-desktop again.")
    with pytest.raises(PracticeError, match="start emr-desktop again"):
        presence.renew(ours)
        with ours.unit_of_work():
            pass
    assert "goneafter" not in _usernames(practice.root)


def test_a_crashed_apps_lease_expires(backed_up: tuple[Practice, Path]) -> None:
    practice, backup = backed_up
    crashed = open_practice(practice.root, _ask)
    presence.hold(crashed, "exam-room-2")
    with crashed.unit_of_work() as s:  # the app died: nobody renewed it for a long time
        s.execute(update(PracticeLease).values(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    crashed.dispose()
    restore_backup(
        practice.root, backup, username="admin", password=ADMIN_PASSWORD, passphrase=_ask
    )
    assert "goneafter" not in _usernames(practice.root)


def test_leftovers_of_a_restore_that_died_before_its_journal_are_cleared(
    backed_up: tuple[Practice, Path],
) -> None:
    practice, _ = backed_up
    staged = practice.root / restore_journal.STAGED
    staged.mkdir()
    (staged / "practice.db").write_bytes(b"half a copy")
    (practice.root / (restore_journal.JOURNAL_NAME + ".tmp")).write_text("{")
    assert "goneafter" in _usernames(practice.root)
    assert not staged.exists()
