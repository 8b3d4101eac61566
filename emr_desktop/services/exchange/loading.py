"""Loading what a chart export prints, in a fixed handful of queries whatever the chart's
size: the summary's queries, then one each for vital signs, labs, notes (with their
addenda), user names, documents, the referral and its physician."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload, undefer

from emr_desktop.domain.chart import LabRow, Note, VitalsRow
from emr_desktop.domain.clinical import NoteStatus
from emr_desktop.domain.display import date_text
from emr_desktop.domain.exports import (
    Attachment,
    ChartSection,
    ExportKind,
    ExportRequest,
    ReferralLetter,
    Signer,
)
from emr_desktop.domain.sections import ReferralInput
from emr_desktop.domain.security import Actor
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.models import Document, Encounter, LabResult, Referral, User, VitalSigns
from emr_desktop.models.practice import ProviderProfile
from emr_desktop.reports.pdf_options import check_password
from emr_desktop.services.chart.notes import note_row
from emr_desktop.services.common.records import user_names
from emr_desktop.services.common.rows import lab_row, vitals_row
from emr_desktop.services.exchange.referrals import clean_referral, referring_provider_id

RECENT_VITALS = 10  # sets of vital signs in a referral or section export
MAX_PICKED_NOTES = 2000


def local_start(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` on this computer's clock, as an aware time."""
    return dt.datetime.combine(day, dt.time.min).astimezone()


def note_filter(patient_id: int, request: ExportRequest) -> list[ColumnElement[bool]]:
    """Which notes an export includes: signed ones, picked or within the date range."""
    where: list[ColumnElement[bool]] = [
        Encounter.patient_id == patient_id,
        Encounter.status == NoteStatus.SIGNED,
    ]
    if request.note_ids:
        where.append(Encounter.id.in_(request.note_ids))
        return where
    if request.notes_from is not None:
        where.append(Encounter.occurred_at >= local_start(request.notes_from))
    if request.notes_to is not None:
        where.append(Encounter.occurred_at < local_start(request.notes_to + dt.timedelta(days=1)))
    return where


def notes_scope(request: ExportRequest) -> str:
    """How the notes were chosen, in words for the page ('visits since Jan 2, 2026')."""
    if request.note_ids:
        return "picked one by one"
    start, end = request.notes_from, request.notes_to
    if start and end:
        return f"visits from {date_text(start)} to {date_text(end)}"
    if start:
        return f"visits since {date_text(start)}"
    if end:
        return f"visits up to {date_text(end)}"
    return "all visits"


def check_request(request: ExportRequest) -> ExportRequest:
    """The request with its kind and sections as enums; ValidationError for one that cannot
    be built as asked."""
    try:
        request = dataclasses.replace(
            request,
            kind=ExportKind(request.kind),
            sections=frozenset(ChartSection(s) for s in request.sections),
        )
    except ValueError as err:
        raise ValidationError("kind", f"is not a known export ({err})") from None
    if request.kind is ExportKind.CHART:  # the whole chart: every note, whatever was picked
        request = dataclasses.replace(request, note_ids=(), notes_from=None, notes_to=None)
    if request.password:
        check_password(request.password)
    if request.password and request.pdf_a:
        raise ValidationError(
            "password", "PDF/A files cannot be password-protected (PDF/A forbids encryption)"
        )
    if request.kind is ExportKind.SECTIONS and not request.sections:
        raise ValidationError("sections", "choose at least one section")
    if request.kind is ExportKind.REFERRAL and (request.referral is None) == (
        request.referral_id is None
    ):
        raise ValidationError("referral", "fill in the referral or choose an existing one")
    if request.notes_from and request.notes_to and request.notes_from > request.notes_to:
        raise ValidationError("notes to", "must not be before the start date")
    if len(request.note_ids) > MAX_PICKED_NOTES:
        raise ValidationError("notes", f"pick at most {MAX_PICKED_NOTES} notes")
    return request


def load_notes(s: Session, patient_id: int, request: ExportRequest) -> tuple[Note, ...]:
    """The chosen signed notes with addenda, newest first (two queries and the names)."""
    encounters = list(
        s.scalars(
            select(Encounter)
            .where(*note_filter(patient_id, request))
            .options(selectinload(Encounter.addenda))
            .order_by(Encounter.occurred_at.desc(), Encounter.id.desc())
        )
    )
    ids: set[int | None] = set()
    for e in encounters:
        ids |= {e.provider_id, e.signed_by_id, *(a.author_id for a in e.addenda)}
    names = user_names(s, ids)
    return tuple(note_row(e, e.addenda, names) for e in encounters)


def count_notes(s: Session, patient_id: int, request: ExportRequest) -> int:
    """How many notes the export holds (for the audit row)."""
    stmt = select(func.count()).select_from(Encounter).where(*note_filter(patient_id, request))
    return int(s.scalar(stmt) or 0)


def load_vitals(s: Session, patient_id: int, *, everything: bool) -> tuple[VitalsRow, ...]:
    """Vital signs, newest first: every set for a full chart, else the recent ones."""
    stmt = (
        select(VitalSigns)
        .where(VitalSigns.patient_id == patient_id)
        .order_by(VitalSigns.measured_at.desc())
    )
    if not everything:
        stmt = stmt.limit(RECENT_VITALS)
    rows = list(s.scalars(stmt))
    names = user_names(s, {v.recorded_by_id for v in rows})
    return tuple(vitals_row(v, names) for v in rows)


def whole_draws(labs: tuple[LabRow, ...], limit: int) -> tuple[LabRow, ...]:
    """The newest ``limit`` results without a panel cut in half at the end: when the limit
    fell inside one blood draw, that draw is left out rather than shown in part."""
    if len(labs) < limit:
        return labs
    last = labs[-1].collected_at
    whole = tuple(lab for lab in labs if lab.collected_at != last)
    return whole or labs


def load_all_labs(s: Session, patient_id: int) -> tuple[LabRow, ...]:
    """Every lab result, newest first (full chart export)."""
    stmt = (
        select(LabResult)
        .where(LabResult.patient_id == patient_id)
        .order_by(LabResult.collected_at.desc(), LabResult.id)
    )
    return tuple(lab_row(r) for r in s.scalars(stmt))


def load_attachments(
    s: Session, patient_id: int, document_ids: Sequence[int]
) -> tuple[Attachment, ...]:
    """The chosen documents with their bytes, in the order chosen."""
    if not document_ids:
        return ()
    docs = {
        d.id: d
        for d in s.scalars(
            select(Document)
            .where(Document.id.in_(document_ids), Document.patient_id == patient_id)
            .options(undefer(Document.content))
        )
    }
    missing = [i for i in document_ids if i not in docs]
    if missing:
        raise NotFound("A chosen document is not in this patient's chart.")
    return tuple(
        Attachment(d.title, d.media_type, d.document_date, d.content)
        for d in (docs[i] for i in document_ids)
    )


def signer(s: Session, user_id: int | None) -> Signer | None:
    """The referring physician with credentials, specialty and NPI."""
    if user_id is None:
        return None
    row = s.execute(
        select(User, ProviderProfile)
        .outerjoin(ProviderProfile, ProviderProfile.user_id == User.id)
        .where(User.id == user_id)
    ).first()
    if row is None:
        return None
    user, profile = row
    if profile is None:
        return Signer(user.full_name)
    return Signer(user.full_name, profile.credentials, profile.specialty, profile.npi)


def cleaned_referral(data: ReferralInput) -> ReferralInput:
    """The referral as entered, validated and trimmed (ValidationError names the field)."""
    return ReferralInput(**clean_referral(data), referring_provider_id=data.referring_provider_id)


def existing_referral(s: Session, patient_id: int, referral_id: int) -> Referral:
    """A referral of this patient's chart, or NotFound."""
    r = s.get(Referral, referral_id)
    if r is None or r.patient_id != patient_id:
        raise NotFound("That referral is not in this patient's chart.")
    return r


def referral_letter(
    s: Session, actor: Actor, patient_id: int, request: ExportRequest, today: dt.date
) -> ReferralLetter | None:
    """The cover letter's contents, from the referral entered or the one chosen."""
    if request.kind is not ExportKind.REFERRAL:
        return None
    if request.referral is not None:
        data = cleaned_referral(request.referral)
        return ReferralLetter.from_input(
            data, today, signer(s, referring_provider_id(s, actor, data.referring_provider_id))
        )
    assert request.referral_id is not None  # check_request saw to it
    r = existing_referral(s, patient_id, request.referral_id)
    data = ReferralInput(
        to_name=r.to_name,
        to_specialty=r.to_specialty,
        reason=r.reason,
        clinical_question=r.clinical_question,
        urgency=r.urgency,
        to_organization=r.to_organization,
        to_phone=r.to_phone,
        to_fax=r.to_fax,
    )
    return ReferralLetter.from_input(data, today, signer(s, r.referring_provider_id))
