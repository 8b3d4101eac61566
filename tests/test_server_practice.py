"""A practice on a PostgreSQL server: setup, workstations joining, what the workstations'
role may do, and the audit log's tamper evidence against someone who can write rows.

PostgreSQL-only (they need the suite's server, EMR_TEST_PG_URL); the embedded-database
counterparts are in test_foundation_*.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import (
    ADMIN_PASSWORD,
    PASSPHRASE,
    STAFF_PASSWORD,
    Practice,
    dispose_practice,
    make_practice,
    pg_server,
)
from pg_support import PG_URL
from sqlalchemy import create_engine, exc, text

from emr_desktop.cli import main as emr_admin
from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.schedule import BookingRequest
from emr_desktop.domain.security import Role
from emr_desktop.errors import PracticeError, ValidationError
from emr_desktop.persistence.audit_chain import canonical, stored_ts
from emr_desktop.persistence.migrate import current_revision, head_revision, upgrade_to
from emr_desktop.persistence.server import ServerProfile, address, parse_server_url, tls_args
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.audit_report import AuditService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.server_backups import read_server_manifest
from emr_desktop.services.practice.server_practice import (
    join_server,
    open_server_practice,
    setup_server,
)
from emr_desktop.services.practice.users import UserService
from emr_desktop.services.schedule.service import ScheduleService

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs the suite's PostgreSQL (EMR_TEST_PG_URL)")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Practice]:
    """A server practice joined by one workstation (``tmp_path/pc1``)."""
    p = make_practice(tmp_path / "pc1", engine="pg")
    yield p
    dispose_practice(p)


def _second_pc(server: Practice, tmp_path: Path) -> Practice:
    """Another workstation of the same practice (its own folder, its own connection)."""
    srv = pg_server()
    profile = ServerProfile.read(server.root)
    other = tmp_path / "pc2"
    profile.write(other)
    db = open_server_practice(other, lambda: srv.app_password, lambda: PASSPHRASE)
    return Practice(other, db, AuthService(db, "pc2").login("admin", ADMIN_PASSWORD), "pg")


def _as_app_role(server: Practice, sql: str) -> None:
    """Run ``sql`` directly as the workstations' role (what a stolen password allows)."""
    srv = pg_server()
    url = parse_server_url(ServerProfile.read(server.root).url).set(password=srv.app_password)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def _as_owner(server: Practice, *statements: str) -> None:
    """Run statements as the server's owner (the DBA: can write anything)."""
    srv = pg_server()
    engine = create_engine(srv.admin.set(database=server.server_database))
    try:
        with engine.begin() as conn:
            for sql in statements:
                conn.execute(text(sql))
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_log SET action = action",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_log_no_change ON audit_log",
        "DROP TABLE audit_log",
        "DELETE FROM audit_head",
        "UPDATE audit_head SET last_id = 1",
        "DROP TABLE patient",
        "CREATE TABLE sneaky (id int)",
    ],
)
def test_the_workstations_role_cannot_rewrite_the_audit_log_or_the_schema(
    server: Practice, sql: str
) -> None:
    with pytest.raises(exc.DBAPIError):
        _as_app_role(server, sql)
    report = AuditService(server.db).verify(server.admin)
    assert report.ok, report.problem


def test_the_workstations_role_can_append_and_read_audit_rows(server: Practice) -> None:
    _as_app_role(server, "SELECT count(*) FROM audit_log")
    UserService(server.db).add(
        server.admin,
        username="drnew",
        full_name="Dr New",
        role=Role.PHYSICIAN,
        password=STAFF_PASSWORD,
    )
    assert AuditService(server.db).verify(server.admin).ok


def test_a_workstation_keeps_no_password_in_its_folder(server: Practice) -> None:
    srv = pg_server()
    for f in server.root.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert srv.app_password.encode() not in data, f.name
            assert (srv.admin.password or "").encode() not in data, f.name
            assert f.stat().st_mode & 0o077 == 0, f"{f.name} is readable by others"


def test_a_booking_on_one_pc_is_seen_by_another(server: Practice, tmp_path: Path) -> None:
    pc2 = _second_pc(server, tmp_path)
    try:
        desk = pc2.add_user("desk2", Role.RECEPTIONIST)
        doctor = server.add_user("drpg", Role.PHYSICIAN)
        patient = PatientService(pc2.db).register(
            desk,
            PatientInput("Ana", "Serverova", dt.date(1980, 3, 4), Sex.FEMALE),
            confirm_not_duplicate=True,
        )
        when = dt.datetime.combine(dt.date.today() + dt.timedelta(days=1), dt.time(9, 0))
        ScheduleService(pc2.db).book(
            desk,
            BookingRequest(patient.id, doctor.user_id, when, 15, "Follow-up", "check-up"),
            override_reason="test: hours not set",
        )
        seen = ScheduleService(server.db).day(doctor, when.date(), [doctor.user_id])
        assert [a.patient_id for a in seen.appointments] == [patient.id]
        # The same user on both PCs at once is fine.
        AuthService(server.db, "pc1").login("desk2", STAFF_PASSWORD)
        AuthService(pc2.db, "pc2").login("desk2", STAFF_PASSWORD)
    finally:
        pc2.db.dispose()


def test_a_dba_who_cuts_the_tail_and_rewinds_the_head_is_caught(server: Practice) -> None:
    for i in range(3):
        UserService(server.db).add(
            server.admin,
            username=f"nurse{i}",
            full_name=f"Nurse {i}",
            role=Role.NURSE,
            password=STAFF_PASSWORD,
        )
    assert AuditService(server.db).verify(server.admin).ok
    _as_owner(
        server,
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "ALTER TABLE audit_head DISABLE TRIGGER ALL",
        "DELETE FROM audit_log WHERE id > (SELECT last_id - 3 FROM audit_head)",
        "UPDATE audit_head SET last_id = (SELECT max(id) FROM audit_log),"
        " last_hash = (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1)",
        "ALTER TABLE audit_log ENABLE TRIGGER ALL",
        "ALTER TABLE audit_head ENABLE TRIGGER ALL",
    )
    report = AuditService(server.db).verify(server.admin)
    assert not report.ok
    assert "cut from the end" in report.problem


def test_a_dba_cannot_forge_a_seal_without_the_practice_key(server: Practice) -> None:
    """Editing a row and recomputing every later seal the unkeyed way is detected."""
    engine = create_engine(pg_server().admin.set(database=server.server_database))
    try:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
            conn.execute(text("ALTER TABLE audit_head DISABLE TRIGGER ALL"))
            conn.execute(text("UPDATE audit_log SET username = 'mallory' WHERE id = 2"))
            rows = conn.execute(
                text(
                    "SELECT id, occurred_at, user_id, username, workstation, action, entity,"
                    " entity_id, patient_id, details FROM audit_log ORDER BY id"
                )
            ).all()
            prev = "0" * 64
            for r in rows:
                body = canonical(r[0], stored_ts(r[1]), *r[2:], prev)
                sealed = hashlib.sha256(body.encode()).hexdigest()
                conn.execute(
                    text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :i"),
                    {"p": prev, "h": sealed, "i": r[0]},
                )
                prev = sealed
            conn.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
    finally:
        engine.dispose()
    report = AuditService(server.db).verify(server.admin)
    assert not report.ok


def test_a_server_address_where_a_folder_belongs_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = "postgresql+psycopg://emr_app@127.0.0.1:5432/emr"
    code = emr_admin(["--data-dir", url, "--user", "admin", "users", "list"])
    assert code == 1
    assert "server address, not a folder" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_addresses_with_passwords_and_untrusted_network_hosts_are_refused() -> None:
    with pytest.raises(ValidationError, match="password"):
        parse_server_url("postgresql+psycopg://emr_app:secret@db.clinic.lan/emr")
    remote = parse_server_url("postgresql+psycopg://emr_app@db.clinic.lan/emr")
    with pytest.raises(PracticeError, match="certificate"):
        tls_args(remote, None)
    assert tls_args(parse_server_url("postgresql://emr_app@127.0.0.1/emr"), None) == {
        "sslmode": "prefer"
    }


CA = os.environ.get("EMR_TEST_PG_CA", "")


@pytest.mark.skipif(not CA, reason="needs the test server's root certificate (EMR_TEST_PG_CA)")
def test_a_workstation_checks_the_servers_certificate(server: Practice, tmp_path: Path) -> None:
    profile = ServerProfile.read(server.root)
    srv = pg_server()
    db = join_server(
        tmp_path / "tls-pc", profile.url, srv.app_password, lambda: PASSPHRASE, ca_cert=Path(CA)
    )
    try:
        with db.read_connection() as conn:
            assert conn.scalar(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
        assert ServerProfile.read(tmp_path / "tls-pc").ca_cert == "server-ca.pem"
    finally:
        db.dispose()
    stranger = tmp_path / "other-ca.pem"
    stranger.write_bytes(_self_signed_ca())
    with pytest.raises(PracticeError, match="could not be verified"):
        join_server(
            tmp_path / "fooled-pc",
            profile.url,
            srv.app_password,
            lambda: PASSPHRASE,
            ca_cert=stranger,
        )
    assert not (tmp_path / "fooled-pc" / "server.json").exists()


def _self_signed_ca() -> bytes:
    """A root certificate the test server's certificate was not signed by."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not the clinic's CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def test_a_reading_unit_is_read_only_and_takes_no_write_lock(server: Practice) -> None:
    db = server.db
    with db.unit_of_work() as writer:  # holds the practice's write lock
        writer.execute(text("UPDATE app_user SET full_name = full_name"))
        with db.reading() as reader:  # is not kept waiting by it
            assert reader.scalar(text("SELECT count(*) FROM app_user")) >= 1
    with pytest.raises(exc.DBAPIError), db.reading() as reader:
        reader.execute(text("UPDATE app_user SET full_name = full_name"))


def test_setup_on_an_older_schema_takes_a_backup_first(server: Practice, tmp_path: Path) -> None:
    srv = pg_server()
    owner = address(srv.owner_url(server.server_database))
    engine = create_engine(srv.admin.set(database=server.server_database))
    try:
        with engine.begin() as conn:
            upgrade_to(conn, "head")  # nothing to do: already current
            from alembic import command

            from emr_desktop.persistence.migrate import _config

            cfg = _config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
    finally:
        engine.dispose()
    setup = setup_server(
        owner,
        srv.admin.password or "",
        srv.app_password,
        PASSPHRASE,
        app_role=srv.app_role,
        backup_dir=tmp_path,
    )
    try:
        assert setup.kept_backup is not None and setup.kept_backup.parent == tmp_path
        assert read_server_manifest(setup.kept_backup).schema_revision == "0002"
        assert current_revision(setup.db) == head_revision()
    finally:
        setup.db.dispose()


def test_a_connection_the_server_dropped_while_idle_is_replaced_unnoticed(
    server: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server restarts (or a switch drops the link) while the workstation sits idle:
    # the next action must work, not show a raw database error.
    from emr_desktop.persistence import server as server_module

    db = server.db
    with db.reading() as s:
        before = s.scalar(text("SELECT pg_backend_pid()"))
    _as_owner(server, f"SELECT pg_terminate_backend({before})")
    monkeypatch.setattr(server_module, "PING_AFTER_IDLE_S", 0.0)
    users = UserService(db).list(server.admin)
    assert "admin" in {u.username for u in users}
    with db.reading() as s:
        assert s.scalar(text("SELECT pg_backend_pid()")) != before
