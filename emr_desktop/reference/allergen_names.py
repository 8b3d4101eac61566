"""Is a typed allergen recognised? Drug allergens the checks can use, non-drug allergens
recognised but not checked against drugs, and for the rest close-match suggestions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache

from emr_desktop.reference.allergen_terms import allergen_synonym, allergen_terms
from emr_desktop.reference.allergies import allergy_classes, classify_substance
from emr_desktop.reference.drug_names import drug_synonyms
from emr_desktop.reference.drugs import formulary, normalize_term

__all__ = ["AllergenRecognition", "recognise_allergen", "suggest_allergens"]


@dataclass(frozen=True, slots=True)
class AllergenRecognition:
    """What an allergy entry means to the checks.

    ``checked`` is True when the drug checks can use it (ingredients or classes found);
    ``recognised`` also covers known non-drug allergens (peanut, latex). An entry that is
    neither is saved with a visible "not recognised, will not be checked" and
    ``suggestions`` (close matches) to pick from.
    """

    text: str
    ingredients: frozenset[str]
    classes: frozenset[str]
    recognised: bool
    checked: bool
    suggestions: tuple[str, ...]


@cache
def _vocabulary() -> dict[str, str]:
    """Every known spelling -> the canonical name to suggest for it."""
    drugs = formulary()
    names: dict[str, str] = {}
    for term, generic in drug_synonyms().items():
        names[term] = generic
    for term, (_, target) in allergen_terms().items():
        names[term] = target
    canonical = set(drugs.ingredients()) | {d.generic for d in drugs.all()}
    canonical |= {b.lower() for d in drugs.all() for b in d.brands}
    canonical |= {g.name for g in allergy_classes()}
    canonical |= {t for _, t in allergen_terms().values()}
    names.update({name: name for name in canonical})
    return names


def suggest_allergens(text: str, limit: int = 5) -> tuple[str, ...]:
    """Known allergen and drug names close to ``text`` (best first, no misspellings)."""
    key = normalize_term(text)
    if not key:
        return ()
    names = _vocabulary()
    found = difflib.get_close_matches(key, list(names), n=limit * 3, cutoff=0.7)
    return tuple(dict.fromkeys(names[f] for f in found))[:limit]


def recognise_allergen(text: str) -> AllergenRecognition:
    """Classify an allergy entry and say whether the drug checks will use it."""
    ingredients, classes = classify_substance(text)
    checked = bool(ingredients or classes)
    synonym = allergen_synonym(text)
    recognised = checked or (synonym is not None and synonym[0] == "non-drug")
    suggestions = () if recognised else suggest_allergens(text)
    return AllergenRecognition(text, ingredients, classes, recognised, checked, suggestions)
