"""Bring a database to the current schema, keeping a copy of the file first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from emr_desktop.persistence.backup import copy_database
from emr_desktop.persistence.database import Database

_SCRIPTS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    return cfg


def head_revision() -> str:
    """The newest schema revision this version of the program knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    """The database's schema revision (None for an empty database)."""
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, backup_dir: Path | None) -> Path | None:
    """Migrate to the newest schema; returns the copy kept beforehand, if one was made.

    A database with no schema yet (a new practice) is migrated without a copy.
    """
    current = current_revision(db)
    if current == head_revision():
        return None
    kept: Path | None = None
    if current is not None and db.path is not None and backup_dir is not None:
        backup_dir.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = backup_dir / f"pre-migration-{current}-{stamp}.db"
        copy_database(db, kept)
    cfg = _config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return kept
