"""Prescription directions (the sig) in plain words, the ISMP way.

Numbers have no trailing zero (5, not 5.0) and a leading zero (0.5, not .5); "units" and
"daily" are spelled out; the error-prone abbreviations in BANNED_ABBREVIATIONS never
appear in a stored or printed sig (ISMP List of Error-Prone Abbreviations, Symbols and
Dose Designations). The vocabularies here are the only values a prescription stores.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from emr_desktop.domain.prescribing import PrescriptionInput
from emr_desktop.errors import ValidationError
from emr_desktop.services import validation as v

MAX_DECIMAL_PLACES: Final = 4
MAX_AMOUNT: Final = Decimal(100_000)
MAX_REFILLS: Final = 11
MAX_DURATION_DAYS: Final = 365

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

# ISMP error-prone abbreviations, matched case-insensitively as whole words (a number
# may touch them: "10U" and "5cc" are caught). Brand names are not checked against this.
BANNED_ABBREVIATIONS: Final[tuple[str, ...]] = (
    "U",
    "IU",
    "QD",
    "QOD",
    "q.d.",
    "q.o.d.",
    "q1d",
    "MS",
    "MSO4",
    "MgSO4",
    "cc",
    "µg",
    "μg",
    "ug",
    "SC",
    "SQ",
    "sub q",
    "HS",
    "qhs",
    "TIW",
    "BIW",
    "D/C",
)
# "x3d" style durations (read as "three doses" as often as "three days").
BANNED_PATTERNS: Final[tuple[str, ...]] = (r"x\s?\d+\s?d",)

_BANNED_RE: Final = [
    (abbr, re.compile(rf"(?<![^\W\d_]){re.escape(abbr)}(?![^\W_])", re.IGNORECASE))
    for abbr in BANNED_ABBREVIATIONS
] + [(pat, re.compile(rf"(?<![^\W\d_]){pat}(?![^\W_])", re.IGNORECASE)) for pat in BANNED_PATTERNS]


def find_banned(text: str) -> list[str]:
    """The banned abbreviations (or patterns) that occur in ``text`` as whole words."""
    return [abbr for abbr, rx in _BANNED_RE if rx.search(text)]


def check_abbreviations(field: str, text: str) -> str:
    """``text`` unchanged, or ValidationError naming the first error-prone abbreviation."""
    found = find_banned(text)
    if found:
        shown = "x3d" if found[0] in BANNED_PATTERNS else found[0]
        raise ValidationError(
            field, f"uses the error-prone abbreviation {shown!r}; write it out in words"
        )
    return text


def format_number(value: Decimal) -> str:
    """A dose or quantity as printed: 5 (not 5.0), 0.5 (not .5), 10 (not 1E+1)."""
    if not value.is_finite():
        raise ValueError("not a finite number")
    text = format(value, "f")  # "f" never uses an exponent and keeps every digit
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def parse_amount(field: str, value: Decimal | str | int, *, high: Decimal) -> Decimal:
    """A positive exact decimal of at most 4 decimal places, up to ``high``."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, str, int)):
        raise ValidationError(field, "must be a number like 1, 2.5 or 0.25")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError(field, "must be a number like 1, 2.5 or 0.25") from None
    if not amount.is_finite():
        raise ValidationError(field, "must be a number like 1, 2.5 or 0.25")
    if amount <= 0:
        raise ValidationError(field, "must be more than zero")
    if amount > high:
        raise ValidationError(field, f"must be at most {format_number(high)}")
    # Compared, not printed: printing 1E-999999999 would spell out a billion zeros.
    if amount != amount.quantize(Decimal(1).scaleb(-MAX_DECIMAL_PLACES)):
        raise ValidationError(field, f"may have at most {MAX_DECIMAL_PLACES} decimal places")
    return Decimal(format_number(amount))


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


def clean_indication(value: str) -> str:
    """An as-needed reason as it reads after "as needed for" (a leading "for" is dropped)."""
    text = " ".join((value or "").split()).rstrip(".")
    if text.lower().startswith("for "):
        text = text[4:].lstrip()
    # Checked with the full stop back on: "q.o.d." must not slip through as "q.o.d".
    check_abbreviations("as-needed reason", f"{text}.")
    return text


def render_sig(
    *,
    dose: Decimal,
    dose_unit: str,
    route: str,
    frequency: str,
    duration_days: int | None = None,
    prn: bool = False,
    prn_indication: str = "",
) -> str:
    """The directions as one plain sentence: 'Take 1 tablet by mouth twice daily for 10 days.'"""
    verb, where = ROUTES[clean_route(route)]
    parts = [verb, unit_words(dose, clean_unit("dose unit", dose_unit))]
    if where:
        parts.append(where)
    parts.append(clean_frequency(frequency))
    if prn:
        indication = clean_indication(prn_indication)
        parts.append(f"as needed for {indication}" if indication else "as needed")
    if duration_days is not None:
        parts.append(f"for {duration_days} day{'s' if duration_days != 1 else ''}")
    return " ".join(parts) + "."


def _whole(field: str, value: int | None, low: int, high: int, unit: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(field, f"must be a whole number from {low} to {high}{unit}")


def clean_order(data: PrescriptionInput) -> dict[str, Any]:
    """A prescription's fields (all but ingredients) validated, in stored form, with the sig."""
    dose = parse_amount("dose", data.dose, high=MAX_AMOUNT)
    quantity = parse_amount("quantity", data.quantity, high=MAX_AMOUNT)
    if data.duration_days is not None:
        _whole("duration", data.duration_days, 1, MAX_DURATION_DAYS, " days")
    _whole("refills", data.refills, 0, MAX_REFILLS)
    indication = clean_indication(v.text("as-needed reason", data.prn_indication, max_len=200))
    if data.prn and not indication:
        raise ValidationError("as-needed reason", "is required for an as-needed prescription")
    if indication and not data.prn:
        raise ValidationError("as-needed reason", "applies only to an as-needed prescription")
    note = v.text("note to pharmacist", data.note_to_pharmacist, max_len=1000)
    values: dict[str, Any] = {
        "drug_name": v.text("drug name", data.drug_name, max_len=200, required=True),
        "strength": check_abbreviations("strength", v.text("strength", data.strength, max_len=100)),
        "form": v.text("form", data.form, max_len=60),
        "route": clean_route(data.route),
        "dose": format_number(dose),
        "dose_unit": clean_unit("dose unit", data.dose_unit),
        "frequency": clean_frequency(data.frequency),
        "duration_days": data.duration_days,
        "prn": bool(data.prn),
        "prn_indication": indication,
        "quantity": format_number(quantity),
        "quantity_unit": clean_unit(
            "quantity unit", data.quantity_unit, packages=True, required=False
        ),
        "refills": data.refills,
        "dispense_as_written": bool(data.dispense_as_written),
        "note_to_pharmacist": check_abbreviations("note to pharmacist", note),
    }
    values["sig"] = render_sig(
        dose=dose,
        dose_unit=values["dose_unit"],
        route=values["route"],
        frequency=values["frequency"],
        duration_days=data.duration_days,
        prn=values["prn"],
        prn_indication=indication,
    )
    return values


# fmt: off
_ONES: Final = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)
_TENS: Final = (
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
)
# fmt: on
_FRACTIONS: Final = {
    Decimal("0.5"): "one half",
    Decimal("0.25"): "one quarter",
    Decimal("0.75"): "three quarters",
}


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest or not words:
        words.append(_ONES[rest])
    return words


def _integer_words(n: int) -> str:
    if n == 0:
        return "zero"
    words: list[str] = []
    for scale, name in ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand")):
        if n >= scale:
            words += [*_below_thousand(n // scale), name]
            n %= scale
    if n:
        words += _below_thousand(n)
    return " ".join(words)


def quantity_in_words(value: Decimal) -> str:
    """A quantity spelled out for the printout: 'thirty', 'seven and one half'.

    Halves and quarters read as fractions; other decimals digit by digit after 'point'.
    """
    if not value.is_finite() or value < 0:
        raise ValueError("a quantity is a finite number of at least zero")
    whole = int(value)
    fraction = value - whole
    if not fraction:
        return _integer_words(whole)
    if fraction in _FRACTIONS:
        spelled = _FRACTIONS[fraction]
        return spelled if whole == 0 else f"{_integer_words(whole)} and {spelled}"
    digits = format_number(fraction).split(".")[1]
    return f"{_integer_words(whole)} point " + " ".join(_ONES[int(d)] for d in digits)
