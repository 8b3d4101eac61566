"""Visit notes: drafts that autosave, signing, immutability and addenda, per role."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from conftest import Clinic
from sqlalchemy import event, select

from emr_desktop.domain.clinical import NoteStatus
from emr_desktop.domain.security import Actor, Role
from emr_desktop.errors import (
    ConflictError,
    LockedRecordError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from emr_desktop.models import AuditHead, AuditLog, Encounter
from emr_desktop.services.chart.notes import NoteService
from emr_desktop.services.common.chart_access import READ_ACTIONS

ROLES = (Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.RECEPTIONIST)


@pytest.fixture
def notes(clinic: Clinic) -> NoteService:
    return NoteService(clinic.db)


def head(clinic: Clinic) -> int:
    with clinic.db.unit_of_work() as s:
        h = s.get(AuditHead, 1)
        return 0 if h is None else h.last_id


def audit_after(clinic: Clinic, after: int) -> list[AuditLog]:
    with clinic.db.unit_of_work() as s:
        # Reads are audited too; these tests look at the rows of the changes.
        stmt = select(AuditLog).where(AuditLog.id > after, AuditLog.action.not_in(READ_ACTIONS))
        return list(s.scalars(stmt.order_by(AuditLog.id)))


def stored(clinic: Clinic, encounter_id: int) -> dict[str, object]:
    """The encounter's columns as the database holds them."""
    with clinic.db.unit_of_work() as s:
        enc = s.get(Encounter, encounter_id)
        assert enc is not None
        return {c.key: getattr(enc, c.key) for c in Encounter.__table__.columns}


def draft(notes: NoteService, actor: Actor, patient_id: int, **text: str) -> int:
    """A draft by ``actor`` holding ``text`` (SOAP sections); its id."""
    note = notes.create(actor, patient_id, reason="cough")
    if text:
        sections = {f: text.get(f, "") for f in ("subjective", "objective", "assessment", "plan")}
        note = notes.save_draft(
            actor, note.id, **sections, reason="cough", expected_version=note.version
        )
    return note.id


def signed(notes: NoteService, clinic: Clinic, patient_id: int) -> int:
    note_id = draft(notes, clinic.doctor, patient_id, subjective="Dry cough for 3 days.")
    notes.sign(clinic.doctor, note_id, expected_version=notes.get(clinic.doctor, note_id).version)
    return note_id


# --- who may do what ---------------------------------------------------------------------


def _case_create(c: Clinic, n: NoteService) -> Callable[[Actor], object]:
    pid = c.patient()
    return lambda a: n.create(a, pid)


def _case_save(c: Clinic, n: NoteService) -> Callable[[Actor], object]:
    note_id = draft(n, c.nurse, c.patient())  # the nurse is its author
    return lambda a: n.save_draft(
        a,
        note_id,
        subjective="S",
        objective="",
        assessment="",
        plan="",
        reason="",
        expected_version=1,
    )


def _case_sign(c: Clinic, n: NoteService) -> Callable[[Actor], object]:
    note_id = draft(n, c.nurse, c.patient(), subjective="Seen today.")
    return lambda a: n.sign(a, note_id, expected_version=2)


def _case_addendum(c: Clinic, n: NoteService) -> Callable[[Actor], object]:
    note_id = signed(n, c, c.patient())
    return lambda a: n.add_addendum(a, note_id, "Lab result reviewed.")


def _case_get(c: Clinic, n: NoteService) -> Callable[[Actor], object]:
    note_id = signed(n, c, c.patient())
    return lambda a: n.get(a, note_id)


def _case_list(c: Clinic, n: NoteService) -> Callable[[Actor], object]:
    pid = c.patient()
    draft(n, c.doctor, pid)
    return lambda a: n.list(a, pid)


def _case_drafts(c: Clinic, n: NoteService) -> Callable[[Actor], object]:
    return lambda a: n.drafts_for(a, a.user_id)


CASES = {
    "create": (_case_create, {Role.PHYSICIAN, Role.NURSE}),
    "save_draft": (_case_save, {Role.PHYSICIAN, Role.NURSE}),
    "sign": (_case_sign, {Role.PHYSICIAN}),
    "add_addendum": (_case_addendum, {Role.PHYSICIAN}),
    "get": (_case_get, {Role.PHYSICIAN, Role.NURSE}),
    "list": (_case_list, {Role.PHYSICIAN, Role.NURSE}),
    "drafts_for": (_case_drafts, {Role.PHYSICIAN, Role.NURSE}),
}


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("method", list(CASES))
def test_roles(clinic: Clinic, notes: NoteService, method: str, role: Role) -> None:
    setup, allowed = CASES[method]
    call = setup(clinic, notes)
    before = head(clinic)
    if role in allowed:
        call(clinic.by_role(role))
    else:
        with pytest.raises(PermissionDenied):
            call(clinic.by_role(role))
        assert head(clinic) == before  # a refused call writes nothing, not even audit


# --- drafting ----------------------------------------------------------------------------


def test_create_defaults(clinic: Clinic, notes: NoteService) -> None:
    pid = clinic.patient()
    before = head(clinic)
    by_doctor = notes.create(clinic.doctor, pid)
    assert by_doctor.status is NoteStatus.DRAFT
    assert by_doctor.kind == "Office visit"
    assert by_doctor.provider_id == clinic.doctor.user_id
    assert by_doctor.provider == clinic.doctor.full_name
    assert abs(by_doctor.occurred_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert by_doctor.occurred_at.tzinfo is not None
    by_nurse = notes.create(clinic.nurse, pid, kind="Nurse visit", provider_id=None)
    assert by_nurse.provider_id is None and by_nurse.provider == ""
    for_doctor = notes.create(clinic.nurse, pid, provider_id=clinic.doctor2.user_id)
    assert for_doctor.provider == clinic.doctor2.full_name
    assert [r.action for r in audit_after(clinic, before)] == ["note_create"] * 3


def test_create_refuses_bad_input(clinic: Clinic, notes: NoteService) -> None:
    pid = clinic.patient()
    bad: list[tuple[dict[str, object], str]] = [
        ({"occurred_at": dt.datetime.now(dt.UTC) + dt.timedelta(days=1)}, "visit time"),
        ({"occurred_at": dt.datetime(2026, 1, 1, 9, 0)}, "visit time"),  # naive
        ({"kind": " "}, "kind of visit"),
        ({"reason": "x" * 301}, "reason for visit"),
        ({"provider_id": clinic.nurse.user_id}, "provider"),
        ({"provider_id": 99_999}, "provider"),
        ({"appointment_id": 99_999}, "appointment"),
    ]
    before = head(clinic)
    for kwargs, field in bad:
        with pytest.raises(ValidationError) as err:
            notes.create(clinic.doctor, pid, **kwargs)  # type: ignore[arg-type]
        assert err.value.field == field
    with pytest.raises(NotFound):
        notes.create(clinic.doctor, 99_999)
    assert not audit_after(clinic, before)  # nothing changed (the reads are audited)
    assert notes.list(clinic.doctor, pid).total == 0


def test_save_draft_saves_text_and_audits_field_names_only(
    clinic: Clinic, notes: NoteService
) -> None:
    note = notes.create(clinic.nurse, clinic.patient())
    before = head(clinic)
    saved = notes.save_draft(
        clinic.nurse,
        note.id,
        subjective="Coughing up green sputum  ",  # trailing spaces kept while typing
        objective="Temp 38.4\r\nCrackles right base\x00",
        assessment="",
        plan="",
        reason="Cough",
        expected_version=note.version,
    )
    assert saved.version == note.version + 1
    assert saved.subjective == "Coughing up green sputum  "
    assert saved.objective == "Temp 38.4\nCrackles right base"
    assert saved.reason == "Cough"
    again = notes.get(clinic.doctor, note.id)
    assert again.subjective == saved.subjective and again.objective == saved.objective
    (row,) = audit_after(clinic, before)
    assert row.action == "note_draft_save"
    assert json.loads(row.details) == {"fields": ["subjective", "objective", "reason"]}
    assert "sputum" not in row.details and "Crackles" not in row.details


def test_autosave_of_unchanged_text_writes_nothing(clinic: Clinic, notes: NoteService) -> None:
    note_id = draft(notes, clinic.doctor, clinic.patient(), plan="Fluids.")
    note = notes.get(clinic.doctor, note_id)
    before = head(clinic)
    same = notes.save_draft(
        clinic.doctor,
        note_id,
        subjective="",
        objective="",
        assessment="",
        plan="Fluids.",
        reason="cough",
        expected_version=note.version,
    )
    assert same.version == note.version
    assert not audit_after(clinic, before)  # nothing changed (the reads are audited)


def test_stale_draft_save_is_a_conflict_and_overwrites_nothing(
    clinic: Clinic, notes: NoteService
) -> None:
    note = notes.create(clinic.doctor, clinic.patient())
    text = {"objective": "", "assessment": "", "plan": "", "reason": ""}
    notes.save_draft(clinic.doctor, note.id, subjective="first", **text, expected_version=1)
    before, kept = head(clinic), stored(clinic, note.id)
    with pytest.raises(ConflictError):
        notes.save_draft(clinic.doctor2, note.id, subjective="second", **text, expected_version=1)
    assert stored(clinic, note.id) == kept
    assert not audit_after(clinic, before)  # nothing changed (the reads are audited)


def test_only_the_author_or_a_physician_edits_a_draft(clinic: Clinic, notes: NoteService) -> None:
    note = notes.create(clinic.nurse, clinic.patient())
    text = {"objective": "", "assessment": "", "plan": "", "reason": ""}
    with pytest.raises(PermissionDenied):
        notes.save_draft(clinic.nurse2, note.id, subjective="x", **text, expected_version=1)
    by_doctor = notes.save_draft(
        clinic.doctor2, note.id, subjective="Reviewed", **text, expected_version=1
    )
    assert by_doctor.subjective == "Reviewed"


def test_save_draft_refuses_an_oversized_section(clinic: Clinic, notes: NoteService) -> None:
    note = notes.create(clinic.doctor, clinic.patient())
    with pytest.raises(ValidationError) as err:
        notes.save_draft(
            clinic.doctor,
            note.id,
            subjective="",
            objective="",
            assessment="",
            plan="x" * 100_001,
            reason="",
            expected_version=1,
        )
    assert err.value.field == "plan"


def test_missing_note_is_not_found(clinic: Clinic, notes: NoteService) -> None:
    with pytest.raises(NotFound):
        notes.get(clinic.doctor, 99_999)
    with pytest.raises(NotFound):
        notes.sign(clinic.doctor, 99_999, expected_version=1)


# --- signing -----------------------------------------------------------------------------


def test_sign_locks_the_note_and_names_the_signer(clinic: Clinic, notes: NoteService) -> None:
    note_id = draft(notes, clinic.nurse, clinic.patient(), assessment="Viral bronchitis")
    before = head(clinic)
    note = notes.sign(clinic.doctor, note_id, expected_version=2)
    assert note.status is NoteStatus.SIGNED
    assert note.signed_by == clinic.doctor.full_name
    assert note.signed_at is not None
    assert note.provider_id == clinic.doctor.user_id  # a nurse's draft gets the signer
    (row,) = audit_after(clinic, before)
    assert (row.action, json.loads(row.details)) == ("note_sign", {"sections": ["assessment"]})


def test_an_empty_note_cannot_be_signed(clinic: Clinic, notes: NoteService) -> None:
    note_id = draft(notes, clinic.doctor, clinic.patient(), subjective="  \n ", plan="\t")
    version = notes.get(clinic.doctor, note_id).version
    before = head(clinic)
    with pytest.raises(ValidationError) as err:
        notes.sign(clinic.doctor, note_id, expected_version=version)
    assert err.value.field == "note"
    assert notes.get(clinic.doctor, note_id).status is NoteStatus.DRAFT
    assert not audit_after(clinic, before)  # nothing changed (the reads are audited)


def test_sign_with_a_stale_version_is_a_conflict(clinic: Clinic, notes: NoteService) -> None:
    note_id = draft(notes, clinic.doctor, clinic.patient(), plan="Rest")
    with pytest.raises(ConflictError):
        notes.sign(clinic.doctor, note_id, expected_version=1)
    assert notes.get(clinic.doctor, note_id).status is NoteStatus.DRAFT


def test_a_signed_note_cannot_be_changed_by_any_path(clinic: Clinic, notes: NoteService) -> None:
    note_id = signed(notes, clinic, clinic.patient())
    version = notes.get(clinic.doctor, note_id).version
    kept, before = stored(clinic, note_id), head(clinic)
    text = {"objective": "", "assessment": "", "plan": "", "reason": ""}
    with pytest.raises(LockedRecordError, match="add an addendum instead"):
        notes.save_draft(clinic.doctor, note_id, subjective="x", **text, expected_version=version)
    with pytest.raises(LockedRecordError):
        notes.sign(clinic.doctor, note_id, expected_version=version)
    # Even code that edits the row directly through the ORM is stopped at flush.
    with pytest.raises(LockedRecordError), clinic.db.unit_of_work() as s:
        enc = s.get(Encounter, note_id)
        assert enc is not None
        enc.plan = "rewritten after signing"
    with pytest.raises(LockedRecordError), clinic.db.unit_of_work() as s:
        enc = s.get(Encounter, note_id)
        assert enc is not None
        enc.status = NoteStatus.DRAFT
    assert stored(clinic, note_id) == kept
    assert not audit_after(clinic, before)  # nothing changed (the reads are audited)


# --- addenda -----------------------------------------------------------------------------


def test_addenda_grow_a_signed_note(clinic: Clinic, notes: NoteService) -> None:
    note_id = signed(notes, clinic, clinic.patient())
    kept = {k: v for k, v in stored(clinic, note_id).items()}
    before = head(clinic)
    notes.add_addendum(clinic.doctor, note_id, "  Chest X-ray clear.\r\nNo change.  ")
    note = notes.add_addendum(clinic.doctor2, note_id, "Agree with plan.")
    assert [(a.author, a.text) for a in note.addenda] == [
        (clinic.doctor.full_name, "Chest X-ray clear.\nNo change."),
        (clinic.doctor2.full_name, "Agree with plan."),
    ]
    assert notes.get(clinic.nurse, note_id).addenda == note.addenda
    assert stored(clinic, note_id) == kept  # the signed text itself is untouched
    rows = audit_after(clinic, before)
    assert [r.action for r in rows] == ["note_addendum", "note_addendum"]
    assert "X-ray" not in rows[0].details


def test_addendum_rules(clinic: Clinic, notes: NoteService) -> None:
    draft_id = draft(notes, clinic.doctor, clinic.patient(), plan="Rest")
    note_id = signed(notes, clinic, clinic.patient())
    for target, text in ((draft_id, "late entry"), (note_id, "   "), (note_id, "x" * 20_001)):
        with pytest.raises(ValidationError) as err:
            notes.add_addendum(clinic.doctor, target, text)
        assert err.value.field == "addendum"
    assert notes.add_addendum(clinic.doctor, note_id, "x" * 20_000).addenda[0].text == "x" * 20_000


# --- lists -------------------------------------------------------------------------------


def test_list_pages_newest_first_in_three_queries(clinic: Clinic, notes: NoteService) -> None:
    pid = clinic.patient()
    now = dt.datetime.now(dt.UTC)
    ids = [
        notes.create(clinic.doctor, pid, occurred_at=now - dt.timedelta(days=d), reason=f"r{d}").id
        for d in (30, 1, 10)
    ]
    statements: list[str] = []

    def count_select(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(clinic.db.engine, "before_cursor_execute", count_select)
    try:
        page = notes.list(clinic.nurse, pid, offset=1, limit=1)
    finally:
        event.remove(clinic.db.engine, "before_cursor_execute", count_select)
    assert (page.total, page.offset, page.limit) == (3, 1, 1)
    assert [r.id for r in page.items] == [ids[2]]
    assert page.items[0].provider == clinic.doctor.full_name
    # three for the list; the access check and the audit row of the read add theirs
    listing = [q for q in statements if "audit_" not in q and "chart_restriction" not in q]
    assert len(listing) <= 3
    assert not any("subjective" in s for s in statements)  # the list never loads note text
    full = notes.list(clinic.nurse, pid)
    assert [r.reason for r in full.items] == ["r1", "r10", "r30"]


def test_list_edges(clinic: Clinic, notes: NoteService) -> None:
    pid = clinic.patient()
    assert notes.list(clinic.doctor, pid).items == ()
    with pytest.raises(NotFound):
        notes.list(clinic.doctor, 99_999)
    with pytest.raises(ValidationError):
        notes.list(clinic.doctor, pid, limit=0)
    with pytest.raises(ValidationError):
        notes.list(clinic.doctor, pid, offset=-1)


def test_drafts_are_found_again_after_switching_user(clinic: Clinic, notes: NoteService) -> None:
    pid = clinic.patient()
    mine = notes.create(clinic.nurse2, pid, reason="left open at lock").id
    for_doctor = notes.create(clinic.nurse, pid, provider_id=clinic.doctor2.user_id).id
    signed(notes, clinic, pid)
    assert mine in [r.id for r in notes.drafts_for(clinic.nurse2, clinic.nurse2.user_id)]
    doctor2_drafts = [r.id for r in notes.drafts_for(clinic.doctor2, clinic.doctor2.user_id)]
    assert for_doctor in doctor2_drafts and mine not in doctor2_drafts
    assert all(
        r.status is NoteStatus.DRAFT for r in notes.drafts_for(clinic.doctor, clinic.doctor.user_id)
    )
    with pytest.raises(PermissionDenied):
        notes.drafts_for(clinic.nurse, clinic.nurse2.user_id)
    assert mine in [r.id for r in notes.drafts_for(clinic.doctor, clinic.nurse2.user_id)]
