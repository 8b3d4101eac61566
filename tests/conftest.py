"""Shared fixtures: real temporary practices on SQLCipher (and on PostgreSQL when
EMR_TEST_PG_URL is set: see tests/pg_support.py), a fake keyring, no display needed.

``practice`` and ``clinic`` carry the engine as a parameter (test ids end in ``[sqlcipher]``
or ``[pg]``), so every test that uses them runs on both engines."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from pg_support import ENGINES, PgServer

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Actor, Role
from emr_desktop.persistence.database import Database
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.folder import PracticePaths
from emr_desktop.services.practice.store import create_practice
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
    """A freshly created practice on a real encrypted database (or a practice server),
    with its admin logged in."""

    root: Path
    db: Database
    admin: Actor
    engine: str = "sqlcipher"
    server_database: str = ""  # the PostgreSQL database of a server practice

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


_PG: list[PgServer] = []


def pg_server() -> PgServer:
    """The suite's PostgreSQL server (EMR_TEST_PG_URL), set up on first use.

    Its workstation password is in EMR_SERVER_PASSWORD from then on, as on a workstation
    without a keyring, so practices reopen (in this process and in children) as the app
    and emr-admin would."""
    if not _PG:
        _PG.append(PgServer.from_env())
        os.environ["EMR_SERVER_PASSWORD"] = _PG[0].app_password
    return _PG[0]


def make_practice(root: Path, name: str = "Test Practice", engine: str = "sqlcipher") -> Practice:
    """Create a practice in ``root`` (or on the test server, joined from ``root``) and log
    its admin in."""
    if engine == "pg":
        db, database = pg_server().make_practice(
            root,
            name=name,
            admin_username="admin",
            admin_full_name="Ada Admin",
            admin_password=ADMIN_PASSWORD,
            passphrase=PASSPHRASE,
        )
        admin = AuthService(db).login("admin", ADMIN_PASSWORD)
        return Practice(root, db, admin, "pg", database)
    db, _ = create_practice(
        root,
        practice_name=name,
        admin_username="admin",
        admin_full_name="Ada Admin",
        admin_password=ADMIN_PASSWORD,
        passphrase=PASSPHRASE,
    )
    return Practice(root, db, AuthService(db).login("admin", ADMIN_PASSWORD))


def dispose_practice(p: Practice) -> None:
    """Close a practice made by ``make_practice`` (and drop its server database)."""
    p.db.dispose()
    if p.server_database:
        pg_server().drop(p.server_database)


@pytest.fixture(scope="session", params=ENGINES)
def db_engine(request: pytest.FixtureRequest) -> str:
    """The engine a database test runs on: "sqlcipher", and "pg" when a server is given."""
    return str(request.param)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """pytest-qt closes a test's leftover widgets at teardown: a dialog still holding typed
    content would ask "discard?" in a modal box nobody answers. Leftovers are discarded."""
    discard = sys.modules.get("emr_desktop.ui.discard")
    asked = getattr(discard, "confirm", None)
    if discard is not None:
        discard.confirm = lambda *_args: True  # type: ignore[attr-defined]
    try:
        return (yield)
    finally:
        if discard is not None:
            discard.confirm = asked  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the suite's template database and workstation role from the test server."""
    if _PG:
        _PG[0].close()


def _engine_for(request: pytest.FixtureRequest, db_engine: str) -> str:
    """The engine, or a skip naming why a SQLCipher-only test has no PostgreSQL run."""
    marker = request.node.get_closest_marker("sqlcipher_only")
    if marker is not None and db_engine != "sqlcipher":
        pytest.skip(f"SQLCipher only: {marker.kwargs.get('reason') or marker.args[0]}")
    return db_engine


@pytest.fixture
def practice(tmp_path: Path, db_engine: str, request: pytest.FixtureRequest) -> Iterator[Practice]:
    """A new practice in a temporary folder (or on the test server); disposed after."""
    p = make_practice(tmp_path / "practice", engine=_engine_for(request, db_engine))
    yield p
    dispose_practice(p)


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
def clinic(tmp_path_factory: pytest.TempPathFactory, db_engine: str) -> Iterator[Clinic]:
    """A practice with two physicians, two nurses and a receptionist, for one module."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMR_NO_KEYRING", "1")
        practice = make_practice(tmp_path_factory.mktemp("clinic") / "practice", engine=db_engine)
    yield Clinic(
        practice,
        practice.add_user("drgrey", Role.PHYSICIAN),
        practice.add_user("drshep", Role.PHYSICIAN),
        practice.add_user("nurseann", Role.NURSE),
        practice.add_user("nursebo", Role.NURSE),
        practice.add_user("desk", Role.RECEPTIONIST),
    )
    dispose_practice(practice)
