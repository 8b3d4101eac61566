"""emr-admin commands about patients: make the demo practice, search patients."""

from __future__ import annotations

import argparse
import sys
import time

from emr_desktop.cli.common import Context, UsageError, out
from emr_desktop.demo.build import (
    DEFAULT_PATIENTS,
    DEFAULT_SEED,
    DEMO_USERS,
    create_demo_practice,
)
from emr_desktop.domain.patients import PatientSummary
from emr_desktop.paths import data_dir
from emr_desktop.services.patients.registry import PatientService

DEFAULT_LIMIT = 50


class _Progress:
    """One status line on a terminal's stderr, rewritten as chunks of patients are done."""

    def __init__(self) -> None:
        self._started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        seconds = time.monotonic() - self._started
        print(f"\rPatients: {done:,} of {total:,} ({seconds:.0f} s)", end="", file=sys.stderr)
        if done >= total:
            print(file=sys.stderr, flush=True)


def cmd_demo(ctx: Context) -> int:
    """Create the demo practice, filled with made-up patients, in an empty data directory."""
    a = ctx.args
    if a.patients < 1:
        raise UsageError("--patients must be at least 1.")
    root = data_dir(a.data_dir)
    progress = _Progress() if sys.stderr is not None and sys.stderr.isatty() else None
    db = create_demo_practice(root, patients=a.patients, seed=a.seed, progress=progress)
    db.dispose()
    out(f"Demo practice created in {root}: {a.patients} patients (seed {a.seed})")
    out("Users: " + ", ".join(f"{u.username} ({u.role.value})" for u in DEMO_USERS))
    out(
        "The demo password and practice passphrase are in README.md (Quick start); "
        "EMR_PASSWORD and EMR_DB_PASSPHRASE, when set, were used instead."
    )
    return 0


def cmd_patients_search(ctx: Context) -> int:
    """Print MRN TAB family name TAB given name TAB date of birth, best match first; with
    --include-inactive an inactive (or deceased) record has a fifth column saying so."""
    a = ctx.args
    if a.limit < 0:
        raise UsageError("--limit must be 0 (no limit) or more.")
    found = PatientService(ctx.db).search(
        ctx.actor, a.query, limit=a.limit, include_inactive=a.include_inactive
    )
    for p in found:
        line = f"{p.mrn}\t{p.family_name}\t{p.given_name}\t{p.birth_date.isoformat()}"
        out(line if p.active else f"{line}\t{inactive_word(p)}")
    return 0


def inactive_word(p: PatientSummary) -> str:
    """'deceased YYYY-MM-DD' or 'inactive', as lists mark a record that is not active."""
    return f"deceased {p.deceased_on.isoformat()}" if p.deceased_on else "inactive"


def _user_opt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", default=argparse.SUPPRESS, help="acting user (may also come first)")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's commands to the emr-admin parser."""
    p = sub.add_parser("demo", help="create the demo practice with made-up patients")
    p.add_argument(
        "--patients", type=int, default=DEFAULT_PATIENTS, help="how many (default %(default)s)"
    )
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="the same seed makes the same practice"
    )
    p.set_defaults(func=cmd_demo)

    patients = sub.add_parser("patients", help="find patients").add_subparsers(dest="patients_cmd")
    patients.required = True
    p = patients.add_parser(
        "search", help="MRN TAB family TAB given TAB date of birth, best match first"
    )
    p.add_argument("query", nargs="?", default="", help="name words, date of birth, phone or MRN")
    p.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="at most this many (0: all)")
    p.add_argument(
        "--include-inactive",
        action="store_true",
        help="also inactive and deceased patients (marked in a fifth column)",
    )
    _user_opt(p)
    p.set_defaults(func=cmd_patients_search)
