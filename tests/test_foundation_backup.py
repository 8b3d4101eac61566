"""Backups made while the practice works, restored in place or on a new PC, checked first."""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ADMIN_PASSWORD, PASSPHRASE, STAFF_PASSWORD, Practice, snapshot
from test_foundation_support import (
    ClosedPractice,
    audit_head_id,
    audit_rows,
    build_closed_practice,
    copy_practice,
    run_cli,
)

from emr_desktop.domain.security import Role
from emr_desktop.errors import AuthenticationError, BackupError, PermissionDenied
from emr_desktop.persistence.engine import SQLITE_PLAIN_HEADER, connect_raw
from emr_desktop.services.practice.audit_report import AuditService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.backups import BackupService, read_manifest
from emr_desktop.services.practice.folder import PracticePaths
from emr_desktop.services.practice.restore import restore_backup
from emr_desktop.services.practice.store import open_practice
from emr_desktop.services.practice.users import UserService

PAGE = 4096


def _ask() -> str:
    return PASSPHRASE


def _usernames(root: Path) -> list[str]:
    db = open_practice(root, _ask)
    try:
        admin = AuthService(db).login("admin", ADMIN_PASSWORD)
        return [u.username for u in UserService(db).list(admin)]
    finally:
        db.dispose()


# --- a backup of a busy practice restores ----------------------------------------------


@pytest.mark.sqlcipher_only(reason="the embedded file's backup and in-place restore")
def test_backup_during_writes_restores_in_place_and_on_a_new_pc(
    practice: Practice, tmp_path: Path
) -> None:
    practice.add_user("drwho", Role.PHYSICIAN)
    writer_db = open_practice(practice.root, _ask)  # another workstation on the same folder
    stop = threading.Event()
    written: list[int] = []
    errors: list[BaseException] = []

    def keep_writing() -> None:
        auth = AuthService(writer_db, workstation="front-desk")
        try:
            while not stop.is_set():
                auth.lock(practice.admin)
                written.append(1)
        except BaseException as err:  # reported in the main thread
            errors.append(err)

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        while len(written) < 20 and thread.is_alive():
            stop.wait(0.01)
        before, count_before = audit_head_id(practice.db), len(written)
        backup = tmp_path / "busy.emrbak"
        manifest = BackupService(practice.db, practice.paths).backup(practice.admin, backup)
        after = audit_head_id(practice.db)
        while len(written) < count_before + 20 and thread.is_alive():
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert errors == []
    assert before <= manifest.audit_head_id < after
    assert read_manifest(backup) == manifest
    final_head = audit_head_id(practice.db)
    assert final_head > manifest.audit_head_id + 1
    writer_db.dispose()
    practice.db.dispose()

    # Restore into the same folder: the live database is replaced, and kept.
    result = restore_backup(
        practice.root, backup, username="admin", password=ADMIN_PASSWORD, passphrase=_ask
    )
    restored = open_practice(practice.root, _ask)
    try:
        rows = audit_rows(restored)
        assert [r.id for r in rows] == list(range(1, len(rows) + 1))
        assert rows[-1].action == "restore"
        # The database is as it was at the backup: later rows are gone from the live log...
        assert len(rows) == manifest.audit_head_id + 2  # + the admin's login and the restore
        assert rows[manifest.audit_head_id - 1].hash == manifest.audit_head_hash
        admin = AuthService(restored).login("admin", ADMIN_PASSWORD)
        report = AuditService(restored).verify(admin)
        assert report.ok, report.problem
        assert "drwho" in [u.username for u in UserService(restored).list(admin)]
        key = restored.key
    finally:
        restored.dispose()
    # ...but nothing is lost: the replaced database sits in backups/ and still opens.
    assert result.replaced_file is not None
    replaced = Path(result.replaced_file)
    assert replaced.parent == practice.paths.backups and replaced.is_file()
    assert replaced.with_suffix(".key").is_file()
    assert key is not None
    conn = connect_raw(replaced, key)
    try:
        assert conn.execute("SELECT max(id) FROM audit_log").fetchone()[0] == final_head
    finally:
        conn.close()

    # Disaster recovery: the same backup into an empty folder on a new PC, with the passphrase.
    new_pc = tmp_path / "new-pc" / "practice"
    fresh = restore_backup(
        new_pc, backup, username="admin", password=ADMIN_PASSWORD, passphrase=_ask
    )
    assert fresh.replaced_file is None
    # The database, its key file, and the anchor the audited restore started.
    assert sorted(p.name for p in new_pc.iterdir()) == [
        "audit.anchor",
        "practice.db",
        "practice.key",
    ]
    assert not (new_pc / "practice.db").read_bytes().startswith(SQLITE_PLAIN_HEADER[:15])
    assert "drwho" in _usernames(new_pc)


# --- a bad backup or a wrong person changes nothing -------------------------------------


@pytest.fixture(scope="module")
def with_backup(tmp_path_factory: pytest.TempPathFactory) -> tuple[ClosedPractice, Path]:
    """A closed practice with a physician, and a backup of it."""
    base = tmp_path_factory.mktemp("backup-template")
    template = build_closed_practice(base / "practice", staff={"drhouse": Role.PHYSICIAN})
    backup = base / "good.emrbak"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMR_NO_KEYRING", "1")
        db = open_practice(template.root, _ask)
        try:
            admin = AuthService(db).login("admin", ADMIN_PASSWORD)
            BackupService(db, PracticePaths(template.root)).backup(admin, backup)
            AuthService(db).logout(admin)
        finally:
            db.dispose()
    return template, backup


def _members(backup: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(backup) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _rezip(members: dict[str, bytes], out: Path) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def flip_bytes_in_zip_member(good: Path, out: Path) -> None:
    """Flip bytes of the database inside the zip, as disk rot or a careless edit would."""
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("practice.db")
    name_len, extra_len = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    start = info.header_offset + 30 + name_len + extra_len + 2 * PAGE + 500
    data[start : start + 16] = bytes(b ^ 0xFF for b in data[start : start + 16])
    out.write_bytes(bytes(data))


def edit_manifest_sha(good: Path, out: Path) -> None:
    members = _members(good)
    manifest = json.loads(members["manifest.json"])
    manifest["database_sha256"] = hashlib.sha256(b"something else").hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()
    _rezip(members, out)


def _damage_consistently(good: Path, out: Path, start: int) -> None:
    """Damage the database and fix up zip CRC and manifest checksum to match."""
    members = _members(good)
    db = bytearray(members["practice.db"])
    db[start : start + 100] = bytes(b ^ 0x5A for b in db[start : start + 100])
    members["practice.db"] = bytes(db)
    manifest = json.loads(members["manifest.json"])
    manifest["database_sha256"] = hashlib.sha256(db).hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()
    _rezip(members, out)


def damage_page_one_with_matching_checksums(good: Path, out: Path) -> None:
    _damage_consistently(good, out, 100)


def damage_page_three_with_matching_checksums(good: Path, out: Path) -> None:
    _damage_consistently(good, out, 2 * PAGE + 100)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(flip_bytes_in_zip_member),
        edit_manifest_sha,
        pytest.param(
            damage_page_one_with_matching_checksums,
        ),
        damage_page_three_with_matching_checksums,
    ],
)
def test_tampered_backup_is_refused_and_the_live_folder_untouched(
    with_backup: tuple[ClosedPractice, Path],
    tmp_path: Path,
    tamper: Callable[[Path, Path], None],
) -> None:
    template, good = with_backup
    live = copy_practice(template, tmp_path / "practice")
    bad = tmp_path / "tampered.emrbak"
    tamper(good, bad)
    before = snapshot(live.root)
    with pytest.raises(BackupError):
        restore_backup(live.root, bad, username="admin", password=ADMIN_PASSWORD, passphrase=_ask)
    assert snapshot(live.root) == before


@pytest.mark.parametrize(
    ("username", "password", "error"),
    [
        ("drhouse", STAFF_PASSWORD, PermissionDenied),
        ("admin", "Not-the-password-1", AuthenticationError),
    ],
)
def test_only_an_admin_of_the_backup_may_restore(
    with_backup: tuple[ClosedPractice, Path],
    tmp_path: Path,
    username: str,
    password: str,
    error: type[Exception],
) -> None:
    template, good = with_backup
    live = copy_practice(template, tmp_path / "practice")
    before = snapshot(live.root)
    with pytest.raises(error):
        restore_backup(live.root, good, username=username, password=password, passphrase=_ask)
    assert snapshot(live.root) == before


def test_cli_restore_needs_yes_without_a_terminal(
    with_backup: tuple[ClosedPractice, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    template, good = with_backup
    live = copy_practice(template, tmp_path / "practice")
    backup = tmp_path / "copy.emrbak"
    shutil.copyfile(good, backup)
    before = snapshot(live.root)
    # Even a "y" piped in is not a confirmation: stdin is not a terminal.
    code = run_cli(monkeypatch, live.root, "--user", "admin", "restore", str(backup), stdin="y\n")
    captured = capsys.readouterr()
    assert code != 0
    assert "--yes" in captured.err
    assert "Traceback" not in captured.err
    assert snapshot(live.root) == before

    code = run_cli(monkeypatch, live.root, "--user", "admin", "restore", str(backup), "--yes")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Restored" in captured.out
    assert any(p.name.startswith("replaced-") for p in (live.root / "backups").iterdir())
