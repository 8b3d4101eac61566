"""Attached documents (letters, outside reports, images), kept inside the encrypted database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import undefer

from emr_desktop.domain.chart import DocumentRow
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.models import Document
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.chart_access import chart_read
from emr_desktop.services.common.records import get_patient, user_names
from emr_desktop.services.common.rows import document_row

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# What each accepted type's file starts with; a mismatch is refused rather than trusted,
# so a renamed executable or a damaged scan never lands in the chart.
MAGIC: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}
_NAMES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF"}
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/tif": "image/tiff"}


def sniff(content: bytes) -> str | None:
    """The accepted media type ``content`` really is, from its first bytes, or None."""
    for media_type, starts in MAGIC.items():
        if content.startswith(starts):
            return media_type
    return None


def check_file(content: bytes, media_type: str) -> str:
    """The normalized media type, after checking size, type and that the bytes match it."""
    kind = media_type.split(";")[0].strip().lower()
    kind = _ALIASES.get(kind, kind)
    if not content:
        raise ValidationError("file", "is empty")
    if len(content) > MAX_DOCUMENT_BYTES:
        mb = MAX_DOCUMENT_BYTES // (1024 * 1024)
        raise ValidationError("file", f"is larger than the {mb} MB limit")
    if kind not in MAGIC:
        raise ValidationError("file type", "only PDF, PNG, JPEG and TIFF files can be attached")
    actual = sniff(content)
    if actual != kind:
        what = f"a {_NAMES[actual]} file" if actual else "not a file type that can be attached"
        raise ValidationError(
            "file", f"is not a {_NAMES[kind]} file: its contents show it is {what}"
        )
    return kind


class DocumentService:
    """Attach documents to a chart and read them back; every opening is audited."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def attach(
        self,
        actor: Actor,
        patient_id: int,
        *,
        title: str,
        content: bytes,
        media_type: str,
        document_date: dt.date | None = None,
    ) -> DocumentRow:
        """Attach a PDF, PNG, JPEG or TIFF (at most MAX_DOCUMENT_BYTES) to the chart."""
        require(actor, Permission.DOCUMENT_ATTACH)
        name = v.text("title", title, max_len=200, required=True)
        data = bytes(content)
        kind = check_file(data, media_type)
        v.not_future("document date", document_date)
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            doc = Document(
                patient_id=patient.id,
                title=name,
                media_type=kind,
                size_bytes=len(data),
                content=data,
                document_date=document_date,
                uploaded_by_id=actor.user_id,
            )
            s.add(doc)
            s.flush()
            # The title can name a diagnosis: it stays in the document row, not the audit log.
            record(
                s,
                actor,
                "document_attach",
                entity="document",
                entity_id=doc.id,
                patient_id=patient.id,
                details={"media_type": kind, "size_bytes": len(data)},
            )
            return document_row(doc, user_names(s, {actor.user_id}))

    def list(self, actor: Actor, patient_id: int) -> list[DocumentRow]:
        """The chart's documents, newest first, without their bytes."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            get_patient(s, patient_id)
            docs = list(s.scalars(select(Document).where(Document.patient_id == patient_id)))
            # By the document's own date (when it was written), else the day it was attached.
            docs.sort(
                key=lambda d: (d.document_date or d.uploaded_at.date(), d.uploaded_at, d.id),
                reverse=True,
            )
            names = user_names(s, {d.uploaded_by_id for d in docs})
            return chart_read(
                s, actor, patient_id, "documents", [document_row(d, names) for d in docs]
            )

    def content(self, actor: Actor, document_id: int) -> tuple[DocumentRow, bytes]:
        """One document with its bytes, for viewing; audited as a view of the chart."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            doc = s.get(Document, document_id, options=[undefer(Document.content)])
            if doc is None:
                raise NotFound("That document does not exist.")
            record(
                s,
                actor,
                "document_view",
                entity="document",
                entity_id=doc.id,
                patient_id=doc.patient_id,
            )
            return document_row(doc, user_names(s, {doc.uploaded_by_id})), doc.content
