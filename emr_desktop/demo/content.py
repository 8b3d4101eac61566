"""Made-up places and chart content for the demo practice: streets, payers, allergies and
referral targets (the people's names are in demo/names.py). Every person and address here
is fictional; phone numbers use the 555-01xx range reserved for fiction.
"""

from __future__ import annotations

from dataclasses import dataclass

from emr_desktop.demo.names import names_list as _names
from emr_desktop.domain.clinical import AllergyCategory as Cat
from emr_desktop.domain.clinical import AllergySeverity as Sev

STREETS = _names(
    "Maple, Oak, Cedar, Willow, Birch, Alder, Spruce, Hawthorn, Juniper, Sycamore, Riverside, "
    "Lakeview, Hillcrest, Meadow, Orchard, Mill, Church, Station, Harbor, Sunset, Park, Elm, "
    "Chestnut, Laurel, Magnolia, Aspen, Heron, Kingfisher, Fernwood, Quarry"
)
STREET_KINDS = _names("Street, Avenue, Road, Lane, Drive, Court, Way, Place, Terrace")
# Made-up towns with the first three digits of their (made-up) postal codes.
TOWNS: tuple[tuple[str, str], ...] = (
    ("Riverside", "970"),
    ("Millbrook", "971"),
    ("Cedar Hollow", "972"),
    ("Fernwood", "973"),
    ("Alder Creek", "974"),
    ("Willow Bend", "975"),
    ("Eastbrook", "973"),
    ("Maple Ridge", "970"),
    ("Stonebridge", "972"),
    ("Heron Bay", "974"),
)
STATE = "OR"
AREA_CODES = ("503", "971", "541", "458", "360")
# (payer, weight) for patients under 65; "" is self-pay.
PAYERS: tuple[tuple[str, int], ...] = (
    ("Acme Health", 24),
    ("Blue Meadow Health Plan", 16),
    ("Summit Mutual Insurance", 12),
    ("Evergreen Health Partners", 10),
    ("Medicaid", 12),
    ("", 5),
)
RELATIONS_ADULT = _names("Spouse, Spouse, Partner, Daughter, Son, Sister, Brother, Friend")
RELATIONS_CHILD = _names("Mother, Father")
GENDER_IDENTITIES = _names("Non-binary, Transgender woman, Transgender man")
ALERTS = (
    "Hard of hearing: face the patient when speaking.",
    "Needs an interpreter for clinical discussions.",
    "Uses a wheelchair: book an accessible room.",
    "Anxious about needles: allow extra time.",
    "Prefers appointments before noon.",
)


@dataclass(frozen=True, slots=True)
class AllergySpec:
    """A common allergy with its usual reaction."""

    substance: str
    category: Cat
    reaction: str
    severity: Sev
    weight: int
    adults_only: bool = False


ALLERGIES: tuple[AllergySpec, ...] = (
    AllergySpec("Penicillin", Cat.DRUG, "Hives", Sev.MODERATE, 30),
    AllergySpec("Sulfa drugs", Cat.DRUG, "Rash", Sev.MILD, 14),
    AllergySpec("Codeine", Cat.DRUG, "Nausea and vomiting", Sev.MILD, 10, adults_only=True),
    AllergySpec("Latex", Cat.ENVIRONMENT, "Contact dermatitis", Sev.MILD, 6),
    AllergySpec("Peanuts", Cat.FOOD, "Anaphylaxis", Sev.SEVERE, 8),
    AllergySpec("Shellfish", Cat.FOOD, "Hives and lip swelling", Sev.MODERATE, 8),
    AllergySpec("NSAIDs", Cat.DRUG, "Wheezing", Sev.MODERATE, 6, adults_only=True),
    AllergySpec("ACE inhibitors", Cat.DRUG, "Angioedema", Sev.SEVERE, 4, adults_only=True),
    AllergySpec("Amoxicillin", Cat.DRUG, "Rash", Sev.MILD, 6),
    AllergySpec("Cephalexin", Cat.DRUG, "Hives", Sev.MODERATE, 3),
    AllergySpec("Bee stings", Cat.ENVIRONMENT, "Anaphylaxis", Sev.SEVERE, 3),
    AllergySpec("Cats", Cat.ENVIRONMENT, "Sneezing and itchy eyes", Sev.MILD, 5),
    AllergySpec("Eggs", Cat.FOOD, "Vomiting", Sev.MILD, 2),
    AllergySpec("Morphine", Cat.DRUG, "Itching", Sev.MILD, 3, adults_only=True),
    AllergySpec("Ciprofloxacin", Cat.DRUG, "Tendon pain", Sev.MODERATE, 2, adults_only=True),
)
# Classes that may cross-react with an allergy class; such drugs are not prescribed.
CROSS_CLASSES: dict[str, tuple[str, ...]] = {
    "penicillin": ("cephalosporin",),
    "cephalosporin": ("penicillin",),
    "ace inhibitor": ("angiotensin ii receptor blocker",),
}


@dataclass(frozen=True, slots=True)
class Specialist:
    """An outside specialist the practice refers to (fictional)."""

    specialty: str
    name: str
    organization: str
    phone: str
    fax: str


SPECIALISTS: dict[str, Specialist] = {
    s.specialty: s
    for s in (
        Specialist(
            "Cardiology", "Ines Albrecht, MD", "Valley Heart Associates", "(503) 555-0111", ""
        ),
        Specialist(
            "Endocrinology", "Rafael Quintero, MD", "Cascade Endocrine Clinic", "(503) 555-0112", ""
        ),
        Specialist(
            "Nephrology", "Astrid Holmberg, MD", "Riverside Kidney Center", "(503) 555-0113", ""
        ),
        Specialist(
            "Orthopedics", "Tobias Wren, MD", "Millbrook Bone & Joint", "(971) 555-0114", ""
        ),
        Specialist(
            "Gastroenterology", "Nalini Rao, MD", "Eastbrook Digestive Health", "(971) 555-0115", ""
        ),
        Specialist(
            "Psychiatry", "Jonah Feld, MD", "Fernwood Behavioral Health", "(541) 555-0116", ""
        ),
        Specialist("Neurology", "Mireille Aubert, MD", "Heron Bay Neurology", "(541) 555-0117", ""),
        Specialist(
            "Pulmonology", "Kenta Morioka, MD", "Alder Creek Lung Clinic", "(503) 555-0118", ""
        ),
        Specialist("Urology", "Dov Halpern, MD", "Stonebridge Urology", "(503) 555-0119", ""),
        Specialist(
            "Dermatology", "Saskia Verhoeven, MD", "Willow Bend Dermatology", "(971) 555-0120", ""
        ),
        Specialist(
            "Sleep medicine", "Tomasz Wilk, MD", "Maple Ridge Sleep Center", "(458) 555-0121", ""
        ),
    )
}
REFERRAL_QUESTIONS = (
    "Please evaluate and advise on management.",
    "Please assess and co-manage.",
    "Would you see this patient for a second opinion?",
    "Please evaluate whether further testing is needed.",
)
ADDENDA = (
    "Lab results reviewed; patient informed by phone. No change to the plan.",
    "Medication list reconciled with the pharmacy after the visit.",
    "Patient called back: symptoms have settled. Follow up as planned.",
    "Specialist letter received and reviewed; plan unchanged.",
    "Outside records received and added to the chart.",
)
CANCEL_REASONS = (
    "Patient called to cancel",
    "Rescheduled at the patient's request",
    "Provider unavailable",
    "Transport problem",
    "Patient feeling better",
)
ROOMS = tuple(f"Exam {n}" for n in range(1, 9))
# Vaccine lots are made up: two letters and four digits.
LOT_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
