"""The export service as the practice relies on it: who may export, what the audit log
says (and does not say), referrals recorded as sent, file names without names, the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pypdf
import pytest
from conftest import STAFF_PASSWORD, Clinic
from sqlalchemy import event
from test_chart_packet_pdf import NAME, REFERRAL, full_chart, pages_text, register, signed_note
from test_foundation_support import audit_head_id, audit_rows, run_cli

from emr_desktop.domain.clinical import ReferralStatus
from emr_desktop.domain.exports import ChartSection, ExportKind, ExportRequest
from emr_desktop.domain.sections import ReferralInput
from emr_desktop.errors import PermissionDenied, ValidationError
from emr_desktop.services.chart.notes import NoteService
from emr_desktop.services.common.chart_access import READ_ACTIONS
from emr_desktop.services.exchange.exports import ExportService, default_file_name
from emr_desktop.services.exchange.referrals import ReferralService


def test_receptionist_may_not_build_or_record_an_export(clinic: Clinic) -> None:
    pid, _ = register(clinic, "Desk", "Refused")
    svc = ExportService(clinic.db)
    request = ExportRequest(ExportKind.CHART)
    with pytest.raises(PermissionDenied):
        svc.build_pdf(clinic.desk, pid, request)
    with pytest.raises(PermissionDenied):
        svc.record_export(clinic.desk, pid, request, "print")
    svc.build_pdf(clinic.nurse, pid, request)  # nurses export charts


def test_default_file_name_has_mrn_and_date_never_the_name(clinic: Clinic) -> None:
    pid, mrn = register(clinic, "Zoë", "Ångström-Øyelaran")
    result = ExportService(clinic.db).build_pdf(clinic.doctor, pid, ExportRequest(ExportKind.CHART))
    today = dt.date.today().isoformat()
    assert result.file_name == f"chart-{mrn}-{today}.pdf"
    assert "Zo" not in result.file_name and "ngstr" not in result.file_name
    assert default_file_name(ExportKind.REFERRAL, "1234567-8", dt.date(2026, 11, 23)) == (
        "referral-1234567-8-2026-11-23.pdf"
    )


def test_print_and_file_exports_are_audited_without_clinical_values(clinic: Clinic) -> None:
    chart = full_chart(clinic)
    svc = ExportService(clinic.db)
    sections = frozenset({ChartSection.ALLERGIES, ChartSection.NOTES})
    request = ExportRequest(ExportKind.SECTIONS, sections=sections)
    head = audit_head_id(clinic.db)
    svc.record_export(clinic.doctor, chart.patient_id, request, "print")
    svc.record_export(clinic.nurse, chart.patient_id, request, "file")
    rows = audit_rows(clinic.db, head)
    assert [r.action for r in rows] == ["chart_export", "chart_export"]
    assert all(r.patient_id == chart.patient_id for r in rows)
    first, second = (json.loads(r.details) for r in rows)
    assert first["destination"] == "print" and second["destination"] == "file"
    assert first["kind"] == "sections"
    assert first["sections"] == ["allergies", "notes"]
    assert first["notes"] == 2
    text = json.dumps([r.details for r in rows])
    assert "Penicillin" not in text and NAME not in text
    with pytest.raises(ValidationError):
        svc.record_export(clinic.doctor, chart.patient_id, request, "fax")  # type: ignore[arg-type]


def test_a_referral_written_in_the_dialog_is_recorded_as_sent(clinic: Clinic) -> None:
    pid, _ = register(clinic, "Referred", "Patient")
    svc = ExportService(clinic.db)
    request = ExportRequest(ExportKind.REFERRAL, referral=REFERRAL)
    head = audit_head_id(clinic.db)
    referral_id = svc.record_export(clinic.doctor, pid, request, "print")
    [row] = ReferralService(clinic.db).list(clinic.doctor, pid)
    assert row.id == referral_id
    assert (row.to_name, row.to_specialty, row.status) == (
        "Dr. Amélie Durand",
        "Nephrology",
        ReferralStatus.SENT,
    )
    assert row.sent_date == dt.date.today()
    assert row.referring_provider == "Drgrey"
    rows = [r for r in audit_rows(clinic.db, head) if r.action not in READ_ACTIONS]
    assert [r.action for r in rows] == ["referral_create", "chart_export"]
    details = json.loads(rows[1].details)
    assert details["referral_id"] == referral_id and details["kind"] == "referral"
    assert "eGFR" not in json.dumps([r.details for r in rows])  # the reason is clinical


def test_an_existing_draft_referral_moves_to_sent(clinic: Clinic) -> None:
    pid, _ = register(clinic, "Draft", "Referral")
    draft = ReferralService(clinic.db).create(clinic.doctor, pid, REFERRAL)
    svc = ExportService(clinic.db)
    request = ExportRequest(ExportKind.REFERRAL, referral_id=draft.id)
    text = " ".join(pages_text(svc.build_pdf(clinic.nurse, pid, request).pdf))
    assert "Dr. Amélie Durand" in text and "Drgrey" in text  # signed by the referring doctor
    svc.record_export(clinic.nurse, pid, request, "email")
    [row] = ReferralService(clinic.db).list(clinic.doctor, pid)
    assert row.status is ReferralStatus.SENT and row.sent_date == dt.date.today()


def test_a_referral_export_needs_a_referral_and_valid_fields(clinic: Clinic) -> None:
    pid, _ = register(clinic, "No", "Referral")
    svc = ExportService(clinic.db)
    with pytest.raises(ValidationError) as err:
        svc.build_pdf(clinic.doctor, pid, ExportRequest(ExportKind.REFERRAL))
    assert err.value.field == "referral"
    blank = ReferralInput(to_name="", to_specialty="Cardiology", reason="Chest pain")
    with pytest.raises(ValidationError) as err:
        svc.record_export(
            clinic.doctor, pid, ExportRequest(ExportKind.REFERRAL, referral=blank), "print"
        )
    assert err.value.field == "specialist"
    assert ReferralService(clinic.db).list(clinic.doctor, pid) == []


def _cli(clinic: Clinic, monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    """Run `emr-admin --user drgrey ...` in this process, against the clinic."""
    root = clinic.practice.root
    return run_cli(monkeypatch, root, "--user", "drgrey", *argv, password=STAFF_PASSWORD)


def test_cli_export_pdf_writes_a_valid_file_and_records_it(
    clinic: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart = full_chart(clinic)
    out = tmp_path / "packet.pdf"
    head = audit_head_id(clinic.db)
    assert (
        _cli(clinic, monkeypatch, "export", "pdf", "--patient", chart.mrn, "--out", str(out)) == 0
    )
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    assert NAME in reader.pages[0].extract_text()
    exports = [r for r in audit_rows(clinic.db, head) if r.action == "chart_export"]
    assert [json.loads(r.details)["destination"] for r in exports] == ["file"]

    monkeypatch.setenv("PDF_PW", "export-secret-9")
    locked = tmp_path / "locked.pdf"
    argv = ["export", "pdf", "--patient", chart.mrn, "--out", str(locked)]
    assert (
        _cli(clinic, monkeypatch, *argv, "--sections", "allergies", "--password-env", "PDF_PW") == 0
    )
    reader = pypdf.PdfReader(locked)
    assert reader.is_encrypted and reader.decrypt("export-secret-9")

    meds = tmp_path / "meds.pdf"
    argv = ["export", "pdf", "--patient", chart.mrn, "--out", str(meds), "--kind", "medications"]
    assert _cli(clinic, monkeypatch, *argv) == 0
    # Tall-man lettering for the look-alike name (FDA/ISMP list), as on every printout.
    assert "metFORMIN" in " ".join(p.extract_text() for p in pypdf.PdfReader(meds).pages)


def test_cli_referral_packet_uses_the_newest_open_referral_and_marks_it_sent(
    clinic: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid, mrn = register(clinic, "Cli", "Referral")
    out = tmp_path / "referral.pdf"
    argv = ["export", "pdf", "--patient", mrn, "--out", str(out), "--kind", "referral"]
    assert _cli(clinic, monkeypatch, *argv) == 2  # no referral yet: a usage error
    ReferralService(clinic.db).create(clinic.doctor, pid, REFERRAL)
    assert _cli(clinic, monkeypatch, *argv) == 0
    assert "Nephrology" in pypdf.PdfReader(out).pages[0].extract_text()
    [row] = ReferralService(clinic.db).list(clinic.doctor, pid)
    assert row.status is ReferralStatus.SENT


def _queries(clinic: Clinic, call: Callable[[], object]) -> int:
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(clinic.db.engine, "before_cursor_execute", listen)
    try:
        call()
    finally:
        event.remove(clinic.db.engine, "before_cursor_execute", listen)
    return len(seen)


def test_building_runs_the_same_few_queries_however_long_the_chart(clinic: Clinic) -> None:
    svc = ExportService(clinic.db)
    notes = NoteService(clinic.db)
    counts = []
    for visits in (1, 8):
        pid, _ = register(clinic, "Query", f"Count{visits}")
        for k in range(visits):
            when = dt.datetime(2026, 1, 1 + k, 10, tzinfo=dt.UTC)
            note = signed_note(clinic, pid, when, f"Visit {k}.")
            notes.add_addendum(clinic.doctor, note, f"Addendum {k}.")
        request = ExportRequest(ExportKind.REFERRAL, referral=REFERRAL)
        counts.append(_queries(clinic, partial(svc.build_pdf, clinic.doctor, pid, request)))
    assert counts[0] == counts[1] < 40
