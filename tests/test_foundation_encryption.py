"""No plaintext on disk: what staff type never appears in any file of the practice."""

from __future__ import annotations

import base64
import zipfile
from pathlib import Path

import pytest
from conftest import Practice
from test_foundation_support import log_home, run_cli

from emr_desktop.domain.security import Role
from emr_desktop.persistence.engine import SQLITE_PLAIN_HEADER
from emr_desktop.persistence.keyfile import KeyFile
from emr_desktop.services.practice.backups import BackupService
from emr_desktop.services.practice.settings import SettingsService
from emr_desktop.services.practice.users import UserService

FULL_NAME = "Zyxwvut Quintessa-Ørnbæk"
USERNAME = "zquintessa"
PRACTICE_MARKER = "Praxis Marker-Qx7Vw9 Ærøskøbing"
CLI_FULL_NAME = "Vexqorth Ymbrilune-Åsgård"
CLI_USERNAME = "vymbrilune"
MARKERS = (FULL_NAME, USERNAME, PRACTICE_MARKER, CLI_FULL_NAME, CLI_USERNAME)


def _leaks(data: bytes) -> list[str]:
    """Which markers appear in ``data`` as UTF-8 or UTF-16-LE (any case of the ASCII ones)."""
    found = []
    lowered = data.lower()
    for marker in MARKERS:
        for encoding in ("utf-8", "utf-16-le"):
            needle = marker.encode(encoding)
            if needle in data or needle.lower() in lowered:
                found.append(f"{marker!r} as {encoding}")
    return found


def _write_phi_like_data(practice: Practice) -> None:
    UserService(practice.db).add(
        practice.admin, username=USERNAME, full_name=FULL_NAME, role=Role.NURSE, password=None
    )
    SettingsService(practice.db).update(practice.admin, practice_name=PRACTICE_MARKER)


@pytest.mark.sqlcipher_only(reason="what the database file, its WAL and key file reveal")
def test_database_wal_backup_and_key_file_reveal_nothing(
    practice: Practice, tmp_path: Path
) -> None:
    _write_phi_like_data(practice)
    # Read while the database is still open, so the WAL holds the new pages.
    wal = practice.paths.db.with_name("practice.db-wal")
    assert wal.is_file() and wal.stat().st_size > 0, "the WAL should hold the recent writes"
    files = {p.name: p.read_bytes() for p in practice.root.iterdir() if p.is_file()}
    assert {"practice.db", "practice.db-wal", "practice.key"} <= set(files)

    backup = tmp_path / "backup.emrbak"
    BackupService(practice.db, practice.paths).backup(practice.admin, backup)
    files["backup file"] = backup.read_bytes()
    with zipfile.ZipFile(backup) as zf:
        for name in zf.namelist():
            files[f"backup member {name}"] = zf.read(name)

    for name, data in files.items():
        assert _leaks(data) == [], f"{name} contains plaintext"
    assert not files["practice.db"].startswith(SQLITE_PLAIN_HEADER[:15])
    assert not files["backup member practice.db"].startswith(SQLITE_PLAIN_HEADER[:15])
    # The database itself still reads back what was written (the test is not vacuous).
    names = [u.full_name for u in UserService(practice.db).list(practice.admin)]
    assert FULL_NAME in names
    assert SettingsService(practice.db).current().practice_name == PRACTICE_MARKER

    # The key file, beside the database and inside the backup, does not reveal the key.
    key = practice.db.key
    assert key is not None
    assert KeyFile.read(practice.paths.key).matches(key)
    for name in ("practice.key", "backup member practice.key", "backup member manifest.json"):
        blob = files[name]
        for form in (key.hex(), key.hex().upper(), base64.b64encode(key).decode("ascii")):
            assert form.encode("ascii") not in blob, f"{name} reveals the database key"
        assert key not in blob
    assert files["backup member practice.key"] == files["practice.key"]


def test_cli_log_files_hold_no_names(practice: Practice, monkeypatch: pytest.MonkeyPatch) -> None:
    """Log files carry ids and actions only, even when a name is typed on the command line."""
    code = run_cli(
        monkeypatch,
        practice.root,
        "--user",
        "admin",
        "users",
        "add",
        "--username",
        CLI_USERNAME,
        "--role",
        "nurse",
        "--full-name",
        CLI_FULL_NAME,
    )
    assert code == 0
    logs = [p for p in log_home(practice.root).rglob("*") if p.is_file()]
    assert logs, "emr-admin should have written a log file"
    for path in logs:
        assert _leaks(path.read_bytes()) == [], f"{path.name} contains a name"
    names = {u.username: u.full_name for u in UserService(practice.db).list(practice.admin)}
    assert names[CLI_USERNAME] == CLI_FULL_NAME
