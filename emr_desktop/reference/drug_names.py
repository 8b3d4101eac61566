"""One resolver for every drug name the practice meets: text (and RxNorm codes) to ingredients.

A name may be a formulary generic, a brand, a synonym from ``drug_synonyms.csv`` (British
names, abbreviations, misspellings), an ingredient, or any of those dressed with a salt,
a strength, a dose form, a route or a release word (``sertraline HCl``, ``Sertraline 50 MG
Oral Tablet``, ``24 HR metoprolol succinate 100 MG Extended Release Oral Tablet
[Toprol]``), or a combination written with ``/``, ``-``, ``and`` or ``+``. An RxNorm
ingredient or clinical-drug code from ``drug_codes.csv`` resolves directly. Whatever does
not resolve comes back with no ingredients and ``resolved`` False: callers must say so,
never skip it silently.

Whole names are matched before any word is stripped, so formulary names that contain a
salt word (``potassium chloride``, ``metoprolol succinate``) keep their identity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from emr_desktop.reference.drugs import (
    Drug,
    formulary,
    normalize_term,
    read_reference_rows,
    reference_file,
    split_cell,
)

__all__ = [
    "ResolvedDrug",
    "code_display",
    "drug_synonyms",
    "ingredient_code",
    "resolve_drug",
    "salt_words",
]

_STRENGTH = re.compile(
    r"(?<![a-z-])\d+(?:[.,]\d+)?\s*(?:mg|mcg|g|ml|meq|units?|iu|%|hr|h)?"
    r"(?:\s*/\s*(?:\d+(?:\.\d+)?\s*)?(?:ml|l|g|mg|actuat|hr|h|dose|spray))?(?![a-z-])"
)
_DOSED = re.compile(
    r"(?<![a-z-])\d+(?:\.\d+)?\s*(?:mg|mcg|g|ml|meq|units?|iu|%)"
    r"(?:\s*/\s*(?:\d+(?:\.\d+)?\s*)?(?:ml|l|g|mg|actuat|dose|spray))?(?![a-z-])"
)
_BRACKET = re.compile(r"\[([^\]]*)\]|\(([^)]*)\)")
_PUNCT = re.compile(r"[®™,;:]|(?<!\d)\.|\.(?!\d)")
_COMBO = re.compile(r"\s*(?:/|\+|\band\b|\bwith\b)\s*")
_HYPHEN = re.compile(r"(?<=[a-z])-(?=[a-z])")
# Words that are not drug names in an RxNorm-style or typed product name.
_NOISE = frozenset({"of", "per", "x", "the", "a", "each"})


@dataclass(frozen=True, slots=True)
class ResolvedDrug:
    """What a drug name means: its ingredients (lower case, sorted) and how it was found.

    ``drug`` is the formulary product when one is determined; ``via`` is one of
    ``code``, ``name``, ``brand``, ``synonym``, ``ingredient``, ``stripped``,
    ``combination`` or ``unresolved``.
    """

    text: str
    ingredients: tuple[str, ...]
    drug: Drug | None
    via: str

    @property
    def resolved(self) -> bool:
        """True when the name resolved to at least one ingredient."""
        return bool(self.ingredients)


@cache
def drug_synonyms() -> dict[str, str]:
    """``drug_synonyms.csv``: other names (lower case) -> formulary generic."""
    table: dict[str, str] = {}
    path = reference_file("drug_synonyms.csv")
    for line, row in read_reference_rows(path, ("term", "generic", "kind", "source")):
        generic = normalize_term(row["generic"])
        if formulary().get(generic) is None:
            raise ValueError(f"{path.name}:{line}: {generic!r} is not a formulary generic")
        if not row["source"]:
            raise ValueError(f"{path.name}:{line}: blank source")
        table[normalize_term(row["term"])] = generic
    return table


_FORM_KINDS = frozenset({"release", "form", "route"})
_ALL_KINDS = frozenset({"salt", "ester", "hydrate", "release", "form", "route", "unit"})


@cache
def salt_words(kinds: frozenset[str] = _ALL_KINDS) -> frozenset[str]:
    """``salts.csv`` words of these kinds (salt, ester, hydrate, release, form, route, unit)."""
    path = reference_file("salts.csv")
    return frozenset(
        normalize_term(row["word"])
        for _, row in read_reference_rows(path, ("word", "kind"))
        if row["kind"] in kinds
    )


@cache
def _codes() -> dict[str, tuple[str, str]]:
    """RxNorm code -> (formulary generic, display) from ``drug_codes.csv``."""
    table: dict[str, tuple[str, str]] = {}
    path = reference_file("drug_codes.csv")
    columns = ("generic", "ingredient_rxcui", "clinical_drugs", "source")
    for line, row in read_reference_rows(path, columns):
        generic = normalize_term(row["generic"])
        if formulary().get(generic) is None or not row["source"]:
            raise ValueError(f"{path.name}:{line}: unknown generic or blank source")
        for code in split_cell(row["ingredient_rxcui"]):
            table.setdefault(code, (generic, generic))
        for entry in split_cell(row["clinical_drugs"]):
            code, _, display = entry.partition("=")
            table[code.strip()] = (generic, display.strip())
    return table


@cache
def _ingredient_codes() -> dict[str, str]:
    """Formulary generic -> its RxNorm ingredient code(s), ';'-free: the first listed."""
    path = reference_file("drug_codes.csv")
    columns = ("generic", "ingredient_rxcui", "clinical_drugs", "source")
    return {
        normalize_term(row["generic"]): split_cell(row["ingredient_rxcui"])[0]
        for _, row in read_reference_rows(path, columns)
        if split_cell(row["ingredient_rxcui"]) and len(split_cell(row["ingredient_rxcui"])) == 1
    }


def ingredient_code(generic: str) -> str:
    """The RxNorm ingredient code of a single-ingredient formulary generic, or ''."""
    return _ingredient_codes().get(normalize_term(generic), "")


def code_display(code: str) -> str | None:
    """The RxNorm name recorded for a code in ``drug_codes.csv``, or None."""
    found = _codes().get(code.strip())
    return found[1] if found else None


@cache
def _ingredient_products() -> dict[str, Drug]:
    """Each ingredient -> its single-ingredient product (the first by name)."""
    index: dict[str, Drug] = {}
    for drug in formulary().all():
        if len(drug.ingredients) == 1:
            index.setdefault(drug.ingredients[0], drug)
    return index


@cache
def _by_ingredient_set() -> dict[frozenset[str], Drug]:
    index: dict[frozenset[str], Drug] = {}
    for drug in formulary().all():
        index.setdefault(frozenset(drug.ingredients), drug)
    return index


def _found(text: str, drug: Drug, via: str) -> ResolvedDrug:
    return ResolvedDrug(text, tuple(sorted(drug.ingredients)), drug, via)


def _whole(key: str) -> tuple[Drug | None, tuple[str, ...], str] | None:
    """A whole-name match: (product, ingredients, via) or None."""
    if not key:
        return None
    drugs = formulary()
    drug = drugs.get(key)
    if drug is not None:
        return drug, drug.ingredients, "name"
    drug = drugs.by_brand(key)
    if drug is not None:
        return drug, drug.ingredients, "brand"
    generic = drug_synonyms().get(key)
    if generic is not None:
        drug = drugs.get(generic)
        if drug is not None:
            return drug, drug.ingredients, "synonym"
    if key in drugs.ingredients():
        return _ingredient_products().get(key), (key,), "ingredient"
    return None


def _clean(text: str) -> str:
    return normalize_term(_PUNCT.sub(" ", text.lower()))


def _strip(key: str, *, strengths: bool = True, salts: bool = True, bare: bool = True) -> str:
    """Form, route and release words removed, and ``strengths`` (with units), ``salts``
    and (``bare``) numbers without a unit."""
    if strengths:
        key = (_STRENGTH if bare else _DOSED).sub(" ", key)
    drop = salt_words(_ALL_KINDS if salts else _FORM_KINDS)
    return " ".join(w for w in key.split() if w not in drop and w not in _NOISE)


Hit = tuple[Drug | None, tuple[str, ...], str]


def _component(part: str, *, windows: bool) -> Hit | None:
    """One name: whole, then stripped, then (``windows``) its longest known run of words."""
    hit = _whole(part)
    if hit is not None:
        return hit
    stages = (
        _strip(part, strengths=False, salts=False),
        _strip(part, salts=False, bare=False),
        _strip(part, salts=False),
        _strip(part, strengths=False),
        _strip(part, bare=False),
        _strip(part),
    )
    for stripped in stages:
        hit = _whole(stripped)
        if hit is not None:
            return hit[0], hit[1], "stripped"
    if not windows:
        return None
    words = stages[-1].split()
    for n in range(len(words) - 1, 0, -1):
        for start in range(len(words) - n + 1):
            hit = _whole(" ".join(words[start : start + n]))
            if hit is not None:
                return hit[0], hit[1], "stripped"
    return None


def _resolve_text(text: str) -> ResolvedDrug:
    key = _clean(text)
    brands = [normalize_term(b or p) for b, p in _BRACKET.findall(key)]
    plain = normalize_term(_BRACKET.sub(" ", key))
    hit = _whole(normalize_term(text)) or _whole(key) or _component(plain, windows=False)
    if hit is None:
        parts = [p for p in _COMBO.split(_HYPHEN.sub("/", plain)) if p.strip()]
        if len(parts) > 1:
            combined = _combination(text, parts)
            if combined.resolved:
                return combined
        hit = _component(plain, windows=True)
    for brand in brands:
        if hit is not None:
            break
        hit = _component(brand, windows=False)
    if hit is None:
        return ResolvedDrug(text, (), None, "unresolved")
    drug, ingredients, via = hit
    return ResolvedDrug(text, tuple(sorted(ingredients)), drug, via)


def _combination(text: str, parts: list[str]) -> ResolvedDrug:
    """``a 250 mg / b 125 mg`` as the union of its parts; unresolved if any part is."""
    ingredients: set[str] = set()
    for part in parts:
        hit = _component(normalize_term(part), windows=False)
        if hit is None:
            return ResolvedDrug(text, (), None, "unresolved")
        ingredients.update(hit[1])
    drug = _by_ingredient_set().get(frozenset(ingredients))
    return ResolvedDrug(text, tuple(sorted(ingredients)), drug, "combination")


@lru_cache(maxsize=8192)
def resolve_drug(text: str, code: str = "") -> ResolvedDrug:
    """The ingredients a drug name (or RxNorm ``code``) means, or an unresolved result.

    A known code wins over the text; otherwise the text is matched as described in the
    module docstring. Spelling variants (case, salt, strength, form, route) of a
    formulary name resolve to the same ingredients.
    """
    known = _codes().get(code.strip()) if code else None
    if known is not None:
        drug = formulary().get(known[0])
        if drug is not None:
            return _found(text or known[1], drug, "code")
    if not text.strip():
        return ResolvedDrug(text, (), None, "unresolved")
    return _resolve_text(text)
