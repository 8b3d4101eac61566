"""`emr-admin export pdf`: a patient's chart, chosen sections or referral packet as a PDF."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

from emr_desktop.cli import billing
from emr_desktop.cli.common import Context, UsageError, out, path_arg
from emr_desktop.domain.clinical import ReferralStatus
from emr_desktop.domain.exports import (
    REFERRAL_NOTE_DAYS,
    ChartSection,
    ExportKind,
    ExportRequest,
)
from emr_desktop.services.exchange.exports import ExportService
from emr_desktop.services.exchange.referrals import ReferralService
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.prescribing.printing import RxPrintingService

MEDICATIONS = "medications"  # the prescribing module's medication list, not a chart export
_OPEN = (ReferralStatus.DRAFT, ReferralStatus.SENT, ReferralStatus.SCHEDULED)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


def _progress(percent: int, message: str) -> None:
    print(f"\r{message} {percent}%   ", end="", file=sys.stderr, flush=True)
    if percent >= 100:
        print(file=sys.stderr, flush=True)


def _referral_id(ctx: Context, patient_id: int) -> int:
    """The referral named by --referral, else the patient's newest open one."""
    if ctx.args.referral is not None:
        return int(ctx.args.referral)
    for r in ReferralService(ctx.db).list(ctx.actor, patient_id):
        if r.status in _OPEN:
            return r.id
    raise UsageError(
        "This patient has no open referral: write one in the chart first, or pass --referral ID."
    )


def request_from_args(ctx: Context, patient_id: int) -> ExportRequest:
    """The export request the command line describes."""
    a = ctx.args
    kind = ExportKind(a.kind)
    password = None
    if a.password_env:
        password = os.environ.get(a.password_env)
        if not password:
            raise UsageError(f"--password-env names {a.password_env}, which is not set.")
    if password and a.pdf_a:
        raise UsageError("--pdf-a and a password cannot go together: PDF/A forbids encryption.")
    sections = frozenset(ChartSection(x) for x in a.sections) if a.sections else None
    if kind is ExportKind.CHART and sections is not None:
        kind = ExportKind.SECTIONS  # a chart export with chosen sections is a sections export
    since = a.notes_since
    if since is None and kind is ExportKind.REFERRAL:
        since = dt.date.today() - dt.timedelta(days=REFERRAL_NOTE_DAYS)
    return ExportRequest(
        kind=kind,
        sections=sections if sections is not None else frozenset(ChartSection),
        notes_from=since,
        notes_to=a.notes_until,
        referral_id=_referral_id(ctx, patient_id) if kind is ExportKind.REFERRAL else None,
        password=password,
        pdf_a=a.pdf_a,
    )


def _medication_list(ctx: Context, patient_id: int) -> int:
    """The patient's medication list (the prescribing module's PDF; it audits itself)."""
    a = ctx.args
    if a.sections or a.password_env or a.pdf_a or a.referral is not None:
        raise UsageError("--kind medications takes no --sections, password, PDF/A or referral.")
    result = RxPrintingService(ctx.db).medication_list_pdf(ctx.actor, patient_id)
    a.out.write_bytes(result.pdf)
    out(f"Wrote {a.out}: {result.pages} pages (medications)")
    return 0


def cmd_export_pdf(ctx: Context) -> int:
    """Build the PDF, write it to --out and record the export (audit, referral sent)."""
    a = ctx.args
    patient = PatientService(ctx.db).by_mrn(ctx.actor, a.patient)
    if a.kind == MEDICATIONS:
        return _medication_list(ctx, patient.id)
    if a.kind in billing.KINDS:
        return billing.export_billing_pdf(ctx, patient.id)
    request = request_from_args(ctx, patient.id)
    service = ExportService(ctx.db)
    progress = _progress if sys.stderr is not None and sys.stderr.isatty() else None
    result = service.build_pdf(ctx.actor, patient.id, request, progress)
    a.out.write_bytes(result.pdf)
    service.record_export(ctx.actor, patient.id, request, "file")
    what = request.kind.value + (", password-protected" if request.password else "")
    what += ", PDF/A-2b" if request.pdf_a else ""
    out(f"Wrote {a.out}: {result.pages} pages ({what})")
    return 0


def add_pdf_command(export_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `export pdf` to the `export` command group."""
    p = export_subparsers.add_parser(
        "pdf", help="a patient's chart, chosen sections or referral packet as a PDF"
    )
    p.add_argument("--patient", required=True, metavar="MRN", help="the patient's MRN")
    p.add_argument("--out", required=True, type=path_arg, metavar="FILE", help="the PDF to write")
    p.add_argument(
        "--kind",
        choices=[ExportKind.CHART.value, ExportKind.REFERRAL.value, MEDICATIONS, *billing.KINDS],
        default=ExportKind.CHART.value,
        help="chart (default), referral (cover letter + chart), medications (the list), "
        "statement or superbill (billing)",
    )
    p.add_argument("--visit", type=int, metavar="ID", help="the superbill's visit (default latest)")
    p.add_argument(
        "--sections",
        nargs="+",
        choices=[s.value for s in ChartSection],
        metavar="SECTION",
        help="only these sections: " + " ".join(s.value for s in ChartSection),
    )
    p.add_argument("--notes-since", type=_day, metavar="DATE", help="visit notes from this date")
    p.add_argument("--notes-until", type=_day, metavar="DATE", help="visit notes up to this date")
    p.add_argument(
        "--referral", type=int, metavar="ID", help="the referral (default: the newest open one)"
    )
    p.add_argument(
        "--password-env", metavar="VAR", help="lock the PDF with the password in this variable"
    )
    p.add_argument("--pdf-a", action="store_true", help="PDF/A-2b for archiving (no password)")
    p.add_argument("--user", default=argparse.SUPPRESS, help="acting user (may also come first)")
    p.set_defaults(func=cmd_export_pdf)
