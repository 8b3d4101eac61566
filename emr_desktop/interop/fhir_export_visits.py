"""The parts of an exported chart that are not list entries: the Patient, visits with their
notes (US Core DocumentReferences, one attachment per SOAP section; an addendum is its own
DocumentReference that "appends" the note), and appointments."""

from __future__ import annotations

import base64
from typing import Any

from emr_desktop.domain.chart import AppointmentRow, Note
from emr_desktop.domain.patients import PatientDetails
from emr_desktop.interop import fhir_codes as c
from emr_desktop.interop.fhir_build import Builder, coding, concept, fhir_time, ref

Json = dict[str, Any]


def patient(p: PatientDetails) -> Json:
    """The US Core Patient body: MRN, names, sex, birth date, contacts, address."""
    d = p.data
    given = [d.given_name, *([d.middle_name] if d.middle_name else [])]
    names: list[Json] = [{"use": "official", "family": d.family_name, "given": given}]
    if d.preferred_name and d.preferred_name != d.given_name:
        names.append({"use": "usual", "given": [d.preferred_name]})
    telecom = [
        {"system": system, "value": value, "use": use}
        for system, value, use in (
            ("phone", d.phone_mobile, "mobile"),
            ("phone", d.phone_home, "home"),
            ("email", d.email, "home"),
        )
        if value
    ]
    body: Json = {
        "identifier": [
            {
                "use": "usual",
                "type": concept(c.V2_0203, "MR", "Medical record number"),
                "system": c.MRN_SYSTEM,
                "value": p.mrn,
            }
        ],
        "active": p.active,
        "name": names,
        "gender": d.sex_at_birth.value,
        "birthDate": d.birth_date.isoformat(),
        "extension": [
            {
                "url": c.US_CORE + "us-core-birthsex",
                "valueCode": {"female": "F", "male": "M"}.get(d.sex_at_birth.value, "UNK"),
            }
        ],
    }
    if telecom:
        body["telecom"] = telecom
    lines = [x for x in (d.address_line1, d.address_line2) if x]
    if lines or d.city or d.state or d.postal_code:
        address: Json = {"use": "home"}
        if lines:
            address["line"] = lines
        for key, value in (("city", d.city), ("state", d.state), ("postalCode", d.postal_code)):
            if value:
                address[key] = value
        body["address"] = [address]
    if d.preferred_language:
        body["communication"] = [{"language": {"text": d.preferred_language}, "preferred": True}]
    if d.emergency_contact_name:
        contact: Json = {"name": {"text": d.emergency_contact_name}}
        if d.emergency_contact_relation:
            contact["relationship"] = [{"text": d.emergency_contact_relation}]
        if d.emergency_contact_phone:
            contact["telecom"] = [{"system": "phone", "value": d.emergency_contact_phone}]
        body["contact"] = [contact]
    return body


def _text_attachment(title: str, text: str) -> Json:
    data = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return {
        "attachment": {"contentType": "text/plain; charset=utf-8", "title": title, "data": data}
    }


def note(b: Builder, n: Note) -> None:
    """A signed visit: its Encounter, its note and one DocumentReference per addendum."""
    encounter: Json = {
        "status": "finished",
        "class": coding(c.ACT_CODE, "AMB", "ambulatory"),
        "type": [{"text": n.kind}],
        "subject": b.subject,
        "period": {"start": fhir_time(n.occurred_at)},
    }
    if n.provider:
        encounter["participant"] = [{"individual": {"display": n.provider}}]
    if n.reason:
        encounter["reasonCode"] = [{"text": n.reason}]
    enc_id = b.add("Encounter", n.id, encounter)
    sections = [
        _text_attachment(title, getattr(n, field))
        for field, title in c.SOAP_TITLES.items()
        if getattr(n, field)
    ]
    when = n.signed_at or n.occurred_at
    doc_type = concept(c.LOINC, *c.PROGRESS_NOTE)
    category = [concept(c.DOC_CATEGORY, "clinical-note", "Clinical Note")]
    note: Json = {
        "status": "current",
        "docStatus": "amended" if n.addenda else "final",
        "type": doc_type,
        "category": category,
        "subject": b.subject,
        "date": fhir_time(when),
        "author": [{"display": n.signed_by or n.provider or "Unknown author"}],
        "content": sections or [_text_attachment("Note", "")],
        "context": {"encounter": [ref(enc_id)], "period": {"start": fhir_time(n.occurred_at)}},
    }
    if n.signed_by:
        note["authenticator"] = {"display": n.signed_by}
    doc_id = b.add("DocumentReference", n.id, note)
    for a in n.addenda:
        b.add(
            "DocumentReference",
            f"{n.id}/addendum/{a.id}",
            {
                "status": "current",
                "docStatus": "final",
                "type": doc_type,
                "category": category,
                "subject": b.subject,
                "date": fhir_time(a.created_at),
                "author": [{"display": a.author or "Unknown author"}],
                "description": "Addendum",
                "relatesTo": [{"code": "appends", "target": ref(doc_id)}],
                "content": [_text_attachment("Addendum", a.text)],
                "context": {"encounter": [ref(enc_id)]},
            },
        )


def appointment(b: Builder, a: AppointmentRow) -> None:
    """An Appointment (start and end carry the computer's zone: the schedule is local)."""
    body: Json = {
        "status": c.APPOINTMENT_TO_FHIR[a.status],
        "appointmentType": {"text": a.kind},
        "start": fhir_time(a.start_at),
        "end": fhir_time(a.end_at),
        "minutesDuration": a.duration_min,
        "participant": [
            {"actor": b.subject, "status": "accepted"},
            {"actor": {"display": a.provider}, "status": "accepted"},
        ],
    }
    if a.reason:
        body["reasonCode"] = [{"text": a.reason}]
    if a.cancel_reason:
        body["cancelationReason"] = {"text": a.cancel_reason}
    if a.room:
        body["comment"] = c.ROOM_PREFIX + a.room
    b.add("Appointment", a.id, body)
