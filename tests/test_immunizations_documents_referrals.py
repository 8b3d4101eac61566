"""Immunizations (CVX coded), attached documents (checked, size-limited) and referrals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import Practice
from test_foundation_support import audit_head_id
from test_problems_allergies import (
    ALL_ROLES,
    BIRTH,
    CLINICIANS,
    TODAY,
    TOMORROW,
    Case,
    audit_details,
    captured_sql,
    check_roles,
    count,
    field_of,
    make_world,
)

from emr_desktop.domain.clinical import RecordStatus, ReferralStatus, Urgency
from emr_desktop.domain.sections import ImmunizationInput, ReferralInput
from emr_desktop.domain.security import Role
from emr_desktop.errors import ConflictError, LockedRecordError, ValidationError
from emr_desktop.models import Document, Immunization, Referral
from emr_desktop.services.chart.documents import MAX_DOCUMENT_BYTES, DocumentService
from emr_desktop.services.chart.immunizations import ImmunizationService
from emr_desktop.services.exchange.referrals import ReferralService

pytest.importorskip("emr_desktop.reference.vaccines")

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64
CARDIO = ReferralInput("Dr. Heart", "Cardiology", "Exertional chest pain")


# --- role matrix ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES, ids=[r.value for r in ALL_ROLES])
def test_who_may_record_attach_and_refer(practice: Practice, role: Role) -> None:
    w = make_world(practice)
    pid, doc = w.patient_id, w.physician
    imms, docs, refs = ImmunizationService(w.db), DocumentService(w.db), ReferralService(w.db)
    flu = ImmunizationInput("141", TODAY)

    def attach() -> int:
        return docs.attach(doc, pid, title="Letter", content=PDF, media_type="application/pdf").id

    cases = [
        Case("immunizations.record", CLINICIANS, lambda a, _: imms.record(a, pid, flu)),
        Case(
            "immunizations.mark_entered_in_error",
            CLINICIANS,
            lambda a, i: imms.mark_entered_in_error(a, i),
            lambda: imms.record(doc, pid, flu).id,
        ),
        Case("immunizations.list", CLINICIANS, lambda a, _: imms.list(a, pid)),
        Case(
            "documents.attach",
            CLINICIANS,
            lambda a, _: docs.attach(a, pid, title="Scan", content=PNG, media_type="image/png"),
        ),
        Case("documents.list", CLINICIANS, lambda a, _: docs.list(a, pid)),
        Case("documents.content", CLINICIANS, lambda a, d: docs.content(a, d), attach),
        Case("referrals.create", CLINICIANS, lambda a, _: refs.create(a, pid, CARDIO)),
        Case(
            "referrals.update",
            CLINICIANS,
            lambda a, r: refs.update(a, r.id, CARDIO, expected_version=r.version),
            lambda: refs.create(doc, pid, CARDIO),
        ),
        Case(
            "referrals.set_status",
            CLINICIANS,
            lambda a, r: refs.set_status(a, r.id, ReferralStatus.SENT, expected_version=r.version),
            lambda: refs.create(doc, pid, CARDIO),
        ),
        Case("referrals.list", CLINICIANS, lambda a, _: refs.list(a, pid)),
    ]
    check_roles(w, role, cases)


# --- immunizations ----------------------------------------------------------------------


def test_immunizations_need_real_codes_and_possible_dates(practice: Practice) -> None:
    w = make_world(practice)
    svc, pid = ImmunizationService(w.db), w.patient_id
    nurse = w.actor(Role.NURSE)
    head = audit_head_id(w.db)

    mmr = svc.record(nurse, pid, ImmunizationInput("3", dt.date(1961, 6, 1), given_by="Dr. Old"))
    assert (mmr.cvx, mmr.vaccine, mmr.given_by) == ("03", "MMR", "Dr. Old")
    flu = svc.record(
        nurse,
        pid,
        ImmunizationInput(
            "141", TODAY, lot="AB123", site="left deltoid", route="IM", vaccine="Flu shot 2025-26"
        ),
    )
    assert (flu.vaccine, flu.lot, flu.status) == ("Flu shot 2025-26", "AB123", RecordStatus.ACTIVE)

    bad: list[tuple[ImmunizationInput, str, str]] = [
        (ImmunizationInput("999", TODAY), "CVX code", "999 is not a known CVX vaccine code"),
        (ImmunizationInput("flu", TODAY), "CVX code", "not a known CVX"),
        (ImmunizationInput(" ", TODAY), "CVX code", "required"),
        (ImmunizationInput("141", TOMORROW), "date given", "future"),
        (ImmunizationInput("141", BIRTH - dt.timedelta(days=1)), "date given", "date of birth"),
        (ImmunizationInput("141", TODAY, lot="L" * 41), "lot number", "at most 40"),
    ]
    for data, field_name, words in bad:
        with pytest.raises(ValidationError) as err:
            svc.record(nurse, pid, data)
        assert field_of(err) == field_name and words in err.value.reason, data
    assert count(w, Immunization) == 2

    assert [i.id for i in svc.list(nurse, pid)] == [flu.id, mmr.id]  # newest first
    wrong = svc.mark_entered_in_error(nurse, flu.id)
    assert wrong.status is RecordStatus.ENTERED_IN_ERROR
    assert [i.id for i in svc.list(nurse, pid)] == [mmr.id]
    assert [i.id for i in svc.list(nurse, pid, include_entered_in_error=True)] == [flu.id, mmr.id]
    with pytest.raises(ValidationError, match="already"):
        svc.mark_entered_in_error(nurse, flu.id)

    rows = audit_details(w, head)
    assert rows == [
        ("immunization_record", pid, {}),
        ("immunization_record", pid, {}),
        ("immunization_error", pid, {}),
    ]


# --- documents --------------------------------------------------------------------------


def test_documents_are_checked_before_anything_is_saved(practice: Practice) -> None:
    w = make_world(practice)
    svc, pid = DocumentService(w.db), w.patient_id
    nurse = w.actor(Role.NURSE)
    svc.attach(nurse, pid, title="First", content=PDF, media_type="application/pdf")
    head, saved = audit_head_id(w.db), count(w, Document)

    too_big = b"%PDF-" + bytes(MAX_DOCUMENT_BYTES)
    bad: list[tuple[dict[str, object], str, str]] = [
        ({"content": b""}, "file", "empty"),
        ({"content": too_big}, "file", "larger than the 20 MB limit"),
        ({"media_type": "application/zip"}, "file type", "only PDF, PNG, JPEG and TIFF"),
        ({"media_type": "text/html"}, "file type", "only PDF"),
        ({"content": PNG}, "file", "is not a PDF file: its contents show it is a PNG file"),
        ({"content": b"MZ\x90\x00", "media_type": "image/png"}, "file", "not a file type"),
        ({"content": PDF, "media_type": "image/jpeg"}, "file", "is not a JPEG file"),
        ({"title": "  "}, "title", "required"),
        ({"document_date": TOMORROW}, "document date", "future"),
    ]
    for change, field_name, words in bad:
        args: dict[str, object] = {
            "title": "Letter",
            "content": PDF,
            "media_type": "application/pdf",
            **change,
        }
        with pytest.raises(ValidationError) as err:
            svc.attach(nurse, pid, **args)  # type: ignore[arg-type]
        assert field_of(err) == field_name and words in err.value.reason, change
    assert count(w, Document) == saved and audit_head_id(w.db) == head  # nothing saved

    for content, given, stored in [
        (PNG, "image/png", "image/png"),
        (JPEG, "image/jpg", "image/jpeg"),  # a common misspelling, normalized
        (TIFF, "Image/TIFF", "image/tiff"),
    ]:
        row = svc.attach(nurse, pid, title="Image", content=content, media_type=given)
        assert (row.size_bytes, row.media_type) == (len(content), stored)
    assert (
        svc.attach(
            nurse,
            pid,
            title="Big endian",
            content=b"MM\x00*" + b"\x00" * 8,
            media_type="image/tiff",
        ).media_type
        == "image/tiff"
    )
    exactly_limit = b"%PDF-" + bytes(MAX_DOCUMENT_BYTES - 5)
    assert (
        svc.attach(
            nurse, pid, title="Limit", content=exactly_limit, media_type="application/pdf"
        ).size_bytes
        == MAX_DOCUMENT_BYTES
    )


def test_document_list_never_loads_the_bytes_and_viewing_is_audited(practice: Practice) -> None:
    w = make_world(practice)
    svc, pid = DocumentService(w.db), w.patient_id
    nurse = w.actor(Role.NURSE)
    scan = b"%PDF-1.4\n" + bytes(5 * 1024 * 1024)
    head = audit_head_id(w.db)
    title = "Outside cardiology letter"
    big = svc.attach(
        nurse,
        pid,
        title=title,
        content=scan,
        media_type="application/pdf",
        document_date=dt.date(2025, 1, 10),
    )
    older = svc.attach(
        nurse,
        pid,
        title="Old x-ray",
        content=JPEG,
        media_type="image/jpeg",
        document_date=dt.date(2019, 3, 3),
    )
    undated = svc.attach(nurse, pid, title="Photo", content=PNG, media_type="image/png")
    assert (big.title, big.size_bytes, big.uploaded_by) == (title, len(scan), "Nurse1")

    with captured_sql(w) as sql:
        listed = svc.list(nurse, pid)
    assert [d.id for d in listed] == [undated.id, big.id, older.id]  # by document date
    document_selects = [q for q in sql if "FROM document" in q]
    assert document_selects and not any("content" in q for q in document_selects)

    row, content = svc.content(nurse, big.id)
    assert row == big and content == scan
    rows = audit_details(w, head)
    assert [a for a, _, _ in rows] == ["document_attach"] * 3 + ["document_view"]
    assert all(p == pid for _, p, _ in rows)
    assert rows[0][2] == {"media_type": "application/pdf", "size_bytes": len(scan)}
    assert title not in json.dumps(rows)  # the title may name a diagnosis


# --- referrals --------------------------------------------------------------------------


def test_referrals_are_validated_and_follow_their_course(practice: Practice) -> None:
    w = make_world(practice)
    svc, pid, doc = ReferralService(w.db), w.patient_id, w.physician
    nurse = w.actor(Role.NURSE)
    head = audit_head_id(w.db)

    mine = svc.create(doc, pid, CARDIO)
    assert (mine.referring_provider, mine.status, mine.urgency) == (
        "Drwho",
        ReferralStatus.DRAFT,
        Urgency.ROUTINE,
    )
    by_nurse = svc.create(nurse, pid, ReferralInput("Dr. Skin", "Dermatology", "Mole"))
    assert by_nurse.referring_provider == ""  # a nurse is not the referring provider
    for_doc = svc.create(
        nurse,
        pid,
        ReferralInput(
            "Dr. Bone",
            "Orthopedics",
            "Knee pain",
            urgency=Urgency.URGENT,
            to_fax="(555) 010-9999",
            referring_provider_id=doc.user_id,
        ),
    )
    assert (for_doc.referring_provider, for_doc.to_fax) == ("Drwho", "(555) 010-9999")

    bad: list[tuple[ReferralInput, str, str]] = [
        (ReferralInput(" ", "Cardiology", "Pain"), "specialist", "required"),
        (ReferralInput("Dr. A", "", "Pain"), "specialty", "required"),
        (ReferralInput("Dr. A", "Cardiology", ""), "reason", "required"),
        (ReferralInput("Dr. A", "Cardiology", "Pain", to_phone="call me"), "phone", "digits"),
        (ReferralInput("Dr. A", "Cardiology", "Pain", to_fax="123"), "fax", "7 to 15 digits"),
        (ReferralInput("Dr. A", "Cardiology", "Pain", urgency="soon"), "urgency", "one of"),  # type: ignore[arg-type]
        (
            ReferralInput("Dr. A", "Cardiology", "Pain", referring_provider_id=nurse.user_id),
            "referring provider",
            "physician",
        ),
    ]
    for data, field_name, words in bad:
        with pytest.raises(ValidationError) as err:
            svc.create(nurse, pid, data)
        assert field_of(err) == field_name and words in err.value.reason, data
    assert count(w, Referral) == 3

    edited = svc.update(
        nurse,
        mine.id,
        ReferralInput("Dr. Heart", "Cardiology", "Exertional chest pain", "Stress test?"),
        expected_version=mine.version,
    )
    assert edited.clinical_question == "Stress test?" and edited.referring_provider == "Drwho"
    with pytest.raises(ConflictError):
        svc.update(nurse, mine.id, CARDIO, expected_version=mine.version)

    with pytest.raises(ValidationError) as err:
        svc.set_status(nurse, mine.id, ReferralStatus.COMPLETED, expected_version=edited.version)
    assert (
        field_of(err) == "status"
        and "draft referral cannot be marked completed" in err.value.reason
    )
    with pytest.raises(ValidationError) as err:
        svc.set_status(
            nurse, mine.id, ReferralStatus.SENT, sent_date=TOMORROW, expected_version=edited.version
        )
    assert field_of(err) == "sent date" and "future" in err.value.reason
    sent = svc.set_status(nurse, mine.id, ReferralStatus.SENT, expected_version=edited.version)
    assert (sent.status, sent.sent_date) == (ReferralStatus.SENT, TODAY)
    with pytest.raises(ValidationError) as err:
        svc.set_status(
            nurse, mine.id, ReferralStatus.SCHEDULED, sent_date=TODAY, expected_version=sent.version
        )
    assert field_of(err) == "sent date"
    done = svc.set_status(nurse, mine.id, ReferralStatus.COMPLETED, expected_version=sent.version)
    assert done.sent_date == TODAY
    with pytest.raises(LockedRecordError):
        svc.update(nurse, mine.id, CARDIO, expected_version=done.version)
    with pytest.raises(ValidationError):
        svc.set_status(nurse, mine.id, ReferralStatus.CANCELLED, expected_version=done.version)

    back = svc.set_status(
        nurse,
        by_nurse.id,
        ReferralStatus.SENT,
        sent_date=dt.date(2025, 2, 3),
        expected_version=by_nurse.version,
    )
    assert back.sent_date == dt.date(2025, 2, 3)
    undone = svc.set_status(nurse, by_nurse.id, ReferralStatus.DRAFT, expected_version=back.version)
    assert (undone.status, undone.sent_date) == (ReferralStatus.DRAFT, None)

    assert [r.id for r in svc.list(nurse, pid)] == [for_doc.id, by_nurse.id, mine.id]
    rows = audit_details(w, head)
    assert {a for a, _, _ in rows} == {"referral_create", "referral_update", "referral_status"}
    assert all(p == pid for _, p, _ in rows)
    assert ("referral_update", pid, {"fields": ["clinical_question"]}) in rows
    assert ("referral_status", pid, {"from": "sent", "to": "completed"}) in rows
    assert not any(word in json.dumps(rows) for word in ("chest", "Knee", "Heart", "Stress"))
