"""The offline prescribing safety checks run before a prescription is signed.

Each check is a plain function ``(SafetyContext) -> list[SafetyAlert]``; DEFAULT_CHECKS
lists them in the order the prescriber sees their alerts. They use only the reference
data shipped with the app (``emr_desktop.reference``), so they work offline. Every
alert key is built from record ids and reference names only, so the same finding gets
the same key on the check before signing and on the signing itself (override reasons
are matched by key).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from itertools import combinations
from typing import Final

from emr_desktop.domain.chart import AllergyRow
from emr_desktop.domain.prescribing import SafetyAlert, SafetyContext, Severity
from emr_desktop.reference.allergies import AllergyMatch, check_drug_against_allergy
from emr_desktop.reference.interactions import (
    DrugFacts,
    Interaction,
    InteractionRule,
    find_interactions,
    interaction_rules,
)
from emr_desktop.services.prescribing.alerts import (
    Item,
    items_of,
    pairs,
    prescription_ids_of,
    sentence,
)
from emr_desktop.services.prescribing.doses import check_max_daily_dose

__all__ = [
    "DEFAULT_CHECKS",
    "UNREMARKABLE_DUPLICATE_CLASSES",
    "check_allergies",
    "check_allergy_documentation",
    "check_duplicate_therapy",
    "check_interactions",
    "check_max_daily_dose",
    "check_unrecognized_drugs",
]

# Classes shared by drugs that are routinely, deliberately taken together, or so broad
# that sharing them says nothing; a same-class alert for them would be noise that
# trains prescribers to ignore the others. Same-ingredient duplicates are still caught.
UNREMARKABLE_DUPLICATE_CLASSES: Final[frozenset[str]] = frozenset(
    {
        # Umbrella classes: their subclasses (penicillin, cephalosporin, ...) are checked.
        "beta-lactam antibiotic",
        "beta-lactamase inhibitor",
        "non-opioid analgesic",  # only acetaminophen products: the ingredient check covers it
        "anticholinergic",  # a side property shared by unrelated bladder, gut and PD drugs
        "central alpha-2 agonist",  # clonidine for blood pressure, tizanidine for spasm
        # Inhaled + nasal + topical steroids, nasal/eye + oral antihistamines.
        "corticosteroid",
        "antihistamine",
        # Combination therapy is the standard of care.
        "anticonvulsant",
        "mood stabilizer",
        "antiparkinson agent",
        "antiarrhythmic",  # rate control (diltiazem) with a rhythm drug
        "antianginal",
        "nitrate",  # a long-acting nitrate with sublingual nitroglycerin as needed
        "antiplatelet",  # dual antiplatelet therapy after a stent or ACS
        "insulin",  # basal plus mealtime insulin
        "hiv antiretroviral",
        "hiv protease inhibitor",  # boosted regimens pair two
        "antiviral",
        "antineoplastic",
        "immunosuppressant",
        "dmard",  # methotrexate + hydroxychloroquine + sulfasalazine
        "antituberculosis agent",
        "antigout agent",  # allopurinol with colchicine prophylaxis
        "smoking cessation aid",  # patch plus gum, or bupropion with NRT
        "opioid antagonist",  # naloxone rescue kit with buprenorphine/naloxone
        "antiemetic",  # scheduled plus breakthrough antiemetic
        "atypical antidepressant",  # bupropion or mirtazapine added as augmentation
        # Combined products hold both; hormone therapy pairs them. Two contraceptives
        # are still caught by "hormonal contraceptive".
        "estrogen",
        "progestin",
        "laxative",
        "vitamin",
        "vitamin d",
        "mineral supplement",
    }
)
_INTERACTION_OVERRIDE: Final = frozenset({"contraindicated", "major"})


# --- drug-allergy -------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _allergy_match(substance: str, facts: DrugFacts) -> AllergyMatch | None:
    return check_drug_against_allergy(substance, facts)


def _match(allergy: AllergyRow, facts: DrugFacts) -> AllergyMatch | None:
    """The conflict by the allergy's text, else by the ingredients and classes on record."""
    found = _allergy_match(allergy.substance, facts)
    if found is not None:
        return found
    # The recorded lists may have been corrected by hand after the text was classified.
    same = sorted(facts.ingredients & set(allergy.ingredients))
    if same:
        note = f"Contains {same[0]}, recorded as an allergy ({allergy.substance})."
        return AllergyMatch("ingredient", "contraindicated", same[0], note)
    same = sorted(facts.classes & set(allergy.classes))
    if same:
        note = f"Same class ({same[0]}) as the recorded allergy ({allergy.substance})."
        return AllergyMatch("class", "contraindicated", same[0], note)
    return None


def check_allergies(ctx: SafetyContext) -> list[SafetyAlert]:
    """Each prescription against each active allergy, by ingredient, class and cross-class.

    A direct ingredient or class match (or a cross-class the table calls contraindicated)
    needs an override; a cross-sensitivity caution (a cephalosporin after a penicillin
    allergy) is shown as a moderate alert that needs none.
    """
    batch, _ = items_of(ctx)
    alerts = []
    for rx in batch:
        for allergy in ctx.allergies:
            match = _match(allergy, rx.facts)
            if match is None:
                continue
            severe = match.severity == "contraindicated"
            reaction = f" Recorded reaction: {allergy.reaction}." if allergy.reaction else ""
            if match.kind == "cross":
                what = (
                    f"{rx.name} is a {match.allergen}; the patient is allergic to "
                    f"{allergy.substance}.{reaction} {sentence(match.note)}"
                )
            else:
                what = f"{rx.name}: {sentence(match.note)}{reaction}"
            alerts.append(
                SafetyAlert(
                    key=f"allergy:{allergy.id}:{rx.ref}:{match.allergen}",
                    severity="contraindicated" if severe else "moderate",
                    kind="allergy" if match.kind != "cross" else "allergy-cross-sensitivity",
                    message=what
                    + (
                        " Choose another drug, or give the reason to prescribe it anyway."
                        if severe
                        else " Possible cross-sensitivity: prescribe with caution."
                    ),
                    requires_override=severe,
                    prescription_ids=prescription_ids_of([rx]),
                )
            )
    return alerts


# --- drug-drug --------------------------------------------------------------------------


@cache
def _rules_by_member() -> dict[tuple[str, str], frozenset[int]]:
    """(kind, ingredient or class) -> positions of the rules naming it on either side."""
    index: dict[tuple[str, str], set[int]] = {}
    for n, rule in enumerate(interaction_rules()):
        for kind, members in ((rule.a_kind, rule.a), (rule.b_kind, rule.b)):
            for member in members:
                index.setdefault((kind, member), set()).add(n)
    return {key: frozenset(found) for key, found in index.items()}


def _rules_touching(facts: DrugFacts) -> frozenset[int]:
    index = _rules_by_member()
    keys = [("ingredient", i) for i in facts.ingredients] + [("class", c) for c in facts.classes]
    return frozenset().union(*(index.get(k, frozenset()) for k in keys))


@lru_cache(maxsize=8192)
def _interactions(x: DrugFacts, y: DrugFacts) -> tuple[Interaction, ...]:
    """find_interactions over only the rules that name a member of each drug."""
    both = sorted(_rules_touching(x) & _rules_touching(y))
    if not both:
        return ()
    rules: tuple[InteractionRule, ...] = interaction_rules()
    return tuple(find_interactions(x, y, [rules[n] for n in both]))


def _interaction_alert(x: Item, y: Item, found: Interaction) -> SafetyAlert:
    first, second = sorted((x, y), key=lambda i: i.ref)
    return SafetyAlert(
        key=f"interaction:{first.ref}:{second.ref}:{found.a}:{found.b}",
        severity=found.severity,
        kind="interaction",
        message=(
            f"{x.where} and {y.where} interact ({found.a} with {found.b}). "
            f"{sentence(found.effect)} Recommended: {sentence(found.action)}"
        ),
        requires_override=found.severity in _INTERACTION_OVERRIDE,
        prescription_ids=prescription_ids_of([x, y]),
    )


def check_interactions(ctx: SafetyContext) -> list[SafetyAlert]:
    """Each prescription against the active medications and the rest of the batch."""
    batch, meds = items_of(ctx)
    return [
        _interaction_alert(x, y, found)
        for x, y in pairs(batch, meds)
        for found in _interactions(x.facts, y.facts)
    ]


# --- duplicate therapy ------------------------------------------------------------------


def _groups(members: dict[str, list[Item]]) -> Iterable[tuple[str, list[Item]]]:
    """The (member, items) groups with two or more items, at least one a prescription."""
    for member in sorted(members):
        group = members[member]
        if len(group) > 1 and any(i.prescription_id for i in group):
            yield member, group


def _names(group: Sequence[Item]) -> str:
    return ", ".join(i.where for i in group)


def check_duplicate_therapy(ctx: SafetyContext) -> list[SafetyAlert]:
    """The same ingredient twice (override) or the same therapeutic class twice (warning).

    The same ingredient by different known routes (nasal and inhaled fluticasone) is a
    warning only. Two drugs already on the medication list are not reported again; a
    class pair that also shares an ingredient is reported once, as the ingredient.
    """
    batch, meds = items_of(ctx)
    items = [*batch, *meds]
    by_ingredient: dict[str, list[Item]] = {}
    by_class: dict[str, list[Item]] = {}
    for item in items:
        for ingredient in item.facts.ingredients:
            by_ingredient.setdefault(ingredient, []).append(item)
        for klass in item.facts.classes - UNREMARKABLE_DUPLICATE_CLASSES:
            by_class.setdefault(klass, []).append(item)
    alerts = []
    shared: set[frozenset[str]] = set()
    for ingredient, group in _groups(by_ingredient):
        shared.update(frozenset((a.ref, b.ref)) for a, b in combinations(group, 2))
        routes = {i.route for i in group if i.route}
        same_route = len(routes) <= 1
        alerts.append(
            SafetyAlert(
                key=f"duplicate:{ingredient}:{','.join(sorted(i.ref for i in group))}",
                severity="major" if same_route else "moderate",
                kind="duplicate-ingredient",
                message=(
                    f"Duplicate therapy: {ingredient} is in {_names(group)}. "
                    + (
                        "Stop one, or give the reason both are intended."
                        if same_route
                        else "The routes differ; check the total exposure is intended."
                    )
                ),
                requires_override=same_route,
                prescription_ids=prescription_ids_of(group),
            )
        )
    for klass, group in _groups(by_class):
        pairs = {frozenset((a.ref, b.ref)) for a, b in combinations(group, 2)}
        if pairs <= shared:
            continue
        alerts.append(
            SafetyAlert(
                key=f"duplicate-class:{klass}:{','.join(sorted(i.ref for i in group))}",
                severity="moderate",
                kind="duplicate-class",
                message=(
                    f"Same class ({klass}): {_names(group)}. "
                    "Check that taking them together is intended."
                ),
                requires_override=False,
                prescription_ids=prescription_ids_of(group),
            )
        )
    return alerts


# --- allergy documentation -----------------------------------------------------------------


def check_allergy_documentation(ctx: SafetyContext) -> list[SafetyAlert]:
    """A warning when neither an allergy nor "no known allergies" is on record."""
    if ctx.allergies_documented:
        return []
    severity: Severity = "moderate"
    return [
        SafetyAlert(
            key="allergies-undocumented",
            severity=severity,
            kind="allergy-documentation",
            message=(
                "Allergies are not documented for this patient, so the allergy check had "
                'nothing to check against. Ask, and record the allergies or "no known '
                'allergies".'
            ),
            requires_override=False,
        )
    ]


def check_unrecognized_drugs(ctx: SafetyContext) -> list[SafetyAlert]:
    """A note for each drug the checks could not see: not in the formulary, no ingredient.

    Said out loud so that an empty alert list is never mistaken for a clean check.
    """
    batch, meds = items_of(ctx)
    alerts = [
        SafetyAlert(
            key=f"unchecked:{rx.ref}",
            severity="info",
            kind="unchecked-drug",
            message=(
                f"not checked: {rx.name} (not recognised in the drug reference and no "
                "ingredient was given), so it was not checked for allergies, interactions, "
                "duplicates, dose or the patient. Add its ingredients to check it."
            ),
            requires_override=False,
            prescription_ids=prescription_ids_of([rx]),
        )
        for rx in batch
        if not rx.facts.ingredients
    ]
    unknown = sorted(m.name for m in meds if not m.facts.ingredients)
    if unknown and batch:
        alerts.append(
            SafetyAlert(
                key="unchecked-medications:"
                + ",".join(sorted(m.ref for m in meds if not m.facts.ingredients)),
                severity="info",
                kind="unchecked-drug",
                message=(
                    f"not checked: {', '.join(unknown)} (medication list, not recognised: "
                    "no known ingredients)."
                ),
                requires_override=False,
            )
        )
    return alerts


DEFAULT_CHECKS: Final = (
    check_allergies,
    check_interactions,
    check_duplicate_therapy,
    check_max_daily_dose,
    check_allergy_documentation,
    check_unrecognized_drugs,
)
