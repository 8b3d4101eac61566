"""Chart PDFs read back as a specialist's office would read them: every page identified
and numbered, every active allergy, problem and medication there, names in any script,
long charts, passwords, PDF/A and attached documents."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pdfplumber
import pikepdf
import pypdf
import pytest
from conftest import Clinic
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from emr_desktop.domain.clinical import AllergySeverity, NoteStatus, Sex, Urgency
from emr_desktop.domain.exports import ChartSection, ExportKind, ExportRequest
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.prescribing import MedicationInput
from emr_desktop.domain.sections import (
    AllergyInput,
    ImmunizationInput,
    LabInput,
    ProblemInput,
    ReferralInput,
    VitalsInput,
)
from emr_desktop.errors import ValidationError
from emr_desktop.models import Encounter
from emr_desktop.reference.drug_print import tall_man
from emr_desktop.services.chart.allergies import AllergyService
from emr_desktop.services.chart.documents import DocumentService
from emr_desktop.services.chart.immunizations import ImmunizationService
from emr_desktop.services.chart.medications import MedicationService
from emr_desktop.services.chart.notes import NoteService
from emr_desktop.services.chart.observations import ObservationService
from emr_desktop.services.chart.problems import ProblemService
from emr_desktop.services.exchange.exports import ExportService
from emr_desktop.services.patients.registry import PatientService

NAME = "Zoë Ångström-Øyelaran"
DOB = dt.date(1958, 3, 9)
REFERRAL = ReferralInput(
    to_name="Dr. Amélie Durand",
    to_specialty="Nephrology",
    reason="Declining eGFR over twelve months",
    clinical_question="Is further workup for a non-diabetic cause warranted?",
    urgency=Urgency.URGENT,
)


@dataclass
class Chart:
    """A patient with something in every section, and what was recorded."""

    patient_id: int
    mrn: str
    allergies: tuple[str, ...]
    problems: tuple[tuple[str, str], ...]  # (code, description)
    medications: tuple[tuple[str, str], ...]  # (drug, sig)
    note_ids: tuple[int, ...]


def register(clinic: Clinic, given: str, family: str, dob: dt.date = DOB) -> tuple[int, str]:
    """A patient registered at the front desk: (id, MRN)."""
    data = PatientInput(given, family, dob, Sex.FEMALE, phone_mobile="(503) 555-0100")
    d = PatientService(clinic.db).register(clinic.desk, data, confirm_not_duplicate=True)
    return d.id, d.mrn


def signed_note(
    clinic: Clinic, pid: int, when: dt.datetime, text: str, *, sign: bool = True
) -> int:
    """A visit note written (and signed) by the doctor."""
    notes = NoteService(clinic.db)
    n = notes.create(clinic.doctor, pid, occurred_at=when, reason="Follow-up")
    n = notes.save_draft(
        clinic.doctor,
        n.id,
        subjective=text,
        objective="BP 128/82",
        assessment="Stable.",
        plan="Return in 3 months.",
        reason="Follow-up",
        expected_version=n.version,
    )
    if sign:
        notes.sign(clinic.doctor, n.id, expected_version=n.version)
    return n.id


def full_chart(clinic: Clinic, given: str = "Zoë", family: str = "Ångström-Øyelaran") -> Chart:
    """A chart with allergies, problems, medications, immunizations, vitals, labs, notes."""
    pid, mrn = register(clinic, given, family)
    doc, nurse = clinic.doctor, clinic.nurse
    allergies = AllergyService(clinic.db)
    allergies.add(nurse, pid, AllergyInput("Penicillin", reaction="Hives"))
    allergies.add(nurse, pid, AllergyInput("Sulfa drugs", severity=AllergySeverity.SEVERE))
    problems = ProblemService(clinic.db)
    problems.add(doc, pid, ProblemInput("E11.9", onset_date=dt.date(2015, 4, 1)))
    problems.add(doc, pid, ProblemInput("I10"))
    probs = tuple((p.code, p.description) for p in problems.list(doc, pid))
    meds = MedicationService(clinic.db)
    for m in (
        MedicationInput(
            "Metformin", ("metformin",), "500 mg", "tablet", "oral", "1 tablet twice daily"
        ),
        MedicationInput("Lisinopril", ("lisinopril",), "10 mg", "tablet", "oral", "1 tablet daily"),
    ):
        meds.record_reported(doc, pid, m)
    ImmunizationService(clinic.db).record(
        nurse, pid, ImmunizationInput("140", dt.date(2025, 10, 1))
    )
    obs = ObservationService(clinic.db)
    now = dt.datetime.now(dt.UTC)
    obs.record_vitals(nurse, pid, VitalsInput(now - dt.timedelta(days=3), 128, 82, 72))
    obs.record_lab(
        nurse, pid, LabInput(collected_at=now - dt.timedelta(days=3), loinc="4548-4", value=7.4)
    )
    notes = tuple(
        signed_note(clinic, pid, now - dt.timedelta(days=30 * k), f"Visit number {k}.")
        for k in (1, 2)
    )
    return Chart(
        pid,
        mrn,
        ("Penicillin", "Sulfa drugs"),
        probs,
        (("Metformin", "1 tablet twice daily"), ("Lisinopril", "1 tablet daily")),
        notes,
    )


def pages_text(pdf: bytes, password: str | None = None) -> list[str]:
    """Each page's extracted text."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    if password is not None:
        reader.decrypt(password)
    return [p.extract_text() for p in reader.pages]


def flat(text: str) -> str:
    """Text with line breaks as spaces (table cells wrap)."""
    return " ".join(text.split())


def assert_every_page_dressed(pages: list[str], name: str, dob: str, mrn: str) -> None:
    """Name, date of birth, MRN, 'Page X of Y', confidentiality and date on every page."""
    for number, text in enumerate(pages, start=1):
        assert name in text, number
        assert f"DOB {dob} · MRN {mrn}" in text, number
        assert f"Page {number} of {len(pages)}" in text
        assert "Confidential" in text and "Printed" in text, number


@pytest.fixture(scope="module")
def chart(clinic: Clinic) -> Chart:
    return full_chart(clinic)


def build(clinic: Clinic, pid: int, **kw: object) -> bytes:
    kw.setdefault("kind", ExportKind.CHART)
    return ExportService(clinic.db).build_pdf(clinic.doctor, pid, ExportRequest(**kw)).pdf  # type: ignore[arg-type]


def test_referral_packet_pages_carry_identifiers_and_page_x_of_y(
    clinic: Clinic, chart: Chart
) -> None:
    pdf = build(clinic, chart.patient_id, kind=ExportKind.REFERRAL, referral=REFERRAL)
    pages = pages_text(pdf)
    assert len(pages) >= 2
    assert_every_page_dressed(pages, NAME, "Mar 9, 1958", chart.mrn)
    letter = flat(pages[0])
    for words in (
        "Dr. Amélie Durand",
        "Nephrology",
        "Declining eGFR",
        "URGENT",
        "Clinical question",
    ):
        assert words in letter
    assert "Drgrey" in letter  # the signing physician (the acting doctor)


def test_every_active_allergy_problem_and_medication_appears(clinic: Clinic, chart: Chart) -> None:
    text = flat(" ".join(pages_text(build(clinic, chart.patient_id))))
    for substance in chart.allergies:
        assert substance in text
    for code, description in chart.problems:
        assert code in text and flat(description) in text
    for drug, sig in chart.medications:
        assert tall_man(drug) in text and sig in text  # look-alikes in tall-man letters
    assert "Hemoglobin A1c" in text or "A1c" in text
    assert "7.4" in text and "High" in text  # value and flag
    assert "Visit number 1." in text and "Visit number 2." in text


def test_allergies_say_nka_only_when_recorded(clinic: Clinic) -> None:
    pid, _ = register(clinic, "Nora", "Nobody")
    only = frozenset({ChartSection.ALLERGIES})
    text = flat(" ".join(pages_text(build(clinic, pid, kind=ExportKind.SECTIONS, sections=only))))
    assert "Allergies not documented" in text and "No known allergies" not in text
    AllergyService(clinic.db).mark_no_known_allergies(clinic.nurse, pid)
    text = flat(" ".join(pages_text(build(clinic, pid, kind=ExportKind.SECTIONS, sections=only))))
    assert "No known allergies" in text


@pytest.mark.parametrize(("given", "family"), [("Дарья", "Соколова"), ("美玲", "陳")])
def test_names_in_any_script_are_extracted_intact(clinic: Clinic, given: str, family: str) -> None:
    pid, mrn = register(clinic, given, family)
    pdf = build(clinic, pid)
    name = f"{given} {family}"
    assert_every_page_dressed(pages_text(pdf), name, "Mar 9, 1958", mrn)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert name in doc.pages[0].extract_text()


def test_a_700_visit_chart_exports_with_every_note(clinic: Clinic) -> None:
    pid, mrn = register(clinic, "Long", "Chart")
    start = dt.datetime(2019, 1, 7, 9, 0, tzinfo=dt.UTC)
    with clinic.db.unit_of_work() as s:
        s.add_all(
            Encounter(
                patient_id=pid,
                provider_id=clinic.doctor.user_id,
                occurred_at=start + dt.timedelta(days=3 * k),
                reason="Dialysis session",
                subjective=f"Session {k:03d}. Tolerated well, no cramping.",
                objective="BP 130/80, weight 80 kg.",
                assessment="ESRD on hemodialysis: stable.",
                plan="Continue the current prescription.",
                status=NoteStatus.SIGNED,
                signed_by_id=clinic.doctor.user_id,
                signed_at=start + dt.timedelta(days=3 * k, hours=2),
                created_by_id=clinic.doctor.user_id,
            )
            for k in range(700)
        )
    result = ExportService(clinic.db).build_pdf(clinic.doctor, pid, ExportRequest(ExportKind.CHART))
    pages = pages_text(result.pdf)
    assert result.pages == len(pages) > 20
    assert_every_page_dressed(pages, "Long Chart", "Mar 9, 1958", mrn)
    text = flat(" ".join(pages))
    assert "700 signed notes" in text
    assert all(f"Session {k:03d}." in text for k in range(700))


def test_a_long_note_wraps_and_splits_without_losing_text(clinic: Clinic) -> None:
    pid, mrn = register(clinic, "Wordy", "Note")
    words = " ".join(f"word{k}" for k in range(2500))
    signed_note(clinic, pid, dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC), words + " THE-END")
    pdf = build(clinic, pid, kind=ExportKind.SECTIONS, sections=frozenset({ChartSection.NOTES}))
    pages = pages_text(pdf)
    assert len(pages) >= 3
    assert_every_page_dressed(pages, "Wordy Note", "Mar 9, 1958", mrn)
    text = flat(" ".join(pages))
    assert "word0 " in text and "word2499 THE-END" in text
    with pdfplumber.open(io.BytesIO(pdf)) as doc:  # nothing runs off the page
        for page in doc.pages:
            assert all(c["x0"] >= 0 and c["x1"] <= page.width for c in page.chars)


def test_notes_by_date_range_or_picked_drafts_left_out(clinic: Clinic) -> None:
    pid, _ = register(clinic, "Range", "Notes")
    old = signed_note(clinic, pid, dt.datetime(2024, 3, 1, 15, tzinfo=dt.UTC), "Old visit.")
    signed_note(clinic, pid, dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC), "Recent visit.")
    signed_note(clinic, pid, dt.datetime(2026, 4, 1, 15, tzinfo=dt.UTC), "Draft.", sign=False)
    NoteService(clinic.db).add_addendum(clinic.doctor, old, "Lab result reviewed later.")
    notes = frozenset({ChartSection.NOTES})
    ranged = build(
        clinic, pid, kind=ExportKind.SECTIONS, sections=notes, notes_from=dt.date(2025, 1, 1)
    )
    text = flat(" ".join(pages_text(ranged)))
    assert "Recent visit." in text and "Old visit." not in text and "Draft." not in text
    picked = build(clinic, pid, kind=ExportKind.SECTIONS, sections=notes, note_ids=(old,))
    text = flat(" ".join(pages_text(picked)))
    assert "Old visit." in text and "Lab result reviewed later." in text
    assert "Recent visit." not in text


def test_password_protected_pdf_needs_the_password(clinic: Clinic, chart: Chart) -> None:
    pdf = build(clinic, chart.patient_id, password="correct-horse-1")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.is_encrypted
    assert not reader.decrypt("wrong password")
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(pdf))
    with pikepdf.open(io.BytesIO(pdf), password="correct-horse-1") as doc:
        assert doc.encryption.bits == 256
    assert NAME in pages_text(pdf, "correct-horse-1")[0]
    with pytest.raises(ValidationError) as err:
        build(clinic, chart.patient_id, password="short")
    assert err.value.field == "password"


def _fonts(doc: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    found = []
    for page in doc.pages:
        for font in page.Resources.get("/Font", {}).values():
            found += list(font.get("/DescendantFonts", [])) or [font]
    return found


def test_pdf_a_carries_its_identification_output_intent_and_embedded_fonts(
    clinic: Clinic, chart: Chart
) -> None:
    pdf = build(clinic, chart.patient_id, pdf_a=True)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert not doc.is_encrypted
        meta = doc.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        intent = doc.Root.OutputIntents[0]
        assert intent.S == pikepdf.Name.GTS_PDFA1
        assert intent.DestOutputProfile.N == 3
        assert b"sRGB" in intent.DestOutputProfile.read_bytes()[:200] or intent.Info
        fonts = _fonts(doc)
        assert fonts
        for font in fonts:
            descriptor = font.FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
    with pytest.raises(ValidationError):
        build(clinic, chart.patient_id, pdf_a=True, password="long-enough-1")


def _letter_pdf(text: str, pages: int) -> bytes:
    out = io.BytesIO()
    c = Canvas(out)
    for k in range(pages):
        c.drawString(72, 700, f"{text} page {k + 1}")
        c.showPage()
    c.save()
    return out.getvalue()


def test_attached_documents_are_merged_in_with_every_page_dressed(
    clinic: Clinic, chart: Chart
) -> None:
    docs = DocumentService(clinic.db)
    letter = docs.attach(
        clinic.nurse,
        chart.patient_id,
        title="Cardiology letter",
        content=_letter_pdf("OUTSIDE-LETTER", 2),
        media_type="application/pdf",
    )
    png = io.BytesIO()
    Image.new("RGB", (400, 300), "navy").save(png, "PNG")
    photo = docs.attach(
        clinic.nurse,
        chart.patient_id,
        title="Wound photo",
        content=png.getvalue(),
        media_type="image/png",
    )
    sections = frozenset({ChartSection.ALLERGIES})
    plain = build(clinic, chart.patient_id, kind=ExportKind.SECTIONS, sections=sections)
    merged = build(
        clinic,
        chart.patient_id,
        kind=ExportKind.SECTIONS,
        sections=sections,
        include_documents=(letter.id, photo.id),
    )
    pages = pages_text(merged)
    assert len(pages) == len(pages_text(plain)) + 3
    assert_every_page_dressed(pages, NAME, "Mar 9, 1958", chart.mrn)
    assert "OUTSIDE-LETTER page 1" in pages[-3] and "OUTSIDE-LETTER page 2" in pages[-2]
    assert "Wound photo" in pages[-1]
    reader = pypdf.PdfReader(io.BytesIO(merged))
    assert reader.pages[-1]["/Resources"]["/XObject"]  # the image is on the page


def test_a_table_split_across_pages_repeats_its_header(clinic: Clinic) -> None:
    pid, _ = register(clinic, "Many", "Vitals")
    obs = ObservationService(clinic.db)
    start = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC)
    for k in range(90):
        obs.record_vitals(clinic.nurse, pid, VitalsInput(start + dt.timedelta(days=k), 120, 80))
    pages = pages_text(build(clinic, pid))  # the full chart has every set
    with_rows = [p for p in pages if "120/80" in p]
    assert len(with_rows) >= 2
    assert all("Measured" in p and "Pulse" in p for p in with_rows)
