"""Coding a signed visit: its charges from the fee schedule, each linked to one or more of
the visit's ICD-10-CM diagnoses, and the "to be coded" list of signed visits without any.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from emr_desktop.domain.billing import (
    ChargeLine,
    DiagnosisOption,
    EntryKind,
    UncodedVisit,
    VisitCharges,
)
from emr_desktop.domain.clinical import NoteStatus
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import LockedRecordError, NotFound, ValidationError
from emr_desktop.models import (
    BillingEntry,
    Encounter,
    EntryDiagnosis,
    Fee,
    Patient,
    Problem,
    ProviderProfile,
)
from emr_desktop.persistence.database import Database
from emr_desktop.reference import icd10
from emr_desktop.security.permissions import require
from emr_desktop.services.billing.fees import prices_on
from emr_desktop.services.billing.rows import load_entries, patient_name
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.records import get_patient, user_names

MAX_LINES = 20
MAX_QUANTITY = 99
_NOTE_CODE = re.compile(r"\b([A-TV-Z][0-9][0-9AB](?:\.[0-9A-TV-Z]{1,4})?)\b")


def diagnosis_options(s: Session, enc: Encounter) -> list[DiagnosisOption]:
    """The patient's problem-list codes, then ICD-10-CM codes written in the assessment."""
    found: dict[str, str] = {}
    problems = s.scalars(
        select(Problem)
        .where(Problem.patient_id == enc.patient_id, Problem.code_system == "ICD-10-CM")
        .order_by(Problem.status, Problem.id)
    )
    for p in problems:
        found.setdefault(p.code.upper(), p.description)
    for raw in _NOTE_CODE.findall(f"{enc.assessment}\n{enc.plan}"):
        known = icd10.describe(raw)
        if known is not None:
            found.setdefault(known.code, known.description)
    return [DiagnosisOption(c, d) for c, d in found.items()]


def visit_charges(s: Session, enc: Encounter) -> VisitCharges:
    """A visit's charges (and their reversals) with the diagnoses they name (fixed queries)."""
    entries = load_entries(
        s,
        select(BillingEntry)
        .where(
            BillingEntry.encounter_id == enc.id,
            BillingEntry.kind.in_((EntryKind.CHARGE, EntryKind.REVERSAL)),
        )
        .order_by(BillingEntry.id),
    )
    ids = [e.id for e in entries]
    dx: dict[str, str] = {}
    if ids:
        rows = s.scalars(
            select(EntryDiagnosis)
            .where(EntryDiagnosis.entry_id.in_(ids))
            .order_by(EntryDiagnosis.entry_id, EntryDiagnosis.position)
        )
        for d in rows:
            dx.setdefault(d.code, d.description)
    provider_id = enc.provider_id or enc.signed_by_id
    names = user_names(s, {provider_id})
    profile = s.get(ProviderProfile, provider_id) if provider_id else None
    return VisitCharges(
        encounter_id=enc.id,
        occurred_at=enc.occurred_at,
        kind=enc.kind,
        provider=names.get(provider_id or 0, ""),
        provider_npi=profile.npi if profile else "",
        signed=enc.status is NoteStatus.SIGNED,
        charges=tuple(entries),
        diagnoses=tuple(dx.items()),
    )


def _encounter(s: Session, encounter_id: int) -> Encounter:
    enc = s.get(Encounter, encounter_id)
    if enc is None:
        raise NotFound("That visit does not exist.")
    return enc


def _check_lines(
    s: Session, lines: Sequence[ChargeLine], options: dict[str, str]
) -> dict[str, Fee]:
    """The fees the lines name; every bad line and field is named in one error."""
    if not lines:
        raise ValidationError("services", "pick at least one service")
    if len(lines) > MAX_LINES:
        raise ValidationError("services", f"at most {MAX_LINES} services on one visit")
    codes = {(line.fee_code or "").strip().upper() for line in lines}
    fees = {f.code: f for f in s.scalars(select(Fee).where(Fee.code.in_(codes)))}
    bad: list[tuple[str, str]] = []
    for n, line in enumerate(lines, start=1):
        code = (line.fee_code or "").strip().upper()
        fee = fees.get(code)
        if fee is None or not fee.active:
            bad.append((f"service {n}", f"{code or '(empty)'} is not in the fee schedule"))
        if isinstance(line.quantity, bool) or not 1 <= line.quantity <= MAX_QUANTITY:
            bad.append((f"quantity {n}", f"must be 1 to {MAX_QUANTITY}"))
        if not line.diagnoses:
            bad.append((f"diagnoses {n}", "link at least one diagnosis"))
        for raw in line.diagnoses:
            known = icd10.describe(raw)
            if raw.strip().upper() not in options and (known is None or not known.billable):
                bad.append((f"diagnoses {n}", f"{raw} is not a billable ICD-10-CM code"))
    if bad:
        raise ValidationError(", ".join(f for f, _ in bad), "; ".join(r for _, r in bad))
    return fees


class CodingService:
    """The physician codes signed visits; billing staff read what was coded."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def options(self, actor: Actor, encounter_id: int) -> builtins.list[DiagnosisOption]:
        """The diagnoses this visit's charges may be linked to."""
        require(actor, Permission.BILLING_CODE)
        with self._db.reading(actor) as s:
            return diagnosis_options(s, _encounter(s, encounter_id))

    def visit(self, actor: Actor, encounter_id: int) -> VisitCharges:
        """A visit's charges, as the superbill shows them."""
        require(actor, Permission.BILLING_VIEW)
        with self._db.reading(actor) as s:
            return visit_charges(s, _encounter(s, encounter_id))

    def code_visit(
        self, actor: Actor, encounter_id: int, lines: Sequence[ChargeLine]
    ) -> VisitCharges:
        """Charge a signed visit's services at the prices in force on the visit's day."""
        require(actor, Permission.BILLING_CODE)
        with self._db.unit_of_work(actor) as s:
            enc = _encounter(s, encounter_id)
            get_patient(s, enc.patient_id, writable=True)
            if enc.status is not NoteStatus.SIGNED:
                raise LockedRecordError("Sign the visit note before coding the visit.")
            options = {o.code: o.description for o in diagnosis_options(s, enc)}
            fees = _check_lines(s, lines, options)
            day = enc.occurred_at.astimezone().date()
            prices = prices_on(s, (f.id for f in fees.values()), day)
            for line in lines:
                fee = fees[line.fee_code.strip().upper()]
                unit = prices[fee.id].price_cents if fee.id in prices else 0
                e = BillingEntry(
                    patient_id=enc.patient_id,
                    kind=EntryKind.CHARGE,
                    entry_date=day,
                    encounter_id=enc.id,
                    provider_id=enc.provider_id or enc.signed_by_id,
                    fee_id=fee.id,
                    code=fee.code,
                    description=fee.description,
                    quantity=line.quantity,
                    unit_cents=unit,
                    amount_cents=unit * line.quantity,
                    recorded_by_id=actor.user_id,
                )
                s.add(e)
                s.flush()
                for pos, raw in enumerate(dict.fromkeys(c.strip().upper() for c in line.diagnoses)):
                    known = icd10.describe(raw)
                    code = known.code if known else raw
                    text = options.get(code) or (known.description if known else "")
                    s.add(EntryDiagnosis(entry_id=e.id, position=pos, code=code, description=text))
                record(
                    s,
                    actor,
                    "billing_charge",
                    entity="billing_entry",
                    entity_id=e.id,
                    patient_id=enc.patient_id,
                    details={"encounter": enc.id, "amount_cents": e.amount_cents},
                )
            s.flush()
            return visit_charges(s, enc)

    def to_be_coded(self, actor: Actor, *, limit: int = 500) -> builtins.list[UncodedVisit]:
        """Signed visits without any charge, newest first."""
        require(actor, Permission.BILLING_CODE)
        with self._db.reading(actor) as s:
            has_charge = exists().where(BillingEntry.encounter_id == Encounter.id)
            rows = s.execute(
                select(Encounter, Patient)
                .join(Patient, Patient.id == Encounter.patient_id)
                .where(Encounter.status == NoteStatus.SIGNED, ~has_charge)
                .order_by(Encounter.occurred_at.desc(), Encounter.id.desc())
                .limit(limit)
            ).all()
            names = user_names(s, {e.provider_id for e, _ in rows})
            return [
                UncodedVisit(
                    e.id,
                    p.id,
                    p.mrn,
                    patient_name(p),
                    e.occurred_at,
                    names.get(e.provider_id or 0, ""),
                    e.kind,
                )
                for e, p in rows
            ]
