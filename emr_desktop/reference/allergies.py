"""Drug-allergy checking with class cross-sensitivity (``allergy_classes.csv``).

An allergy is recorded as free text ("Penicillin", "sulfa", "NSAIDs", "codeine",
"Bactrim"). ``classify_substance`` turns it into the ingredients and therapeutic classes
it refers to, using the formulary and the allergy groups; ``check_drug_against_allergy``
then says whether a drug contains the allergen, belongs to the same class, or belongs to
a class with known cross-sensitivity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from emr_desktop.reference.allergen_terms import allergen_synonym
from emr_desktop.reference.drug_names import resolve_drug
from emr_desktop.reference.drugs import (
    Formulary,
    formulary,
    normalize_term,
    read_reference_rows,
    reference_file,
    split_cell,
)
from emr_desktop.reference.interactions import DrugFacts

MatchKind = Literal["ingredient", "class", "cross"]
_COLUMNS = (
    "allergy_class",
    "member_classes",
    "member_ingredients",
    "cross_class",
    "cross_severity",
    "cross_note",
    "source",
)
# Lower is worse; unknown severities sort last.
_SEVERITY_ORDER = ("contraindicated", "caution")
# Everyday words for drug groups, mapped to a class of drugs.csv or to an ingredient.
_CLASS_SYNONYMS = {
    "sulfa": "sulfonamide antibiotic",
    "sulpha": "sulfonamide antibiotic",
    "sulfonamide": "sulfonamide antibiotic",
    "sulphonamide": "sulfonamide antibiotic",
    "pcn": "penicillin",
    "non-steroidal anti-inflammatory": "nsaid",
    "nonsteroidal anti-inflammatory": "nsaid",
    "arb": "angiotensin ii receptor blocker",
    "acei": "ace inhibitor",
    "ace-i": "ace inhibitor",
    "quinolone": "fluoroquinolone",
    "opiate": "opioid",
    "narcotic": "opioid",
    "benzo": "benzodiazepine",
    "beta-lactam": "beta-lactam antibiotic",
    "beta lactam": "beta-lactam antibiotic",
    "ssri antidepressant": "ssri",
}
_INGREDIENT_SYNONYMS = {
    "asa": "aspirin",
    "acetylsalicylic acid": "aspirin",
    "apap": "acetaminophen",
}
_FILLER = frozenset(
    {"allergy", "allergies", "allergic", "to", "class", "drug", "drugs", "medication"}
    | {"medications", "medicine", "medicines", "antibiotic", "antibiotics", "family", "group"}
)
_PARENTHESES = re.compile(r"\([^)]*\)")
_NOT_WORD = re.compile(r"[^a-z0-9\-/ ]+")


@dataclass(frozen=True, slots=True)
class CrossSensitivity:
    """A class that may cross-react with an allergy group, with how much it matters."""

    class_name: str
    severity: str
    note: str


@dataclass(frozen=True, slots=True)
class AllergyClass:
    """An allergy group: its member classes and ingredients, and the classes it may cross to."""

    name: str
    member_classes: frozenset[str]
    member_ingredients: frozenset[str]
    crosses: tuple[CrossSensitivity, ...]
    note: str
    sources: tuple[str, ...]

    def contains(self, drug: DrugFacts) -> bool:
        """True if the drug is a member of this group by class or by ingredient."""
        return bool(
            drug.classes & self.member_classes or drug.ingredients & self.member_ingredients
        )


@dataclass(frozen=True, slots=True)
class AllergyMatch:
    """Why a drug conflicts with a recorded allergy.

    ``kind`` is "ingredient" (the drug contains the allergen), "class" (same drug class
    or allergy group) or "cross" (a class with known cross-sensitivity); ``allergen`` is
    the ingredient or class of the drug that matched; ``note`` explains it in plain words.
    """

    kind: MatchKind
    severity: str
    allergen: str
    note: str


def load_allergy_classes(path: Path) -> tuple[AllergyClass, ...]:
    """Read an allergy-class CSV; rows with the same ``allergy_class`` form one group."""
    order: list[str] = []
    rows: dict[str, list[dict[str, str]]] = {}
    for line, row in read_reference_rows(path, _COLUMNS):
        name = normalize_term(row["allergy_class"])
        if not name:
            raise ValueError(f"{path.name}:{line}: blank allergy_class")
        if bool(row["cross_class"]) != bool(row["cross_severity"]):
            raise ValueError(f"{path.name}:{line}: cross_class and cross_severity go together")
        if name not in rows:
            order.append(name)
            rows[name] = []
        rows[name].append(row)
    groups = []
    for name in order:
        group_rows = rows[name]
        crosses = tuple(
            CrossSensitivity(normalize_term(r["cross_class"]), r["cross_severity"], r["cross_note"])
            for r in group_rows
            if r["cross_class"]
        )
        notes = [r["cross_note"] for r in group_rows if not r["cross_class"] and r["cross_note"]]
        groups.append(
            AllergyClass(
                name=name,
                member_classes=frozenset(
                    normalize_term(c) for r in group_rows for c in split_cell(r["member_classes"])
                ),
                member_ingredients=frozenset(
                    normalize_term(i)
                    for r in group_rows
                    for i in split_cell(r["member_ingredients"])
                ),
                crosses=crosses,
                note=notes[0] if notes else "",
                sources=tuple(dict.fromkeys(r["source"] for r in group_rows if r["source"])),
            )
        )
    return tuple(groups)


@cache
def allergy_classes() -> tuple[AllergyClass, ...]:
    """The bundled allergy groups, read once on first use."""
    return load_allergy_classes(reference_file("allergy_classes.csv"))


@dataclass(frozen=True, slots=True)
class _Resolved:
    ingredients: frozenset[str]
    classes: frozenset[str]
    groups: tuple[AllergyClass, ...]


def _class_aliases(vocabulary: Iterable[str]) -> dict[str, str]:
    """Names a class may be typed as: in full, without and as its parenthetical."""
    aliases: dict[str, str] = {}
    for name in vocabulary:
        aliases.setdefault(name, name)
        inner = re.search(r"\(([^)]*)\)", name)
        if inner:
            aliases.setdefault(_PARENTHESES.sub("", name).strip(), name)
            aliases.setdefault(inner.group(1).strip(), name)
    for synonym, name in _CLASS_SYNONYMS.items():
        aliases.setdefault(synonym, name)
    return aliases


def _singular_forms(phrase: str) -> list[str]:
    """The phrase and plausible singulars of its last word ("statins", "ace inhibitors")."""
    head, _, last = phrase.rpartition(" ")
    prefix = f"{head} " if head else ""
    forms = [phrase]
    if last.endswith("ies"):
        forms.append(prefix + last[:-3] + "y")
    if last.endswith("es"):
        forms.append(prefix + last[:-2])
    if last.endswith("s") and not last.endswith("ss"):
        forms.append(prefix + last[:-1])
    return forms


def _own_classes(drugs: Formulary, ingredient: str) -> frozenset[str]:
    """Classes that describe the ingredient itself, not its combination partners."""
    products = drugs.by_ingredient(ingredient)
    single = [d for d in products if len(d.ingredients) == 1]
    if single:
        return frozenset(c for d in single for c in d.classes)
    if not products:
        return frozenset()
    return frozenset.intersection(*(frozenset(d.classes) for d in products))


class _Classifier:
    """Resolves allergy text against the formulary and the allergy groups."""

    def __init__(self, drugs: Formulary, groups: tuple[AllergyClass, ...]) -> None:
        self._drugs = drugs
        self._groups = groups
        vocabulary = drugs.class_vocabulary() | {
            c for g in groups for c in g.member_classes | {x.class_name for x in g.crosses}
        }
        self._aliases = _class_aliases(vocabulary)
        self._ingredients = drugs.ingredients()
        self._relevant = frozenset(c for g in groups for c in g.member_classes)

    def _lookup(self, phrase: str) -> tuple[set[str], set[str]] | None:
        for form in _singular_forms(phrase):
            ingredients: set[str] = set()
            classes: set[str] = set()
            if form in self._aliases:
                classes.add(self._aliases[form])
            if form in _INGREDIENT_SYNONYMS:
                ingredients.add(_INGREDIENT_SYNONYMS[form])
            if form in self._ingredients:
                ingredients.add(form)
            drug = self._drugs.get(form) or self._drugs.by_brand(form)
            if drug is not None:
                ingredients.update(drug.ingredients)
            if ingredients or classes:
                return ingredients, classes
        return None

    def _phrase_matches(self, words: list[str]) -> tuple[set[str], set[str]]:
        """Union of the longest phrases (up to 4 words) that name a drug or class."""
        ingredients: set[str] = set()
        classes: set[str] = set()
        i = 0
        while i < len(words):
            for size in range(min(4, len(words) - i), 0, -1):
                hit = self._lookup(" ".join(words[i : i + size]))
                if hit is not None:
                    ingredients |= hit[0]
                    classes |= hit[1]
                    i += size
                    break
            else:
                i += 1
        return ingredients, classes

    def resolve(self, text: str) -> _Resolved:
        synonym = allergen_synonym(text)
        if synonym is not None:
            if synonym[0] == "non-drug":
                return _Resolved(frozenset(), frozenset(), ())
            text = synonym[1]
        found = self._resolve_words(text)
        if found.ingredients or found.classes:
            return found
        # A salted, dosed or misspelt drug name the drug resolver knows.
        named = resolve_drug(text)
        return self._resolve_words(" ".join(named.ingredients)) if named.resolved else found

    def _resolve_words(self, text: str) -> _Resolved:
        cleaned = _NOT_WORD.sub(" ", _PARENTHESES.sub(" ", normalize_term(text)))
        words = cleaned.split()
        if not words:
            return _Resolved(frozenset(), frozenset(), ())
        whole = self._lookup(" ".join(words))
        kept = [w for w in words if w not in _FILLER]
        if whole is None and kept:
            whole = self._lookup(" ".join(kept))
        ingredients, classes = whole if whole is not None else self._phrase_matches(kept)
        # An ingredient brings along only its allergy-relevant classes (amoxicillin ->
        # penicillin), never e.g. "beta blocker" for metoprolol.
        for ingredient in ingredients:
            classes |= _own_classes(self._drugs, ingredient) & self._relevant
        facts = DrugFacts(frozenset(ingredients), frozenset(classes))
        groups = tuple(g for g in self._groups if g.contains(facts))
        for group in groups:
            classes |= group.member_classes
        return _Resolved(frozenset(ingredients), frozenset(classes), groups)


@cache
def _classifier() -> _Classifier:
    return _Classifier(formulary(), allergy_classes())


def classify_substance(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The (ingredients, classes) an allergy entry such as "penicillins" or "sulfa" names.

    Tolerates case, plurals, parenthesized remarks and words like "allergy" or "drugs";
    brand and generic names resolve to their ingredients. Unknown text gives two empty sets.
    """
    resolved = _classifier().resolve(text)
    return resolved.ingredients, resolved.classes


def _severity_rank(severity: str) -> int:
    return _SEVERITY_ORDER.index(severity) if severity in _SEVERITY_ORDER else len(_SEVERITY_ORDER)


def check_drug_against_allergy(allergy_text: str, drug: DrugFacts) -> AllergyMatch | None:
    """How ``drug`` conflicts with the allergy recorded as ``allergy_text``, or None.

    Direct ingredient match and same-class match are "contraindicated"; a cross-sensitive
    class gives the severity of the allergy table (e.g. "caution" for a cephalosporin in
    a penicillin-allergic patient).
    """
    resolved = _classifier().resolve(allergy_text)
    same = sorted(drug.ingredients & resolved.ingredients)
    if same:
        return AllergyMatch(
            "ingredient",
            "contraindicated",
            same[0],
            f"Contains {same[0]}, recorded as an allergy ({allergy_text.strip()}).",
        )
    same_class = sorted(drug.classes & resolved.classes)
    if same_class:
        return AllergyMatch(
            "class",
            "contraindicated",
            same_class[0],
            f"Same class ({same_class[0]}) as the recorded allergy ({allergy_text.strip()}).",
        )
    for group in resolved.groups:
        members = sorted(drug.ingredients & group.member_ingredients)
        if members:
            return AllergyMatch(
                "class",
                "contraindicated",
                members[0],
                f"{members[0]} belongs to the {group.name} allergy group "
                f"({allergy_text.strip()}). {group.note}".strip(),
            )
    crosses = [
        cross
        for group in resolved.groups
        for cross in group.crosses
        if cross.class_name in drug.classes
    ]
    if crosses:
        worst = min(crosses, key=lambda c: (_severity_rank(c.severity), c.class_name))
        return AllergyMatch("cross", worst.severity, worst.class_name, worst.note)
    return None
