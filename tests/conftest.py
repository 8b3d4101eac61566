"""Shared fixtures: real temporary SQLCipher practices, a fake keyring, no display needed."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Actor, Role
from emr_desktop.persistence.database import Database
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.store import PracticePaths, create_practice
from emr_desktop.services.practice.users import UserService

PASSPHRASE = "correct horse battery staple"
ADMIN_PASSWORD = "Keep-it-safe-2026"
STAFF_PASSWORD = "Staff-pass-2026"


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring standing in for the OS keyring (a fake, not a mock)."""

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


@pytest.fixture(autouse=True)
def _no_real_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never touch the developer's keyring: no keyring unless a test asks for one."""
    monkeypatch.delenv("EMR_NO_KEYRING", raising=False)
    for var in ("EMR_DATA_DIR", "EMR_PASSWORD", "EMR_NEW_PASSWORD", "EMR_DB_PASSPHRASE"):
        monkeypatch.delenv(var, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    """Install an in-memory keyring for this test."""
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@dataclass
class Practice:
    """A freshly created practice on a real encrypted database, with its admin logged in."""

    root: Path
    db: Database
    admin: Actor

    @property
    def paths(self) -> PracticePaths:
        return PracticePaths(self.root)

    def add_user(self, username: str, role: Role) -> Actor:
        """Create a user with STAFF_PASSWORD and log them in."""
        UserService(self.db).add(
            self.admin,
            username=username,
            full_name=username.title(),
            role=role,
            password=STAFF_PASSWORD,
        )
        return AuthService(self.db).login(username, STAFF_PASSWORD)


def make_practice(root: Path, name: str = "Test Practice") -> Practice:
    """Create a practice in ``root`` and log its admin in."""
    db, _ = create_practice(
        root,
        practice_name=name,
        admin_username="admin",
        admin_full_name="Ada Admin",
        admin_password=ADMIN_PASSWORD,
        passphrase=PASSPHRASE,
    )
    return Practice(root, db, AuthService(db).login("admin", ADMIN_PASSWORD))


@pytest.fixture
def practice(tmp_path: Path) -> Iterator[Practice]:
    """A new practice in a temporary folder; disposed after the test."""
    p = make_practice(tmp_path / "practice")
    yield p
    p.db.dispose()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (to prove nothing changed)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


_patient_numbers = itertools.count()


@dataclass
class Clinic:
    """One practice shared by a whole test module (making users costs argon2 time);
    each test registers its own patients, so tests stay independent."""

    practice: Practice
    doctor: Actor
    doctor2: Actor
    nurse: Actor
    nurse2: Actor
    desk: Actor

    @property
    def db(self) -> Database:
        return self.practice.db

    def by_role(self, role: Role) -> Actor:
        """A logged-in user of ``role``."""
        return {
            Role.ADMIN: self.practice.admin,
            Role.PHYSICIAN: self.doctor,
            Role.NURSE: self.nurse,
            Role.RECEPTIONIST: self.desk,
        }[role]

    def patient(self) -> int:
        """Register a fresh patient and return their id."""
        n = next(_patient_numbers)
        data = PatientInput(f"Pat{n}", f"Family{n}", dt.date(1960, 1, 1 + n % 28), Sex.FEMALE)
        return PatientService(self.db).register(self.desk, data, confirm_not_duplicate=True).id


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    """A practice with two physicians, two nurses and a receptionist, for one module."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMR_NO_KEYRING", "1")
        practice = make_practice(tmp_path_factory.mktemp("clinic") / "practice")
    yield Clinic(
        practice,
        practice.add_user("drgrey", Role.PHYSICIAN),
        practice.add_user("drshep", Role.PHYSICIAN),
        practice.add_user("nurseann", Role.NURSE),
        practice.add_user("nursebo", Role.NURSE),
        practice.add_user("desk", Role.RECEPTIONIST),
    )
    practice.db.dispose()
