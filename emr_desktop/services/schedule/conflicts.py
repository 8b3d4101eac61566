"""Why a time is not free (double booking, outside hours, blocked), and the next free slot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from emr_desktop.domain.schedule import (
    BlockRow,
    ConflictKind,
    ConflictWarning,
    HoursRow,
)
from emr_desktop.models import (
    Appointment,
    User,
)
from emr_desktop.services.schedule.queries import blocks_in, hours_of, overlapping
from emr_desktop.services.schedule.rules import (
    FREE_STATUSES,
    SEARCH_DAYS,
    clock,
    day_words,
    span_words,
)


def by_weekday(hours: Iterable[HoursRow]) -> dict[int, list[HoursRow]]:
    """Working ranges by weekday, each day's ranges earliest first."""
    out: dict[int, list[HoursRow]] = {}
    for h in sorted(hours, key=lambda h: (h.weekday, h.start)):
        out.setdefault(h.weekday, []).append(h)
    return out


# ---- conflicts ---------------------------------------------------------------------------


def conflicts(
    s: Session,
    provider: User,
    start: dt.datetime,
    minutes: int,
    *,
    ignore: Iterable[int] = (),
) -> list[ConflictWarning]:
    """Why [start, start + minutes) is not free for ``provider`` (empty: it is free)."""
    return conflicts_many(s, provider, [(start, minutes)], ignore=ignore)


def conflicts_many(
    s: Session,
    provider: User,
    spans: list[tuple[dt.datetime, int]],
    *,
    ignore: Iterable[int] = (),
) -> list[ConflictWarning]:
    """Conflicts of several (start, minutes) spans, e.g. a series, in three queries."""
    windows = [(a, a + dt.timedelta(minutes=m)) for a, m in spans]
    skip = set(ignore)
    hours = by_weekday(hours_of(s, [provider.id]))
    taken = [
        (i, a, a + dt.timedelta(minutes=m))
        for i, a, m in s.execute(
            select(Appointment.id, Appointment.start_at, Appointment.duration_min)
            .where(
                or_(
                    *(
                        and_(Appointment.provider_id == provider.id, *overlapping(a, b))
                        for a, b in windows
                    )
                ),
                Appointment.status.not_in(FREE_STATUSES),
            )
            .order_by(Appointment.start_at)
        )
        if i not in skip
    ]
    blocks = blocks_in(s, [provider.id], windows)
    out: list[ConflictWarning] = []
    for start, end in windows:
        out += _span_conflicts(provider.full_name, start, end, taken, hours, blocks)
    return out


def _span_conflicts(
    name: str,
    start: dt.datetime,
    end: dt.datetime,
    taken: list[tuple[int, dt.datetime, dt.datetime]],
    hours: dict[int, list[HoursRow]],
    blocks: list[BlockRow],
) -> list[ConflictWarning]:
    out = [
        ConflictWarning(
            ConflictKind.DOUBLE_BOOKING,
            f"{name} already has an appointment {span_words(a, b)}.",
            start,
            appointment_id=i,
        )
        for i, a, b in taken
        if a < end and b > start
    ]
    ranges = hours.get(start.weekday(), [])
    if not ranges:
        why = f"{name} does not work on {start:%A}s ({day_words(start)})."
        out.append(ConflictWarning(ConflictKind.OUTSIDE_HOURS, why, start))
    elif not any(
        dt.datetime.combine(start.date(), h.start) <= start
        and end <= dt.datetime.combine(start.date(), h.end)
        for h in ranges
    ):
        spans = ", ".join(f"{clock(h.start)} to {clock(h.end)}" for h in ranges)
        why = (
            f"{clock(start)} to {clock(end)} on {day_words(start)} is outside "
            f"{name}'s hours ({spans})."
        )
        out.append(ConflictWarning(ConflictKind.OUTSIDE_HOURS, why, start))
    for b in blocks:
        if b.start_at < end and b.end_at > start:
            who = f"{name}'s time" if b.provider_id is not None else "The whole practice"
            why = f" ({b.reason})" if b.reason else ""
            out.append(
                ConflictWarning(
                    ConflictKind.BLOCKED,
                    f"{who} is blocked {span_words(b.start_at, b.end_at)}{why}.",
                    start,
                    block_id=b.id,
                )
            )
    return out


# ---- free-slot search --------------------------------------------------------------------


def _ceil_to_grid(when: dt.datetime, slot: int) -> dt.datetime:
    midnight = dt.datetime.combine(when.date(), dt.time())
    minutes = -(-(when - midnight) // dt.timedelta(minutes=slot))  # ceiling division
    return midnight + dt.timedelta(minutes=minutes * slot)


def next_free(
    s: Session, provider_id: int, minutes: int, begin: dt.datetime, slot: int
) -> dt.datetime | None:
    """The first slot-aligned start at or after ``begin`` in the provider's hours that is
    free of appointments and blocks, searching SEARCH_DAYS days (three queries in all)."""
    horizon = begin + dt.timedelta(days=SEARCH_DAYS)
    hours = by_weekday(hours_of(s, [provider_id]))
    if not hours:
        return None
    busy = [
        (start, start + dt.timedelta(minutes=length))
        for start, length in s.execute(
            select(Appointment.start_at, Appointment.duration_min).where(
                Appointment.provider_id == provider_id,
                *overlapping(begin, horizon + dt.timedelta(days=1)),
                Appointment.status.not_in(FREE_STATUSES),
            )
        )
    ]
    busy += [
        (b.start_at, b.end_at)
        for b in blocks_in(s, [provider_id], [(begin, horizon + dt.timedelta(days=1))])
    ]
    busy.sort()
    length = dt.timedelta(minutes=minutes)
    day = begin.date()
    while day <= horizon.date():
        for h in hours.get(day.weekday(), []):
            close = dt.datetime.combine(day, h.end)
            if close <= begin:
                continue
            opens = max(begin, dt.datetime.combine(day, h.start))
            busy = [x for x in busy if x[1] > opens]  # what has ended can never clash again
            today = [x for x in busy if x[0] < close]
            when = _ceil_to_grid(opens, slot)
            while when + length <= close:
                clash = [e for b, e in today if b < when + length and e > when]
                if not clash:
                    return when
                when = _ceil_to_grid(max(clash), slot)  # jump past what is in the way
        day += dt.timedelta(days=1)
    return None
