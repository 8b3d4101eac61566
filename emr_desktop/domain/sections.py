"""Input DTOs for the chart sections: what a form hands a service to add or edit an entry.

Services validate every field (ranges, dates, codes) and raise ValidationError naming
the field; these classes only carry what the user typed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from emr_desktop.domain.clinical import (
    AllergyCategory,
    AllergySeverity,
    LabFlag,
    ProblemStatus,
    Urgency,
)

ICD10_CM = "ICD-10-CM"


@dataclass(frozen=True, slots=True)
class ProblemInput:
    """A problem-list entry as entered; ICD-10-CM codes are checked against the code set."""

    code: str
    description: str = ""
    onset_date: dt.date | None = None
    status: ProblemStatus = ProblemStatus.ACTIVE
    note: str = ""
    code_system: str = ICD10_CM


@dataclass(frozen=True, slots=True)
class AllergyInput:
    """An allergy as entered; drug allergies get their ingredients and classes looked up."""

    substance: str
    category: AllergyCategory = AllergyCategory.DRUG
    reaction: str = ""
    severity: AllergySeverity = AllergySeverity.UNKNOWN
    onset_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class VitalsInput:
    """One set of vital signs in metric units; empty fields are None.

    Whole-number fields (pressures, rates, SpO2, pain) are typed ``int`` but a form may
    hand a float; the service accepts a whole-valued float and refuses a fraction.
    """

    measured_at: dt.datetime | None = None  # None: now
    systolic: int | None = None  # mm[Hg]
    diastolic: int | None = None  # mm[Hg]
    pulse: int | None = None  # /min
    respiration: int | None = None  # /min
    temperature_c: float | None = None  # Cel
    spo2: int | None = None  # %
    weight_kg: float | None = None
    height_cm: float | None = None
    pain: int | None = None  # 0-10


@dataclass(frozen=True, slots=True, kw_only=True)
class LabInput:
    """A lab result as entered or received; name, unit and range default from LOINC."""

    collected_at: dt.datetime
    loinc: str = ""
    name: str = ""
    value: float | None = None
    value_text: str = ""
    unit: str = ""
    ref_low: float | None = None
    ref_high: float | None = None
    ref_text: str = ""
    flag: LabFlag | None = None  # None: computed from the range
    resulted_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ImmunizationInput:
    """A vaccine given (here or elsewhere); the name defaults from the CVX code."""

    cvx: str
    given_on: dt.date
    lot: str = ""
    site: str = ""
    route: str = ""
    given_by: str = ""
    vaccine: str = ""


@dataclass(frozen=True, slots=True)
class ReferralInput:
    """A referral to an outside specialist as entered."""

    to_name: str
    to_specialty: str
    reason: str
    clinical_question: str = ""
    urgency: Urgency = Urgency.ROUTINE
    to_organization: str = ""
    to_phone: str = ""
    to_fax: str = ""
    referring_provider_id: int | None = None  # None: the acting physician
