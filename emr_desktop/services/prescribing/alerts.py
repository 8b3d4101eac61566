"""What the safety checks compare: each drug as its ingredients and classes.

A prescription of the batch or an active medication becomes an ``Item`` with its
``DrugFacts``: a formulary drug (by generic or brand name) brings its own ingredients
and classes, and every ingredient the user named adds the classes of that ingredient
alone, so a free-text drug is checked by what the user said it contains.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import combinations

from emr_desktop.domain.prescribing import SafetyContext
from emr_desktop.reference.drug_names import resolve_drug
from emr_desktop.reference.drugs import Drug, formulary, normalize_term
from emr_desktop.reference.interactions import DrugFacts

__all__ = [
    "Item",
    "drug_facts",
    "formulary_drug",
    "items_of",
    "pairs",
    "prescription_ids_of",
    "sentence",
]


@lru_cache(maxsize=4096)
def formulary_drug(name: str) -> Drug | None:
    """The formulary drug a name resolves to (any spelling, see drug_names), or None."""
    return resolve_drug(name).drug


@dataclass(frozen=True, slots=True)
class Item:
    """A drug the checks compare: a prescription of the batch or an active medication."""

    ref: str  # "rx12" or "med3": unique in a context, used in alert keys
    prescription_id: int | None
    name: str
    route: str
    facts: DrugFacts

    @property
    def where(self) -> str:
        """How the item is named in a message."""
        return self.name if self.prescription_id else f"{self.name} (medication list)"


@cache
def _own_classes_index() -> dict[str, frozenset[str]]:
    """Classes describing each ingredient itself, not its combination partners."""
    single: dict[str, set[str]] = {}
    combos: dict[str, list[frozenset[str]]] = {}
    for drug in formulary().all():
        for ingredient in drug.ingredients:
            if len(drug.ingredients) == 1:
                single.setdefault(ingredient, set()).update(drug.classes)
            else:
                combos.setdefault(ingredient, []).append(frozenset(drug.classes))
    index = {i: frozenset.intersection(*sets) for i, sets in combos.items()}
    index.update({i: frozenset(c) for i, c in single.items()})
    return index


def _named_ingredients(name: str) -> tuple[str, ...]:
    """A typed ingredient as formulary ingredients: a brand or product name is resolved."""
    key = normalize_term(name)
    if key in _own_classes_index():
        return (key,)
    resolved = resolve_drug(key)
    return resolved.ingredients if resolved.resolved else (key,)


@lru_cache(maxsize=4096)
def drug_facts(name: str, ingredients: tuple[str, ...]) -> DrugFacts:
    """The ingredients and classes of a drug by its name and the ingredients on record.

    A formulary drug (by generic or brand name) brings its own classes; ingredients the
    user named that it lacks (or every ingredient of a free-text drug) add the classes
    of that ingredient alone.
    """
    resolved = resolve_drug(name)
    drug: Drug | None = resolved.drug
    names = {n for i in ingredients if i.strip() for n in _named_ingredients(i)}
    classes: set[str] = set(drug.classes) if drug is not None else set()
    known = set(resolved.ingredients)
    if drug is None:
        for ingredient in known:
            classes |= _own_classes_index().get(ingredient, frozenset())
    for ingredient in names - known:
        classes |= _own_classes_index().get(ingredient, frozenset())
    return DrugFacts(frozenset(names | known), frozenset(classes))


def items_of(ctx: SafetyContext) -> tuple[list[Item], list[Item]]:
    """The batch's prescriptions and the active medications, as items to compare."""
    batch = [
        Item(f"rx{p.id}", p.id, p.drug_name, p.route, drug_facts(p.drug_name, p.ingredients))
        for p in ctx.prescriptions
    ]
    meds = [
        Item(
            f"med{m.id}",
            None,
            m.drug_name,
            m.route,
            drug_facts(
                m.drug_name, m.ingredients or resolve_drug(m.drug_name, m.rxnorm_code).ingredients
            ),
        )
        for m in ctx.medications
    ]
    return batch, meds


def pairs(batch: Sequence[Item], meds: Sequence[Item]) -> Iterable[tuple[Item, Item]]:
    """Every batch item with every medication, and every two batch items."""
    for rx in batch:
        for med in meds:
            yield rx, med
    yield from combinations(batch, 2)


def sentence(text: str) -> str:
    """``text`` trimmed, ending with a full stop."""
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


def prescription_ids_of(items: Iterable[Item]) -> tuple[int, ...]:
    """The sorted prescription ids among ``items`` (medications have none)."""
    return tuple(sorted({i.prescription_id for i in items if i.prescription_id is not None}))
