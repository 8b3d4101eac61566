"""emr-admin schedule: working hours, blocked time, booking and the day list (issue 14).

The forms and the tab-separated output are a contract that scripts and checks rely on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re

from emr_desktop.cli.common import Context, UsageError, out
from emr_desktop.domain.schedule import BookingRequest, SchedulingConflict
from emr_desktop.errors import EmrError, ValidationError
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.schedule.hours import parse_range
from emr_desktop.services.schedule.service import ScheduleService

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_KIND = "Follow-up"


def parse_at(field: str, text: str) -> dt.datetime:
    """'YYYY-MM-DD HH:MM' as a naive local time."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}", text.strip()):
            raise ValueError
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise ValidationError(field, f"{text!r} is not a time like 2026-03-02 09:30") from None


def parse_day(text: str) -> dt.date:
    """'YYYY-MM-DD' as a date."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError("date", f"{text!r} is not a date like 2026-03-02") from None


def _hhmm(t: dt.time | dt.datetime) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def cmd_hours_set(ctx: Context) -> int:
    """Replace one weekday's working ranges (none: not working that day)."""
    a = ctx.args
    ranges = [parse_range(r) for r in a.ranges or []]
    svc = ScheduleService(ctx.db)
    provider = svc.provider_named(ctx.actor, a.username)
    rows = svc.set_day_hours(ctx.actor, provider.id, DAYS.index(a.day), ranges)
    spans = "\t".join(f"{_hhmm(h.start)}-{_hhmm(h.end)}" for h in rows)
    out(f"{a.day}\t{spans}" if rows else f"{a.day}\tnot working")
    return 0


def cmd_hours_show(ctx: Context) -> int:
    """One line per working day: mon TAB 08:00-12:00 TAB 13:00-17:00."""
    svc = ScheduleService(ctx.db)
    provider = svc.provider_named(ctx.actor, ctx.args.username)
    by_day: dict[int, list[str]] = {}
    for h in svc.provider_hours(ctx.actor, provider.id):
        by_day.setdefault(h.weekday, []).append(f"{_hhmm(h.start)}-{_hhmm(h.end)}")
    for day, spans in sorted(by_day.items()):
        out("\t".join([DAYS[day], *spans]))
    return 0


def cmd_block(ctx: Context) -> int:
    """Block a provider's time (or the whole practice's with --practice); prints its id."""
    a = ctx.args
    start, end = parse_at("from", a.start), parse_at("to", a.end)
    svc = ScheduleService(ctx.db)
    if (a.username is None) == (not a.practice):
        raise UsageError("Name one provider, or give --practice for the whole practice.")
    provider_id = None if a.practice else svc.provider_named(ctx.actor, a.username).id
    out(str(svc.block_time(ctx.actor, provider_id, start, end, a.reason)))
    return 0


def cmd_book(ctx: Context) -> int:
    """Book one appointment; prints its id, or exits 1 naming the conflict."""
    a = ctx.args
    start = parse_at("at", a.at)
    svc = ScheduleService(ctx.db)
    provider = svc.provider_named(ctx.actor, a.provider)
    patient = PatientService(ctx.db).by_mrn(ctx.actor, a.patient)
    request = BookingRequest(
        patient_id=patient.id,
        provider_id=provider.id,
        start_at=start,
        duration_min=a.minutes,
        kind=a.kind,
        reason=a.reason,
    )
    try:
        row = svc.book(ctx.actor, request, override_reason=a.override_reason)
    except SchedulingConflict as err:
        words = " ".join(w.message for w in err.warnings)
        raise EmrError(f"Not booked: {words} Give --override-reason to book anyway.") from None
    out(str(row.id))
    return 0


def cmd_day(ctx: Context) -> int:
    """HH:MM TAB minutes TAB provider username TAB MRN TAB status, per appointment."""
    a = ctx.args
    day = parse_day(a.date)
    svc = ScheduleService(ctx.db)
    ids = None if a.provider is None else [svc.provider_named(ctx.actor, a.provider).id]
    view = svc.day(ctx.actor, day, ids)
    names = {p.id: p.username for p in view.providers}
    for r in sorted(view.appointments, key=lambda r: (r.start_at, names[r.provider_id], r.id)):
        if r.start_at.date() != day:
            continue
        out(
            f"{_hhmm(r.start_at)}\t{r.duration_min}\t{names[r.provider_id]}\t"
            f"{r.patient_mrn}\t{r.status.value}"
        )
    return 0


def _user_opt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", default=argparse.SUPPRESS, help="acting user (may also come first)")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `emr-admin schedule ...` to the parser."""
    sched = sub.add_parser("schedule", help="working hours, blocked time, booking, day list")
    cmds = sched.add_subparsers(dest="schedule_cmd", metavar="COMMAND")
    cmds.required = True

    hours = cmds.add_parser("hours", help="a provider's working hours").add_subparsers(
        dest="hours_cmd", metavar="COMMAND"
    )
    hours.required = True
    p = hours.add_parser("set", help="set one weekday's ranges (none: not working)")
    p.add_argument("username", help="the provider")
    p.add_argument("--day", required=True, choices=DAYS)
    p.add_argument("--ranges", nargs="*", metavar="HH:MM-HH:MM", default=[])
    _user_opt(p)
    p.set_defaults(func=cmd_hours_set)
    p = hours.add_parser("show", help="weekday TAB range TAB range ..., per working day")
    p.add_argument("username", help="the provider")
    _user_opt(p)
    p.set_defaults(func=cmd_hours_show)

    p = cmds.add_parser("block", help="block time (a day off, a meeting, a holiday)")
    p.add_argument("username", nargs="?", help="the provider (or --practice)")
    p.add_argument("--practice", action="store_true", help="block the whole practice")
    p.add_argument("--from", dest="start", required=True, metavar='"YYYY-MM-DD HH:MM"')
    p.add_argument("--to", dest="end", required=True, metavar='"YYYY-MM-DD HH:MM"')
    p.add_argument("--reason", required=True)
    _user_opt(p)
    p.set_defaults(func=cmd_block)

    p = cmds.add_parser("book", help="book one appointment; prints its id")
    p.add_argument("--provider", required=True, metavar="USER")
    p.add_argument("--patient", required=True, metavar="MRN")
    p.add_argument("--at", required=True, metavar='"YYYY-MM-DD HH:MM"')
    p.add_argument("--minutes", required=True, type=int)
    p.add_argument("--kind", default=DEFAULT_KIND, help="appointment type (default %(default)s)")
    p.add_argument("--reason", default="", help="reason for the visit, as the desk heard it")
    p.add_argument("--override-reason", help="book despite a conflict, for this reason")
    _user_opt(p)
    p.set_defaults(func=cmd_book)

    p = cmds.add_parser("day", help="HH:MM TAB minutes TAB provider TAB MRN TAB status")
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--provider", metavar="USER")
    _user_opt(p)
    p.set_defaults(func=cmd_day)
