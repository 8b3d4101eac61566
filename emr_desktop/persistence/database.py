"""An open practice database: its engine and one unit of work per user action."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from emr_desktop.errors import ConflictError, DatabaseDamaged

# Execution option marking a read-only unit of work (see persistence.engine).
READ_ONLY = "emr_read_only"
_DAMAGE_WORDS = ("malformed", "not a database", "disk image", "file is encrypted")


@dataclass
class Database:
    """An open practice database. Hand it to services; they open units of work on it."""

    engine: Engine
    path: Path | None = None
    key: bytes | None = field(default=None, repr=False)
    _sessions: sessionmaker[Session] = field(init=False, repr=False)
    _readers: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        reader = self.engine.execution_options(**{READ_ONLY: True})
        self._readers = sessionmaker(reader, expire_on_commit=False, autoflush=True)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: commit when the block ends, roll back on any error.

        Translates a stale optimistic-lock save into ConflictError and a corrupt file
        into DatabaseDamaged, so callers see the project's typed errors only.
        """
        with self._transaction(self._sessions) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads (a screen's periodic refresh, an unaudited view).

        On SQLite it starts deferred, so it does not take the write lock that every
        unit of work takes up front: polling workstations never queue behind each other.
        """
        with self._transaction(self._readers) as session:
            yield session

    @contextmanager
    def _transaction(self, sessions: sessionmaker[Session]) -> Iterator[Session]:
        session = sessions()
        try:
            with session.begin():
                yield session
        except StaleDataError:
            raise ConflictError(
                "Someone else saved this record while you were editing it. "
                "Nothing was overwritten; reopen it to see their changes."
            ) from None
        except exc.DatabaseError as err:
            if any(w in str(err.orig).lower() for w in _DAMAGE_WORDS):
                raise DatabaseDamaged(
                    "The practice database is damaged; restore the latest backup."
                ) from err
            raise
        finally:
            session.close()

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (SQLite only), outside any transaction."""
        if self.engine.dialect.name != "sqlite":
            return
        raw = self.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            raw.close()

    def dispose(self) -> None:
        """Close every pooled connection (before a file is moved or replaced)."""
        self.engine.dispose()
