"""Broader duplicate therapy (``therapy_groups.csv``): two serotonergic antidepressants,
two antipsychotics, two opioids, two benzodiazepine-receptor agonists, even of
different classes (sertraline + venlafaxine, haloperidol + risperidone).

Pairs that already share an ingredient or a class are reported by
``checks.check_duplicate_therapy``; this check adds only the pairs it would miss.
"""

from __future__ import annotations

from itertools import combinations

from emr_desktop.domain.prescribing import SafetyAlert, SafetyContext
from emr_desktop.reference.drug_rules import therapy_groups
from emr_desktop.services.prescribing.alerts import Item, items_of, prescription_ids_of

__all__ = ["check_therapy_groups"]


def _shares(a: Item, b: Item) -> bool:
    return bool(a.facts.ingredients & b.facts.ingredients or a.facts.classes & b.facts.classes)


def check_therapy_groups(ctx: SafetyContext) -> list[SafetyAlert]:
    """A moderate alert for each group with two drugs (one being prescribed) of
    different ingredients and classes."""
    batch, meds = items_of(ctx)
    items = [*batch, *meds]
    alerts = []
    for group, rules in sorted(therapy_groups().items()):
        members = [i for i in items if any(rule.applies(i.facts) for rule in rules)]
        new = [
            (a, b)
            for a, b in combinations(members, 2)
            if (a.prescription_id or b.prescription_id) and not _shares(a, b)
        ]
        if not new:
            continue
        involved = sorted({i.ref: i for pair in new for i in pair}.values(), key=lambda i: i.ref)
        first = next(r for r in rules if r.applies(new[0][0].facts))
        alerts.append(
            SafetyAlert(
                key=f"duplicate-group:{group}:{','.join(i.ref for i in involved)}",
                severity="moderate",
                kind="duplicate-group",
                message=(
                    f"Duplicate therapy ({group}): {', '.join(i.where for i in involved)}. "
                    f"{first.message}"
                ),
                requires_override=False,
                prescription_ids=prescription_ids_of(involved),
            )
        )
    return alerts
