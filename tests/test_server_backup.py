"""Backups of a practice server: encrypted, restorable into an empty database only after
every check passed, and refused whole when damaged. PostgreSQL-only."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import (
    ADMIN_PASSWORD,
    PASSPHRASE,
    Practice,
    dispose_practice,
    make_practice,
    pg_server,
)
from pg_support import PG_URL
from sqlalchemy import create_engine, text

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Role
from emr_desktop.errors import BackupError, PracticeError
from emr_desktop.persistence.server import address, parse_server_url
from emr_desktop.persistence.server_setup import app_url
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.backups import BackupService, read_manifest
from emr_desktop.services.practice.folder import PracticePaths
from emr_desktop.services.practice.restore import restore_backup
from emr_desktop.services.practice.server_backups import (
    DUMP_NAME,
    read_server_manifest,
    restore_server_backup,
)
from emr_desktop.services.practice.server_practice import join_server

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs the suite's PostgreSQL (EMR_TEST_PG_URL)")
FAMILY = "Quillfeather"


@pytest.fixture
def backed_up(tmp_path: Path) -> Iterator[tuple[Practice, Path]]:
    """A server practice with one patient, and a backup of it."""
    p = make_practice(tmp_path / "pc", engine="pg")
    desk = p.add_user("desk", Role.RECEPTIONIST)
    PatientService(p.db).register(
        desk,
        PatientInput("Odile", FAMILY, dt.date(1971, 5, 6), Sex.FEMALE),
        confirm_not_duplicate=True,
    )
    out = tmp_path / "server.emrbackup"
    BackupService(p.db, PracticePaths(p.root)).backup(p.admin, out)
    yield p, out
    dispose_practice(p)


def _empty_database() -> tuple[str, str]:
    """A new, empty database on the test server: (its owner address, its name)."""
    srv = pg_server()
    name = f"emr_restore_{dt.datetime.now():%H%M%S%f}"
    engine = create_engine(srv.admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return address(srv.owner_url(name)), name


def _restore(url: str, backup: Path) -> None:
    srv = pg_server()
    restore_server_backup(
        url,
        srv.admin.password or "",
        srv.app_password,
        backup,
        username="admin",
        password=ADMIN_PASSWORD,
        passphrase=PASSPHRASE,
        app_role=srv.app_role,
    )


def _phrase() -> str:
    return PASSPHRASE


def _tables(name: str) -> int:
    engine = create_engine(pg_server().admin.set(database=name))
    with engine.connect() as conn:
        count = conn.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
    engine.dispose()
    return int(count or 0)


def test_a_server_backup_is_one_encrypted_file(
    backed_up: tuple[Practice, Path], tmp_path: Path
) -> None:
    _, out = backed_up
    assert out.stat().st_mode & 0o077 == 0
    manifest = read_server_manifest(out)
    assert manifest.audit_head_id > 0
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            assert FAMILY.encode() not in zf.read(name), name
    assert read_manifest(out) == manifest
    with pytest.raises(BackupError, match="server's backup"):  # the embedded restore refuses
        restore_backup(
            tmp_path / "pc-restore",
            out,
            username="admin",
            password=ADMIN_PASSWORD,
            passphrase=lambda: PASSPHRASE,
        )


def test_it_restores_into_an_empty_database_with_its_chain(
    backed_up: tuple[Practice, Path], tmp_path: Path
) -> None:
    _, out = backed_up
    url, name = _empty_database()
    try:
        _restore(url, out)
        workstations = address(app_url(parse_server_url(url), pg_server().app_role))
        db = join_server(tmp_path / "new-pc", workstations, pg_server().app_password, _phrase)
        try:
            admin = AuthService(db).login("admin", ADMIN_PASSWORD)
            assert [p.family_name for p in PatientService(db).search(admin, FAMILY)] == [FAMILY]
            assert db.verify_audit().ok
        finally:
            db.dispose()
    finally:
        pg_server().drop(name)


def test_a_database_that_is_not_empty_is_refused(backed_up: tuple[Practice, Path]) -> None:
    practice, out = backed_up
    srv = pg_server()
    url = address(srv.owner_url(practice.server_database))
    with pytest.raises(PracticeError, match="not empty"):
        _restore(url, out)


def test_a_damaged_backup_leaves_the_database_empty(
    backed_up: tuple[Practice, Path], tmp_path: Path
) -> None:
    _, out = backed_up
    damaged = tmp_path / "damaged.emrbackup"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = bytearray(src.read(item))
            if item.filename == DUMP_NAME:
                data[len(data) // 2] ^= 0x40
            dst.writestr(item, bytes(data))
    url, name = _empty_database()
    try:
        with pytest.raises(BackupError):
            _restore(url, damaged)
        assert _tables(name) == 0
    finally:
        pg_server().drop(name)


def test_check_runs_the_server_checks_and_the_audit_verify(
    backed_up: tuple[Practice, Path],
) -> None:
    practice, _ = backed_up
    assert BackupService(practice.db, PracticePaths(practice.root)).check(practice.admin) == []
