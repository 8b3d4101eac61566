"""Visit notes: drafts that save themselves, signing, and addenda to signed notes."""

from __future__ import annotations

import builtins
import datetime as dt
import re
from collections.abc import Iterable, Mapping

from sqlalchemy import ColumnElement, Connection, event, func, inspect, or_, select
from sqlalchemy.orm import Mapper, Session, load_only, selectinload

from emr_desktop.domain.chart import AddendumRow, EncounterRow, Note, Page
from emr_desktop.domain.clinical import NoteStatus
from emr_desktop.domain.notes import (
    DEFAULT_KIND,
    MAX_ADDENDUM_CHARS,
    MAX_KIND_CHARS,
    MAX_REASON_CHARS,
    MAX_SECTION_CHARS,
    SIGNED_NOTE_MESSAGE,
    SOAP_FIELDS,
)
from emr_desktop.domain.security import Actor, Permission, Role
from emr_desktop.errors import (
    ConflictError,
    LockedRecordError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from emr_desktop.models import Addendum, Appointment, Encounter, User
from emr_desktop.models.base import utcnow
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import permissions_for, require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.chart_access import chart_read, worklist_read
from emr_desktop.services.common.records import get_patient, user_names

MAX_PAGE = 500
_STRAY_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONFLICT = (
    "Someone else saved this note while you were editing it. "
    "Nothing was overwritten; reopen the note to see their changes."
)


def section_text(field: str, value: str) -> str:
    """A SOAP section as typed: not trimmed (autosave must not fight the cursor).

    Windows and old-Mac line ends become "\\n" and stray control characters (pasted
    from other programs, invisible on screen) are dropped rather than refused, so an
    autosave never fails over something the user cannot see.
    """
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _STRAY_CONTROL.sub("", text)
    if len(text) > MAX_SECTION_CHARS:
        raise ValidationError(field, f"must be at most {MAX_SECTION_CHARS:,} characters")
    return text


# What a signature covers. patient_id is absent on purpose: a patient merge moves
# signed notes to the kept record.
_SIGNED_COLUMNS = (
    *SOAP_FIELDS,
    "reason",
    "kind",
    "occurred_at",
    "provider_id",
    "status",
    "signed_by_id",
    "signed_at",
)


@event.listens_for(Encounter, "before_update")
def _refuse_signed_edits(mapper: Mapper[Encounter], connection: Connection, enc: Encounter) -> None:
    """Refuse any ORM flush that changes a signed note, whichever code path made it."""
    state = inspect(enc)
    before = state.attrs.status.history.deleted
    if (before[0] if before else enc.status) is not NoteStatus.SIGNED:
        return
    if any(state.attrs[c].history.has_changes() for c in _SIGNED_COLUMNS):
        raise LockedRecordError(SIGNED_NOTE_MESSAGE)


def _encounter(session: Session, encounter_id: int, *, with_addenda: bool = False) -> Encounter:
    stmt = select(Encounter).where(Encounter.id == encounter_id)
    if with_addenda:
        stmt = stmt.options(selectinload(Encounter.addenda))
    enc = session.scalar(stmt)
    if enc is None:
        raise NotFound("That visit note does not exist.")
    return enc


def _may_edit_draft(actor: Actor, enc: Encounter) -> None:
    if enc.status is NoteStatus.SIGNED:
        raise LockedRecordError(SIGNED_NOTE_MESSAGE)
    if enc.created_by_id != actor.user_id and actor.role is not Role.PHYSICIAN:
        raise PermissionDenied("Only the note's author or a physician may edit this draft.")


def _check_version(enc: Encounter, expected_version: int) -> None:
    if enc.version != expected_version:
        raise ConflictError(_CONFLICT)


def note_row(enc: Encounter, addenda: Iterable[Addendum], names: Mapping[int, str]) -> Note:
    """The DTO of a visit note and its addenda; ``names`` maps user ids to full names."""

    def name(user_id: int | None) -> str:
        return names.get(user_id, "") if user_id is not None else ""

    return Note(
        id=enc.id,
        patient_id=enc.patient_id,
        occurred_at=enc.occurred_at,
        kind=enc.kind,
        reason=enc.reason,
        provider_id=enc.provider_id,
        provider=name(enc.provider_id),
        subjective=enc.subjective,
        objective=enc.objective,
        assessment=enc.assessment,
        plan=enc.plan,
        status=enc.status,
        signed_by=name(enc.signed_by_id),
        signed_at=enc.signed_at,
        author_id=enc.created_by_id,
        addenda=tuple(
            AddendumRow(id=a.id, author=name(a.author_id), created_at=a.created_at, text=a.text)
            for a in addenda
        ),
        updated_at=enc.updated_at,
        version=enc.version,
    )


def _note_with_names(session: Session, enc: Encounter, addenda: list[Addendum]) -> Note:
    ids = {enc.provider_id, enc.signed_by_id, *(a.author_id for a in addenda)}
    return note_row(enc, addenda, user_names(session, ids))


def encounter_row(enc: Encounter, names: Mapping[int, str]) -> EncounterRow:
    """The visit-list DTO of an encounter; ``names`` maps user ids to full names."""
    return EncounterRow(
        id=enc.id,
        patient_id=enc.patient_id,
        occurred_at=enc.occurred_at,
        kind=enc.kind,
        reason=enc.reason,
        provider=names.get(enc.provider_id, "") if enc.provider_id is not None else "",
        status=enc.status,
        signed_at=enc.signed_at,
    )


# The visit list never needs the note text: leave the four SOAP columns unloaded.
_ROW_COLUMNS = load_only(
    Encounter.id,
    Encounter.patient_id,
    Encounter.occurred_at,
    Encounter.kind,
    Encounter.reason,
    Encounter.provider_id,
    Encounter.status,
    Encounter.signed_at,
    Encounter.version,
)


def _rows(
    session: Session, *where: ColumnElement[bool], offset: int = 0, limit: int = MAX_PAGE
) -> list[EncounterRow]:
    """Visit-list rows, newest first, in two queries (the encounters, then user names)."""
    stmt = (
        select(Encounter)
        .options(_ROW_COLUMNS)
        .where(*where)
        .order_by(Encounter.occurred_at.desc(), Encounter.id.desc())
        .offset(offset)
        .limit(limit)
    )
    encounters = list(session.scalars(stmt))
    names = user_names(session, {e.provider_id for e in encounters})
    return [encounter_row(e, names) for e in encounters]


class NoteService:
    """Visit notes. Nurses and physicians draft; only physicians sign and add addenda."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self,
        actor: Actor,
        patient_id: int,
        *,
        occurred_at: dt.datetime | None = None,
        kind: str = DEFAULT_KIND,
        reason: str = "",
        provider_id: int | None = None,
        appointment_id: int | None = None,
    ) -> Note:
        """Start a draft note for a visit (now, unless ``occurred_at`` says otherwise).

        The provider defaults to the actor when the actor is a physician.
        """
        require(actor, Permission.NOTE_DRAFT)
        when = occurred_at or utcnow()
        v.not_future_time("visit time", when)
        kind = v.text("kind of visit", kind, max_len=MAX_KIND_CHARS, required=True)
        reason = v.text("reason for visit", reason, max_len=MAX_REASON_CHARS)
        if provider_id is None and actor.role is Role.PHYSICIAN:
            provider_id = actor.user_id
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            if provider_id is not None:
                provider = s.get(User, provider_id)
                if provider is None or provider.role is not Role.PHYSICIAN:
                    raise ValidationError("provider", "must be a physician of this practice")
            if appointment_id is not None:
                appt = s.get(Appointment, appointment_id)
                if appt is None or appt.patient_id != patient.id:
                    raise ValidationError("appointment", "is not one of this patient's")
            enc = Encounter(
                patient_id=patient.id,
                provider_id=provider_id,
                appointment_id=appointment_id,
                occurred_at=when,
                kind=kind,
                reason=reason,
                status=NoteStatus.DRAFT,
                created_by_id=actor.user_id,
            )
            s.add(enc)
            s.flush()
            record(
                s,
                actor,
                "note_create",
                entity="encounter",
                entity_id=enc.id,
                patient_id=patient.id,
                details={"provider_id": provider_id, "appointment_id": appointment_id},
            )
            return _note_with_names(s, enc, [])

    def save_draft(
        self,
        actor: Actor,
        encounter_id: int,
        *,
        subjective: str,
        objective: str,
        assessment: str,
        plan: str,
        reason: str,
        expected_version: int,
    ) -> Note:
        """Save the draft's text (the editor's autosave). Saving unchanged text writes nothing.

        LockedRecordError once the note is signed; ConflictError if someone saved since
        ``expected_version``; only the note's author or a physician may edit it.
        """
        require(actor, Permission.NOTE_DRAFT)
        new = {
            "subjective": section_text("subjective", subjective),
            "objective": section_text("objective", objective),
            "assessment": section_text("assessment", assessment),
            "plan": section_text("plan", plan),
            "reason": v.text("reason for visit", reason, max_len=MAX_REASON_CHARS),
        }
        with self._db.unit_of_work(actor) as s:
            enc = _encounter(s, encounter_id)
            _may_edit_draft(actor, enc)
            _check_version(enc, expected_version)
            changed = [f for f, value in new.items() if getattr(enc, f) != value]
            if changed:
                for f in changed:
                    setattr(enc, f, new[f])
                enc.updated_at = utcnow()
                record(
                    s,
                    actor,
                    "note_draft_save",
                    entity="encounter",
                    entity_id=enc.id,
                    patient_id=enc.patient_id,
                    details={"fields": changed},
                )
                s.flush()
            # A draft has no addenda: they exist only on signed notes.
            return _note_with_names(s, enc, [])

    def sign(self, actor: Actor, encounter_id: int, *, expected_version: int) -> Note:
        """Sign the note: it becomes read-only; later changes are addenda."""
        require(actor, Permission.NOTE_SIGN)
        with self._db.unit_of_work(actor) as s:
            enc = _encounter(s, encounter_id)
            if enc.status is NoteStatus.SIGNED:
                raise LockedRecordError("This note is already signed; add an addendum instead.")
            _check_version(enc, expected_version)
            filled = [f for f in SOAP_FIELDS if getattr(enc, f).strip()]
            if not filled:
                raise ValidationError("note", "is empty; write at least one section before signing")
            now = utcnow()
            enc.status = NoteStatus.SIGNED
            enc.signed_by_id = actor.user_id
            enc.signed_at = now
            enc.updated_at = now
            if enc.provider_id is None:  # a nurse's draft: the signing physician is its provider
                enc.provider_id = actor.user_id
            record(
                s,
                actor,
                "note_sign",
                entity="encounter",
                entity_id=enc.id,
                patient_id=enc.patient_id,
                details={"sections": filled},
            )
            s.flush()
            return _note_with_names(s, enc, [])

    def add_addendum(self, actor: Actor, encounter_id: int, text: str) -> Note:
        """Add text to a signed note, with the author and time."""
        require(actor, Permission.NOTE_ADDENDUM)
        body = v.text(
            "addendum",
            (text or "").replace("\r\n", "\n").replace("\r", "\n"),
            max_len=MAX_ADDENDUM_CHARS,
            required=True,
        )
        with self._db.unit_of_work(actor) as s:
            enc = _encounter(s, encounter_id, with_addenda=True)
            if enc.status is not NoteStatus.SIGNED:
                raise ValidationError(
                    "addendum", "can be added only to a signed note; edit the draft instead"
                )
            added = Addendum(encounter_id=enc.id, author_id=actor.user_id, text=body)
            s.add(added)
            s.flush()
            record(
                s,
                actor,
                "note_addendum",
                entity="encounter",
                entity_id=enc.id,
                patient_id=enc.patient_id,
                details={"addendum_id": added.id, "characters": len(body)},
            )
            addenda = [*(a for a in enc.addenda if a.id != added.id), added]
            return _note_with_names(s, enc, addenda)

    def get(self, actor: Actor, encounter_id: int) -> Note:
        """The whole note with its addenda."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            enc = _encounter(s, encounter_id, with_addenda=True)
            note = _note_with_names(s, enc, list(enc.addenda))
            return chart_read(
                s, actor, enc.patient_id, "note", note, entity="encounter", entity_id=enc.id
            )

    def list(
        self, actor: Actor, patient_id: int, *, offset: int = 0, limit: int = 50
    ) -> Page[EncounterRow]:
        """One page of the patient's visits, newest first (without the note text)."""
        require(actor, Permission.CHART_VIEW)
        if offset < 0:
            raise ValidationError("offset", "cannot be negative")
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError("page size", f"must be between 1 and {MAX_PAGE}")
        with self._db.unit_of_work(actor) as s:
            where = Encounter.patient_id == patient_id
            total = s.scalar(select(func.count()).select_from(Encounter).where(where)) or 0
            if not total:
                get_patient(s, patient_id)  # an unknown patient is NotFound, not an empty list
            items = _rows(s, where, offset=offset, limit=limit) if total else []
            return chart_read(
                s, actor, patient_id, "visits", Page(tuple(items), total, offset, limit)
            )

    def drafts_for(self, actor: Actor, user_id: int) -> builtins.list[EncounterRow]:
        """Unsigned drafts a user wrote or is the provider of, newest first.

        Finds a draft left open when the screen locked or another user logged in. Users
        see their own; physicians may also look at a colleague's.
        """
        require(actor, Permission.NOTE_DRAFT)
        if user_id != actor.user_id and Permission.NOTE_SIGN not in permissions_for(actor.role):
            raise PermissionDenied("You may list only your own draft notes.")
        with self._db.unit_of_work(actor) as s:
            drafts = _rows(
                s,
                Encounter.status == NoteStatus.DRAFT,
                or_(Encounter.created_by_id == user_id, Encounter.provider_id == user_id),
            )
            return worklist_read(s, actor, "note drafts", drafts)
