"""Helpers shared by the test_foundation_* integration tests (this module holds no tests).

Everything here works on real encrypted practices: running ``emr-admin`` in-process,
reading the audit log, tampering with a closed database the way an attacker with file
access would, and building a closed practice once so several tests can copy it.
"""

from __future__ import annotations

import io
import logging
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ADMIN_PASSWORD, PASSPHRASE, make_practice
from sqlalchemy import select

from emr_desktop import cli
from emr_desktop.domain.security import Role
from emr_desktop.models.audit import AuditHead, AuditLog
from emr_desktop.persistence.database import Database
from emr_desktop.persistence.engine import connect_raw
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.store import practice_id


def run_cli(
    monkeypatch: pytest.MonkeyPatch,
    root: Path,
    *argv: str,
    password: str | None = ADMIN_PASSWORD,
    passphrase: str | None = PASSPHRASE,
    stdin: str = "",
) -> int:
    """Run ``emr-admin argv`` in this process against the practice in ``root``.

    Secrets come from the environment as a script would pass them; stdin is never a
    terminal; log files go to a folder beside (not inside) the data directory.
    """
    monkeypatch.setenv("EMR_DATA_DIR", str(root))
    for var, value in (("EMR_PASSWORD", password), ("EMR_DB_PASSPHRASE", passphrase)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)
    monkeypatch.setenv("XDG_STATE_HOME", str(log_home(root)))
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    root_logger = logging.getLogger()
    handlers, level = list(root_logger.handlers), root_logger.level
    try:
        return cli.main(list(argv))
    finally:
        # Each in-process run adds a log file handler; release it so runs stay independent.
        for handler in root_logger.handlers[:]:
            if handler not in handlers:
                root_logger.removeHandler(handler)
                handler.close()
        root_logger.setLevel(level)


def log_home(root: Path) -> Path:
    """Where run_cli sends emr-admin's log files for the practice in ``root``."""
    return root.parent / f"{root.name}-xdg-state"


def audit_head_id(db: Database) -> int:
    """The id of the last audit row, as the chain head records it."""
    with db.unit_of_work() as s:
        head = s.get(AuditHead, 1)
        return 0 if head is None else head.last_id


def audit_rows(db: Database, after: int = 0) -> list[AuditLog]:
    """Audit rows with an id above ``after``, oldest first (detached, read-only use)."""
    with db.unit_of_work() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.id > after).order_by(AuditLog.id)))


def actions_after(db: Database, after: int) -> list[str]:
    """The action names of the audit rows written after row ``after``."""
    return [r.action for r in audit_rows(db, after)]


def audit_ids(db: Database) -> list[int]:
    """Every audit row id, ascending."""
    with db.unit_of_work() as s:
        return list(s.scalars(select(AuditLog.id).order_by(AuditLog.id)))


def drop_audit_guards(path: Path, key: bytes) -> None:
    """Remove every audit guard trigger, as someone with the key and file access could."""
    conn = connect_raw(path, key)
    try:
        names = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            " AND tbl_name IN ('audit_log', 'audit_head')"
        ).fetchall()
        for (name,) in names:
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.commit()
    finally:
        conn.close()


@dataclass(frozen=True)
class ClosedPractice:
    """A practice on disk with nothing open on it, and what tests need to know about it."""

    root: Path
    key: bytes
    practice_id: str


def build_closed_practice(
    root: Path, *, name: str = "Template Practice", staff: dict[str, Role] | None = None
) -> ClosedPractice:
    """Create a practice (never touching any keyring), add staff, close it.

    Usable from module-scoped fixtures: the keyring is switched off by environment
    for the duration, so the developer's real keyring is never written.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMR_NO_KEYRING", "1")
        p = make_practice(root, name)
        try:
            for username, role in (staff or {}).items():
                p.add_user(username, role)
            AuthService(p.db).logout(p.admin)
            key = p.db.key
            assert key is not None
        finally:
            p.db.dispose()
    return ClosedPractice(root, key, practice_id(root))


def copy_practice(template: ClosedPractice, dest: Path) -> ClosedPractice:
    """A byte-for-byte copy of a closed practice (same key, same practice id)."""
    shutil.copytree(template.root, dest)
    return ClosedPractice(dest, template.key, template.practice_id)
