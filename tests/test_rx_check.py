"""`rx check` as a physician would use it: every check for a patient as if a drug were
prescribed, on both engines (the what-if service, then the emr-admin command)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from conftest import Clinic
from sqlalchemy import select

from emr_desktop.domain.clinical import (
    LabFlag,
    MedicationSource,
    MedicationStatus,
    ProblemStatus,
    Sex,
)
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.sections import AllergyInput
from emr_desktop.errors import NotFound, PermissionDenied, ValidationError
from emr_desktop.models import AuditLog, LabResult, Medication, Patient, Problem, VitalSigns
from emr_desktop.services.chart.allergies import AllergyService
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.prescribing.what_if import (
    KINDS,
    CheckedAlert,
    WhatIfService,
    hypothetical_prescription,
)

TODAY = dt.date.today()
NOW = dt.datetime.now(dt.UTC)
_numbers: Iterator[int] = iter(range(1, 10_000))


@dataclass
class Chart:
    """One fresh patient to fill in."""

    clinic: Clinic
    id: int
    mrn: str
    meds: list[str] = field(default_factory=list)

    def med(self, name: str, *, stopped_days_ago: int | None = None) -> Chart:
        from emr_desktop.reference.drug_names import resolve_drug

        with self.clinic.db.unit_of_work() as s:
            s.add(
                Medication(
                    patient_id=self.id,
                    drug_name=name,
                    ingredients=";".join(resolve_drug(name).ingredients),
                    source=MedicationSource.REPORTED,
                    status=MedicationStatus.ACTIVE
                    if stopped_days_ago is None
                    else MedicationStatus.STOPPED,
                    stop_date=None
                    if stopped_days_ago is None
                    else TODAY - dt.timedelta(days=stopped_days_ago),
                )
            )
        return self

    def lab(self, loinc: str, name: str, value: float, unit: str) -> Chart:
        with self.clinic.db.unit_of_work() as s:
            s.add(
                LabResult(
                    patient_id=self.id,
                    loinc=loinc,
                    name=name,
                    value=value,
                    unit=unit,
                    flag=LabFlag.LOW,
                    collected_at=NOW - dt.timedelta(days=3),
                )
            )
        return self

    def weight(self, kg: float) -> Chart:
        with self.clinic.db.unit_of_work() as s:
            s.add(VitalSigns(patient_id=self.id, measured_at=NOW, weight_kg=kg))
        return self

    def problem(self, code: str, text: str) -> Chart:
        with self.clinic.db.unit_of_work() as s:
            s.add(
                Problem(
                    patient_id=self.id, code=code, description=text, status=ProblemStatus.ACTIVE
                )
            )
        return self

    def allergy(self, substance: str) -> Chart:
        AllergyService(self.clinic.db).add(self.clinic.doctor, self.id, AllergyInput(substance))
        return self

    def check(self, drug: str, dose: str | None = None, times: str | None = None, per: str = "day"):
        return WhatIfService(self.clinic.db).check_drug(
            self.clinic.doctor, self.mrn, drug, dose_mg=dose, times=times, per=per
        )


def chart(clinic: Clinic, born: dt.date = dt.date(1980, 5, 5), sex: Sex = Sex.FEMALE) -> Chart:
    n = next(_numbers)
    data = PatientInput(f"Rx{n}", f"Check{n}", born, sex)
    pid = PatientService(clinic.db).register(clinic.desk, data, confirm_not_duplicate=True).id
    with clinic.db.unit_of_work() as s:
        patient = s.get(Patient, pid)
        assert patient is not None
        patient.no_known_allergies = True
        mrn = patient.mrn
    return Chart(clinic, pid, mrn)


def kinds(alerts: list[CheckedAlert]) -> set[tuple[str, str]]:
    return {(a.severity, a.kind) for a in alerts}


def only(alerts: list[CheckedAlert], kind: str) -> list[CheckedAlert]:
    return [a for a in alerts if a.kind == kind]


def test_a_clean_check_says_nothing(clinic: Clinic) -> None:
    assert chart(clinic).check("lisinopril 10 mg", "10", "1") == []


def test_every_alert_has_a_public_severity_and_kind(clinic: Clinic) -> None:
    c = chart(clinic).med("Simvistatin 10 MG").med("Quorvalin 10 mg").allergy("penicilin")
    for alert in c.check("clarithromycin 500 mg", "500", "2") + c.check("amoxicillin"):
        assert alert.kind in KINDS
        assert alert.severity in ("contraindicated", "major", "moderate", "minor", "info")
        assert "\t" not in alert.message and "\n" not in alert.message


def test_salted_and_rxnorm_style_names_are_checked(clinic: Clinic) -> None:
    c = chart(clinic).med("Simvistatin 10 MG").med("Warfarin Sodium 5 MG Oral Tablet")
    assert ("contraindicated", "drug-drug") in kinds(c.check("clarithromycin 500 mg"))
    assert only(c.check("Fluconazole 150 MG Oral Tablet"), "drug-drug")
    assert only(c.check("naproxen sodium"), "drug-drug")
    assert only(chart(clinic).med("phenelzine sulfate").check("sertraline HCl"), "drug-drug")


def test_unresolved_medications_are_listed_never_skipped(clinic: Clinic) -> None:
    c = chart(clinic).med("Quorvalin 10 mg")
    (alert,) = only(c.check("lisinopril"), "unresolved")
    assert alert.severity == "info" and "not checked: Quorvalin 10 mg" in alert.message
    (own,) = only(chart(clinic).check("Zyntrofax 5 mg"), "unresolved")
    assert "not checked: Zyntrofax 5 mg" in own.message


def test_renal_egfr_12_flags_metformin_dabigatran_and_nitrofurantoin(clinic: Clinic) -> None:
    c = chart(clinic).lab("62238-1", "eGFR (CKD-EPI)", 12, "mL/min/{1.73_m2}")
    for drug in ("metformin", "dabigatran", "nitrofurantoin"):
        (alert,) = only(c.check(drug), "renal")
        assert "12" in alert.message and (TODAY - dt.timedelta(days=3)).isoformat() in alert.message
    assert only(c.check("metformin"), "renal")[0].severity == "major"
    assert not only(chart(clinic).check("metformin"), "renal")


def test_a_12_kg_two_year_old_on_ibuprofen_800_mg_three_times_daily(clinic: Clinic) -> None:
    c = chart(clinic, born=TODAY - dt.timedelta(days=2 * 365 + 30)).weight(12)
    alerts = only(c.check("ibuprofen", "800", "3"), "pediatric")
    assert [a.severity for a in alerts] == ["major"]
    assert "12 kg" in alerts[0].message and "40 mg/kg/day" in alerts[0].message
    assert not only(c.check("ibuprofen", "100", "3"), "pediatric")
    unweighed = chart(clinic, born=TODAY - dt.timedelta(days=3 * 365))
    (info,) = only(unweighed.check("ibuprofen", "100", "3"), "pediatric")
    assert info.severity == "info" and "no weight" in info.message


def test_methotrexate_daily_is_refused_weekly_is_not(clinic: Clinic) -> None:
    c = chart(clinic)
    daily = only(c.check("methotrexate", "10", "1", "day"), "dose")
    assert ("contraindicated", "dose") in kinds(daily) and "weekly" in daily[0].message
    assert not only(c.check("methotrexate", "10", "1", "week"), "dose")


def test_implausible_doses_are_caught(clinic: Clinic) -> None:
    c = chart(clinic)
    assert ("major", "dose") in kinds(c.check("warfarin", "10000", "1"))
    assert ("major", "dose") in kinds(c.check("alendronate", "70", "1", "day"))
    assert not only(c.check("alendronate", "70", "1", "week"), "dose")
    assert ("major", "dose") in kinds(c.check("ibuprofen", "1200", "1"))


def test_pregnancy_on_the_problem_list(clinic: Clinic) -> None:
    c = chart(clinic).problem("Z33.1", "Pregnant state, incidental")
    for drug in ("warfarin", "isotretinoin", "lisinopril"):
        (alert,) = only(c.check(drug), "pregnancy")
        assert alert.severity == "contraindicated", drug
    assert not only(chart(clinic).check("warfarin"), "pregnancy")


def test_older_adults_get_the_beers_criteria(clinic: Clinic) -> None:
    old = chart(clinic, born=dt.date(1940, 1, 1))
    assert only(old.check("diphenhydramine"), "geriatric")
    assert not only(chart(clinic).check("diphenhydramine"), "geriatric")


def test_washout_after_an_mao_inhibitor_or_fluoxetine(clinic: Clinic) -> None:
    c = chart(clinic).med("phenelzine", stopped_days_ago=5)
    (alert,) = only(c.check("sertraline"), "washout")
    assert alert.severity == "contraindicated" and "14 days" in alert.message
    assert not only(
        chart(clinic).med("phenelzine", stopped_days_ago=20).check("sertraline"), "washout"
    )
    fluoxetine = chart(clinic).med("fluoxetine", stopped_days_ago=20)
    assert only(fluoxetine.check("phenelzine"), "washout")


def test_broader_duplicate_therapy(clinic: Clinic) -> None:
    assert only(chart(clinic).med("sertraline").check("venlafaxine"), "duplicate")
    assert only(chart(clinic).med("haloperidol").check("risperidone"), "duplicate")


def test_misspelt_allergen_is_checked(clinic: Clinic) -> None:
    c = chart(clinic).allergy("penicilin")
    assert ("contraindicated", "drug-allergy") in kinds(c.check("amoxicillin 500 mg"))


def test_physician_only_audited_and_refusals_name_every_field(clinic: Clinic) -> None:
    c = chart(clinic)
    service = WhatIfService(clinic.db)
    with pytest.raises(PermissionDenied):
        service.check_drug(clinic.nurse, c.mrn, "warfarin")
    with pytest.raises(NotFound):
        service.check_drug(clinic.doctor, "NOPE-1", "warfarin")
    with pytest.raises(ValidationError) as err:
        service.check_drug(clinic.doctor, c.mrn, " ", dose_mg="-1", times="0", per="month")
    for name in ("drug", "dose-mg", "times", "per"):
        assert name in err.value.field
    c.check("warfarin", "5", "1")
    with clinic.db.unit_of_work() as s:
        row = s.scalars(
            select(AuditLog).where(AuditLog.action == "rx_check", AuditLog.patient_id == c.id)
        ).one()
        assert "warfarin" not in row.details


def test_unrecognised_allergies_are_named_in_every_check(clinic: Clinic) -> None:
    c = chart(clinic).allergy("Quorvacillin")
    (alert,) = only(c.check("lisinopril"), "unresolved")
    assert "not checked: allergy to Quorvacillin" in alert.message
    assert not only(chart(clinic).allergy("peanuts").check("lisinopril"), "unresolved")


def test_the_manager_decides_which_severities_interrupt(clinic: Clinic) -> None:
    from emr_desktop.services.prescribing.alert_policy import AlertPolicyService
    from emr_desktop.services.prescribing.safety_context import run_checks

    policy = AlertPolicyService(clinic.db)
    with pytest.raises(PermissionDenied):
        policy.update(clinic.doctor, ["contraindicated"])
    admin = clinic.practice.admin
    try:
        assert policy.update(admin, []) == ["contraindicated"]  # always interrupts
        assert policy.update(admin, ["moderate", "major"]) == [
            "contraindicated",
            "major",
            "moderate",
        ]
        with pytest.raises(ValidationError):
            policy.update(admin, ["severe"])
        c = chart(clinic).med("sertraline")
        with clinic.db.unit_of_work() as s:
            from emr_desktop.services.prescribing.safety_context import context_for

            patient = s.get(Patient, c.id)
            assert patient is not None
            row = hypothetical_prescription(c.id, "venlafaxine", None, None, "day")
            context, _ = context_for(s, patient, (row,), set())
            alerts = run_checks(context)
        moderate = [a for a in alerts if a.severity == "moderate"]
        assert moderate and all(a.requires_override for a in moderate)
        with clinic.db.unit_of_work() as s:
            changes = s.scalars(
                select(AuditLog).where(AuditLog.action == "rx_alert_policy_change")
            ).all()
            assert len(changes) == 2
    finally:
        policy.update(admin, ["contraindicated", "major"])
