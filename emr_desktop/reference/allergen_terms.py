"""``allergen_synonyms.csv``: names typed for allergies (misspellings, brands, plurals,
abbreviations, non-drug allergens) mapped to an allergy class, a formulary ingredient or
a canonical non-drug allergen."""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

from emr_desktop.reference.drugs import normalize_term, read_reference_rows, reference_file

__all__ = ["AllergenKind", "allergen_synonym", "allergen_terms"]

AllergenKind = Literal["class", "ingredient", "non-drug"]
_KINDS = ("class", "ingredient", "non-drug")
_TRIM = re.compile(r"\s*\b(allergy|allergies|allergic|intolerance)\b\s*")


@cache
def allergen_terms() -> dict[str, tuple[AllergenKind, str]]:
    """Every typed term (lower case) -> (kind, target)."""
    path = reference_file("allergen_synonyms.csv")
    table: dict[str, tuple[AllergenKind, str]] = {}
    for line, row in read_reference_rows(path, ("term", "kind", "target", "source")):
        kind = row["kind"]
        if kind not in _KINDS or not row["target"] or not row["source"]:
            raise ValueError(f"{path.name}:{line}: bad kind, blank target or source")
        table[normalize_term(row["term"])] = (kind, normalize_term(row["target"]))  # type: ignore[assignment]
    return table


def allergen_synonym(text: str) -> tuple[AllergenKind, str] | None:
    """(kind, target) for a typed allergen ("penicilin", "TMP-SMX", "peanuts"), or None."""
    key = normalize_term(text)
    terms = allergen_terms()
    return terms.get(key) or terms.get(normalize_term(_TRIM.sub(" ", key)))
