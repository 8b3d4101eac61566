"""Whether the safety checks can see a medication-list entry or an allergy: the marks the
chart shows beside entries that were saved but are not recognised (never silently
skipped), and the hint, with close matches, shown while an allergen is typed."""

from __future__ import annotations

from emr_desktop.domain.chart import AllergyRow, MedicationRow
from emr_desktop.domain.clinical import AllergyCategory
from emr_desktop.reference.allergen_names import recognise_allergen
from emr_desktop.reference.drug_names import resolve_drug

__all__ = ["NOT_CHECKED", "NOT_RECOGNISED", "allergen_hint", "allergy_mark", "medication_mark"]

NOT_CHECKED = "unresolved: not checked"
NOT_RECOGNISED = "not recognised, will not be checked"


def medication_mark(m: MedicationRow) -> str:
    """'' when the checks know the entry's ingredients, else the unresolved mark."""
    if m.ingredients or resolve_drug(m.drug_name, m.rxnorm_code).resolved:
        return ""
    return NOT_CHECKED


def allergen_hint(text: str, category: AllergyCategory = AllergyCategory.DRUG) -> str:
    """'' for a recognised allergen (or a non-drug category), else the mark with close
    matches ("not recognised, will not be checked; did you mean amoxicillin?")."""
    if category != AllergyCategory.DRUG or not text.strip():
        return ""
    found = recognise_allergen(text)
    if found.recognised:
        return ""
    if not found.suggestions:
        return NOT_RECOGNISED
    return f"{NOT_RECOGNISED}; did you mean {', '.join(found.suggestions)}?"


def allergy_mark(a: AllergyRow) -> str:
    """The mark of a saved allergy: '' when the checks use it (or it is not a drug)."""
    if a.category != AllergyCategory.DRUG or a.ingredients or a.classes:
        return ""
    return allergen_hint(a.substance, a.category)
