"""Writing audit rows: every service appends its row here, in its own transaction."""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from emr_desktop.domain.security import Actor
from emr_desktop.persistence import audit_chain


def this_workstation() -> str:
    """This computer's name, as audit rows record it."""
    return (socket.gethostname() or "unknown")[:128]


def _details(details: Mapping[str, Any] | None) -> str:
    if not details:
        return ""
    return json.dumps(dict(details), sort_keys=True, ensure_ascii=False, default=str)


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    entity: str | None = None,
    entity_id: object | None = None,
    patient_id: int | None = None,
    details: Mapping[str, Any] | None = None,
    username: str | None = None,
) -> None:
    """Append one audit row in the caller's transaction.

    ``details`` must hold ids, field names and counts only, never clinical values.
    ``username`` names the person when there is no actor yet (a failed login).
    """
    audit_chain.append(
        session,
        audit_chain.AuditEntry(
            user_id=actor.user_id if actor else None,
            username=actor.username if actor else (username or ""),
            workstation=actor.workstation if actor else this_workstation(),
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            patient_id=patient_id,
            details=_details(details),
        ),
    )
