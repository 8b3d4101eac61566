"""Every read of clinical content leaves an audit row in its own transaction: the test
enumerates every public method of the clinical rooms' services, and each is either a read
called here (asserting its row names the patient) or listed with why it is not one."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable

import pytest
from conftest import Clinic
from sqlalchemy import select

from emr_desktop.domain.exports import ExportKind, ExportRequest
from emr_desktop.domain.prescribing import PrescriptionInput
from emr_desktop.models.audit import AuditLog
from emr_desktop.services.chart.documents import DocumentService
from emr_desktop.services.chart.notes import NoteService
from emr_desktop.services.common.chart_access import READ_ACTIONS
from emr_desktop.services.prescribing.prescriptions import PrescriptionService
from emr_desktop.ui.context import Services

ROOMS = ("chart", "patients", "exchange", "prescribing")
RX = PrescriptionInput(
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


def _note(c: Clinic, pid: int) -> int:
    return NoteService(c.db).create(c.doctor, pid, occurred_at=dt.datetime.now(dt.UTC)).id


def _rx(c: Clinic, pid: int) -> int:
    return PrescriptionService(c.db).create_draft(c.doctor, pid, RX).id


def _doc(c: Clinic, pid: int) -> int:
    pdf = b"%PDF-1.4\n%%EOF\n"
    return (
        DocumentService(c.db)
        .attach(c.doctor, pid, title="Scan", content=pdf, media_type="application/pdf")
        .id
    )


Case = Callable[[Services, Clinic, int], object]
# "Class.method": how to call it for patient ``pid``; each must write a read row about pid.
READS: dict[str, Case] = {
    "AllergyService.list": lambda s, c, p: s.allergies.list(c.doctor, p),
    "DocumentService.list": lambda s, c, p: s.documents.list(c.doctor, p),
    "DocumentService.content": lambda s, c, p: s.documents.content(c.doctor, _doc(c, p)),
    "ImmunizationService.list": lambda s, c, p: s.immunizations.list(c.doctor, p),
    "MedicationService.list": lambda s, c, p: s.medications.list(c.doctor, p),
    "NoteService.get": lambda s, c, p: s.notes.get(c.doctor, _note(c, p)),
    "NoteService.list": lambda s, c, p: s.notes.list(c.doctor, p),
    "ObservationService.vitals": lambda s, c, p: s.observations.vitals(c.doctor, p),
    "ObservationService.vitals_series": lambda s, c, p: s.observations.vitals_series(
        c.doctor, p, "weight_kg"
    ),
    "ObservationService.labs": lambda s, c, p: s.observations.labs(c.doctor, p),
    "ObservationService.lab_series": lambda s, c, p: s.observations.lab_series(
        c.doctor, p, "2345-7"
    ),
    "ObservationService.lab_tests_for": lambda s, c, p: s.observations.lab_tests_for(c.doctor, p),
    "ProblemService.list": lambda s, c, p: s.problems.list(c.doctor, p),
    "ChartService.open": lambda s, c, p: s.chart.open(c.doctor, p),
    "ChartService.summary": lambda s, c, p: s.chart.summary(c.doctor, p),
    "PatientService.get": lambda s, c, p: s.patients.get(c.doctor, p),
    "PatientService.search": lambda s, c, p: s.patients.search(
        c.doctor, s.patients.get(c.doctor, p).mrn
    ),
    "ExportService.build_pdf": lambda s, c, p: s.exports.build_pdf(
        c.doctor, p, ExportRequest(ExportKind.CHART)
    ),
    "ExportService.record_export": lambda s, c, p: None,  # checked in test_export_service
    "FhirService.export_patient": lambda s, c, p: s_fhir(c).export_patient(c.doctor, p),
    "ReferralService.list": lambda s, c, p: s.referrals.list(c.doctor, p),
    "PrescriptionService.list": lambda s, c, p: s.prescriptions.list(c.doctor, p),
    "PrescriptionService.get": lambda s, c, p: s.prescriptions.get(c.doctor, _rx(c, p)),
    "RxPrintingService.medication_list_pdf": lambda s, c, p: s.rx_printing.medication_list_pdf(
        c.doctor, p
    ),
    "RxPrintingService.prescriptions_pdf": lambda s, c, p: None,  # needs a signed Rx: own tests
}

# Public methods that are not reads of one chart, and why.
NOT_READS: dict[str, str] = {
    "NoteService.drafts_for": "a work list across patients: audited as worklist_read",
    "PrescriptionService.pending_renewals": "a work list: audited as worklist_read",
    "RenewalInboxService.pending": "a work list built on pending_renewals (audited there)",
    "PatientService.by_mrn": "demographics of one patient for a look-up, no clinical content",
    "PatientService.check_duplicates": "demographics of possible duplicates at registration",
    "PatientService.recent": "the user's own recently opened patients, from the audit log",
    "PrescriptionService.check": "safety alerts for drafts being signed; sign audits them",
    "FhirService.export_all": "the whole practice's export, audited as fhir_export_all",
    "WhatIfService.check_drug": "emr-admin rx check: alerts only, audited as rx_check",
    "AlertPolicyService.interrupting": "the practice's alert policy, no patient data",
    "AlertPolicyService.update": "a change of the alert policy, audited by its own row",
}
for _name in [
    "AllergyService.add",
    "AllergyService.inactivate",
    "AllergyService.mark_no_known_allergies",
    "AllergyService.update",
    "DocumentService.attach",
    "ImmunizationService.mark_entered_in_error",
    "ImmunizationService.record",
    "MedicationService.discontinue",
    "MedicationService.record_reported",
    "NoteService.add_addendum",
    "NoteService.create",
    "NoteService.save_draft",
    "NoteService.sign",
    "ObservationService.record_lab",
    "ObservationService.record_vitals",
    "ProblemService.add",
    "ProblemService.reactivate",
    "ProblemService.resolve",
    "ProblemService.update",
    "PatientService.merge",
    "PatientService.register",
    "PatientService.set_active",
    "PatientService.update",
    "FhirService.import_bundle",
    "FhirService.import_files",
    "ReferralService.create",
    "ReferralService.set_status",
    "ReferralService.update",
    "PrescriptionService.cancel",
    "PrescriptionService.create_draft",
    "PrescriptionService.renew",
    "PrescriptionService.request_renewal",
    "PrescriptionService.sign",
]:
    NOT_READS[_name] = "a change, audited by its own row"


def s_fhir(c: Clinic):  # type: ignore[no-untyped-def]
    from emr_desktop.services.exchange.fhir import FhirService

    return FhirService(c.db)


def public_methods() -> set[str]:
    """Every public method of every *Service class in the clinical rooms."""
    found = set()
    for room in ROOMS:
        pkg = importlib.import_module(f"emr_desktop.services.{room}")
        for info in pkgutil.iter_modules(pkg.__path__):
            mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
            for name, cls in inspect.getmembers(mod, inspect.isclass):
                if cls.__module__ == mod.__name__ and name.endswith("Service"):
                    for meth, _ in inspect.getmembers(cls, inspect.isfunction):
                        if not meth.startswith("_"):
                            found.add(f"{name}.{meth}")
    return found


def test_every_public_clinical_method_is_a_checked_read_or_says_why_not() -> None:
    methods = public_methods()
    assert methods - set(READS) - set(NOT_READS) == set(), "new methods: add them above"
    assert set(READS) & set(NOT_READS) == set()


@pytest.mark.parametrize("method", sorted(READS))
def test_each_read_writes_its_audit_row_about_the_patient(clinic: Clinic, method: str) -> None:
    call = READS[method]
    services = Services(clinic.db)
    pid = clinic.patient()
    with clinic.db.reading() as s:
        before = s.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0
    if call(services, clinic, pid) is None and method.startswith(("Export", "RxPrinting")):
        pytest.skip(f"{method} is covered by its own service tests")
    with clinic.db.reading() as s:
        rows = list(s.scalars(select(AuditLog).where(AuditLog.id > before)))
    reads = [
        r
        for r in rows
        if r.action in {*READ_ACTIONS, "chart_open", "patient_view", "document_view"}
        or r.action.startswith(("chart_export", "fhir_export", "medication_list"))
    ]
    assert reads, f"{method} wrote no audit row of its read ({[r.action for r in rows]})"
    assert all(r.patient_id == pid for r in reads)
    assert all(r.user_id == clinic.doctor.user_id for r in reads)
