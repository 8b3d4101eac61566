"""Writing doses and drug text the safe way (ISMP List of Error-Prone Abbreviations,
Symbols and Dose Designations): no trailing zero (5, not 5.0), a leading zero (0.5, not .5),
and none of the error-prone abbreviations in any text that is stored or printed."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

from emr_desktop.errors import ValidationError

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
