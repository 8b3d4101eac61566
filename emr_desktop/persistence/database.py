"""An open practice database: its engine and one unit of work per user action."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, exc, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from emr_desktop.domain.audit import ChainReport
from emr_desktop.domain.security import Actor
from emr_desktop.errors import (
    BusyError,
    ConflictError,
    DatabaseDamaged,
    PracticeError,
    SessionEnded,
)
from emr_desktop.models.audit import AuditLog
from emr_desktop.persistence import audit_verify
from emr_desktop.persistence import sessions as login_sessions
from emr_desktop.persistence.anchor import AnchorFile
from emr_desktop.persistence.audit_chain import HEAD_INFO, KEY_INFO, audit_key

# Execution option marking a read-only unit of work (see persistence.engine).
READ_ONLY = "emr_read_only"
_DAMAGE_WORDS = ("malformed", "not a database", "disk image", "file is encrypted")
# PostgreSQL's codes for a transaction that lost a race and may simply be tried again:
# serialization failure, deadlock, lock wait timeout, statement cancelled by a timeout.
_TRANSIENT = {"40001", "40P01", "55P03", "57014"}
BEGIN_ATTEMPTS = 3
_SESSION_WORDS = {
    "not signed in": "You are not signed in. Log in to continue; nothing was done.",
    "signed out": "Your session has ended. Log in again to continue; nothing was done.",
    "account disabled": (
        "Your account was disabled by the practice manager, so you have been signed out. "
        "Nothing was done."
    ),
    "role changed": (
        "Your role was changed by the practice manager: log in again to continue with it. "
        "Nothing was done."
    ),
}


@dataclass
class Database:
    """An open practice database. Hand it to services; they open units of work on it."""

    engine: Engine
    path: Path | None = None  # the SQLCipher file; None on a practice server
    key: bytes | None = field(default=None, repr=False)  # the practice key
    data_dir: Path | None = None  # this workstation's folder (anchor, backups)
    practice_id: str | None = None
    anchor: AnchorFile | None = field(init=False, repr=False, default=None)
    open_lease: str | None = field(init=False, repr=False, default=None)  # see leases
    retired: str | None = field(init=False, default=None)  # why it may no longer be used
    _sessions: sessionmaker[Session] = field(init=False, repr=False)
    _readers: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.data_dir is None and self.path is not None:
            self.data_dir = self.path.parent
        info = {KEY_INFO: audit_key(self.key)} if self.key is not None else {}
        self._sessions = sessionmaker(
            self.engine, expire_on_commit=False, autoflush=True, info=info
        )
        reader = self.engine.execution_options(**{READ_ONLY: True})
        self._readers = sessionmaker(reader, expire_on_commit=False, autoflush=True, info=info)
        if self.key is not None and self.data_dir is not None and self.practice_id:
            self.anchor = AnchorFile(self.data_dir, self.practice_id, self.key)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """Pretty printers (hypothesis, IPython) show the repr, which never has the key."""
        p.text(repr(self))

    @property
    def on_server(self) -> bool:
        """Whether this practice lives on a server (several workstations share it)."""
        return self.engine.dialect.name != "sqlite"

    @contextmanager
    def unit_of_work(self, actor: Actor | None = None) -> Iterator[Session]:
        """One transaction: commit when the block ends, roll back on any error.

        With ``actor``, first refuses (SessionEnded, before anything is read or written) a
        user whose session has ended, whose account was disabled or whose role changed.
        Translates a stale optimistic-lock save into ConflictError and a corrupt file
        into DatabaseDamaged, so callers see the project's typed errors only.
        """
        with self._transaction(self._sessions, actor) as session:
            yield session

    @contextmanager
    def reading(self, actor: Actor | None = None) -> Iterator[Session]:
        """A transaction that only reads (a screen's periodic refresh, an unaudited view).

        On SQLite it starts deferred, so it does not take the write lock that every
        unit of work takes up front: polling workstations never queue behind each other.
        """
        with self._transaction(self._readers, actor) as session:
            yield session

    @contextmanager
    def _transaction(
        self, sessions: sessionmaker[Session], actor: Actor | None
    ) -> Iterator[Session]:
        if self.retired is not None:
            raise PracticeError(self.retired)
        session = sessions()
        moved: tuple[int, str, int | None] | None = None
        try:
            self._begin(session)
            if actor is not None:
                why = login_sessions.refusal(session, actor)
                if why is not None:
                    session.rollback()
                    raise SessionEnded(_SESSION_WORDS.get(why, _SESSION_WORDS["signed out"]))
            try:
                yield session
                head = session.info.pop(HEAD_INFO, None)
                if head is not None and self._anchor_follows(session, head):
                    moved = head
                session.commit()
            except BaseException:
                session.rollback()
                raise
        except StaleDataError:
            raise ConflictError(
                "Someone else saved this record while you were editing it. "
                "Nothing was overwritten; reopen it to see their changes."
            ) from None
        except exc.DBAPIError as err:
            raise _translated(err) from err
        finally:
            session.close()
        if moved is not None and self.anchor is not None:
            self.anchor.write(*moved)

    def _begin(self, session: Session) -> None:
        """Start the transaction, trying a bounded number of times when taking the write
        lock (or the connection) fails in a way that is worth trying again."""
        for attempt in range(BEGIN_ATTEMPTS):
            session.begin()
            try:
                session.connection()  # the engine's begin hook takes the write lock here
                return
            except exc.DBAPIError as err:
                session.rollback()
                if not _is_transient(err) or attempt == BEGIN_ATTEMPTS - 1:
                    raise _translated(err) from err

    def _anchor_follows(self, session: Session, head: tuple[int, str, int | None]) -> bool:
        """Whether the anchor may move to ``head``: only while the chain still holds the
        row it names, with the same seal (it never follows a cut or rewritten chain)."""
        if self.anchor is None:
            return False
        try:
            old = self.anchor.read()
        except (ValueError, KeyError, TypeError, OSError):
            return False  # keep the evidence: verify reports a changed anchor file
        if old is None:
            return True
        if head[0] < old.last_id or head[2] != old.keyed_from:
            return False
        sealed = session.scalar(select(AuditLog.hash).where(AuditLog.id == old.last_id))
        return old.last_id == 0 or sealed == old.last_hash

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A read-only connection outside the ORM (long scans such as audit verify)."""
        with self.engine.execution_options(**{READ_ONLY: True}).connect() as conn:
            try:
                yield conn
            finally:
                conn.rollback()

    def verify_audit(self, marks: Iterable[audit_verify.HeadMark] = ()) -> ChainReport:
        """Verify the whole audit chain against its seals, its head, this workstation's
        anchor file and any other recorded heads (``marks``, e.g. a backup's)."""
        extra = list(marks)
        if self.anchor is not None:
            try:
                found = self.anchor.read()
            except (ValueError, KeyError, TypeError, OSError):
                return ChainReport(
                    False,
                    0,
                    0,
                    "",
                    None,
                    "the anchor file beside the database was changed or replaced",
                )
            if found is not None:
                extra.append(found.mark())
        with self.read_connection() as conn:
            return audit_verify.verify(conn, audit_key(self.key) if self.key else None, extra)

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (SQLite only), outside any transaction."""
        if self.engine.dialect.name != "sqlite":
            return
        raw = self.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            raw.close()

    def retire(self, why: str) -> None:
        """Refuse every further unit of work with ``why`` (its file was replaced by a
        restore: only a reopened database may be used)."""
        self.retired = why
        self.engine.dispose()

    def dispose(self) -> None:
        """Close every pooled connection (before a file is moved or replaced)."""
        self.engine.dispose()


def _is_transient(err: exc.DBAPIError) -> bool:
    code = getattr(err.orig, "sqlstate", None) or getattr(err.orig, "pgcode", None)
    return code in _TRANSIENT or bool(err.connection_invalidated)


def _translated(err: exc.DBAPIError) -> Exception:
    """The project's typed error for a database error the services did not expect."""
    if any(w in str(err.orig).lower() for w in _DAMAGE_WORDS):
        return DatabaseDamaged("The practice database is damaged; restore the latest backup.")
    if _is_transient(err) or isinstance(err, exc.OperationalError):
        return BusyError(
            "The practice database was busy or could not be reached, and nothing was saved. "
            "Try again in a moment."
        )
    return err
