"""The offline prescribing checks, end to end: what the prescriber sees before signing."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest
from conftest import Clinic
from sqlalchemy import select

from emr_desktop.domain.clinical import RxStatus
from emr_desktop.domain.prescribing import MedicationInput, PrescriptionInput, SafetyAlert
from emr_desktop.domain.sections import AllergyInput
from emr_desktop.errors import PermissionDenied
from emr_desktop.models import AuditLog
from emr_desktop.reference.drugs import formulary
from emr_desktop.services.chart.allergies import AllergyService
from emr_desktop.services.chart.medications import MedicationService
from emr_desktop.services.prescribing.checks import DEFAULT_CHECKS, UNREMARKABLE_DUPLICATE_CLASSES
from emr_desktop.services.prescribing.doses import per_dose_mg
from emr_desktop.services.prescribing.prescriptions import (
    PrescriptionService,
    SafetyOverrideRequired,
)
from emr_desktop.services.prescribing.safety_context import SAFETY_CHECKS

# One formulary pair for each of the 15 ONC high-priority interactions (Phansalkar 2012):
# the first drug is on the medication list, the second is being prescribed.
ONC_PAIRS = [
    ("phenelzine", "dextroamphetamine/amphetamine"),  # amphetamines + MAO inhibitors
    ("omeprazole", "atazanavir"),  # atazanavir + proton pump inhibitors
    ("azathioprine", "febuxostat"),  # febuxostat + azathioprine/mercaptopurine
    ("phenelzine", "sertraline"),  # SSRIs + MAO inhibitors
    ("ketoconazole", "irinotecan"),  # irinotecan + strong CYP3A4 inhibitors
    ("tranylcypromine", "meperidine"),  # MAO inhibitors + narcotic analgesics
    ("isocarboxazid", "amitriptyline"),  # tricyclics + MAO inhibitors
    ("amiodarone", "haloperidol"),  # QT-prolonging agent + QT-prolonging agent
    ("fluvoxamine", "ramelteon"),  # ramelteon + fluvoxamine
    ("rifampin", "darunavir"),  # protease inhibitors + strong CYP3A4 inducers
    ("clarithromycin", "simvastatin"),  # simvastatin/lovastatin + CYP3A4 inhibitors
    ("ritonavir", "ergotamine/caffeine"),  # ergot alkaloids + CYP3A4 inhibitors
    ("ciprofloxacin", "tizanidine"),  # tizanidine + CYP1A2 inhibitors
    ("procarbazine", "tranylcypromine"),  # tranylcypromine + procarbazine
    ("phenelzine", "sumatriptan"),  # triptans + MAO-A inhibitors
]


@pytest.fixture
def rx(clinic: Clinic) -> PrescriptionService:
    return PrescriptionService(clinic.db)


@pytest.fixture
def meds(clinic: Clinic) -> MedicationService:
    return MedicationService(clinic.db)


@pytest.fixture
def allergies(clinic: Clinic) -> AllergyService:
    return AllergyService(clinic.db)


def order(drug: str, **change: object) -> PrescriptionInput:
    """A prescription of a formulary drug in its first strength, form and route."""
    entry = formulary().get(drug)
    assert entry is not None, drug
    values: dict[str, object] = {
        "drug_name": drug,
        "strength": entry.strengths[0],
        "form": entry.forms[0],
        "route": entry.routes[0],
        "dose": "1",
        # A unit the form can be given in (no intravenous capsule): route_forms.csv.
        "dose_unit": "tablet"
        if "tablet" in entry.forms[0]
        else "capsule"
        if "capsule" in entry.forms[0]
        else "mL",
        "frequency": "daily",
        "quantity": "30",
    }
    values.update(change)
    return PrescriptionInput(**values)  # type: ignore[arg-type]


def blocked(rx: PrescriptionService, clinic: Clinic, ids: list[int]) -> SafetyOverrideRequired:
    with pytest.raises(SafetyOverrideRequired) as err:
        rx.sign(clinic.doctor, ids)
    return err.value


def only(alerts: list[SafetyAlert] | tuple[SafetyAlert, ...], kind: str) -> list[SafetyAlert]:
    return [a for a in alerts if a.kind == kind]


def digest(key: str) -> str:
    """How an alert key is named in the audit log (a digest: keys name drugs)."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def override_audit(clinic: Clinic, patient_id: int) -> list[dict[str, object]]:
    with clinic.db.unit_of_work() as s:
        rows = s.scalars(
            select(AuditLog).where(
                AuditLog.action == "rx_alert_override", AuditLog.patient_id == patient_id
            )
        )
        return [json.loads(r.details) for r in rows]


def test_the_checks_are_registered_by_default() -> None:
    assert list(DEFAULT_CHECKS) == [c for c in SAFETY_CHECKS if c in DEFAULT_CHECKS]
    assert len(DEFAULT_CHECKS) == 6
    # the classes exempt from duplicate-class alerts are real formulary classes (no typos)
    assert formulary().class_vocabulary() >= UNREMARKABLE_DUPLICATE_CLASSES


# --- drug-drug: the ONC high-priority pairs -------------------------------------------------


@pytest.mark.parametrize(("on_list", "prescribed"), ONC_PAIRS)
def test_onc_high_priority_pair_blocks_until_overridden_and_is_audited(
    clinic: Clinic,
    rx: PrescriptionService,
    meds: MedicationService,
    on_list: str,
    prescribed: str,
) -> None:
    pid = clinic.patient()
    med = meds.record_reported(clinic.doctor, pid, MedicationInput(drug_name=on_list))
    draft = rx.create_draft(clinic.doctor, pid, order(prescribed))
    err = blocked(rx, clinic, [draft.id])
    hits = [a for a in only(err.alerts, "interaction") if f"med{med.id}" in a.key]
    assert hits, [a.key for a in err.alerts]
    alert = hits[0]
    assert alert.severity == "contraindicated" and alert.requires_override
    assert alert.key in err.unresolved
    assert alert.prescription_ids == (draft.id,)
    assert on_list in alert.message.lower() and "Recommended:" in alert.message
    # the dialog sees the same alerts, with the same keys, before signing
    assert {a.key for a in rx.check(clinic.doctor, [draft.id])} == {a.key for a in err.alerts}
    reasons = {key: "Specialist agreed; monitored in clinic" for key in err.unresolved}
    [row] = rx.sign(clinic.doctor, [draft.id], override_reasons=reasons)
    assert row.status is RxStatus.SIGNED
    audited = override_audit(clinic, pid)
    assert {d["alert"] for d in audited} == {digest(k) for k in err.unresolved}
    assert all(d["reason"] == "Specialist agreed; monitored in clinic" for d in audited)


def test_interactions_within_one_batch(clinic: Clinic, rx: PrescriptionService) -> None:
    pid = clinic.patient()
    a = rx.create_draft(clinic.doctor, pid, order("sildenafil"))
    b = rx.create_draft(clinic.doctor, pid, order("isosorbide mononitrate"))
    err = blocked(rx, clinic, [a.id, b.id])
    [alert] = only(err.alerts, "interaction")
    assert alert.key == f"interaction:rx{a.id}:rx{b.id}:pde5 inhibitor:nitrate"
    assert alert.prescription_ids == (a.id, b.id)
    assert alert.severity == "contraindicated"
    assert "hypotension" in alert.message.lower()
    # either one alone is fine
    assert only(rx.check(clinic.doctor, [a.id]), "interaction") == []


def test_alert_keys_do_not_depend_on_the_order_of_the_batch(
    clinic: Clinic, rx: PrescriptionService, meds: MedicationService
) -> None:
    pid = clinic.patient()
    meds.record_reported(clinic.doctor, pid, MedicationInput(drug_name="warfarin"))
    ids = [
        rx.create_draft(clinic.doctor, pid, order(d, dose="1000", dose_unit="mg")).id
        for d in ("ibuprofen", "naproxen", "acetaminophen")
    ]
    forward = rx.check(clinic.doctor, ids)
    assert {a.kind for a in forward} >= {"interaction", "duplicate-class"}
    assert {a.key for a in forward} == {a.key for a in rx.check(clinic.doctor, ids[::-1])}


def test_moderate_or_unrelated_drugs_sign_without_a_reason(
    clinic: Clinic, rx: PrescriptionService, allergies: AllergyService
) -> None:
    pid = clinic.patient()
    allergies.mark_no_known_allergies(clinic.nurse, pid)
    ids = [
        rx.create_draft(clinic.doctor, pid, order(d)).id
        for d in ("atorvastatin", "lisinopril", "metformin")
    ]
    assert rx.check(clinic.doctor, ids) == []
    assert [r.status for r in rx.sign(clinic.doctor, ids)] == [RxStatus.SIGNED] * 3


# --- drug-allergy -----------------------------------------------------------------------------


def test_penicillin_allergy_blocks_amoxicillin_until_overridden(
    clinic: Clinic, rx: PrescriptionService, allergies: AllergyService
) -> None:
    pid = clinic.patient()
    allergy = allergies.add(clinic.nurse, pid, AllergyInput("Penicillin", reaction="hives"))
    draft = rx.create_draft(clinic.doctor, pid, order("amoxicillin"))
    err = blocked(rx, clinic, [draft.id])
    [alert] = only(err.alerts, "allergy")
    assert alert.key.startswith(f"allergy:{allergy.id}:rx{draft.id}:")
    assert alert.severity == "contraindicated" and alert.requires_override
    assert err.unresolved == (alert.key,)
    assert "Penicillin" in alert.message and "hives" in alert.message
    rx.sign(clinic.doctor, [draft.id], override_reasons={alert.key: "Tolerated it last year"})
    assert [d["alert"] for d in override_audit(clinic, pid)] == [digest(alert.key)]


def test_penicillin_allergy_only_cautions_for_cephalexin(
    clinic: Clinic, rx: PrescriptionService, allergies: AllergyService
) -> None:
    pid = clinic.patient()
    allergies.add(clinic.nurse, pid, AllergyInput("Penicillin", reaction="rash"))
    draft = rx.create_draft(clinic.doctor, pid, order("cephalexin"))
    [alert] = rx.check(clinic.doctor, [draft.id])
    assert alert.kind == "allergy-cross-sensitivity"
    assert alert.severity == "moderate" and not alert.requires_override
    assert "cephalosporin" in alert.message.lower() and "caution" in alert.message.lower()
    [row] = rx.sign(clinic.doctor, [draft.id])
    assert row.status is RxStatus.SIGNED
    assert override_audit(clinic, pid) == []


def test_free_text_drug_is_checked_by_the_ingredient_named(
    clinic: Clinic, rx: PrescriptionService, allergies: AllergyService, meds: MedicationService
) -> None:
    pid = clinic.patient()
    allergies.add(clinic.nurse, pid, AllergyInput("sulfa"))
    meds.record_reported(clinic.doctor, pid, MedicationInput(drug_name="warfarin"))
    compounded = PrescriptionInput(
        drug_name="Compounded suspension (pharmacy-made)",
        ingredients=("Sulfamethoxazole", "Trimethoprim"),
        dose="10",
        dose_unit="mL",
        frequency="twice daily",
        quantity="200",
    )
    draft = rx.create_draft(clinic.doctor, pid, compounded)
    alerts = rx.check(clinic.doctor, [draft.id])
    [allergy] = only(alerts, "allergy")
    assert "sulfonamide antibiotic" in allergy.message and allergy.requires_override
    interactions = only(alerts, "interaction")
    assert interactions and all(a.severity == "major" for a in interactions)
    assert any("warfarin" in a.message.lower() for a in interactions)


def test_a_drug_the_checks_cannot_see_is_said_to_be_unchecked(
    clinic: Clinic, rx: PrescriptionService, meds: MedicationService, allergies: AllergyService
) -> None:
    pid = clinic.patient()
    allergies.mark_no_known_allergies(clinic.nurse, pid)
    med = meds.record_reported(clinic.doctor, pid, MedicationInput(drug_name="Herbal tea blend"))
    draft = rx.create_draft(
        clinic.doctor,
        pid,
        PrescriptionInput(
            drug_name="Magic mouthwash (compounded)",
            dose="5",
            dose_unit="mL",
            frequency="four times daily",
            quantity="240",
        ),
    )
    alerts = rx.check(clinic.doctor, [draft.id])
    assert {a.key for a in alerts} == {
        f"unchecked:rx{draft.id}",
        f"unchecked-medications:med{med.id}",
    }
    assert all(a.severity == "info" and not a.requires_override for a in alerts)
    assert any("Herbal tea blend" in a.message for a in alerts)
    assert rx.sign(clinic.doctor, [draft.id])[0].status is RxStatus.SIGNED


# --- duplicate therapy ---------------------------------------------------------------------


def test_same_ingredient_needs_an_override(
    clinic: Clinic, rx: PrescriptionService, meds: MedicationService
) -> None:
    pid = clinic.patient()
    med = meds.record_reported(clinic.doctor, pid, MedicationInput(drug_name="lisinopril"))
    draft = rx.create_draft(clinic.doctor, pid, order("lisinopril/hydrochlorothiazide"))
    err = blocked(rx, clinic, [draft.id])
    [dup] = only(err.alerts, "duplicate-ingredient")
    assert dup.key == f"duplicate:lisinopril:med{med.id},rx{draft.id}"
    assert dup.severity == "major" and dup.key in err.unresolved
    assert "lisinopril" in dup.message and "medication list" in dup.message
    # reported once, as the ingredient, not again as the class they share
    assert only(err.alerts, "duplicate-class") == []


def test_same_class_is_a_warning(
    clinic: Clinic, rx: PrescriptionService, meds: MedicationService
) -> None:
    pid = clinic.patient()
    meds.record_reported(clinic.doctor, pid, MedicationInput(drug_name="atorvastatin"))
    draft = rx.create_draft(clinic.doctor, pid, order("rosuvastatin"))
    [dup] = only(rx.check(clinic.doctor, [draft.id]), "duplicate-class")
    assert dup.severity == "moderate" and not dup.requires_override
    assert "statin" in dup.message
    assert rx.sign(clinic.doctor, [draft.id])[0].status is RxStatus.SIGNED


def test_classes_commonly_combined_are_not_duplicates(
    clinic: Clinic, rx: PrescriptionService, meds: MedicationService
) -> None:
    pid = clinic.patient()
    meds.record_reported(clinic.doctor, pid, MedicationInput(drug_name="fluticasone"))
    draft = rx.create_draft(clinic.doctor, pid, order("prednisone"))
    assert only(rx.check(clinic.doctor, [draft.id]), "duplicate-class") == []


def test_a_renewal_does_not_duplicate_the_entry_it_renews(
    clinic: Clinic, rx: PrescriptionService
) -> None:
    pid = clinic.patient()
    first = rx.sign(clinic.doctor, [rx.create_draft(clinic.doctor, pid, order("atorvastatin")).id])
    renewal = rx.renew(clinic.doctor, first[0].id)
    kinds = {a.kind for a in rx.check(clinic.doctor, [renewal.id])}
    assert not kinds & {"duplicate-ingredient", "duplicate-class"}


# --- maximum daily dose ------------------------------------------------------------------------


def test_dose_above_the_maximum_blocks_until_overridden(
    clinic: Clinic, rx: PrescriptionService
) -> None:
    pid = clinic.patient()
    draft = rx.create_draft(
        clinic.doctor,
        pid,
        order("acetaminophen", dose="1000", dose_unit="mg", frequency="every 4 hours"),
    )
    err = blocked(rx, clinic, [draft.id])
    [alert] = only(err.alerts, "max-dose")
    assert alert.key == f"max-dose:acetaminophen:{draft.id}"
    assert alert.severity == "major" and alert.key in err.unresolved
    assert "6000 mg" in alert.message and "4000 mg" in alert.message
    rx.sign(clinic.doctor, [draft.id], override_reasons={alert.key: "Single day, inpatient plan"})
    assert [d["alert"] for d in override_audit(clinic, pid)] == [digest(alert.key)]


def test_tablets_are_counted_through_their_strength(
    clinic: Clinic, rx: PrescriptionService
) -> None:
    pid = clinic.patient()
    at_max = rx.create_draft(
        clinic.doctor,
        pid,
        order("acetaminophen", strength="500 mg", dose="2", frequency="four times daily"),
    )
    assert only(rx.check(clinic.doctor, [at_max.id]), "max-dose") == []
    above = rx.create_draft(
        clinic.doctor,
        pid,
        order("acetaminophen", strength="500 mg", dose="2", frequency="every 4 hours"),
    )
    assert only(rx.check(clinic.doctor, [above.id]), "max-dose")


def test_acetaminophen_is_added_up_across_the_batch(
    clinic: Clinic, rx: PrescriptionService
) -> None:
    pid = clinic.patient()
    combo = rx.create_draft(
        clinic.doctor,
        pid,
        order(
            "hydrocodone/acetaminophen",
            strength="10 mg/325 mg",
            dose="2",
            frequency="every 4 hours",
        ),
    )
    plain = rx.create_draft(
        clinic.doctor,
        pid,
        order("acetaminophen", strength="500 mg", frequency="four times daily"),
    )
    assert only(rx.check(clinic.doctor, [combo.id]), "max-dose") == []  # 3900 mg
    [alert] = only(rx.check(clinic.doctor, [combo.id, plain.id]), "max-dose")  # 5900 mg
    assert alert.prescription_ids == (combo.id, plain.id)
    assert "5900 mg" in alert.message


@pytest.mark.parametrize(
    ("dose", "unit", "strength", "ingredients", "expected"),
    [
        ("1", "g", "", ["acetaminophen"], {"acetaminophen": Decimal(1000)}),
        ("250", "mcg", "", ["levothyroxine"], {"levothyroxine": Decimal("0.25")}),
        ("2", "tablet", "500 mg", ["acetaminophen"], {"acetaminophen": Decimal(1000)}),
        ("1", "tablet", "5 mg/325 mg", ["hydrocodone", "acetaminophen"],
         {"hydrocodone": Decimal(5), "acetaminophen": Decimal(325)}),
        ("10", "mL", "160 mg/5 mL", ["acetaminophen"], {"acetaminophen": Decimal(320)}),
        ("2", "mL", "10 mg/mL", ["x"], {"x": Decimal(20)}),
        ("15", "mL", "7.5 mg/325 mg per 15 mL", ["hydrocodone", "acetaminophen"],
         {"hydrocodone": Decimal("7.5"), "acetaminophen": Decimal(325)}),
        # not certain, so not converted (and not checked)
        ("10", "unit", "100 units/mL", ["insulin glargine"], {}),
        ("1", "patch", "25 mcg/h", ["fentanyl"], {}),
        ("2", "tablet", "", ["acetaminophen"], {}),
        ("2", "puff", "90 mcg/actuation", ["albuterol"], {}),
        ("500", "mg", "", ["amoxicillin", "clavulanate"], {}),
    ],
)  # fmt: skip
def test_dose_conversion(
    dose: str, unit: str, strength: str, ingredients: list[str], expected: dict[str, Decimal]
) -> None:
    assert per_dose_mg(Decimal(dose), unit, strength, ingredients) == expected


def test_irregular_schedules_and_unknown_units_are_not_checked(
    clinic: Clinic, rx: PrescriptionService
) -> None:
    pid = clinic.patient()
    ids = [
        rx.create_draft(
            clinic.doctor, pid, order("acetaminophen", dose="5000", dose_unit="mg", frequency=f)
        ).id
        for f in ("as directed", "once")
    ]
    ids.append(
        rx.create_draft(
            clinic.doctor,
            pid,
            order("insulin glargine", dose="300", dose_unit="unit", frequency="daily"),
        ).id
    )
    assert only(rx.check(clinic.doctor, ids), "max-dose") == []


# --- allergy documentation and access -------------------------------------------------------


def test_missing_allergy_documentation_is_a_warning(
    clinic: Clinic, rx: PrescriptionService, allergies: AllergyService
) -> None:
    pid = clinic.patient()
    draft = rx.create_draft(clinic.doctor, pid, order("atorvastatin"))
    [alert] = rx.check(clinic.doctor, [draft.id])
    assert alert.kind == "allergy-documentation" and alert.key == "allergies-undocumented"
    assert alert.severity == "moderate" and not alert.requires_override
    assert "not documented" in alert.message
    allergies.mark_no_known_allergies(clinic.nurse, pid)
    assert rx.check(clinic.doctor, [draft.id]) == []


def test_check_is_read_only_and_needs_chart_access(clinic: Clinic, rx: PrescriptionService) -> None:
    pid = clinic.patient()
    draft = rx.create_draft(clinic.doctor, pid, order("atorvastatin"))
    assert rx.check(clinic.nurse, [draft.id])  # the nurse preparing a renewal sees them too
    with pytest.raises(PermissionDenied):
        rx.check(clinic.desk, [draft.id])
    assert rx.get(clinic.doctor, draft.id).status is RxStatus.DRAFT
