"""FHIR R4 code systems, profiles and the vital-sign LOINC/UCUM table the exporter and the
importer share, so both directions agree on every code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from emr_desktop.domain.clinical import (
    AllergyCategory,
    AppointmentStatus,
    LabFlag,
    ProblemStatus,
)

LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"
SNOMED: Final = "http://snomed.info/sct"
ICD10CM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
CVX: Final = "http://hl7.org/fhir/sid/cvx"
RXNORM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
V2_0203: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"
OBS_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION: Final = (
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
)
ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
DOC_CATEGORY: Final = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"

# The practice's own identifiers. MRNs are unique only inside one practice, so the
# importer never matches on them: it matches on the duplicate rules instead.
MRN_SYSTEM: Final = "urn:emr-desktop:mrn"
EXT: Final = "urn:emr-desktop:fhir:extension:"
EXT_DRUG_NAME: Final = EXT + "drug-name"
EXT_STRENGTH: Final = EXT + "strength"
EXT_FORM: Final = EXT + "form"
EXT_NOTE_SECTION: Final = EXT + "note-section"

US_CORE: Final = "http://hl7.org/fhir/us/core/StructureDefinition/"
PROFILE: Final[dict[str, str]] = {
    "Patient": US_CORE + "us-core-patient",
    "Condition": US_CORE + "us-core-condition",
    "AllergyIntolerance": US_CORE + "us-core-allergyintolerance",
    "MedicationRequest": US_CORE + "us-core-medicationrequest",
    "Immunization": US_CORE + "us-core-immunization",
    "Encounter": US_CORE + "us-core-encounter",
    "DocumentReference": US_CORE + "us-core-documentreference",
    "laboratory": US_CORE + "us-core-observation-lab",
    "vital-signs": "http://hl7.org/fhir/StructureDefinition/vitalsigns",
}

ROOM_PREFIX: Final = "Room "  # Appointment.comment carries the exam room
NKA_CODE: Final = ("716186003", "No known allergy (situation)")
PROGRESS_NOTE: Final = ("11506-3", "Progress note")
SOAP_TITLES: Final[dict[str, str]] = {
    "subjective": "Subjective",
    "objective": "Objective",
    "assessment": "Assessment",
    "plan": "Plan",
}


@dataclass(frozen=True, slots=True)
class VitalCode:
    """One vital sign: the VitalsRow field, its LOINC code and name, its UCUM unit."""

    field: str
    loinc: str
    name: str
    unit: str
    profile: str


_VS = "http://hl7.org/fhir/StructureDefinition/"
BP_PANEL: Final = VitalCode("", "85354-9", "Blood pressure panel", "mm[Hg]", _VS + "bp")
SYSTOLIC: Final = VitalCode("systolic", "8480-6", "Systolic blood pressure", "mm[Hg]", "")
DIASTOLIC: Final = VitalCode("diastolic", "8462-4", "Diastolic blood pressure", "mm[Hg]", "")
VITALS: Final[tuple[VitalCode, ...]] = (
    VitalCode("pulse", "8867-4", "Heart rate", "/min", _VS + "heartrate"),
    VitalCode("respiration", "9279-1", "Respiratory rate", "/min", _VS + "resprate"),
    VitalCode("temperature_c", "8310-5", "Body temperature", "Cel", _VS + "bodytemp"),
    VitalCode(
        "spo2",
        "59408-5",
        "Oxygen saturation in Arterial blood by Pulse oximetry",
        "%",
        US_CORE + "us-core-pulse-oximetry",
    ),
    VitalCode("weight_kg", "29463-7", "Body weight", "kg", _VS + "bodyweight"),
    VitalCode("height_cm", "8302-2", "Body height", "cm", _VS + "bodyheight"),
    VitalCode("bmi", "39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", _VS + "bmi"),
    VitalCode("pain", "72514-3", "Pain severity - 0-10 verbal numeric rating", "{score}", ""),
)
# Codes other systems use for the same measurement (Synthea: 55284-4 BP, 8331-1 oral temp).
VITAL_ALIASES: Final[dict[str, str]] = {
    "8867-4": "pulse",
    "9279-1": "respiration",
    "8310-5": "temperature_c",
    "8331-1": "temperature_c",
    "59408-5": "spo2",
    "2708-6": "spo2",
    "29463-7": "weight_kg",
    "8302-2": "height_cm",
    "8306-3": "height_cm",
    "39156-5": "bmi",
    "72514-3": "pain",
    "8480-6": "systolic",
    "8462-4": "diastolic",
}
BP_PANELS: Final = frozenset({"85354-9", "55284-4"})
WHOLE_VITALS: Final = frozenset({"systolic", "diastolic", "pulse", "respiration", "spo2", "pain"})
# Unit conversions into the metric units the chart stores (UCUM code -> (factor, offset)).
UNIT_TO_METRIC: Final[dict[str, tuple[float, float]]] = {
    "[lb_av]": (0.45359237, 0.0),
    "g": (0.001, 0.0),
    "[in_i]": (2.54, 0.0),
    "m": (100.0, 0.0),
    "[degF]": (5 / 9, -32 * 5 / 9),
}

PROBLEM_TO_FHIR: Final[dict[ProblemStatus, str]] = {
    ProblemStatus.ACTIVE: "active",
    ProblemStatus.RESOLVED: "resolved",
    ProblemStatus.INACTIVE: "inactive",
}
PROBLEM_FROM_FHIR: Final[dict[str, ProblemStatus]] = {
    "active": ProblemStatus.ACTIVE,
    "recurrence": ProblemStatus.ACTIVE,
    "relapse": ProblemStatus.ACTIVE,
    "inactive": ProblemStatus.INACTIVE,
    "remission": ProblemStatus.INACTIVE,
    "resolved": ProblemStatus.RESOLVED,
}
# Short names the problem list keeps, by FHIR system URI.
CODE_SYSTEMS: Final[dict[str, str]] = {
    ICD10CM: "ICD-10-CM",
    SNOMED: "SNOMED-CT",
    "http://hl7.org/fhir/sid/icd-10": "ICD-10",
    "http://hl7.org/fhir/sid/icd-9-cm": "ICD-9-CM",
}

ALLERGY_CATEGORY: Final[dict[AllergyCategory, str]] = {
    AllergyCategory.DRUG: "medication",
    AllergyCategory.FOOD: "food",
    AllergyCategory.ENVIRONMENT: "environment",
}

FLAG_DISPLAY: Final[dict[LabFlag, str]] = {
    LabFlag.NORMAL: "Normal",
    LabFlag.LOW: "Low",
    LabFlag.HIGH: "High",
    LabFlag.CRITICAL_LOW: "Critical low",
    LabFlag.CRITICAL_HIGH: "Critical high",
    LabFlag.ABNORMAL: "Abnormal",
}

APPOINTMENT_TO_FHIR: Final[dict[AppointmentStatus, str]] = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.ARRIVED: "arrived",
    AppointmentStatus.IN_ROOM: "checked-in",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "noshow",
}
APPOINTMENT_FROM_FHIR: Final[dict[str, AppointmentStatus]] = {
    **{v: k for k, v in APPOINTMENT_TO_FHIR.items()},
    "proposed": AppointmentStatus.BOOKED,
    "pending": AppointmentStatus.BOOKED,
    "waitlist": AppointmentStatus.BOOKED,
}
