"""`emr-admin billing report takings|charges|aging`: the billing reports as CSV on the
screen or in a file (--csv FILE)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TypeAlias

from emr_desktop.cli.common import Context, out, path_arg
from emr_desktop.services.billing import reports as r

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


def cmd_report(ctx: Context) -> int:
    """Run one report; print it as CSV, or write it to --csv."""
    a = ctx.args
    service = r.BillingReports(ctx.db)
    today = dt.date.today()
    if a.report == "takings":
        text = r.takings_csv(service.takings(ctx.actor, a.day or today))
    elif a.report == "charges":
        start = a.date_from or today.replace(day=1)
        text = r.charges_csv(service.charges(ctx.actor, start, a.date_to or today))
    else:
        text = r.aging_csv(service.aging(ctx.actor, a.day or today))
    if a.csv is not None:
        a.csv.write_text(text, encoding="utf-8")
        out(f"Wrote {a.csv}: {text.count(chr(10)) - 1} rows ({a.report})")
    else:
        for line in text.splitlines():
            out(line)
    return 0


def add_report_commands(bsub: SubParsers) -> None:
    """Add `billing report`."""
    p = bsub.add_parser("report", help="close-out takings, charges by provider, aging")
    p.add_argument("report", choices=["takings", "charges", "aging"])
    p.add_argument("--day", type=_day, metavar="DATE", help="takings day / aging as of (today)")
    p.add_argument("--from", dest="date_from", type=_day, metavar="DATE", help="charges from")
    p.add_argument("--to", dest="date_to", type=_day, metavar="DATE", help="charges up to")
    p.add_argument("--csv", type=path_arg, metavar="FILE", help="write CSV to this file")
    p.add_argument("--user", default=argparse.SUPPRESS, help="acting user (may also come first)")
    p.set_defaults(func=cmd_report)
