"""The words medication directions are written in: how often, by which route, in which
unit. The vocabularies here are the only values a medication or prescription stores."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from emr_desktop.errors import ValidationError
from emr_desktop.services.common.safe_writing import format_number

# How often, in the words the sig prints; doses per day feed dose-limit checks
# (None: not a regular schedule).
DOSES_PER_DAY: Final[dict[str, Decimal | None]] = {
    "once": None,
    "daily": Decimal(1),
    "every morning": Decimal(1),
    "every evening": Decimal(1),
    "at bedtime": Decimal(1),
    "twice daily": Decimal(2),
    "three times daily": Decimal(3),
    "four times daily": Decimal(4),
    "every 4 hours": Decimal(6),
    "every 6 hours": Decimal(4),
    "every 8 hours": Decimal(3),
    "every 12 hours": Decimal(2),
    "every other day": Decimal("0.5"),
    "weekly": Decimal(1) / Decimal(7),
    "as directed": None,
}
FREQUENCIES: Final[tuple[str, ...]] = tuple(DOSES_PER_DAY)

# Spelled-out phrasings people type, mapped onto the vocabulary. Abbreviations (QD, BID,
# QOD ...) are deliberately absent: they are refused, never translated.
_FREQUENCY_ALIASES: Final[dict[str, str]] = {
    "once daily": "daily",
    "once a day": "daily",
    "every day": "daily",
    "every 24 hours": "daily",
    "twice a day": "twice daily",
    "three times a day": "three times daily",
    "four times a day": "four times daily",
    "bedtime": "at bedtime",
    "once weekly": "weekly",
    "once a week": "weekly",
    "every week": "weekly",
}

# route -> (verb, where); "where" may be empty.
ROUTES: Final[dict[str, tuple[str, str]]] = {
    "oral": ("Take", "by mouth"),
    "sublingual": ("Place", "under the tongue"),
    "buccal": ("Place", "between the cheek and gum"),
    "subcutaneous": ("Inject", "under the skin"),
    "intramuscular": ("Inject", "into the muscle"),
    "intravenous": ("Give", "intravenously"),
    "intra-articular": ("Inject", "into the joint"),
    "infiltration": ("Inject", "by local infiltration"),
    "inhalation": ("Inhale", "by mouth"),
    "nasal": ("Use", "in the nose"),
    "ophthalmic": ("Instill", "in the affected eye(s)"),
    "topical": ("Apply", "to the affected area"),
    "transdermal": ("Apply", "to the skin"),
    "rectal": ("Insert", "rectally"),
    "vaginal": ("Insert", "vaginally"),
    "intrauterine": ("Insert", "into the uterus"),
}
_ROUTE_ALIASES: Final[dict[str, str]] = {
    "by mouth": "oral",
    "mouth": "oral",
    "under the skin": "subcutaneous",
    "under the tongue": "sublingual",
    "inhaled": "inhalation",
}

# dose unit (singular, as stored) -> plural as printed. Mass and volume do not inflect.
DOSE_UNITS: Final[dict[str, str]] = {
    "tablet": "tablets",
    "capsule": "capsules",
    "mL": "mL",
    "mg": "mg",
    "mcg": "mcg",
    "g": "g",
    "mEq": "mEq",
    "unit": "units",
    "puff": "puffs",
    "drop": "drops",
    "spray": "sprays",
    "patch": "patches",
    "suppository": "suppositories",
    "application": "applications",
    "lozenge": "lozenges",
    "film": "films",
    "packet": "packets",
    "vial": "vials",
    "inhalation": "inhalations",
    "applicatorful": "applicatorfuls",
    "ring": "rings",
    "device": "devices",
}
# What a quantity may also be counted in (whole packages).
PACKAGE_UNITS: Final[dict[str, str]] = {
    "bottle": "bottles",
    "box": "boxes",
    "inhaler": "inhalers",
    "pen": "pens",
    "tube": "tubes",
    "kit": "kits",
    "syringe": "syringes",
    "carton": "cartons",
}
# Unit spellings that are accepted as input and stored in their safe form.
_UNIT_ALIASES: Final[dict[str, str]] = {
    "u": "unit",
    "iu": "unit",
    "units": "unit",
    "international unit": "unit",
    "international units": "unit",
    "cc": "mL",
    "ml": "mL",
    "milliliter": "mL",
    "millilitre": "mL",
    "meq": "mEq",
    "µg": "mcg",
    "μg": "mcg",
    "ug": "mcg",
    "microgram": "mcg",
    "milligram": "mg",
    "gram": "g",
    "tab": "tablet",
    "cap": "capsule",
    "gtt": "drop",
}


def _key(value: str) -> str:
    return " ".join((value or "").split()).lower()


def clean_frequency(value: str) -> str:
    """The vocabulary entry for ``value``; abbreviations such as BID or QD are refused."""
    key = _key(value)
    key = _FREQUENCY_ALIASES.get(key, key)
    if key not in DOSES_PER_DAY:
        raise ValidationError("frequency", "must be one of: " + ", ".join(FREQUENCIES))
    return key


def clean_route(value: str) -> str:
    """The vocabulary entry for a route (oral, subcutaneous, ...)."""
    key = _key(value)
    key = _ROUTE_ALIASES.get(key, key)
    if key not in ROUTES:
        raise ValidationError("route", "must be one of: " + ", ".join(ROUTES))
    return key


def clean_unit(field: str, value: str, *, packages: bool = False, required: bool = True) -> str:
    """A unit in its stored form ("U" and "IU" become "unit", "cc" becomes "mL")."""
    raw = " ".join((value or "").split())
    if not raw:
        if required:
            raise ValidationError(field, "is required")
        return ""
    allowed = {**DOSE_UNITS, **PACKAGE_UNITS} if packages else DOSE_UNITS
    key = raw.lower()
    key = _UNIT_ALIASES.get(key, key).lower()
    for singular, plural in allowed.items():
        if key in (singular.lower(), plural.lower()):
            return singular
    raise ValidationError(field, "must be one of: " + ", ".join(allowed))


def unit_words(amount: Decimal, unit: str) -> str:
    """'1 tablet', '0.5 tablet', '2 tablets', '10 units' (plural above one)."""
    plural = DOSE_UNITS.get(unit) or PACKAGE_UNITS.get(unit) or unit
    return f"{format_number(amount)} {plural if amount > 1 else unit}"
