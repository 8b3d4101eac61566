"""Reading a FHIR R4 Bundle (ours or another system's, e.g. Synthea's) into import DTOs.

Nothing here touches the database: ``read_bundle`` returns what the bundle holds and
what it left out (counted by reason); the service matches the patient and stores it.
A structurally broken bundle (no patient, a malformed date) raises ValidationError, so
the caller imports nothing of it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.interop import (
    BundleContent,
    ImportedAddendum,
    ImportedVisit,
    ImportedVitals,
)
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.sections import VitalsInput
from emr_desktop.errors import ValidationError
from emr_desktop.interop import fhir_codes as c
from emr_desktop.interop import fhir_import_labs, fhir_meds
from emr_desktop.interop import fhir_records as records
from emr_desktop.interop import fhir_values as f

Json = f.Json
_IGNORED_CATEGORIES = "survey", "social-history", "imaging", "procedure", "exam"


def _patient(r: Json, where: str) -> PatientInput:
    names = list(f.dicts(r.get("name")))
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    given = [g.strip() for g in f.strings(official.get("given")) if g.strip()]
    usual = next((n for n in names if n.get("use") == "usual"), {})
    preferred = next(iter(f.strings(usual.get("given"))), "")
    phones: dict[str, str] = {}
    email = ""
    for t in f.dicts(r.get("telecom")):
        value = f.text(t.get("value"), 200, "telecom", where)
        if t.get("system") == "phone" and value:
            slot = "mobile" if t.get("use") == "mobile" else "home"
            phones.setdefault(slot, value)
        elif t.get("system") == "email" and value and not email:
            email = value
    address = next(
        (a for a in f.dicts(r.get("address")) if a.get("use") in (None, "home")),
        f.first(r.get("address")),
    )
    lines = f.strings(address.get("line"))
    language = f.first(r.get("communication")).get("language")
    contact = f.first(r.get("contact"))
    contact_phone = next(
        (
            f.text(t.get("value"), 40, "emergency_contact_phone", where)
            for t in f.dicts(contact.get("telecom"))
        ),
        "",
    )
    birth = f.day(r.get("birthDate"), where)
    if birth is None:
        raise ValidationError(where, "has no date of birth")
    sex = {"female": Sex.FEMALE, "male": Sex.MALE}.get(str(r.get("gender")), Sex.UNKNOWN)
    return PatientInput(
        given_name=given[0] if given else "",
        middle_name=" ".join(given[1:]),
        family_name=f.text(official.get("family"), 100, "family_name", where),
        birth_date=birth,
        sex_at_birth=sex,
        preferred_name=preferred if preferred != (given[0] if given else "") else "",
        phone_mobile=phones.get("mobile", ""),
        phone_home=phones.get("home", ""),
        email=email,
        address_line1=lines[0] if lines else "",
        address_line2=", ".join(lines[1:]),
        city=f.text(address.get("city"), 100, "city", where),
        state=f.text(address.get("state"), 50, "state", where),
        postal_code=f.text(address.get("postalCode"), 20, "postal_code", where),
        preferred_language=f.cap(f.concept_text(language), 60, where, "preferred_language")
        or "English",
        emergency_contact_name=f.text(
            f.first([contact.get("name")]).get("text"), 200, "emergency_contact_name", where
        )
        or f.human_name(f.first([contact.get("name")])),
        emergency_contact_phone=contact_phone,
        emergency_contact_relation=f.cap(
            f.concept_text(f.first(contact.get("relationship"))),
            60,
            where,
            "emergency_contact_relation",
        ),
    )


@dataclass
class _Reader:
    """State while walking one bundle's entries."""

    refs: dict[str, Json] = field(default_factory=dict)  # fullUrl and Type/id -> resource
    names: dict[str, str] = field(default_factory=dict)  # Practitioner refs -> name
    skipped: Counter[str] = field(default_factory=Counter)
    vitals: dict[dt.datetime, dict[str, float]] = field(default_factory=dict)

    def keys(self, entry: Json, r: Json) -> list[str]:
        """How other resources may refer to ``r``: its fullUrl and Type/id."""
        out = [str(entry["fullUrl"])] if isinstance(entry.get("fullUrl"), str) else []
        if isinstance(r.get("id"), str):
            out.append(f"{r['resourceType']}/{r['id']}")
        return out


def _vital(reader: _Reader, r: Json, where: str) -> None:
    when = r.get("effectiveDateTime") or f.first([r.get("effectivePeriod")]).get("start")
    if when is None:
        reader.skipped["Observation without a time"] += 1
        return
    code = f.code_in(r.get("code"), c.LOINC)
    parts: list[tuple[str, Any]] = []
    if code in c.BP_PANELS:
        for comp in f.dicts(r.get("component")):
            name = c.VITAL_ALIASES.get(f.code_in(comp.get("code"), c.LOINC), "")
            parts.append((name, comp.get("valueQuantity")))
    else:
        parts.append((c.VITAL_ALIASES.get(code, ""), r.get("valueQuantity")))
    values = reader.vitals.setdefault(f.instant(when, where), {})
    for name, quantity in parts:
        value = f.number(quantity.get("value")) if isinstance(quantity, Mapping) else None
        if not name or value is None:
            reader.skipped[f"Vital sign not kept ({code or 'no LOINC code'})"] += 1
            continue
        unit = str(quantity.get("code") or quantity.get("unit") or "")
        factor, offset = c.UNIT_TO_METRIC.get(unit, (1.0, 0.0))
        value = value * factor + offset
        values[name] = round(value) if name in c.WHOLE_VITALS else round(value, 2)


def _vitals_sets(reader: _Reader) -> tuple[ImportedVitals, ...]:
    out = []
    for when, values in sorted(reader.vitals.items()):
        if not values:
            continue
        bmi = values.pop("bmi", None)
        data = VitalsInput(measured_at=when, **values)  # type: ignore[arg-type]
        out.append(ImportedVitals(data, bmi))
    return tuple(out)


def _note_text(doc: Json, where: str) -> dict[str, str]:
    """The SOAP sections of a note (an untitled text goes to the subjective section)."""
    titles = {v: k for k, v in c.SOAP_TITLES.items()}
    sections: dict[str, str] = {}
    for content in f.dicts(doc.get("content")):
        body = f.attachment_text(content, where)
        if body is None:
            continue
        title = str(content["attachment"].get("title", ""))
        key = titles.get(title, "subjective")
        sections[key] = f"{sections[key]}\n\n{body}" if key in sections else body
    return sections


_Entry = tuple[list[str], Json, str]  # the keys a resource is referenced by, it, where


def _addendum(reader: _Reader, doc: Json, where: str) -> tuple[str, ImportedAddendum] | None:
    target = f.first(doc.get("relatesTo"))
    if target.get("code") != "appends":
        return None
    ref = f.reference(target.get("target"))
    text = "\n\n".join(_note_text(doc, where).values())
    author = f.display_of(f.first(doc.get("author")), reader.names)
    when = f.maybe_instant(doc.get("date"), where)
    if when is None or not text:
        return ref, ImportedAddendum("", dt.datetime.min, "")
    return ref, ImportedAddendum(author, when, text)


def _visits(
    reader: _Reader, encounters: list[_Entry], docs: list[_Entry]
) -> tuple[ImportedVisit, ...]:
    notes: dict[str, _Entry] = {}  # encounter key -> its note
    addenda: dict[str, list[ImportedAddendum]] = {}  # note key -> its addenda
    for keys, doc, where in docs:
        found = _addendum(reader, doc, where)
        if found is not None:
            if not found[1].text:
                reader.skipped["Addendum without a date or text"] += 1
            else:
                addenda.setdefault(found[0], []).append(found[1])
            continue
        context = doc.get("context")
        enc_refs = context.get("encounter") if isinstance(context, Mapping) else None
        enc = f.reference(f.first(enc_refs))
        if enc not in reader.refs:
            reader.skipped["DocumentReference without a visit"] += 1
            continue
        notes[enc] = (keys, doc, where)
    out = []
    for keys, r, where in encounters:
        start = f.first([r.get("period")]).get("start")
        if start is None:
            reader.skipped["Encounter without a start time"] += 1
            continue
        participant = f.first(r.get("participant")).get("individual")
        note = next((notes[k] for k in keys if k in notes), None)
        extra: dict[str, Any] = {}
        if note is not None:
            doc_keys, doc, doc_where = note
            signer = f.display_of(doc.get("authenticator"), reader.names)
            extra = {
                **_note_text(doc, doc_where),
                "signed_by": signer or f.display_of(f.first(doc.get("author")), reader.names),
                "signed_at": f.maybe_instant(doc.get("date"), doc_where),
                "addenda": tuple(a for k in doc_keys for a in addenda.get(k, [])),
            }
        out.append(
            ImportedVisit(
                occurred_at=f.instant(start, where),
                kind=f.cap(
                    (f.concept_text(f.first(r.get("type"))) or "Office visit"), 60, where, "kind"
                ),
                reason=f.cap(f.concept_text(f.first(r.get("reasonCode"))), 300, where, "reason"),
                provider=f.display_of(participant, reader.names),
                **extra,
            )
        )
    return tuple(out)


def read_bundle(bundle: object) -> BundleContent:
    """What one patient's Bundle holds, as import DTOs; ValidationError if it is broken."""
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise ValidationError("file", "is not a FHIR Bundle")
    reader = _Reader()
    entries = []
    for i, entry in enumerate(f.dicts(bundle.get("entry"))):
        r = entry.get("resource")
        if not isinstance(r, Mapping) or not isinstance(r.get("resourceType"), str):
            raise ValidationError(f"entry {i + 1}", "has no resource")
        for key in reader.keys(entry, r):
            reader.refs[key] = r
        entries.append((reader.keys(entry, r), r, f"{r['resourceType']} (entry {i + 1})"))
    patients = [(k, r, w) for k, r, w in entries if r["resourceType"] == "Patient"]
    if len(patients) != 1:
        raise ValidationError("bundle", f"holds {len(patients)} patients; one is needed")
    patient_refs = set(patients[0][0])
    for keys, r, _ in entries:
        if r["resourceType"] == "Practitioner":
            name = f.human_name(f.first(r.get("name")))
            reader.names.update(dict.fromkeys(keys, name))
    return _content(reader, entries, patients[0], patient_refs)


def _content(
    reader: _Reader,
    entries: list[_Entry],
    patient: _Entry,
    patient_refs: set[str],
) -> BundleContent:
    found: dict[str, list[Any]] = {k: [] for k in ("problems", "allergies", "meds", "imms")}
    labs, appointments = [], []
    encounters, docs = [], []
    lab_reports: list[tuple[Json, str]] = []  # DiagnosticReports: fhir_import_labs reads them
    nka = False
    for keys, r, where in entries:
        kind = r["resourceType"]
        result: object = None
        if kind in ("Patient", "Practitioner"):  # practitioners were read for their names
            continue
        if kind == "Condition":
            result = records.condition(r, where)
            found["problems"].append(result)
        elif kind == "AllergyIntolerance":
            if records.is_no_known_allergy(r):
                nka = True
                continue
            result = records.allergy(r, where)
            found["allergies"].append(result)
        elif kind == "MedicationRequest":
            result = records.medication(r, where)
            found["meds"].append(result)
        elif kind == "MedicationStatement":
            result = fhir_meds.medication_statement(r, where)
            found["meds"].append(result)
        elif kind == "Immunization":
            result = records.immunization(r, where, reader.names)
            found["imms"].append(result)
        elif kind == "Observation":
            category = f.code_in(f.first(r.get("category")), c.OBS_CATEGORY)
            if category == "vital-signs":
                _vital(reader, r, where)
                continue
            if category != "laboratory":
                reader.skipped[f"Observation ({category or 'no category'})"] += 1
                continue
            result = records.lab(r, where)
            labs.append(result)
        elif kind == "Appointment":
            result = records.appointment(r, where, patient_refs, reader.names)
            appointments.append(result)
        elif kind == "Encounter":
            if r.get("status") in ("cancelled", "entered-in-error", "planned"):
                reader.skipped[f"Encounter ({r.get('status')})"] += 1
            else:
                encounters.append((keys, r, where))
            continue
        elif kind == "DocumentReference":
            docs.append((keys, r, where))
            continue
        elif kind == "DiagnosticReport":
            lab_reports.append((r, where))
            continue
        else:
            reader.skipped[kind] += 1
            continue
        if isinstance(result, str):
            reader.skipped[result] += 1

    def kept(items: list[Any]) -> tuple[Any, ...]:
        return tuple(x for x in items if not isinstance(x, str))

    visits = _visits(reader, encounters, docs)
    return BundleContent(
        patient=_patient(patient[1], patient[2]),
        no_known_allergies=nka,
        problems=kept(found["problems"]),
        allergies=kept(found["allergies"]),
        medications=kept(found["meds"]),
        vitals=_vitals_sets(reader),
        labs=kept(labs),
        immunizations=kept(found["imms"]),
        visits=visits,
        appointments=kept(appointments),
        lab_reports=fhir_import_labs.reports(lab_reports, reader.refs, reader.skipped),
        skipped=dict(reader.skipped),
        deceased=bool(patient[1].get("deceasedBoolean") or patient[1].get("deceasedDateTime")),
    )
