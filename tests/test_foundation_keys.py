"""Unlocking the database key: keyring first, then the passphrase; clear errors otherwise.

Every refusal leaves the data folder exactly as it was: not one byte changed, no new file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import keyring
import pytest
from conftest import ADMIN_PASSWORD, PASSPHRASE, MemoryKeyring, snapshot
from keyring.backend import KeyringBackend
from test_foundation_support import ClosedPractice, build_closed_practice, copy_practice, run_cli

from emr_desktop.errors import DatabaseDamaged, EmrError, ForeignDatabase, WrongPassphrase
from emr_desktop.security import keystore
from emr_desktop.services.practice.settings import SettingsService
from emr_desktop.services.practice.store import create_practice, open_practice

# --- shared closed practices ----------------------------------------------------------


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> tuple[ClosedPractice, ClosedPractice]:
    """Two unrelated closed practices: ours, and another practice's."""
    base = tmp_path_factory.mktemp("key-templates")
    return (
        build_closed_practice(base / "ours", name="Our Practice"),
        build_closed_practice(base / "other", name="Other Practice"),
    )


@pytest.fixture
def ours(templates: tuple[ClosedPractice, ClosedPractice], tmp_path: Path) -> ClosedPractice:
    """A fresh copy of our closed practice for this test."""
    return copy_practice(templates[0], tmp_path / "practice")


class CountingPassphrase:
    """A passphrase prompt that remembers how often it was asked."""

    def __init__(self, answer: str = PASSPHRASE) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return self.answer


def never_asked() -> str:
    pytest.fail("the passphrase was asked although the keyring holds the key")


def _practice_name(root: Path, provider: Callable[[], str]) -> str:
    db = open_practice(root, provider)
    try:
        return SettingsService(db).current().practice_name
    finally:
        db.dispose()


# --- the key is found ------------------------------------------------------------------


def test_key_in_keyring_opens_without_asking(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    root = tmp_path / "practice"
    db, _ = create_practice(
        root,
        practice_name="Keyring Practice",
        admin_username="admin",
        admin_full_name="Ada Admin",
        admin_password=ADMIN_PASSWORD,
        passphrase=PASSPHRASE,
    )
    key = db.key
    db.dispose()
    assert key is not None
    stored = list(memory_keyring.store.items())
    assert len(stored) == 1
    (service, _practice_id), value = stored[0]
    assert service == keystore.SERVICE
    assert value == key.hex()
    assert _practice_name(root, never_asked) == "Keyring Practice"


def test_without_keyring_the_passphrase_is_asked_once(ours: ClosedPractice) -> None:
    before = snapshot(ours.root)
    ask = CountingPassphrase()
    assert _practice_name(ours.root, ask) == "Our Practice"
    assert ask.calls == 1
    assert set(snapshot(ours.root)) == set(before), "opening left files behind"


def test_stale_key_in_keyring_is_ignored(
    ours: ClosedPractice, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.set_password(keystore.SERVICE, ours.practice_id, os.urandom(32).hex())
    ask = CountingPassphrase()
    assert _practice_name(ours.root, ask) == "Our Practice"
    assert ask.calls == 1
    # The right key replaced the stale one, so the next start does not ask.
    assert memory_keyring.get_password(keystore.SERVICE, ours.practice_id) == ours.key.hex()
    assert _practice_name(ours.root, never_asked) == "Our Practice"


# --- the key does not fit, or the file is not ours ---------------------------------------


def wrong_passphrase(p: ClosedPractice, other: ClosedPractice) -> str:
    return "a wrong passphrase entirely"


def damaged_page_one(p: ClosedPractice, other: ClosedPractice) -> str:
    path = p.root / "practice.db"
    data = bytearray(path.read_bytes())
    data[100:200] = bytes(b ^ 0x5A for b in data[100:200])
    path.write_bytes(bytes(data))
    return PASSPHRASE


def other_practices_database(p: ClosedPractice, other: ClosedPractice) -> str:
    shutil.copyfile(other.root / "practice.db", p.root / "practice.db")
    return PASSPHRASE


def plain_sqlite_database(p: ClosedPractice, other: ClosedPractice) -> str:
    path = p.root / "practice.db"
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE patient (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO patient (name) VALUES ('not ours')")
    conn.commit()
    conn.close()
    return PASSPHRASE


CASES: list[tuple[Callable[[ClosedPractice, ClosedPractice], str], type[EmrError]]] = [
    (wrong_passphrase, WrongPassphrase),
    (damaged_page_one, DatabaseDamaged),
    (other_practices_database, ForeignDatabase),
    (plain_sqlite_database, ForeignDatabase),
]


@pytest.mark.parametrize(("spoil", "error"), CASES, ids=[c[0].__name__ for c in CASES])
def test_refusals_are_typed_and_change_nothing(
    templates: tuple[ClosedPractice, ClosedPractice],
    ours: ClosedPractice,
    spoil: Callable[[ClosedPractice, ClosedPractice], str],
    error: type[EmrError],
) -> None:
    passphrase = spoil(ours, templates[1])
    before = snapshot(ours.root)
    ask = CountingPassphrase(passphrase)
    with pytest.raises(error) as info:
        open_practice(ours.root, ask)
    assert type(info.value) is error
    assert ask.calls == 1
    assert snapshot(ours.root) == before


def test_refusals_with_the_right_key_in_the_keyring(
    templates: tuple[ClosedPractice, ClosedPractice],
    ours: ClosedPractice,
    memory_keyring: MemoryKeyring,
) -> None:
    """Damage is reported the same way when the key came from the keyring."""
    memory_keyring.set_password(keystore.SERVICE, ours.practice_id, ours.key.hex())
    damaged_page_one(ours, templates[1])
    before = snapshot(ours.root)
    with pytest.raises(DatabaseDamaged):
        open_practice(ours.root, never_asked)
    assert snapshot(ours.root) == before


def test_cli_reports_each_refusal_in_one_distinct_line(
    templates: tuple[ClosedPractice, ClosedPractice],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    messages = {}
    for spoil, _error in CASES:
        target = copy_practice(templates[0], tmp_path / spoil.__name__)
        passphrase = spoil(target, templates[1])
        before = snapshot(target.root)
        code = run_cli(
            monkeypatch, target.root, "--user", "admin", "users", "list", passphrase=passphrase
        )
        captured = capfd.readouterr()
        assert code != 0, spoil.__name__
        assert captured.out == "", spoil.__name__
        lines = captured.err.splitlines()
        assert len(lines) == 1, f"{spoil.__name__}: {captured.err!r}"
        assert "Traceback" not in captured.err
        assert lines[0].startswith("emr-admin: ")
        messages[spoil.__name__] = lines[0]
        assert snapshot(target.root) == before, spoil.__name__
    assert len(set(messages.values())) == len(messages), messages


# --- never a plaintext keyring -----------------------------------------------------------


class PlaintextKeyring(KeyringBackend):
    """Stands in for a keyring that writes secrets to a file in the clear."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def test_plaintext_keyring_is_never_used(ours: ClosedPractice) -> None:
    backend = PlaintextKeyring()
    keyring.set_keyring(backend)  # the autouse conftest fixture puts the old one back
    assert keystore.usable_backend() is None
    ask = CountingPassphrase()
    assert _practice_name(ours.root, ask) == "Our Practice"
    assert ask.calls == 1
    assert backend.store == {}
    assert keystore.store_key(ours.practice_id, ours.key) is False
    assert backend.store == {}
