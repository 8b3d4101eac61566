"""The printed prescription and the printed medication list: what is on the page, audit, roles."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pdfplumber
import pytest
from conftest import Clinic
from pypdf import PdfReader
from sqlalchemy import select

from emr_desktop.domain.clinical import AllergyCategory, AllergySeverity, Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.practice import PracticeDetails
from emr_desktop.domain.prescribing import MedicationInput, PrescriptionInput
from emr_desktop.domain.sections import AllergyInput
from emr_desktop.errors import PermissionDenied, ValidationError
from emr_desktop.models import AuditLog
from emr_desktop.services.chart.allergies import AllergyService
from emr_desktop.services.chart.medications import MedicationService
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.details import PracticeService
from emr_desktop.services.prescribing.prescriptions import PrescriptionService
from emr_desktop.services.prescribing.printing import RxPrintingService

NPI = "1234567893"
DEA = "AB1234563"

AMOXICILLIN = PrescriptionInput(
    drug_name="amoxicillin",
    strength="500 mg",
    form="capsule",
    dose="1",
    dose_unit="capsule",
    frequency="three times daily",
    duration_days=10,
    quantity="30",
    quantity_unit="capsule",
    refills=1,
    note_to_pharmacist="Patient prefers capsules without dye.",
)
LISINOPRIL = PrescriptionInput(
    drug_name="lisinopril",
    strength="10 mg",
    form="tablet",
    dose="0.5",
    dose_unit="tablet",
    frequency="daily",
    quantity="15",
    quantity_unit="tablet",
    refills=3,
    dispense_as_written=True,
)
ALPRAZOLAM = PrescriptionInput(
    drug_name="alprazolam",
    strength="0.25 mg",
    form="tablet",
    dose="1",
    dose_unit="tablet",
    frequency="at bedtime",
    prn=True,
    prn_indication="anxiety",
    quantity="10",
    quantity_unit="tablet",
)


@pytest.fixture(scope="module")
def setup(clinic: Clinic) -> Clinic:
    """The practice's letterhead and the prescriber's credentials, once per module."""
    admin = clinic.practice.admin
    practice = PracticeService(clinic.db)
    practice.update_details(
        admin,
        PracticeDetails(
            name="Riverside Family Medicine",
            address_line1="12 Elm Street",
            city="Springfield",
            state="IL",
            postal_code="62701",
            phone="217-555-0100",
        ),
    )
    practice.update_provider(
        admin,
        clinic.doctor.user_id,
        credentials="MD",
        specialty="Family medicine",
        npi=NPI,
        dea=DEA,
        license_number="036-123456",
        license_state="IL",
        scheduled=True,
    )
    return clinic


def _patient(clinic: Clinic, given: str) -> int:
    data = PatientInput(
        given,
        "Quimby",
        dt.date(1958, 3, 14),
        Sex.FEMALE,
        address_line1="742 Evergreen Terrace",
        city="Springfield",
        state="IL",
        postal_code="62704",
    )
    pid = PatientService(clinic.db).register(clinic.desk, data, confirm_not_duplicate=True).id
    AllergyService(clinic.db).add(
        clinic.nurse,
        pid,
        AllergyInput("sulfamethoxazole", AllergyCategory.DRUG, "rash", AllergySeverity.MODERATE),
    )
    return pid


def _signed(clinic: Clinic, pid: int, *items: PrescriptionInput) -> list[int]:
    rx = PrescriptionService(clinic.db)
    ids = [rx.create_draft(clinic.doctor, pid, item).id for item in items]
    alerts = rx.check(clinic.doctor, ids)
    reasons = {a.key: "reviewed with the patient" for a in alerts if a.requires_override}
    return [r.id for r in rx.sign(clinic.doctor, ids, override_reasons=reasons)]


def _pages(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [" ".join((page.extract_text() or "").split()) for page in doc.pages]


def _keep(pdf: bytes, name: str) -> None:
    """Leave a copy for a person to look at when RX_PDF_DIR is set (never by default)."""
    folder = os.environ.get("RX_PDF_DIR")
    if folder:
        Path(folder, f"{name}.pdf").write_bytes(pdf)


def _audit(clinic: Clinic, action: str, patient_id: int) -> list[AuditLog]:
    with clinic.db.unit_of_work() as s:
        stmt = select(AuditLog).where(AuditLog.action == action, AuditLog.patient_id == patient_id)
        return list(s.scalars(stmt))


def test_prescription_pdf_has_every_required_element(setup: Clinic) -> None:
    pid = _patient(setup, "Agnes")
    ids = _signed(setup, pid, AMOXICILLIN)
    result = RxPrintingService(setup.db).prescriptions_pdf(setup.doctor, ids)
    _keep(result.pdf, "prescription")
    pages = _pages(result.pdf)
    assert len(pages) == 1
    text = pages[0]
    for expected in (
        "Riverside Family Medicine",
        "Drgrey, MD",  # the prescriber's full name and credentials
        f"NPI: {NPI}",
        "DEA:",
        "Agnes Quimby",
        "DOB: Mar 14, 1958",
        "742 Evergreen Terrace, Springfield, IL 62704",
        f"Date: {dt.date.today():%b} {dt.date.today().day}, {dt.date.today().year}",
        "amoxicillin 500 mg capsule",
        "Take 1 capsule by mouth three times daily for 10 days.",
        "30 capsules (thirty)",
        "Refills 1 (one)",
        "Substitution permitted",
        "Patient prefers capsules without dye.",
        "Signature:",
        "Page 1 of 1",
    ):
        assert expected in text, expected
    # Not a controlled drug: the DEA number is not spread to the pharmacy.
    assert DEA not in text
    assert result.file_name.startswith("prescription-") and "Quimby" not in result.file_name


def test_two_prescriptions_fit_on_one_page_and_controlled_shows_dea(setup: Clinic) -> None:
    pid = _patient(setup, "Bertha")
    ids = _signed(setup, pid, LISINOPRIL, ALPRAZOLAM)
    pdf = RxPrintingService(setup.db).prescriptions_pdf(setup.doctor, ids).pdf
    _keep(pdf, "prescriptions-two")
    pages = _pages(pdf)
    assert len(pages) == 1
    text = pages[0]
    # Look-alike names print in tall-man letters (FDA/ISMP).
    assert "lisinopril 10 mg tablet" in text and "ALPRAZolam 0.25 mg tablet" in text
    assert "Take 0.5 tablet by mouth daily." in text
    assert "Dispense as written" in text
    assert f"{DEA} (Schedule IV controlled substance)" in text
    assert "Page 1 of 1" in text


def test_many_prescriptions_carry_identifiers_on_every_page(setup: Clinic) -> None:
    pid = _patient(setup, "Cora")
    ids = _signed(setup, pid, AMOXICILLIN, LISINOPRIL, ALPRAZOLAM, AMOXICILLIN)
    pdf = RxPrintingService(setup.db).prescriptions_pdf(setup.doctor, ids).pdf
    pages = _pages(pdf)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert "Cora Quimby" in text and "DOB Mar 14, 1958" in text
        assert f"Page {number} of {len(pages)}" in text
    # Every block is whole on its page: as many signature lines as prescriptions.
    assert sum(t.count("Signature:") for t in pages) == 4
    assert len(PdfReader(io.BytesIO(pdf)).pages) == len(pages)


def test_printing_is_audited_once_per_prescription(setup: Clinic) -> None:
    pid = _patient(setup, "Dora")
    ids = _signed(setup, pid, AMOXICILLIN, LISINOPRIL)
    RxPrintingService(setup.db).prescriptions_pdf(setup.nurse, ids)
    rows = _audit(setup, "rx_print", pid)
    assert sorted(int(r.entity_id or 0) for r in rows) == sorted(ids)
    assert all("Dora" not in r.details and "lisinopril" not in r.details for r in rows)


def test_only_signed_prescriptions_print(setup: Clinic) -> None:
    pid = _patient(setup, "Edna")
    draft = PrescriptionService(setup.db).create_draft(setup.doctor, pid, AMOXICILLIN)
    with pytest.raises(ValidationError):
        RxPrintingService(setup.db).prescriptions_pdf(setup.doctor, [draft.id])


def test_receptionist_cannot_print(setup: Clinic) -> None:
    pid = _patient(setup, "Flo")
    ids = _signed(setup, pid, AMOXICILLIN)
    printing = RxPrintingService(setup.db)
    with pytest.raises(PermissionDenied):
        printing.prescriptions_pdf(setup.desk, ids)
    with pytest.raises(PermissionDenied):
        printing.medication_list_pdf(setup.desk, pid)
    assert _audit(setup, "rx_print", pid) == []


def test_medication_list_pdf_lists_active_medicines_and_allergies(setup: Clinic) -> None:
    pid = _patient(setup, "Gert")
    _signed(setup, pid, AMOXICILLIN, LISINOPRIL)
    meds = MedicationService(setup.db)
    meds.record_reported(
        setup.doctor,
        pid,
        MedicationInput("Vitamin D3", strength="1000 units", sig="1 capsule by mouth daily"),
    )
    stopped = meds.record_reported(setup.doctor, pid, MedicationInput("Metformin"))
    meds.discontinue(setup.doctor, stopped.id, "side effects", expected_version=stopped.version)
    result = RxPrintingService(setup.db).medication_list_pdf(setup.nurse, pid)
    _keep(result.pdf, "medication-list")
    pages = _pages(result.pdf)
    text = " ".join(pages)
    assert "sulfamethoxazole (rash, moderate)" in text
    assert text.index("Allergies") < text.index("amoxicillin")
    for expected in (
        # Table cells wrap, so only what fits on one line of a cell is looked for.
        "amoxicillin 500 mg",
        "Take 1 capsule by mouth three times daily",
        "lisinopril 10 mg tablet",
        "Take 0.5 tablet by mouth daily.",
        "Vitamin D3 1000 units",
        "Drgrey, MD",
        "Reported by you",
    ):
        assert expected in text, expected
    assert "Metformin" not in text
    for number, page in enumerate(pages, start=1):
        assert "Gert Quimby" in page and "MRN" in page
        assert f"Page {number} of {len(pages)}" in page
    rows = _audit(setup, "medication_list_print", pid)
    assert len(rows) == 1 and int(rows[0].entity_id or 0) == pid
    assert result.file_name.startswith("medication-list-") and "Gert" not in result.file_name
