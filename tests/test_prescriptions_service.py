"""Prescriptions: drafts, renewals, safety-checked signing, cancelling, per role."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace

import pytest
from conftest import Clinic
from sqlalchemy import select

from emr_desktop.domain.chart import PrescriptionRow
from emr_desktop.domain.clinical import (
    AllergyCategory,
    AllergySeverity,
    MedicationSource,
    MedicationStatus,
    RecordStatus,
    RxStatus,
)
from emr_desktop.domain.prescribing import (
    MedicationInput,
    PrescriptionInput,
    SafetyAlert,
    SafetyContext,
)
from emr_desktop.domain.security import Actor, Role
from emr_desktop.errors import NotFound, PermissionDenied, ValidationError
from emr_desktop.models import Allergy, AuditHead, AuditLog, Patient
from emr_desktop.services.chart.medications import MedicationService
from emr_desktop.services.common.chart_access import READ_ACTIONS
from emr_desktop.services.prescribing.prescriptions import (
    PrescriptionService,
    SafetyOverrideRequired,
)
from emr_desktop.services.prescribing.safety_context import SAFETY_CHECKS

ROLES = (Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.RECEPTIONIST)

AMOXICILLIN = PrescriptionInput(
    drug_name="Amoxicillin",
    ingredients=("amoxicillin",),
    strength="500 mg",
    form="capsule",
    dose="1",
    dose_unit="capsule",
    frequency="three times daily",
    duration_days=10,
    quantity="30",
    quantity_unit="capsule",
)
WARFARIN = PrescriptionInput(
    drug_name="Warfarin",
    ingredients=("warfarin",),
    strength="5 mg",
    form="tablet",
    dose=Decimal("0.50"),
    dose_unit="tablet",
    frequency="daily",
    quantity=Decimal("15.0"),
    refills=2,
)


@pytest.fixture
def rx(clinic: Clinic) -> PrescriptionService:
    return PrescriptionService(clinic.db)


@pytest.fixture
def meds(clinic: Clinic) -> MedicationService:
    return MedicationService(clinic.db)


@pytest.fixture
def bleeding_check(request: pytest.FixtureRequest) -> list[SafetyContext]:
    """A test-only safety check: warfarin needs an override; undocumented allergies, a note.

    Returns the contexts the check was called with.
    """
    seen: list[SafetyContext] = []

    def check(ctx: SafetyContext) -> list[SafetyAlert]:
        seen.append(ctx)
        alerts = [
            SafetyAlert(
                key=f"test:bleeding:{p.id}",
                severity="major",
                kind="test-bleeding",
                message="Bleeding risk: check the INR plan.",
                requires_override=True,
                prescription_ids=(p.id,),
            )
            for p in ctx.prescriptions
            if "warfarin" in p.ingredients
        ]
        if not ctx.allergies_documented:
            alerts.append(
                SafetyAlert(
                    key="test:allergies-undocumented",
                    severity="info",
                    kind="allergy-documentation",
                    message="Allergies are not documented.",
                    requires_override=False,
                )
            )
        return alerts

    # Only this check runs, so the tests see exactly its alerts, not the default checks'.
    saved = list(SAFETY_CHECKS)
    SAFETY_CHECKS[:] = [check]
    request.addfinalizer(lambda: SAFETY_CHECKS.__setitem__(slice(None), saved))
    return seen


def head(clinic: Clinic) -> int:
    with clinic.db.unit_of_work() as s:
        h = s.get(AuditHead, 1)
        return 0 if h is None else h.last_id


def audit_after(clinic: Clinic, after: int) -> list[AuditLog]:
    with clinic.db.unit_of_work() as s:
        # Reads are audited too; these tests look at the rows of the changes.
        stmt = select(AuditLog).where(AuditLog.id > after, AuditLog.action.not_in(READ_ACTIONS))
        return list(s.scalars(stmt.order_by(AuditLog.id)))


def signed(clinic: Clinic, rx: PrescriptionService, pid: int, data: PrescriptionInput) -> int:
    return rx.sign(clinic.doctor, [rx.create_draft(clinic.doctor, pid, data).id])[0].id


# --- who may do what ---------------------------------------------------------------------


def _case_create(c: Clinic, rx: PrescriptionService) -> Callable[[Actor], object]:
    pid = c.patient()
    return lambda a: rx.create_draft(a, pid, AMOXICILLIN)


def _case_request(c: Clinic, rx: PrescriptionService) -> Callable[[Actor], object]:
    rx_id = signed(c, rx, c.patient(), AMOXICILLIN)
    return lambda a: rx.request_renewal(a, rx_id)


def _case_pending(c: Clinic, rx: PrescriptionService) -> Callable[[Actor], object]:
    return lambda a: rx.pending_renewals(a)


def _case_renew(c: Clinic, rx: PrescriptionService) -> Callable[[Actor], object]:
    rx_id = signed(c, rx, c.patient(), AMOXICILLIN)
    return lambda a: rx.renew(a, rx_id)


def _case_sign(c: Clinic, rx: PrescriptionService) -> Callable[[Actor], object]:
    draft = rx.create_draft(c.doctor, c.patient(), AMOXICILLIN)
    return lambda a: rx.sign(a, [draft.id])


def _case_cancel(c: Clinic, rx: PrescriptionService) -> Callable[[Actor], object]:
    request = rx.request_renewal(c.nurse, signed(c, rx, c.patient(), AMOXICILLIN))
    return lambda a: rx.cancel(a, request.id, "patient no longer needs it")


def _case_list(c: Clinic, rx: PrescriptionService) -> Callable[[Actor], object]:
    pid = c.patient()
    rx.create_draft(c.doctor, pid, AMOXICILLIN)
    return lambda a: rx.list(a, pid)


def _case_get(c: Clinic, rx: PrescriptionService) -> Callable[[Actor], object]:
    rx_id = signed(c, rx, c.patient(), AMOXICILLIN)
    return lambda a: rx.get(a, rx_id)


CLINICAL = {Role.PHYSICIAN, Role.NURSE}
CASES = {
    "create_draft": (_case_create, {Role.PHYSICIAN}),
    "request_renewal": (_case_request, CLINICAL),
    "pending_renewals": (_case_pending, CLINICAL),
    "renew": (_case_renew, {Role.PHYSICIAN}),
    "sign": (_case_sign, {Role.PHYSICIAN}),
    "cancel": (_case_cancel, CLINICAL),  # the nurse made this renewal request
    "list": (_case_list, CLINICAL),
    "get": (_case_get, CLINICAL),
}


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("method", list(CASES))
def test_roles(clinic: Clinic, rx: PrescriptionService, method: str, role: Role) -> None:
    setup, allowed = CASES[method]
    call = setup(clinic, rx)
    before = head(clinic)
    if role in allowed:
        call(clinic.by_role(role))
    else:
        with pytest.raises(PermissionDenied):
            call(clinic.by_role(role))
        assert not audit_after(clinic, before)  # nothing changed (the reads are audited)


# --- drafts ------------------------------------------------------------------------------


def test_create_draft_stores_exact_numbers_and_a_safe_sig(
    clinic: Clinic, rx: PrescriptionService
) -> None:
    pid = clinic.patient()
    before = head(clinic)
    row = rx.create_draft(clinic.doctor, pid, WARFARIN)
    assert (row.dose, row.quantity, row.refills) == ("0.5", "15", 2)
    assert row.sig == "Take 0.5 tablet by mouth daily."
    assert (row.status, row.prescriber, row.signed_at) == (
        RxStatus.DRAFT,
        clinic.doctor.full_name,
        None,
    )
    assert rx.get(clinic.nurse, row.id) == row
    (audit,) = audit_after(clinic, before)
    assert (audit.action, audit.entity_id, audit.patient_id) == ("rx_create", str(row.id), pid)
    assert "arfarin" not in audit.details


def test_insulin_sig_spells_out_units(clinic: Clinic, rx: PrescriptionService) -> None:
    insulin = PrescriptionInput(
        drug_name="Insulin glargine",
        ingredients=("insulin glargine",),
        strength="100 units/mL",
        route="subcutaneous",
        dose="10.00",
        dose_unit="IU",
        frequency="at bedtime",
        quantity="15",
        quantity_unit="mL",
    )
    row = rx.create_draft(clinic.doctor, clinic.patient(), insulin)
    assert (row.dose, row.dose_unit) == ("10", "unit")
    assert row.sig == "Inject 10 units under the skin at bedtime."


def test_ingredients_come_from_the_reference(
    clinic: Clinic, rx: PrescriptionService, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = SimpleNamespace(ingredients=("amoxicillin", "clavulanate"))
    fake = SimpleNamespace(formulary=lambda: {"Augmentin": entry})
    monkeypatch.setitem(sys.modules, "emr_desktop.reference.drugs", fake)  # type: ignore[arg-type]
    data = dataclasses.replace(AMOXICILLIN, drug_name="Augmentin", ingredients=())
    row = rx.create_draft(clinic.doctor, clinic.patient(), data)
    assert row.ingredients == ("amoxicillin", "clavulanate")


def test_bad_prescriptions_are_refused_and_write_nothing(
    clinic: Clinic, rx: PrescriptionService
) -> None:
    pid = clinic.patient()
    before = head(clinic)
    bad = [
        ({"dose": "0"}, "dose"),
        ({"dose": "1.00001"}, "dose"),
        ({"quantity": "-30"}, "quantity"),
        ({"frequency": "TID"}, "frequency"),
        ({"frequency": "QOD"}, "frequency"),
        ({"refills": 12}, "refills"),
        ({"duration_days": 400}, "duration"),
        ({"prn": True}, "as-needed reason"),
        ({"route": "PO"}, "route"),
        ({"dose_unit": "tsp"}, "dose unit"),
    ]
    for change, field in bad:
        with pytest.raises(ValidationError) as err:
            rx.create_draft(clinic.doctor, pid, dataclasses.replace(AMOXICILLIN, **change))  # type: ignore[arg-type]
        assert err.value.field == field
    with pytest.raises(NotFound):
        rx.create_draft(clinic.doctor, 99_999, AMOXICILLIN)
    assert not audit_after(clinic, before)  # nothing changed (the reads are audited)
    assert rx.list(clinic.doctor, pid) == []


# --- signing -----------------------------------------------------------------------------


def test_signing_a_batch_puts_each_on_the_medication_list(
    clinic: Clinic, rx: PrescriptionService, meds: MedicationService
) -> None:
    pid = clinic.patient()
    a = rx.create_draft(clinic.doctor, pid, AMOXICILLIN)
    b = rx.create_draft(
        clinic.doctor,
        pid,
        dataclasses.replace(WARFARIN, drug_name="Atenolol", ingredients=("atenolol",)),
    )
    before = head(clinic)
    rows = rx.sign(clinic.doctor, [b.id, a.id, b.id])
    assert [r.id for r in rows] == [b.id, a.id]
    assert all(r.status is RxStatus.SIGNED and r.signed_at is not None for r in rows)
    listed = {m.prescription_id: m for m in meds.list(clinic.nurse, pid)}
    assert set(listed) == {a.id, b.id}
    entry = listed[a.id]
    assert (entry.source, entry.status, entry.start_date) == (
        MedicationSource.PRESCRIBED,
        MedicationStatus.ACTIVE,
        dt.date.today(),
    )
    assert (entry.drug_name, entry.sig) == ("Amoxicillin", a.sig)
    audit = audit_after(clinic, before)
    assert [r.action for r in audit] == ["rx_sign", "rx_sign"]
    assert [r.entity_id for r in audit] == [str(b.id), str(a.id)]


def test_sign_refusals(clinic: Clinic, rx: PrescriptionService) -> None:
    one, other = clinic.patient(), clinic.patient()
    a = rx.create_draft(clinic.doctor, one, AMOXICILLIN)
    b = rx.create_draft(clinic.doctor, other, AMOXICILLIN)
    done = signed(clinic, rx, one, AMOXICILLIN)
    before = head(clinic)
    for ids, field in (
        ([a.id, b.id], "prescriptions"),
        ([], "prescriptions"),
        ([done], "prescription"),
    ):
        with pytest.raises(ValidationError) as err:
            rx.sign(clinic.doctor, ids)
        assert err.value.field == field
    with pytest.raises(NotFound):
        rx.sign(clinic.doctor, [a.id, 99_999])
    assert not audit_after(clinic, before)  # nothing changed (the reads are audited)
    assert rx.get(clinic.doctor, a.id).status is RxStatus.DRAFT


def test_safety_alert_blocks_signing_until_overridden(
    clinic: Clinic,
    rx: PrescriptionService,
    meds: MedicationService,
    bleeding_check: list[SafetyContext],
) -> None:
    pid = clinic.patient()
    warfarin = rx.create_draft(clinic.doctor, pid, WARFARIN)
    amoxicillin = rx.create_draft(clinic.doctor, pid, AMOXICILLIN)
    ids = [warfarin.id, amoxicillin.id]
    key = f"test:bleeding:{warfarin.id}"
    before = head(clinic)
    for reasons in (None, {}, {key: "   "}, {"some-other-key": "why not"}):
        with pytest.raises(SafetyOverrideRequired) as err:
            rx.sign(clinic.doctor, ids, override_reasons=reasons)
        assert err.value.unresolved == (key,)
        assert {a.key for a in err.value.alerts} == {key, "test:allergies-undocumented"}
    # nothing was signed, listed or audited
    assert {r.status for r in rx.list(clinic.doctor, pid)} == {RxStatus.DRAFT}
    assert meds.list(clinic.doctor, pid) == []
    assert not audit_after(clinic, before)  # nothing changed (the reads are audited)
    # the check saw both prescriptions together, and that allergies were not documented
    assert {p.id for p in bleeding_check[-1].prescriptions} == set(ids)
    assert bleeding_check[-1].allergies_documented is False

    reason = "INR monitored weekly by the anticoagulation clinic"
    rows = rx.sign(clinic.doctor, ids, override_reasons={key: reason})
    assert [r.status for r in rows] == [RxStatus.SIGNED, RxStatus.SIGNED]
    audit = audit_after(clinic, before)
    assert [r.action for r in audit] == ["rx_sign", "rx_sign", "rx_alert_override"]
    override = audit[-1]
    assert override.entity_id == str(warfarin.id)
    assert json.loads(override.details) == {
        "alert": hashlib.sha256(key.encode()).hexdigest()[:16],
        "severity": "major",
        "kind": "test-bleeding",
        "prescription_ids": [warfarin.id],
        "reason": reason,
    }
    assert json.loads(audit[0].details)["alerts_shown"] == 2


def test_information_alerts_do_not_block(
    clinic: Clinic, rx: PrescriptionService, bleeding_check: list[SafetyContext]
) -> None:
    draft = rx.create_draft(clinic.doctor, clinic.patient(), AMOXICILLIN)
    assert rx.sign(clinic.doctor, [draft.id])[0].status is RxStatus.SIGNED
    assert len(bleeding_check) == 1


def test_safety_context_carries_the_patients_lists(
    clinic: Clinic,
    rx: PrescriptionService,
    meds: MedicationService,
    bleeding_check: list[SafetyContext],
) -> None:
    pid = clinic.patient()
    with clinic.db.unit_of_work() as s:
        s.add_all(
            [
                Allergy(
                    patient_id=pid,
                    substance="Penicillin",
                    ingredients="penicillin",
                    classes="penicillin",
                    category=AllergyCategory.DRUG,
                    reaction="hives",
                    severity=AllergySeverity.MODERATE,
                    status=RecordStatus.ACTIVE,
                    recorded_by_id=clinic.nurse.user_id,
                ),
                Allergy(
                    patient_id=pid,
                    substance="Latex",
                    category=AllergyCategory.OTHER,
                    severity=AllergySeverity.MILD,
                    status=RecordStatus.ENTERED_IN_ERROR,
                    recorded_by_id=clinic.nurse.user_id,
                ),
            ]
        )
    meds.record_reported(clinic.doctor, pid, MedicationInput("Aspirin", ("aspirin",)))
    old = signed(clinic, rx, pid, AMOXICILLIN)
    renewal = rx.renew(clinic.doctor, old)
    rx.sign(clinic.doctor, [renewal.id])
    ctx = bleeding_check[-1]
    assert ctx.patient_id == pid and ctx.allergies_documented and not ctx.no_known_allergies
    assert [(a.substance, a.classes, a.recorded_by) for a in ctx.allergies] == [
        ("Penicillin", ("penicillin",), clinic.nurse.full_name)
    ]
    # the entry the renewal replaces is not reported as a medication already taken
    assert [m.drug_name for m in ctx.medications] == ["Aspirin"]


def test_no_known_allergies_counts_as_documented(
    clinic: Clinic, rx: PrescriptionService, bleeding_check: list[SafetyContext]
) -> None:
    pid = clinic.patient()
    with clinic.db.unit_of_work() as s:
        patient = s.get(Patient, pid)
        assert patient is not None
        patient.no_known_allergies = True
    signed(clinic, rx, pid, AMOXICILLIN)
    assert bleeding_check[-1].allergies_documented and bleeding_check[-1].no_known_allergies


# --- renewals ----------------------------------------------------------------------------


def test_nurse_requests_a_renewal_and_the_physician_signs_it(
    clinic: Clinic, rx: PrescriptionService, meds: MedicationService
) -> None:
    pid = clinic.patient()
    original = signed(clinic, rx, pid, AMOXICILLIN)
    before = head(clinic)
    request = rx.request_renewal(clinic.nurse, original)
    assert (request.status, request.renewal_of_id, request.requested_by) == (
        RxStatus.RENEWAL_REQUESTED,
        original,
        clinic.nurse.full_name,
    )
    assert (request.sig, request.dose, request.quantity) == (
        rx.get(clinic.doctor, original).sig,
        "1",
        "30",
    )
    assert rx.request_renewal(clinic.nurse2, original).id == request.id  # asked once only
    assert rx.renew(clinic.doctor, original).id == request.id  # the doctor answers it
    assert request.id in [r.id for r in rx.pending_renewals(clinic.doctor)]
    assert [r.action for r in audit_after(clinic, before)] == ["rx_renewal_request"]

    (renewed,) = rx.sign(clinic.doctor, [request.id])
    assert renewed.prescriber == clinic.doctor.full_name
    assert request.id not in [r.id for r in rx.pending_renewals(clinic.doctor)]
    (entry,) = meds.list(clinic.doctor, pid, include_stopped=True)  # updated, not duplicated
    assert (entry.prescription_id, entry.status) == (renewed.id, MedicationStatus.ACTIVE)
    assert json.loads(audit_after(clinic, before)[-1].details)["medication_updated"] is True


def test_renew_makes_a_draft_copy(clinic: Clinic, rx: PrescriptionService) -> None:
    pid = clinic.patient()
    original = rx.get(clinic.doctor, signed(clinic, rx, pid, WARFARIN))
    draft = rx.renew(clinic.doctor, original.id)
    assert (draft.status, draft.renewal_of_id, draft.requested_by) == (
        RxStatus.DRAFT,
        original.id,
        "",
    )
    copied = ("drug_name", "ingredients", "dose", "frequency", "quantity", "refills", "sig")
    assert [getattr(draft, f) for f in copied] == [getattr(original, f) for f in copied]
    rx.sign(clinic.doctor, [draft.id])
    with pytest.raises(ValidationError, match="already been renewed"):
        rx.renew(clinic.doctor, original.id)
    unsigned = rx.create_draft(clinic.doctor, pid, AMOXICILLIN)
    with pytest.raises(ValidationError, match="only a signed"):
        rx.request_renewal(clinic.nurse, unsigned.id)


# --- cancelling --------------------------------------------------------------------------


def test_cancel_a_draft_needs_no_reason(clinic: Clinic, rx: PrescriptionService) -> None:
    draft = rx.create_draft(clinic.doctor, clinic.patient(), AMOXICILLIN)
    before = head(clinic)
    assert rx.cancel(clinic.doctor, draft.id, "").status is RxStatus.CANCELLED
    (audit,) = audit_after(clinic, before)
    assert audit.action == "rx_cancel"
    assert json.loads(audit.details) == {"previous_status": "draft", "medications_stopped": []}
    with pytest.raises(ValidationError, match="already cancelled"):
        rx.cancel(clinic.doctor, draft.id, "")


def test_cancel_a_signed_prescription_stops_the_medication(
    clinic: Clinic, rx: PrescriptionService, meds: MedicationService
) -> None:
    pid = clinic.patient()
    done = signed(clinic, rx, pid, AMOXICILLIN)
    with pytest.raises(ValidationError) as err:
        rx.cancel(clinic.doctor, done, " ")
    assert err.value.field == "reason"
    assert rx.cancel(clinic.doctor, done, "Rash on day 2").status is RxStatus.CANCELLED
    assert meds.list(clinic.doctor, pid) == []
    (entry,) = meds.list(clinic.doctor, pid, include_stopped=True)
    assert (entry.status, entry.stop_reason, entry.stop_date) == (
        MedicationStatus.STOPPED,
        "Rash on day 2",
        dt.date.today(),
    )


def test_a_nurse_cancels_only_her_own_renewal_requests(
    clinic: Clinic, rx: PrescriptionService
) -> None:
    pid = clinic.patient()
    original = signed(clinic, rx, pid, AMOXICILLIN)
    draft = rx.create_draft(clinic.doctor, pid, WARFARIN)
    request = rx.request_renewal(clinic.nurse, original)
    before = head(clinic)
    for nurse, target in (
        (clinic.nurse2, request.id),
        (clinic.nurse, draft.id),
        (clinic.nurse, original),
    ):
        with pytest.raises(PermissionDenied):
            rx.cancel(nurse, target, "not needed")
    assert not audit_after(clinic, before)  # nothing changed (the reads are audited)
    assert rx.cancel(clinic.nurse, request.id, "sent in error").status is RxStatus.CANCELLED


# --- lists -------------------------------------------------------------------------------


def test_list_is_newest_first_and_filters_by_status(
    clinic: Clinic, rx: PrescriptionService
) -> None:
    pid = clinic.patient()
    first = signed(clinic, rx, pid, AMOXICILLIN)
    second = rx.create_draft(clinic.doctor, pid, WARFARIN).id
    rows: list[PrescriptionRow] = rx.list(clinic.nurse, pid)
    assert [r.id for r in rows] == [second, first]
    assert [r.id for r in rx.list(clinic.nurse, pid, statuses=[RxStatus.SIGNED])] == [first]
    with pytest.raises(NotFound):
        rx.list(clinic.nurse, 99_999)
    with pytest.raises(NotFound):
        rx.get(clinic.nurse, 99_999)
