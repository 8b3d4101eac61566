"""Prescribing DTOs: medication and prescription input, and the safety-check contract.

A safety check is a plain function ``(SafetyContext) -> list[SafetyAlert]`` registered in
``services.prescribing.safety_context.SAFETY_CHECKS``; it runs before any prescription is signed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal, get_args

from emr_desktop.domain.chart import AllergyRow, MedicationRow, PrescriptionRow
from emr_desktop.errors import EmrError

Severity = Literal["contraindicated", "major", "moderate", "minor", "info"]
SEVERITIES: Final[tuple[str, ...]] = get_args(Severity)


@dataclass(frozen=True, slots=True)
class MedicationInput:
    """A medication the patient reports taking (prescribed elsewhere, or over the counter)."""

    drug_name: str
    ingredients: tuple[str, ...] = ()
    strength: str = ""
    form: str = ""
    route: str = ""
    sig: str = ""
    start_date: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PrescriptionInput:
    """A prescription as the prescribing form fills it in; the sig is rendered from it.

    Keyword-only, so a dose can never land in the quantity by position. ``dose`` and
    ``quantity`` are exact decimals (or their text, as typed), never floats.
    ``frequency``, ``route`` and the units come from the vocabularies in ``services.sig``.
    """

    drug_name: str
    ingredients: tuple[str, ...] = ()
    strength: str = ""
    form: str = ""
    route: str = "oral"
    dose: Decimal | str
    dose_unit: str
    frequency: str
    duration_days: int | None = None
    prn: bool = False
    prn_indication: str = ""
    quantity: Decimal | str
    quantity_unit: str = ""
    refills: int = 0
    dispense_as_written: bool = False
    note_to_pharmacist: str = ""


@dataclass(frozen=True, slots=True)
class SafetyAlert:
    """One finding of a safety check, shown to the prescriber before signing.

    ``key`` is stable for the same finding (e.g. "allergy:12:penicillin") so an override
    reason given once can be matched to it. ``prescription_ids`` names the prescriptions
    of the batch the finding is about (empty when it concerns the batch as a whole).
    """

    key: str
    severity: Severity
    kind: str
    message: str
    requires_override: bool
    prescription_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        """Refuse an unknown severity: the UI colours and sorts alerts by it."""
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown alert severity {self.severity!r}")
        if not self.key:
            raise ValueError("a safety alert needs a key")


@dataclass(frozen=True, slots=True)
class LabValue:
    """The latest value of one lab measure (eGFR, creatinine clearance) and its date."""

    value: float
    unit: str
    collected: dt.date


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """What the patient-specific checks need: age, sex, weight, kidney function, problems
    (ICD-10-CM codes and their words) and the stopped medications (for washout periods).

    ``today`` is the date the checks are run for, so age and washout days are testable.
    """

    today: dt.date
    birth_date: dt.date
    sex: str
    weight_kg: float | None = None
    weight_date: dt.date | None = None
    egfr: LabValue | None = None
    crcl: LabValue | None = None
    problems: tuple[tuple[str, str], ...] = ()
    stopped: tuple[MedicationRow, ...] = ()

    @property
    def age_years(self) -> float:
        """Age in (fractional) years on ``today``."""
        return (self.today - self.birth_date).days / 365.25


@dataclass(frozen=True, slots=True)
class SafetyContext:
    """What a safety check sees: the patient's lists and the prescriptions being signed.

    ``medications`` holds the active medication-list entries, except those that a
    renewal in this batch replaces (so a renewal is not reported as duplicating itself).
    ``allergies_documented`` is True when "no known allergies" is recorded or any active
    allergy is: an empty list alone proves nothing.
    """

    patient_id: int
    allergies: tuple[AllergyRow, ...]
    medications: tuple[MedicationRow, ...]
    prescriptions: tuple[PrescriptionRow, ...]
    no_known_allergies: bool
    allergies_documented: bool
    patient: PatientFacts | None = None
    # The severities that need an override reason (the practice's alert policy).
    interrupting: frozenset[str] = frozenset({"contraindicated", "major"})


class SafetyOverrideRequired(EmrError):
    """Signing stopped: some alerts need a reason to override; nothing was signed.

    ``alerts`` holds every alert the checks raised (for display); ``unresolved`` the keys
    of those still lacking an override reason.
    """

    def __init__(self, alerts: tuple[SafetyAlert, ...], unresolved: tuple[str, ...]) -> None:
        count = len(unresolved)
        super().__init__(
            f"{count} safety alert{'s' if count != 1 else ''} must be reviewed before signing: "
            "give a reason for each override, or change the prescription."
        )
        self.alerts = alerts
        self.unresolved = unresolved
