"""emr-admin report ...: the practice's numbers as TSV (a header line starting with #)."""

from __future__ import annotations

import argparse
import datetime as dt

from emr_desktop.cli.common import Context, UsageError, out
from emr_desktop.domain.insights import ReportPeriod
from emr_desktop.services.insights.reports import ReportService


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


def _period(ctx: Context) -> ReportPeriod:
    a = ctx.args
    if a.to < a.start:
        raise UsageError("--to must not be before --from.")
    return ReportPeriod(a.start, a.to)


def cmd_no_shows(ctx: Context) -> int:
    """username TAB booked TAB no_shows TAB rate (percent, one decimal), per provider."""
    for row in ReportService(ctx.db).no_shows(ctx.actor, _period(ctx)):
        out(f"{row.username}\t{row.booked}\t{row.no_shows}\t{row.rate:.1f}")
    return 0


def cmd_visits(ctx: Context) -> int:
    """username TAB visits TAB patients, per provider."""
    for row in ReportService(ctx.db).visits(ctx.actor, _period(ctx)):
        out(f"{row.username}\t{row.visits}\t{row.patients}")
    return 0


def cmd_recalls_due(ctx: Context) -> int:
    """kind TAB what TAB due TAB overdue_30_days, per recall kind."""
    for row in ReportService(ctx.db).recalls_due(ctx.actor, ctx.args.on):
        out(f"{row.detail}\t{row.label}\t{row.count}\t{row.second}")
    return 0


def cmd_results_pending(ctx: Context) -> int:
    """username TAB results_to_review TAB orders_pending TAB orders_overdue, per physician."""
    for row in ReportService(ctx.db).results_pending(ctx.actor, ctx.args.on):
        out(f"{row.label}\t{row.count}\t{row.second}\t{row.detail}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``report no-shows|visits|recalls-due|results-pending``."""
    group = sub.add_parser("report", help="practice reports as TSV (counts only)")
    reports = group.add_subparsers(dest="report_cmd", metavar="REPORT")
    reports.required = True
    ranged = (
        ("no-shows", cmd_no_shows, "username TAB booked TAB no_shows TAB rate per provider"),
        ("visits", cmd_visits, "username TAB visits TAB patients per provider"),
    )
    for name, func, text in ranged:
        p = reports.add_parser(name, help=text)
        p.add_argument("--from", dest="start", type=_day, required=True, metavar="YYYY-MM-DD")
        p.add_argument("--to", type=_day, required=True, metavar="YYYY-MM-DD")
        p.add_argument("--user", default=argparse.SUPPRESS, help="acting user")
        p.set_defaults(func=func)
    today = dt.date.today()
    dated = (
        ("recalls-due", cmd_recalls_due, "kind TAB what TAB due TAB overdue by 30+ days"),
        (
            "results-pending",
            cmd_results_pending,
            "username TAB results to review TAB orders pending TAB orders overdue",
        ),
    )
    for name, func, text in dated:
        p = reports.add_parser(name, help=text)
        p.add_argument("--on", type=_day, default=today, metavar="YYYY-MM-DD", help="(today)")
        p.add_argument("--user", default=argparse.SUPPRESS, help="acting user")
        p.set_defaults(func=func)
