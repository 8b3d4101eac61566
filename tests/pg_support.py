"""Practices on a throwaway PostgreSQL server for the test suite.

When ``EMR_TEST_PG_URL`` names a role that may create databases and roles (the suite's own
cluster, started by ``.ci/pg-cluster``), every database-backed test runs on PostgreSQL
as well as on SQLCipher. Each test's practice gets its own database, copied from a
template that holds the migrated schema (so migrations run once per session), its own
practice key, and a workstation profile in the test's folder; the workstation connects
as the non-owner role the product gives workstations, with exactly its privileges.
"""

from __future__ import annotations

import itertools
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from emr_desktop.persistence.database import Database
from emr_desktop.persistence.migrate import upgrade
from emr_desktop.persistence.server import address, server_engine, without_password
from emr_desktop.services.practice.server_practice import (
    create_server_practice,
    join_server,
    setup_server,
)

PG_URL = os.environ.get("EMR_TEST_PG_URL", "")
ENGINES = ["sqlcipher", "pg"] if PG_URL else ["sqlcipher"]
_counter = itertools.count()


@dataclass
class PgServer:
    """The suite's PostgreSQL server: makes and drops practice databases."""

    admin: URL  # a role that may create databases and roles, with its password
    app_role: str
    app_password: str
    template: str = ""

    @classmethod
    def from_env(cls) -> PgServer:
        """The server named by EMR_TEST_PG_URL."""
        tag = f"{os.getpid()}_{secrets.token_hex(3)}"
        return cls(make_url(PG_URL), f"emr_app_{tag}", secrets.token_urlsafe(18))

    def _admin_exec(self, *statements: str) -> None:
        engine = create_engine(self.admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for sql in statements:
                    conn.execute(text(sql))
        finally:
            engine.dispose()

    def owner_url(self, database: str) -> URL:
        """The owner's address of one database, without the password."""
        return without_password(self.admin.set(database=database))

    def ensure_template(self) -> str:
        """A database holding the current schema, made once per session."""
        if not self.template:
            name = f"emr_tpl_{os.getpid()}_{secrets.token_hex(3)}"
            self._admin_exec(f'CREATE DATABASE "{name}"')
            engine = server_engine(self.owner_url(name), self.admin.password or "")
            try:
                upgrade(Database(engine), None)
            finally:
                engine.dispose()
            self.template = name
        return self.template

    def new_database(self) -> str:
        """A fresh database with the current schema and no practice in it."""
        name = f"emr_t_{os.getpid()}_{next(_counter)}"
        self._admin_exec(f'CREATE DATABASE "{name}" TEMPLATE "{self.ensure_template()}"')
        return name

    def drop(self, database: str) -> None:
        """Remove a test database (and every connection still on it)."""
        self._admin_exec(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def close(self) -> None:
        """Remove the template and the session's workstation role."""
        if self.template:
            self.drop(self.template)
        self._admin_exec(f"DROP ROLE IF EXISTS {self.app_role}")

    def make_practice(
        self,
        root: Path,
        *,
        name: str,
        admin_username: str,
        admin_full_name: str,
        admin_password: str,
        passphrase: str,
    ) -> tuple[Database, str]:
        """A new server practice, joined by a workstation whose data folder is ``root``;
        returns the workstation's open database and the database's name."""
        database = self.new_database()
        setup = setup_server(
            address(self.owner_url(database)),
            self.admin.password or "",
            self.app_password,
            passphrase,
            app_role=self.app_role,
        )
        try:
            create_server_practice(
                setup,
                practice_name=name,
                admin_username=admin_username,
                admin_full_name=admin_full_name,
                admin_password=admin_password,
            )
        finally:
            setup.db.dispose()
        db = join_server(root, setup.app_url, self.app_password, lambda: passphrase)
        return db, database
