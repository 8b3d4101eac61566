"""Providers' working hours and blocked time."""

from __future__ import annotations

import datetime as dt

from emr_desktop.domain.schedule import (
    HoursRow,
)
from emr_desktop.domain.security import Actor
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.models import BlockedTime, ProviderHours
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.schedule import queries, rules
from emr_desktop.services.schedule.steps import (
    BOOK,
    iso,
)


class HoursEdits:
    """Providers' working hours and blocked time. (mixed into ScheduleService)."""

    _db: Database

    def set_hours(
        self, actor: Actor, provider_id: int, weekday: int, start: dt.time, end: dt.time
    ) -> HoursRow:
        """Set a provider's hours on one weekday (0 = Monday), replacing what was there."""
        require(actor, BOOK)
        day = rules.weekday(weekday)
        start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
        if end <= start:
            raise ValidationError("end", "must be after the start")
        with self._db.unit_of_work(actor) as s:
            rules.provider_user(s, provider_id)
            replaced = queries.delete_hours(s, provider_id, day)
            s.add(
                ProviderHours(provider_id=provider_id, weekday=day, start_time=start, end_time=end)
            )
            details = {"weekday": day, "start": iso(start), "end": iso(end), "replaced": replaced}
            record(
                s,
                actor,
                "schedule_hours_change",
                entity="provider",
                entity_id=provider_id,
                details=details,
            )
            return HoursRow(provider_id, day, start, end)

    def clear_hours(self, actor: Actor, provider_id: int, weekday: int) -> None:
        """Remove a provider's hours on one weekday (they do not work that day)."""
        require(actor, BOOK)
        day = rules.weekday(weekday)
        with self._db.unit_of_work(actor) as s:
            rules.provider_user(s, provider_id)
            removed = queries.delete_hours(s, provider_id, day)
            details = {"weekday": day, "cleared": True, "replaced": removed}
            record(
                s,
                actor,
                "schedule_hours_change",
                entity="provider",
                entity_id=provider_id,
                details=details,
            )

    def block_time(
        self,
        actor: Actor,
        provider_id: int | None,
        start: dt.datetime,
        end: dt.datetime,
        reason: str,
    ) -> int:
        """Block time for one provider, or for the whole practice (None); the block's id."""
        require(actor, BOOK)
        start, end = rules.local_time("start", start), rules.local_time("end", end)
        if end <= start:
            raise ValidationError("end", "must be after the start")
        why = v.text("reason", reason, max_len=200)
        with self._db.unit_of_work(actor) as s:
            if provider_id is not None:
                rules.provider_user(s, provider_id)
            block = BlockedTime(
                provider_id=provider_id,
                start_at=start,
                end_at=end,
                reason=why,
                created_by_id=actor.user_id,
            )
            s.add(block)
            s.flush()
            details = {
                "provider_id": provider_id,
                "start": iso(start),
                "end": iso(end),
                "reason_given": bool(why),
            }
            record(
                s,
                actor,
                "schedule_block",
                entity="blocked_time",
                entity_id=block.id,
                details=details,
            )
            return block.id

    def unblock(self, actor: Actor, block_id: int) -> None:
        """Remove a blocked time."""
        require(actor, BOOK)
        with self._db.unit_of_work(actor) as s:
            block = s.get(BlockedTime, block_id)
            if block is None:
                raise NotFound("That blocked time does not exist.")
            details = {
                "provider_id": block.provider_id,
                "start": iso(block.start_at),
                "end": iso(block.end_at),
            }
            s.delete(block)
            record(
                s,
                actor,
                "schedule_unblock",
                entity="blocked_time",
                entity_id=block_id,
                details=details,
            )
