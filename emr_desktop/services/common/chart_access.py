"""Reading a chart: the restricted-chart check and the audit row every read of clinical
content writes in the same transaction (one row per section list, note, summary, search
with results, export, preview or print)."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.security import Actor
from emr_desktop.errors import ChartRestricted
from emr_desktop.models.access import ChartRestriction, EmergencyAccess
from emr_desktop.services.common.audit import record

T = TypeVar("T")

READ_ACTION = "chart_read"
# The actions of audit rows that record a read (tests of writes look past them).
READ_ACTIONS = (READ_ACTION, "worklist_read", "patient_search")


def emergency_grant(s: Session, actor: Actor, patient_id: int) -> int | None:
    """Check that ``actor`` may read the chart: None when it is not restricted or names
    them; the id of their running emergency access otherwise; ChartRestricted if neither."""
    named = set(
        s.scalars(select(ChartRestriction.user_id).where(ChartRestriction.patient_id == patient_id))
    )
    if not named or actor.user_id in named:
        return None
    grant = s.scalar(
        select(EmergencyAccess.id)
        .where(
            EmergencyAccess.patient_id == patient_id,
            EmergencyAccess.user_id == actor.user_id,
            EmergencyAccess.expires_at > dt.datetime.now(dt.UTC),
        )
        .order_by(EmergencyAccess.id.desc())
        .limit(1)
    )
    if grant is None:
        raise ChartRestricted(patient_id)
    return int(grant)


def chart_read(
    s: Session,
    actor: Actor,
    patient_id: int,
    what: str,
    result: T,
    *,
    entity: str | None = None,
    entity_id: object | None = None,
    action: str = READ_ACTION,
) -> T:
    """Check access to the chart and audit the read of ``what``; returns ``result``.

    Called inside the read's own unit of work, so the row commits with the read or not
    at all. An emergency access is named on the row."""
    grant = emergency_grant(s, actor, patient_id)
    details: dict[str, object] = {"what": what}
    if isinstance(result, (list, tuple)):
        details["rows"] = len(result)
    if grant is not None:
        details["emergency_access"] = grant
    record(
        s,
        actor,
        action,
        entity=entity or "patient",
        entity_id=patient_id if entity_id is None else entity_id,
        patient_id=patient_id,
        details=details,
    )
    return result


def worklist_read(s: Session, actor: Actor, what: str, result: T) -> T:
    """Audit the read of a list spanning patients (drafts, renewal requests); returns
    ``result``. Rows of restricted charts show there by name only."""
    rows = len(result) if isinstance(result, (list, tuple)) else None
    record(s, actor, "worklist_read", details={"what": what, "rows": rows})
    return result


def search_read(s: Session, actor: Actor, patient_ids: list[int], result: T) -> T:
    """Audit a patient search that found someone: the patients' ids (the row's patient
    when there was one), never the search text; returns ``result``."""
    record(
        s,
        actor,
        "patient_search",
        patient_id=patient_ids[0] if len(patient_ids) == 1 else None,
        details={"rows": len(patient_ids), "patients": patient_ids[:100]},
    )
    return result
