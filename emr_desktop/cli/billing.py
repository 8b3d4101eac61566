"""`emr-admin billing ...`: the fee schedule, a patient's ledger, statements in a batch;
and the billing kinds of `export pdf` (statement, superbill). Output formats are a contract:

    billing fees                    CODE<TAB>description<TAB>price
    billing ledger --patient MRN    YYYY-MM-DD<TAB>charge|payment|adjustment<TAB>code or
                                    method<TAB>amount per entry, then balance<TAB>amount
"""

from __future__ import annotations

import argparse
import sys
from typing import TypeAlias

from emr_desktop.cli.common import Context, UsageError, out, path_arg
from emr_desktop.domain.money import money_text
from emr_desktop.services.billing.documents import BillingDocuments
from emr_desktop.services.billing.fees import FeeService
from emr_desktop.services.billing.ledger import LedgerService

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
STATEMENT = "statement"
SUPERBILL = "superbill"
KINDS = (STATEMENT, SUPERBILL)


def _clean(text: str) -> str:
    """One field of a tab-separated line (no tabs or line breaks inside)."""
    return " ".join(text.split())


def cmd_fees(ctx: Context) -> int:
    """Print the fee schedule with today's prices."""
    for fee in FeeService(ctx.db).list(ctx.actor, include_inactive=ctx.args.all):
        out(f"{fee.code}\t{_clean(fee.description)}\t{money_text(fee.price_cents)}")
    return 0


def cmd_ledger(ctx: Context) -> int:
    """Print a patient's ledger, one entry a line, then the balance."""
    ledger = LedgerService(ctx.db).ledger_by_mrn(ctx.actor, ctx.args.patient)
    for e in ledger.entries:
        out(
            f"{e.entry_date.isoformat()}\t{e.category}\t{_clean(e.code_or_method)}\t"
            f"{money_text(e.shown_cents)}"
        )
    out(f"balance\t{money_text(ledger.balance_cents)}")
    return 0


def _progress(done: int, total: int) -> None:
    print(f"\rStatements: {done:,} of {total:,}", end="", file=sys.stderr, flush=True)
    if done >= total:
        print(file=sys.stderr, flush=True)


def cmd_statements(ctx: Context) -> int:
    """Write one PDF with the statement of every patient owing more than --above."""
    watching = sys.stderr is not None and sys.stderr.isatty()
    result = BillingDocuments(ctx.db).statements_batch(
        ctx.actor, ctx.args.above, _progress if watching else None
    )
    ctx.args.out.write_bytes(result.pdf)
    out(f"Wrote {ctx.args.out}: {result.pages} pages (statements)")
    return 0


def export_billing_pdf(ctx: Context, patient_id: int) -> int:
    """`export pdf --kind statement|superbill`: the audit row is committed, then the file."""
    a = ctx.args
    if a.sections or a.password_env or a.pdf_a or a.referral is not None:
        raise UsageError(f"--kind {a.kind} takes no --sections, password, PDF/A or referral.")
    docs = BillingDocuments(ctx.db)
    if a.kind == STATEMENT:
        if a.visit is not None:
            raise UsageError("--visit goes with --kind superbill only.")
        result = docs.statement(ctx.actor, patient_id)
    else:
        result = docs.superbill(ctx.actor, patient_id, a.visit)
    a.out.write_bytes(result.pdf)
    out(f"Wrote {a.out}: {result.pages} pages ({a.kind})")
    return 0


def register(sub: SubParsers) -> None:
    """Add the `billing` command group."""
    from emr_desktop.cli.billing_reports import add_report_commands

    billing = sub.add_parser("billing", help="fee schedule, ledgers, statements, billing reports")
    bsub = billing.add_subparsers(dest="billing_command", metavar="COMMAND")
    bsub.required = True
    p = bsub.add_parser("fees", help="the fee schedule: CODE, description, price")
    p.add_argument("--all", action="store_true", help="include retired services")
    p.add_argument("--user", default=argparse.SUPPRESS, help="acting user (may also come first)")
    p.set_defaults(func=cmd_fees)
    p = bsub.add_parser("ledger", help="a patient's ledger and balance")
    p.add_argument("--patient", required=True, metavar="MRN", help="the patient's MRN")
    p.add_argument("--user", default=argparse.SUPPRESS, help="acting user (may also come first)")
    p.set_defaults(func=cmd_ledger)
    p = bsub.add_parser("statements", help="statements of every balance above an amount")
    p.add_argument("--above", required=True, metavar="AMOUNT", help="e.g. 25.00")
    p.add_argument("--out", required=True, type=path_arg, metavar="FILE", help="the PDF to write")
    p.add_argument("--user", default=argparse.SUPPRESS, help="acting user (may also come first)")
    p.set_defaults(func=cmd_statements)
    add_report_commands(bsub)
