"""Saying out loud what the checks could not see: drug allergies that were not
recognised (saved, but not checked against any drug)."""

from __future__ import annotations

from emr_desktop.domain.clinical import AllergyCategory
from emr_desktop.domain.prescribing import SafetyAlert, SafetyContext
from emr_desktop.reference.allergen_names import recognise_allergen

__all__ = ["check_unrecognised_allergies"]


def check_unrecognised_allergies(ctx: SafetyContext) -> list[SafetyAlert]:
    """An info line naming each drug allergy the checks cannot use."""
    if not ctx.prescriptions:
        return []
    unknown = [
        a
        for a in ctx.allergies
        if a.category == AllergyCategory.DRUG
        and not a.ingredients
        and not a.classes
        and not recognise_allergen(a.substance).recognised
    ]
    if not unknown:
        return []
    return [
        SafetyAlert(
            key="unchecked-allergies:" + ",".join(str(a.id) for a in unknown),
            severity="info",
            kind="unchecked-drug",
            message=(
                f"not checked: allergy to {', '.join(a.substance for a in unknown)} (not "
                "recognised, so no drug was checked against it). Correct the allergy entry."
            ),
            requires_override=False,
        )
    ]
