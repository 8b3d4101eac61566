"""Chart PDFs that leave the practice: the referral packet, the full chart, chosen sections.

Building a PDF (for the preview) reads the chart the user already has open and is not
audited; the export itself is, when it leaves the app: ``record_export`` writes the audit
row (what kind, which sections, how many notes, where it went: no clinical values) and,
for a referral, records the referral on the chart as sent, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from emr_desktop.domain.clinical import ReferralStatus
from emr_desktop.domain.exports import (
    ALL_SECTIONS,
    DESTINATIONS,
    ChartPacket,
    ChartSection,
    Destination,
    ExportKind,
    ExportRequest,
    ExportResult,
)
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ValidationError
from emr_desktop.persistence.database import Database
from emr_desktop.reports.chart_packet import build_chart_packet
from emr_desktop.security.permissions import require
from emr_desktop.services.chart.summary import RECENT_LABS, load_summary
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.chart_access import chart_read
from emr_desktop.services.common.records import get_patient
from emr_desktop.services.exchange import loading as load
from emr_desktop.services.exchange.referrals import add_referral
from emr_desktop.services.patients.registry import details
from emr_desktop.services.practice.details import load_details

Progress = Callable[[int, str], None]


def default_file_name(kind: ExportKind, mrn: str, day: dt.date) -> str:
    """'chart-1234567-8-2026-11-23.pdf': the MRN and the date, never the patient's name."""
    safe = "".join(c for c in mrn if c.isalnum() or c == "-")
    return f"{kind.value}-{safe}-{day.isoformat()}.pdf"


def effective_sections(request: ExportRequest) -> frozenset[ChartSection]:
    """A full chart export has every section whatever was ticked."""
    return ALL_SECTIONS if request.kind is ExportKind.CHART else frozenset(request.sections)


class ExportService:
    """Build chart PDFs and record them when printed, saved or e-mailed."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def build_pdf(
        self,
        actor: Actor,
        patient_id: int,
        request: ExportRequest,
        progress: Progress | None = None,
    ) -> ExportResult:
        """The PDF the request describes (for a preview, a printer or a file)."""
        require(actor, Permission.CHART_EXPORT)
        request = load.check_request(request)
        tell = progress or (lambda _p, _m: None)
        tell(0, "Loading the chart…")
        packet = self._packet(actor, patient_id, request)
        tell(10, "Laying out the pages…")

        def layout(percent: int) -> None:
            tell(10 + percent * 85 // 100, "Laying out the pages…")

        pdf, pages = build_chart_packet(
            packet, password=request.password or None, pdf_a=request.pdf_a, progress=layout
        )
        tell(100, "Done")
        name = default_file_name(request.kind, packet.patient.mrn, packet.generated_at.date())
        return ExportResult(pdf=pdf, file_name=name, pages=pages)

    def _packet(self, actor: Actor, patient_id: int, request: ExportRequest) -> ChartPacket:
        sections = effective_sections(request)
        everything = request.kind is ExportKind.CHART
        now = dt.datetime.now().astimezone()
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id)
            summary = load_summary(s, patient.id)
            notes = (
                load.load_notes(s, patient.id, request) if ChartSection.NOTES in sections else ()
            )
            packet = ChartPacket(
                kind=request.kind,
                practice=load_details(s),
                patient=details(s, patient),
                summary=summary,
                sections=sections,
                vitals=(
                    load.load_vitals(s, patient.id, everything=everything)
                    if ChartSection.VITALS in sections
                    else ()
                ),
                labs=(
                    load.load_all_labs(s, patient.id)
                    if everything and ChartSection.LABS in sections
                    else load.whole_draws(summary.recent_labs, RECENT_LABS)
                ),
                notes=notes,
                notes_scope=load.notes_scope(request),
                generated_at=now,
                referral=load.referral_letter(s, actor, patient.id, request, now.date()),
                attachments=load.load_attachments(s, patient.id, request.include_documents),
            )
            return chart_read(s, actor, patient.id, f"{request.kind.value} pdf built", packet)

    def record_export(
        self,
        actor: Actor,
        patient_id: int,
        request: ExportRequest,
        destination: Destination,
    ) -> int | None:
        """Audit an export that left the app; a referral is recorded on the chart as sent.

        Returns the referral's id (a new one when the referral was written in the export
        dialog), so printing again updates it instead of adding another.
        """
        require(actor, Permission.CHART_EXPORT)
        if destination not in DESTINATIONS:
            raise ValidationError("destination", "must be print, file or email")
        request = load.check_request(request)
        if request.kind is ExportKind.REFERRAL:
            require(actor, Permission.REFERRAL_MANAGE)
        sections = effective_sections(request)
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=request.kind is ExportKind.REFERRAL)
            pid = patient.id
            referral_id = self._mark_sent(s, actor, pid, request)
            notes = load.count_notes(s, pid, request) if ChartSection.NOTES in sections else 0
            audit: dict[str, object] = {
                "kind": request.kind.value,
                "sections": sorted(x.value for x in sections),
                "notes": notes,
                "documents": len(request.include_documents),
                "destination": destination,
                "password": bool(request.password),
                "pdf_a": request.pdf_a,
            }
            if referral_id is not None:
                audit["referral_id"] = referral_id
            record(
                s,
                actor,
                "chart_export",
                entity="patient",
                entity_id=pid,
                patient_id=pid,
                details=audit,
            )
            return referral_id

    def _mark_sent(
        self, s: Session, actor: Actor, patient_id: int, request: ExportRequest
    ) -> int | None:
        """Record the referral as sent today (a new one, or the existing one moved on)."""
        if request.kind is not ExportKind.REFERRAL:
            return None
        today = dt.date.today()
        if request.referral is not None:
            return add_referral(s, actor, patient_id, request.referral, sent_date=today).id
        assert request.referral_id is not None
        r = load.existing_referral(s, patient_id, request.referral_id)
        if r.status is ReferralStatus.DRAFT:
            r.status = ReferralStatus.SENT
            r.sent_date = today
            record(
                s,
                actor,
                "referral_status",
                entity="referral",
                entity_id=r.id,
                patient_id=patient_id,
                details={"from": "draft", "to": "sent"},
            )
        return r.id
