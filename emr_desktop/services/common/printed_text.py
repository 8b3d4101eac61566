"""The ISMP rules for every free-text field that prints (strength, directions, notes,
as-needed reason, drug name): no trailing zero ("5.0 mg"), no naked decimal (".5 mg"),
no error-prone abbreviation or symbol (">", "<", "@", "&", "+"), no drug-name
abbreviation (MSO4, MgSO4, HCTZ, APAP); and a route that the dose form can be given by."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from emr_desktop.errors import ValidationError
from emr_desktop.reference.drug_print import find_banned_names, form_routes
from emr_desktop.services.common.safe_writing import find_banned

__all__ = ["check_printed", "check_route_form", "printed_problems"]

_TRAILING_ZERO: Final = re.compile(r"(?<![\d.])\d+\.\d*0(?![\d.])")
_NAKED_DECIMAL: Final = re.compile(r"(?<![\d\w])\.\d")
# ISMP: > and < are mistaken for each other and for 7 and L; @ for 2; & and + for 4.
_SYMBOLS: Final = (">", "<", "≥", "≤", "@", "&", "+")


def printed_problems(text: str, *, drug_name: bool = False) -> list[str]:
    """What is wrong with ``text`` as printed, in words (empty when it is fine).

    A drug name may contain "+" or "/" between ingredients, so symbols are not checked
    there; its abbreviations are.
    """
    problems = []
    zero = _TRAILING_ZERO.search(text)
    if zero:
        problems.append(f"{zero.group(0)!r} has a trailing zero (write it without)")
    if _NAKED_DECIMAL.search(text):
        problems.append("a decimal needs a leading zero (0.5, not .5)")
    if not drug_name:
        for symbol in _SYMBOLS:
            if symbol in text:
                problems.append(f"uses the symbol {symbol!r}; write it in words")
        banned = find_banned(text)
        if banned:
            problems.append(f"uses the error-prone abbreviation {banned[0]!r}")
    for abbr, instead in find_banned_names(text):
        problems.append(f"uses the drug-name abbreviation {abbr!r}; write {instead}")
    return problems


def check_printed(fields: Mapping[str, str], *, drug_field: str = "drug name") -> None:
    """Refuse, in one ValidationError naming every bad field, text that breaks the rules."""
    bad = {
        field: found
        for field, text in fields.items()
        if (found := printed_problems(text, drug_name=field == drug_field))
    }
    if bad:
        raise ValidationError(
            ", ".join(bad), "; ".join(f"{f}: {', '.join(p)}" for f, p in bad.items())
        )


def check_route_form(route: str, *forms: str) -> None:
    """Refuse a route the dose form cannot be given by ("instill 1 tablet in the eye")."""
    table = form_routes()
    for form in forms:
        allowed = table.get(form.strip().lower())
        if route and allowed is not None and route not in allowed:
            raise ValidationError(
                "route",
                f"{route} does not fit a {form.strip()}: a {form.strip()} is given "
                f"{' or '.join(sorted(allowed))}",
            )
