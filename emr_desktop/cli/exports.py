"""`emr-admin export ...` and `emr-admin import ...`: charts out of and into the practice."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TypeAlias

from emr_desktop.cli.common import Context, UsageError, out, path_arg
from emr_desktop.cli.export_pdf import add_pdf_command
from emr_desktop.domain.interop import ImportOutcome, ImportResult
from emr_desktop.services.exchange.fhir import FhirService
from emr_desktop.services.patients.registry import PatientService

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class _Progress:
    """One status line on a terminal's stderr, rewritten as files or charts are done."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        seconds = time.monotonic() - self._started
        line = f"\r{self._what}: {done:,} of {total:,} ({seconds:.0f} s)"
        print(line, end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr, flush=True)


def _progress(what: str) -> _Progress | None:
    """Progress only when a person watches a terminal (never into a log or a pipe)."""
    return _Progress(what) if sys.stdout is not None and sys.stdout.isatty() else None


def cmd_export_fhir(ctx: Context) -> int:
    """Write one patient's Bundle to --out, or every patient's to --out DIR as MRN.json."""
    a = ctx.args
    service = FhirService(ctx.db)
    if a.all:
        if a.out.exists() and not a.out.is_dir():
            raise UsageError(f"--all writes one file per patient: {a.out} must be a folder.")
        a.out.mkdir(parents=True, exist_ok=True)
        count = 0
        for mrn, data in service.export_all(ctx.actor, _progress("Charts")):
            (a.out / f"{mrn}.json").write_bytes(data)
            count += 1
        out(f"Wrote {count} FHIR bundles to {a.out}")
        return 0
    if not a.patient:
        raise UsageError("Say which patient (--patient MRN) or --all.")
    patient = PatientService(ctx.db).by_mrn(ctx.actor, a.patient)
    data = service.export_patient(ctx.actor, patient.id)
    a.out.write_bytes(data)
    out(f"Wrote {a.out}: FHIR R4 bundle of MRN {patient.mrn} ({len(data):,} bytes)")
    return 0


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()) if n) or "nothing"


def _summary(r: ImportResult) -> list[str]:
    if r.outcome is ImportOutcome.FAILED:
        return [f"{r.source}: FAILED, nothing imported: {r.message}"]
    verb = "new patient" if r.outcome is ImportOutcome.IMPORTED else "matched existing patient"
    lines = [f"{r.source}: {verb} MRN {r.mrn}; added {_counts(r.added)}"]
    if r.already_present:
        lines.append(f"  already in the chart: {_counts(r.already_present)}")
    if r.skipped:
        lines.append(f"  skipped: {_counts(r.skipped)}")
    if r.possible_duplicates:
        lines.append(f"  check for duplicates: MRN {', '.join(r.possible_duplicates)}")
    return lines


def cmd_import_fhir(ctx: Context) -> int:
    """Import Bundle files; prints what each added, matched and skipped. Exit 1 if any failed."""
    missing = [p for p in ctx.args.files if not p.is_file()]
    if missing:
        raise UsageError(f"No such file: {missing[0]}")
    report = FhirService(ctx.db).import_files(ctx.actor, ctx.args.files, _progress("Files"))
    for r in report.results:
        for line in _summary(r):
            out(line)
    new, merged = report.count(ImportOutcome.IMPORTED), report.count(ImportOutcome.MERGED)
    failed = report.count(ImportOutcome.FAILED)
    out(f"{len(report.results)} files: {new} new patients, {merged} matched, {failed} failed")
    return 1 if failed else 0


def _user_opt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", default=argparse.SUPPRESS, help="acting user (may also come first)")


def register(sub: SubParsers) -> None:
    """Add the export and import command groups to the emr-admin parser."""
    export = sub.add_parser("export", help="export charts (FHIR, PDF)").add_subparsers(
        dest="export_cmd", metavar="FORMAT"
    )
    export.required = True
    p = export.add_parser("fhir", help="a chart (or every chart) as FHIR R4 Bundle JSON")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--patient", metavar="MRN", help="the patient's MRN")
    who.add_argument("--all", action="store_true", help="every patient, one MRN.json each")
    p.add_argument(
        "--out", required=True, type=path_arg, metavar="FILE|DIR", help="file (folder with --all)"
    )
    _user_opt(p)
    p.set_defaults(func=cmd_export_fhir)
    # Further export formats add themselves here, one line each.
    add_pdf_command(export)

    imports = sub.add_parser("import", help="import charts (FHIR)").add_subparsers(
        dest="import_cmd", metavar="FORMAT"
    )
    imports.required = True
    p = imports.add_parser("fhir", help="FHIR R4 Bundle JSON files, one patient each")
    p.add_argument("files", nargs="+", type=path_arg, metavar="FILE", help="bundle files")
    _user_opt(p)
    p.set_defaults(func=cmd_import_fhir)
