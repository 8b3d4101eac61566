"""Chart export DTOs: what the user asks for (kind, sections, notes, referral, options),
what the PDF builder is handed, and what comes back."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Final, Literal

from emr_desktop.domain.chart import (
    ChartSummary,
    LabRow,
    Note,
    VitalsRow,
)
from emr_desktop.domain.clinical import Urgency
from emr_desktop.domain.patients import PatientDetails
from emr_desktop.domain.practice import PracticeDetails
from emr_desktop.domain.sections import ReferralInput


class ExportKind(enum.StrEnum):
    """What is being exported."""

    REFERRAL = "referral"  # cover letter to a specialist, then the chosen sections
    CHART = "chart"  # every section, every note
    SECTIONS = "sections"  # the chosen sections only


class ChartSection(enum.StrEnum):
    """A part of the chart an export may include."""

    DEMOGRAPHICS = "demographics"
    ALLERGIES = "allergies"
    PROBLEMS = "problems"
    MEDICATIONS = "medications"
    IMMUNIZATIONS = "immunizations"
    VITALS = "vitals"
    LABS = "labs"
    NOTES = "notes"


SECTION_LABELS: Final[dict[ChartSection, str]] = {
    ChartSection.DEMOGRAPHICS: "Demographics",
    ChartSection.ALLERGIES: "Allergies",
    ChartSection.PROBLEMS: "Active problems",
    ChartSection.MEDICATIONS: "Active medications",
    ChartSection.IMMUNIZATIONS: "Immunizations",
    ChartSection.VITALS: "Vital signs",
    ChartSection.LABS: "Laboratory results",
    ChartSection.NOTES: "Visit notes",
}

ALL_SECTIONS: Final = frozenset(ChartSection)

# A referral packet carries the last year's visit notes unless the user picks others.
REFERRAL_NOTE_DAYS: Final = 365

Destination = Literal["print", "file", "email"]
DESTINATIONS: Final[tuple[Destination, ...]] = ("print", "file", "email")


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What the user chose in the export dialog (or on the command line).

    Notes: ``note_ids`` when notes were picked one by one, otherwise every note between
    ``notes_from`` and ``notes_to`` (either end open when None). A referral is either
    written here (``referral``) or an existing one of the chart (``referral_id``).
    A password and PDF/A cannot go together: PDF/A forbids encryption.
    """

    kind: ExportKind
    sections: frozenset[ChartSection] = ALL_SECTIONS
    note_ids: tuple[int, ...] = ()
    notes_from: dt.date | None = None
    notes_to: dt.date | None = None
    include_documents: tuple[int, ...] = ()
    referral: ReferralInput | None = None
    referral_id: int | None = None
    password: str | None = field(default=None, repr=False)
    pdf_a: bool = False


def referral_request(
    *,
    referral: ReferralInput | None = None,
    referral_id: int | None = None,
    today: dt.date | None = None,
) -> ExportRequest:
    """The referral packet as the dialog first offers it: every section, the last year's
    notes, no attachments, no password."""
    day = today or dt.date.today()
    return ExportRequest(
        ExportKind.REFERRAL,
        notes_from=day - dt.timedelta(days=REFERRAL_NOTE_DAYS),
        notes_to=day,
        referral=referral,
        referral_id=referral_id,
    )


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A built PDF, the file name to offer (MRN and date, never the name) and its length."""

    pdf: bytes = field(repr=False)
    file_name: str
    pages: int


@dataclass(frozen=True, slots=True)
class Signer:
    """The referring physician as the letter's signature block shows them."""

    full_name: str
    credentials: str = ""
    specialty: str = ""
    npi: str = ""

    def signature(self) -> str:
        """'Maya Okafor, MD' (once, even when the user's name already ends with it)."""
        creds = self.credentials.strip()
        if not creds or self.full_name.rstrip().endswith(creds):
            return self.full_name
        return f"{self.full_name}, {creds}"


@dataclass(frozen=True, slots=True)
class ReferralLetter:
    """Everything the cover letter says."""

    to_name: str
    to_specialty: str
    reason: str
    clinical_question: str
    urgency: Urgency
    to_organization: str
    to_phone: str
    to_fax: str
    date: dt.date
    signer: Signer | None

    @classmethod
    def from_input(
        cls, data: ReferralInput, date: dt.date, signer: Signer | None
    ) -> ReferralLetter:
        """The letter of a referral as entered."""
        return cls(
            to_name=data.to_name,
            to_specialty=data.to_specialty,
            reason=data.reason,
            clinical_question=data.clinical_question,
            urgency=data.urgency,
            to_organization=data.to_organization,
            to_phone=data.to_phone,
            to_fax=data.to_fax,
            date=date,
            signer=signer,
        )


@dataclass(frozen=True, slots=True)
class Attachment:
    """An attached document to append (a PDF's pages, or an image on a page)."""

    title: str
    media_type: str
    document_date: dt.date | None
    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class ChartPacket:
    """What the PDF builder is handed: already loaded, already chosen."""

    kind: ExportKind
    practice: PracticeDetails
    patient: PatientDetails
    summary: ChartSummary
    sections: frozenset[ChartSection]
    vitals: tuple[VitalsRow, ...]
    labs: tuple[LabRow, ...]
    notes: tuple[Note, ...]
    notes_scope: str  # "all visits", "visits since Jan 2, 2026", "picked one by one"
    generated_at: dt.datetime
    referral: ReferralLetter | None = None
    attachments: tuple[Attachment, ...] = ()
