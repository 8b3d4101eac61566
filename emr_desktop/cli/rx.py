"""emr-admin rx: prescribing safety from the command line (``rx check``)."""

from __future__ import annotations

import argparse

from emr_desktop.cli.common import Context, out
from emr_desktop.services.prescribing.what_if import WhatIfService


def cmd_rx_check(ctx: Context) -> int:
    """Print SEVERITY TAB KIND TAB message for each alert; nothing means no alert."""
    a = ctx.args
    alerts = WhatIfService(ctx.db).check_drug(
        ctx.actor, a.patient, a.drug, dose_mg=a.dose_mg, times=a.times, per=a.per
    )
    for alert in alerts:
        out(f"{alert.severity}\t{alert.kind}\t{alert.message}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the rx commands to the emr-admin parser."""
    rx = sub.add_parser("rx", help="prescribing safety checks").add_subparsers(dest="rx_cmd")
    rx.required = True
    p = rx.add_parser(
        "check",
        help="every safety check as if DRUG were prescribed: SEVERITY TAB KIND TAB message",
    )
    p.add_argument("--patient", required=True, metavar="MRN", help="the patient's MRN")
    p.add_argument("--drug", required=True, metavar="TEXT", help="the drug, as it would be typed")
    p.add_argument("--dose-mg", metavar="X", help="one dose, in mg")
    p.add_argument("--times", metavar="N", help="doses per --per")
    p.add_argument("--per", choices=("day", "week"), default="day", help="day (default) or week")
    p.add_argument("--user", default=argparse.SUPPRESS, help="acting user (may also come first)")
    p.set_defaults(func=cmd_rx_check)
