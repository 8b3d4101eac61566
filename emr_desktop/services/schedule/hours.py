"""Providers' working hours and blocked time."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from emr_desktop.domain.schedule import BlockRow, HoursRow
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.models import BlockedTime, ProviderHours
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.schedule import queries, rules
from emr_desktop.services.schedule.steps import iso

MANAGE = Permission.SCHEDULE_MANAGE
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def parse_range(text: str) -> tuple[dt.time, dt.time]:
    """'08:00-12:00' as two times; ValidationError otherwise."""
    m = _RANGE.match(text.strip())
    try:
        if m is None:
            raise ValueError
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        return dt.time(h1, m1), dt.time(h2, m2)
    except ValueError:
        raise ValidationError("ranges", f"{text!r} is not a time range like 08:00-12:00") from None


def range_words(start: dt.time, end: dt.time) -> str:
    """'08:00-12:00', as the hours forms and emr-admin write a range."""
    return f"{start:%H:%M}-{end:%H:%M}"


def clean_ranges(
    ranges: Sequence[tuple[dt.time, dt.time]],
) -> list[tuple[dt.time, dt.time]]:
    """Ranges to the minute, earliest first, touching ones joined; ValidationError naming
    every range that ends before it starts or overlaps another."""
    cleaned = sorted(
        (a.replace(second=0, microsecond=0), b.replace(second=0, microsecond=0)) for a, b in ranges
    )
    bad = [f"{iso(a)}-{iso(b)}" for a, b in cleaned if b <= a]
    if bad:
        raise ValidationError("hours", f"{', '.join(bad)}: the end must be after the start")
    out: list[tuple[dt.time, dt.time]] = []
    for a, b in cleaned:
        if out and a < out[-1][1]:
            prev = out[-1]
            raise ValidationError(
                "hours", f"{iso(a)}-{iso(b)} overlaps {iso(prev[0])}-{iso(prev[1])}"
            )
        if out and a == out[-1][1]:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


class HoursEdits:
    """Providers' working hours and blocked time. (mixed into ScheduleService)."""

    _db: Database

    def provider_hours(self, actor: Actor, provider_id: int) -> list[HoursRow]:
        """A provider's working ranges, by weekday then start."""
        require(actor, Permission.SCHEDULE_VIEW)
        with self._db.reading(actor) as s:
            rules.physician(s, provider_id)
            return sorted(queries.hours_of(s, [provider_id]), key=lambda h: (h.weekday, h.start))

    def upcoming_blocks(
        self, actor: Actor, provider_id: int | None, *, days: int = 366
    ) -> list[BlockRow]:
        """Blocked time from today on: a provider's and the whole practice's (or only the
        practice's, for ``None``), soonest first."""
        require(actor, Permission.SCHEDULE_VIEW)
        start = dt.datetime.combine(dt.date.today(), dt.time())
        window = [(start, start + dt.timedelta(days=days))]
        with self._db.reading(actor) as s:
            ids = [] if provider_id is None else [rules.physician(s, provider_id).id]
            return queries.blocks_in(s, ids, window)

    def set_day_hours(
        self,
        actor: Actor,
        provider_id: int,
        weekday: int,
        ranges: Sequence[tuple[dt.time, dt.time]],
    ) -> list[HoursRow]:
        """Set a provider's working ranges on one weekday (0 = Monday), replacing what was
        there; no ranges: not working that day."""
        require(actor, MANAGE)
        day = rules.weekday(weekday)
        spans = clean_ranges(ranges)
        with self._db.unit_of_work(actor) as s:
            rules.physician(s, provider_id)
            replaced = queries.delete_hours(s, provider_id, day)
            s.add_all(
                ProviderHours(provider_id=provider_id, weekday=day, start_time=a, end_time=b)
                for a, b in spans
            )
            details = {
                "weekday": day,
                "ranges": [f"{iso(a)}-{iso(b)}" for a, b in spans],
                "replaced": replaced,
            }
            record(
                s,
                actor,
                "schedule_hours_change",
                entity="provider",
                entity_id=provider_id,
                details=details,
            )
            return [HoursRow(provider_id, day, a, b) for a, b in spans]

    def set_hours(
        self, actor: Actor, provider_id: int, weekday: int, start: dt.time, end: dt.time
    ) -> HoursRow:
        """Set one working range on one weekday (0 = Monday), replacing what was there."""
        if end.replace(second=0, microsecond=0) <= start.replace(second=0, microsecond=0):
            raise ValidationError("end", "must be after the start")
        return self.set_day_hours(actor, provider_id, weekday, [(start, end)])[0]

    def clear_hours(self, actor: Actor, provider_id: int, weekday: int) -> None:
        """Remove a provider's hours on one weekday (they do not work that day)."""
        self.set_day_hours(actor, provider_id, weekday, [])

    def block_time(
        self,
        actor: Actor,
        provider_id: int | None,
        start: dt.datetime,
        end: dt.datetime,
        reason: str,
    ) -> int:
        """Block time for one provider, or for the whole practice (None); the block's id."""
        require(actor, MANAGE)
        start, end = rules.local_time("start", start), rules.local_time("end", end)
        if end <= start:
            raise ValidationError("end", "must be after the start")
        why = v.text("reason", reason, max_len=200)
        with self._db.unit_of_work(actor) as s:
            if provider_id is not None:
                rules.physician(s, provider_id)
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
        require(actor, MANAGE)
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
