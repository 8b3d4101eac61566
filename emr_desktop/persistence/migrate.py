"""Bring a database to the current schema, keeping a copy of the file first.

Alembic is imported only when a migration has to run: checking that a database is
current is one SELECT, and start-up should not pay ~0.2 s of imports for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, exc, text

from emr_desktop.persistence.backup import copy_database
from emr_desktop.persistence.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

_SCRIPTS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    return cfg


def head_revision() -> str:
    """The newest schema revision this version of the program knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def newest_file_revision() -> str:
    """The head revision read from the file names: each migration's id is its number
    prefix (``0002_clinical.py`` is "0002"); tests hold this equal to ``head_revision``."""
    return max(p.name.split("_", 1)[0] for p in (_SCRIPTS / "versions").glob("[0-9]*_*.py"))


def current_revision(db: Database) -> str | None:
    """The database's schema revision (None for an empty database)."""
    with db.read_connection() as conn:
        try:
            found = conn.scalar(text("SELECT version_num FROM alembic_version"))
            return None if found is None else str(found)
        except (exc.OperationalError, exc.ProgrammingError):  # no table yet: a new database
            return None


def upgrade(
    db: Database, backup_dir: Path | None, *, lock: Callable[[Connection], None] | None = None
) -> Path | None:
    """Migrate to the newest schema; returns the copy kept beforehand, if one was made.

    A database with no schema yet (a new practice) is migrated without a copy. ``lock``
    runs first in the migration's transaction (a server's migration lock).
    """
    current = current_revision(db)
    if current == newest_file_revision():
        return None
    from alembic import command

    kept: Path | None = None
    if current is not None and db.path is not None and backup_dir is not None:
        backup_dir.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = backup_dir / f"pre-migration-{current}-{stamp}.db"
        copy_database(db, kept)
    cfg = _config()
    with db.engine.begin() as conn:
        if lock is not None:
            lock(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return kept


def upgrade_to(conn: Connection, revision: str) -> None:
    """Migrate the schema on ``conn`` (in the caller's transaction) to ``revision``."""
    from alembic import command

    cfg = _config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)
