"""Patient DTOs: what registration takes and what search and the banner show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from emr_desktop.domain.clinical import Sex


@dataclass(frozen=True, slots=True)
class PatientInput:
    """Demographics as entered at the front desk (register or edit)."""

    given_name: str
    family_name: str
    birth_date: dt.date
    sex_at_birth: Sex
    middle_name: str = ""
    preferred_name: str = ""
    gender_identity: str = ""
    phone_mobile: str = ""
    phone_home: str = ""
    email: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    preferred_language: str = "English"
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""
    emergency_contact_relation: str = ""
    insurance_payer: str = ""
    insurance_member_id: str = ""
    alerts: str = ""


@dataclass(frozen=True, slots=True)
class PatientSummary:
    """One line of a patient list (search results, duplicates, schedule)."""

    id: int
    mrn: str
    family_name: str
    given_name: str
    middle_name: str
    preferred_name: str
    birth_date: dt.date
    sex_at_birth: Sex
    phone: str
    active: bool
    deceased_on: dt.date | None = None  # recorded date of death (the record is inactive)

    @property
    def display_name(self) -> str:
        """'Family, Given Middle ("Preferred")' as lists show it."""
        name = f"{self.family_name}, {self.given_name}"
        if self.middle_name:
            name += f" {self.middle_name}"
        if self.preferred_name and self.preferred_name != self.given_name:
            name += f' "{self.preferred_name}"'
        return name


@dataclass(frozen=True, slots=True)
class PatientDetails:
    """Every demographic field of a patient, with the version needed to save an edit."""

    id: int
    mrn: str
    data: PatientInput
    no_known_allergies: bool
    active: bool
    merged_into_mrn: str | None
    version: int


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    """An existing patient who may be the one being registered, and why."""

    patient: PatientSummary
    reasons: tuple[str, ...]


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day``."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
