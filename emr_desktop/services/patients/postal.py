"""Postal codes as each country writes them (the practice's country decides)."""

from __future__ import annotations

import re

from emr_desktop.errors import ValidationError

# country code -> (pattern of a valid code after upper-casing, how to write one)
POSTAL_FORMS: dict[str, tuple[re.Pattern[str], str]] = {
    "US": (re.compile(r"^\d{5}(-\d{4})?$"), "5 digits, or 5+4 like 12345-6789"),
    "CA": (re.compile(r"^[A-Z]\d[A-Z] ?\d[A-Z]\d$"), "like K1A 0B1"),
    "GB": (re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$"), "like SW1A 1AA"),
    "DE": (re.compile(r"^\d{5}$"), "5 digits"),
    "FR": (re.compile(r"^\d{5}$"), "5 digits"),
    "AU": (re.compile(r"^\d{4}$"), "4 digits"),
}
_ANY = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,9}$")


def postal_code(country: str, value: str) -> str:
    """The code upper-cased and trimmed ('' stays ''); ValidationError when it is not a
    postal code of ``country`` (letters, digits, spaces and dashes elsewhere)."""
    code = " ".join(value.strip().upper().split())
    if not code:
        return ""
    pattern, words = POSTAL_FORMS.get(country.upper(), (_ANY, "letters and digits"))
    if not pattern.fullmatch(code):
        raise ValidationError("postal code", f"is not a postal code ({words})")
    return code
