"""Refused actions leave an audit row: a role that may not do something, a session that
has ended (signed out, disabled, forged). Front ends call this when a service refuses."""

from __future__ import annotations

from emr_desktop.domain.security import Actor
from emr_desktop.errors import EmrError, PermissionDenied, SessionEnded
from emr_desktop.persistence.database import Database
from emr_desktop.services.common.audit import record

REFUSALS = (PermissionDenied, SessionEnded)


class RefusalService:
    """Recording refused actions in the audit log."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, actor: Actor | None, refused: EmrError, *, what: str = "") -> bool:
        """Audit ``refused`` (one of REFUSALS) for ``actor``; whether a row was written.

        Written outside the actor's session check, since the refusal may be that the
        session is over; the row says which check refused and names no patient data."""
        if not isinstance(refused, REFUSALS):
            return False
        with self._db.unit_of_work() as s:
            record(
                s,
                actor,
                "action_refused",
                details={"refusal": type(refused).__name__, "what": what[:80]},
            )
        return True
