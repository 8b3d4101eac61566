"""Schema migrations: models and migrations agree; a copy is kept before an upgrade."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import PASSPHRASE, Practice

from emr_desktop.models import Base
from emr_desktop.persistence.engine import connect_raw
from emr_desktop.persistence.migrate import _config, current_revision, head_revision
from emr_desktop.services.practice.store import open_practice


def test_the_migrations_build_exactly_the_models(practice: Practice) -> None:
    with practice.db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
        conn.rollback()
    assert diff == []


@pytest.mark.sqlcipher_only(reason="the embedded file is copied before a migration")
def test_an_older_database_is_copied_then_upgraded_when_opened(practice: Practice) -> None:
    cfg = _config()
    with practice.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert current_revision(practice.db) == "0001"
    key = practice.db.key
    assert key is not None
    practice.db.dispose()
    reopened = open_practice(practice.root, lambda: PASSPHRASE)
    try:
        assert current_revision(reopened) == head_revision()
        copies = sorted((practice.root / "backups").glob("pre-migration-0001-*.db"))
        assert len(copies) == 1
        kept = connect_raw(Path(copies[0]), key)
        try:
            assert kept.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
            assert kept.execute("SELECT count(*) FROM app_user").fetchone()[0] >= 1
        finally:
            kept.close()
    finally:
        reopened.dispose()


def test_the_quick_head_check_agrees_with_alembic() -> None:
    # Start-up compares against the file names to avoid importing alembic.
    from emr_desktop.persistence.migrate import newest_file_revision

    assert newest_file_revision() == head_revision()
