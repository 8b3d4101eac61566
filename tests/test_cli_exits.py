"""Every emr-admin exit is a sentence: damaged key file, wrong passphrase, damaged database
and damaged backup each their own message; check writes nothing into a damaged file; logs
carry no argument values; fuzzed command lines never end in "unexpected error"."""

from __future__ import annotations

import base64
import json
import string
from pathlib import Path

import pytest
from conftest import Practice, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_foundation_support import log_home, run_cli

from emr_desktop.services.practice.backups import BackupService

pytestmark = pytest.mark.sqlcipher_only(reason="the embedded practice's files are damaged")
PAGE = 4096


def _tamper(path: Path, change: str) -> None:
    doc = json.loads(path.read_text())
    if change == "memory_cost":
        doc["kdf"]["memory_cost"] = 1 << 40
    elif change == "salt":
        doc["kdf"]["salt"] = "not base64!"
    elif change == "nonce":
        doc["nonce"] = base64.b64encode(b"short").decode()
    elif change == "wrapped_key":
        raw = bytearray(base64.b64decode(doc["wrapped_key"]))
        raw[3] ^= 0x01
        doc["wrapped_key"] = base64.b64encode(bytes(raw)).decode()
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize("change", ["memory_cost", "salt", "nonce", "wrapped_key"])
@pytest.mark.parametrize("with_checksum", [True, False])
def test_a_damaged_key_file_says_so_not_wrong_passphrase(
    practice: Practice,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: str,
    with_checksum: bool,
) -> None:
    practice.db.dispose()
    if not with_checksum:  # a key file written before key files carried a checksum
        doc = json.loads(practice.paths.key.read_text())
        doc.pop("checksum")
        practice.paths.key.write_text(json.dumps(doc))
    _tamper(practice.paths.key, change)
    code = run_cli(monkeypatch, practice.root, "--user", "admin", "users", "list")
    err = capsys.readouterr().err
    if change == "wrapped_key" and not with_checksum:
        # Without a checksum a changed wrapped key cannot be told from a wrong passphrase.
        assert code == 1 and "passphrase is not correct" in err
        return
    assert code == 1, err
    assert "key file is damaged" in err and "unexpected" not in err


def test_a_wrong_passphrase_has_its_own_message(
    practice: Practice, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    practice.db.dispose()
    code = run_cli(
        monkeypatch, practice.root, "--user", "admin", "users", "list", passphrase="not it at all"
    )
    assert code == 1 and "passphrase is not correct" in capsys.readouterr().err


def test_check_finds_a_corrupt_page_and_writes_nothing_into_the_file(
    practice: Practice, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    practice.db.checkpoint()
    practice.db.dispose()
    size = practice.paths.db.stat().st_size
    assert size >= 8 * PAGE
    with open(practice.paths.db, "r+b") as fh:  # one interior page, not the first
        fh.seek(size // PAGE // 2 * PAGE + 100)
        fh.write(b"\x00garbage\x00" * 8)
    before = snapshot(practice.root)
    code = run_cli(monkeypatch, practice.root, "--user", "admin", "check")
    out = capsys.readouterr().out
    assert code == 1 and "PROBLEM" in out and "nothing was written" in out
    assert snapshot(practice.root) == before


def test_a_damaged_backup_has_its_own_message(
    practice: Practice,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    backup = tmp_path / "b.emrbak"
    BackupService(practice.db, practice.paths).backup(practice.admin, backup)
    practice.db.dispose()
    raw = bytearray(backup.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    backup.write_bytes(bytes(raw))
    code = run_cli(monkeypatch, practice.root, "--user", "admin", "restore", "--yes", str(backup))
    err = capsys.readouterr().err
    assert code == 1 and "backup" in err and "damaged" in err, err


def test_logs_never_carry_argument_values(
    practice: Practice, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    practice.db.dispose()
    out = tmp_path / "a.csv"
    code = run_cli(
        monkeypatch, practice.root, "--user", "admin", "audit", "export", "--patient", "Adeyemi",
        "--out", str(out),
    )  # fmt: skip
    assert code == 2
    logs = "".join(p.read_text() for p in log_home(practice.root).rglob("*.log*"))
    assert "Adeyemi" not in logs


_COMMANDS = [
    ["users", "list"], ["users", "add"], ["users", "disable"], ["audit", "verify"],
    ["audit", "export"], ["check"], ["backup"], ["restore"], ["patients", "search"],
    ["import", "fhir"], ["export", "fhir"], ["schedule", "day"], ["passwd"],
]  # fmt: skip
_TOKENS = st.one_of(
    st.sampled_from(
        ["--out", "--patient", "--since", "--until", "--username", "--role", "--full-name",
         "--date", "--limit", "--yes", "--all", "x", "-1", "2026-13-45", "\u202e", "\ud800",
         "\x00", "", "../..", "9" * 30, "admin"]
    ),
    st.text(alphabet=string.printable, max_size=12),
)  # fmt: skip


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.sampled_from(_COMMANDS), st.lists(_TOKENS, max_size=5))
def test_fuzzed_command_lines_never_end_in_unexpected_error(
    practice: Practice,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    extra: list[str],
) -> None:
    practice.db.dispose()
    try:
        code = run_cli(monkeypatch, practice.root, "--user", "admin", *command, *extra)
    except SystemExit as stop:  # argparse: usage errors exit 2, --help 0
        code = int(stop.code or 0)
    err = capsys.readouterr().err
    assert code in (0, 1, 2), (command, extra, err)
    assert "unexpected error" not in err
