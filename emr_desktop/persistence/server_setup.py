"""Setting up the practice server (as its owner role): schema, the workstations' role and
what it may do, the wrapped practice key, and the id counters after a bulk load.

The owner role owns every table. The workstations log in as a separate role
(``emr_app``) that may read and write the clinical tables but, on ``audit_log``, only
INSERT and SELECT: it cannot UPDATE, DELETE or TRUNCATE it, and since it owns nothing it
can neither disable nor drop a trigger, nor drop a table.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL

from emr_desktop.errors import ValidationError
from emr_desktop.persistence.server import MIGRATE_LOCK, without_password

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Tables the workstations may read but never change (besides the audit log's own rules).
_READ_ONLY = ("alembic_version",)


def check_role_name(name: str) -> str:
    """A role name safe to put in SQL (lower-case letters, digits, underscores)."""
    if not _ROLE_NAME.fullmatch(name):
        raise ValidationError("role", "must be lower-case letters, digits and underscores")
    return name


def take_migration_lock(conn: Connection) -> None:
    """Hold the practice's migration lock until this transaction ends (two PCs never
    migrate at once; the second waits, then finds the schema current)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATE_LOCK})


def _password_verifier(conn: Connection, role: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password``, made by libpq on this side, so the
    password itself never travels in an SQL statement (where a server log could keep it)."""
    pgconn = conn.connection.dbapi_connection.pgconn  # type: ignore[union-attr]
    verifier: bytes = pgconn.encrypt_password(
        password.encode("utf-8"), role.encode("utf-8"), b"scram-sha-256"
    )
    return verifier.decode("ascii")


def grant_workstations(conn: Connection, role: str, password: str | None) -> None:
    """Create (or update) the workstations' login role and grant it exactly what it may do.

    Run after every migration: tables a migration adds get the same grants.
    """
    role = check_role_name(role)
    exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    if not exists:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    attrs = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    conn.execute(text(f"ALTER ROLE {role} {attrs}"))
    if password is not None:
        verifier = _password_verifier(conn, role, password).replace("'", "''")
        conn.exec_driver_sql(f"ALTER ROLE {role} PASSWORD '{verifier}'")
    database = conn.scalar(text("SELECT current_database()"))
    conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {role}'))
    conn.execute(text(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {role}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
    conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
    conn.execute(
        text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    )
    conn.execute(text(f"REVOKE UPDATE, DELETE ON audit_log FROM {role}"))
    conn.execute(text(f"REVOKE DELETE ON audit_head, practice_key FROM {role}"))
    conn.execute(text(f"REVOKE INSERT ON practice_key FROM {role}"))
    for table in _READ_ONLY:
        conn.execute(text(f"REVOKE INSERT, UPDATE, DELETE ON {table} FROM {role}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))


def sync_id_counters(conn: Connection) -> int:
    """Move every id sequence past the highest id in its table (after rows were written
    with explicit ids, e.g. by the demo generator); returns how many were set."""
    rows = conn.execute(
        text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'"
        )
    ).all()
    for table, column in rows:
        conn.execute(
            text(
                f'SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX("{column}"), 0) + 1,'
                f' false) FROM "{table}"'
            ),
            {"t": table, "c": column},
        )
    return len(rows)


def owner_of(engine: Engine) -> str:
    """The role that owns the practice's tables (the one setup ran as)."""
    with engine.connect() as conn:
        owner = conn.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'"))
        conn.rollback()
    return str(owner or "")


def app_url(owner_url: URL, role: str) -> URL:
    """The workstations' address: the owner's address with the workstations' role."""
    return without_password(owner_url.set(username=role))
