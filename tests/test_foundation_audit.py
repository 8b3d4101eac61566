"""The audit log: append-only in the database, hash-chained, and verified by emr-admin."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlcipher3
from conftest import ADMIN_PASSWORD, PASSPHRASE, STAFF_PASSWORD, Practice
from sqlalchemy import exc
from test_foundation_support import (
    ClosedPractice,
    actions_after,
    audit_head_id,
    audit_ids,
    audit_rows,
    build_closed_practice,
    copy_practice,
    drop_audit_guards,
    run_cli,
)

from emr_desktop.domain.security import Role, UserStatus
from emr_desktop.errors import AuthenticationError
from emr_desktop.persistence.database import Database
from emr_desktop.persistence.engine import connect_raw
from emr_desktop.services.practice.audit_report import AuditService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.backups import BackupService
from emr_desktop.services.practice.restore import restore_backup
from emr_desktop.services.practice.store import open_practice
from emr_desktop.services.practice.users import UserService

MIDDLE = 5  # a row well inside the template's chain


@pytest.fixture(scope="module")
def chained(tmp_path_factory: pytest.TempPathFactory) -> ClosedPractice:
    """A closed practice with a dozen audit rows (logins, locks, a failed login)."""
    root = tmp_path_factory.mktemp("audit-template") / "practice"
    template = build_closed_practice(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMR_NO_KEYRING", "1")
        db = open_practice(root, lambda: PASSPHRASE)
        try:
            auth = AuthService(db, workstation="exam-1")
            admin = auth.login("admin", ADMIN_PASSWORD)
            for _ in range(6):
                auth.lock(admin)
            with pytest.raises(AuthenticationError):
                auth.login("admin", "not the password 1")
            auth.logout(admin)
            assert audit_head_id(db) >= 2 * MIDDLE
        finally:
            db.dispose()
    return template


# --- emr-admin audit verify finds tampering -------------------------------------------


def _head(conn: sqlcipher3.Connection) -> tuple[int, str]:
    row = conn.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
    return int(row[0]), str(row[1])


_COLUMNS = (
    "id, occurred_at, user_id, username, workstation, action, entity, entity_id, "
    "patient_id, details, prev_hash, hash"
)


def _fabricate(conn: sqlcipher3.Connection, new_id: int, copy_of: int, prev_hash: str) -> None:
    """Insert a plausible-looking row (copied from another) with a made-up hash."""
    conn.execute(
        f"INSERT INTO audit_log ({_COLUMNS}) SELECT ?, occurred_at, user_id, username, "
        "workstation, 'login', entity, entity_id, patient_id, '', ?, ? "
        "FROM audit_log WHERE id = ?",
        (new_id, prev_hash, "ab" * 32, copy_of),
    )


def edit_details(conn: sqlcipher3.Connection) -> int:
    conn.execute("UPDATE audit_log SET details = '{}' WHERE id = ?", (MIDDLE,))
    return MIDDLE


def edit_username(conn: sqlcipher3.Connection) -> int:
    conn.execute("UPDATE audit_log SET username = 'mallory' WHERE id = ?", (MIDDLE,))
    return MIDDLE


def delete_middle(conn: sqlcipher3.Connection) -> int:
    conn.execute("DELETE FROM audit_log WHERE id = ?", (MIDDLE,))
    return MIDDLE


def insert_at_end_and_advance_head(conn: sqlcipher3.Connection) -> int:
    last_id, last_hash = _head(conn)
    _fabricate(conn, last_id + 1, MIDDLE, last_hash)
    conn.execute("UPDATE audit_head SET last_id = ?, last_hash = ?", (last_id + 1, "ab" * 32))
    return last_id + 1


def insert_at_end_behind_the_head(conn: sqlcipher3.Connection) -> int:
    last_id, last_hash = _head(conn)
    _fabricate(conn, last_id + 1, MIDDLE, last_hash)
    return last_id + 1


def insert_in_middle_renumbering(conn: sqlcipher3.Connection) -> int:
    last_id, _ = _head(conn)
    # Shift rows MIDDLE.. up by one (through negative ids to keep the key unique).
    conn.execute("UPDATE audit_log SET id = -(id + 1) WHERE id >= ?", (MIDDLE,))
    conn.execute("UPDATE audit_log SET id = -id WHERE id < 0")
    prev = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (MIDDLE - 1,)).fetchone()[0]
    _fabricate(conn, MIDDLE, MIDDLE - 1, prev)
    conn.execute("UPDATE audit_head SET last_id = ?", (last_id + 1,))
    return MIDDLE


def truncate_tail(conn: sqlcipher3.Connection) -> int:
    last_id, _ = _head(conn)
    conn.execute("DELETE FROM audit_log WHERE id = ?", (last_id,))
    return last_id


@pytest.mark.parametrize(
    "tamper",
    [
        edit_details,
        edit_username,
        delete_middle,
        insert_at_end_and_advance_head,
        pytest.param(
            insert_at_end_behind_the_head,
        ),
        insert_in_middle_renumbering,
        truncate_tail,
    ],
)
def test_audit_verify_names_the_first_bad_row(
    chained: ClosedPractice,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tamper: Callable[[sqlcipher3.Connection], int],
) -> None:
    target = copy_practice(chained, tmp_path / "practice")
    drop_audit_guards(target.root / "practice.db", target.key)
    conn = connect_raw(target.root / "practice.db", target.key)
    try:
        bad_row = tamper(conn)
        conn.commit()
    finally:
        conn.close()

    code = run_cli(monkeypatch, target.root, "--user", "admin", "audit", "verify")
    captured = capsys.readouterr()
    assert code == 1, captured.out + captured.err
    assert "BROKEN" in captured.out
    assert re.search(rf"\brow {bad_row}\b", captured.out), captured.out
    assert "intact" not in captured.out


# --- the database refuses changes ------------------------------------------------------

_FORBIDDEN_SQL = (
    "UPDATE audit_log SET details = 'nothing happened' WHERE id = 1",
    "UPDATE audit_log SET username = 'someone-else'",
    "DELETE FROM audit_log WHERE id = 1",
    "DELETE FROM audit_log",
)


def test_database_refuses_update_and_delete(chained: ClosedPractice, tmp_path: Path) -> None:
    target = copy_practice(chained, tmp_path / "practice")
    db = open_practice(target.root, lambda: PASSPHRASE)
    try:
        before = [(r.id, r.username, r.details, r.hash) for r in audit_rows(db)]
        for sql in _FORBIDDEN_SQL:
            with (
                pytest.raises((exc.IntegrityError, exc.DatabaseError), match="append-only"),
                db.engine.begin() as conn,
            ):
                conn.exec_driver_sql(sql)
        after = [(r.id, r.username, r.details, r.hash) for r in audit_rows(db)]
        assert after == before
        admin = AuthService(db).login("admin", ADMIN_PASSWORD)
        assert AuditService(db).verify(admin).ok
    finally:
        db.dispose()


def test_audit_verify_on_an_intact_chain(
    chained: ClosedPractice,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = copy_practice(chained, tmp_path / "practice")
    code = run_cli(monkeypatch, target.root, "--user", "admin", "audit", "verify")
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    assert "intact" in captured.out
    assert captured.err == ""


# --- every security event is audited -----------------------------------------------------


def test_security_events_write_audit_rows_with_their_action(
    practice: Practice, tmp_path: Path
) -> None:
    db, admin = practice.db, practice.admin
    auth = AuthService(db)
    users = UserService(db)

    def step(action: Callable[[], object]) -> list[str]:
        before = audit_head_id(db)
        action()
        return actions_after(db, before)

    assert step(lambda: auth.login("admin", ADMIN_PASSWORD)) == ["login"]

    def bad_login() -> None:
        with pytest.raises(AuthenticationError):
            auth.login("admin", "wrong-password-1")

    assert step(bad_login) == ["login_failed"]

    def unknown_user() -> None:
        with pytest.raises(AuthenticationError):
            auth.login("nobody", "wrong-password-1")

    assert step(unknown_user) == ["login_failed"]
    assert step(lambda: auth.lock(admin)) == ["lock"]
    assert step(lambda: auth.unlock(admin, ADMIN_PASSWORD)) == ["unlock"]
    assert step(lambda: auth.logout(admin)) == ["logout"]
    admin = auth.login("admin", ADMIN_PASSWORD)  # a logged-out session can do nothing more
    assert step(
        lambda: users.add(
            admin, username="rnurse", full_name="R Nurse", role=Role.NURSE, password=STAFF_PASSWORD
        )
    ) == ["user_create"]
    assert step(lambda: users.set_status(admin, "rnurse", UserStatus.DISABLED)) == ["user_disable"]

    def disabled_login() -> None:
        with pytest.raises(AuthenticationError):
            auth.login("rnurse", STAFF_PASSWORD)

    assert step(disabled_login) == ["login_failed"]
    assert step(lambda: users.set_status(admin, "rnurse", UserStatus.ACTIVE)) == ["user_enable"]
    assert step(lambda: users.reset_password(admin, "rnurse", None)) == ["user_password_reset"]
    assert step(lambda: users.unlock(admin, "rnurse")) == ["user_unlock"]

    backup = tmp_path / "events.emrbak"
    assert step(lambda: BackupService(db, practice.paths).backup(admin, backup)) == ["backup"]

    # The rows name who did it: the admin for admin actions, the person for a failed login.
    rows = audit_rows(db)
    assert {r.username for r in rows if r.action == "user_disable"} == {"admin"}
    assert {r.username for r in rows if r.action == "login_failed"} >= {"admin", "nobody"}

    if practice.engine == "pg":
        return  # a server restores into an empty database: its rows, test_server_backup.py
    db.dispose()
    restore_backup(
        practice.root,
        backup,
        username="admin",
        password=ADMIN_PASSWORD,
        passphrase=lambda: PASSPHRASE,
    )
    restored = open_practice(practice.root, lambda: PASSPHRASE)
    try:
        tail = audit_rows(restored, audit_head_id(restored) - 2)
        assert [r.action for r in tail] == ["login", "restore"]
        assert tail[-1].username == "admin"
    finally:
        restored.dispose()


# --- concurrent writers line up ---------------------------------------------------------


@pytest.mark.parametrize("databases", ["one Database", "two Databases"])
def test_concurrent_writers_never_fork_the_chain(practice: Practice, databases: str) -> None:
    first = practice.db
    second = (
        first if databases == "one Database" else open_practice(practice.root, lambda: PASSPHRASE)
    )
    start = audit_head_id(first)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker(db: Database, workstation: str) -> None:
        try:
            auth = AuthService(db, workstation=workstation)
            barrier.wait()
            actor = None
            for i in range(50):
                if i % 25 == 0:
                    actor = auth.login("admin", ADMIN_PASSWORD)
                else:
                    assert actor is not None
                    auth.lock(actor)
        except BaseException as err:  # reported in the main thread
            errors.append(err)

    threads = [
        threading.Thread(target=worker, args=(first, "exam-1")),
        threading.Thread(target=worker, args=(second, "exam-2")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert errors == []
        ids = audit_ids(first)
        assert ids == list(range(1, start + 100 + 1))
        workstations = [r.workstation for r in audit_rows(first, start)]
        assert workstations.count("exam-1") == workstations.count("exam-2") == 50
        report = AuditService(first).verify(practice.admin)
        assert report.ok, report.problem
        assert report.head_id == start + 100
    finally:
        if second is not first:
            second.dispose()
