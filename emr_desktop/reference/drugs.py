"""The offline formulary (``resources/reference/drugs.csv``) and lookups over it.

Also home to the small CSV helpers the other reference loaders share, so every code
set is read and validated the same way.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from emr_desktop.paths import resource_path

SCHEDULES = ("II", "III", "IV", "V")
_DRUG_COLUMNS = (
    "generic",
    "brands",
    "ingredients",
    "classes",
    "strengths",
    "forms",
    "routes",
    "max_daily_dose",
    "max_daily_unit",
    "controlled_schedule",
)
_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
_SEPARATORS = re.compile(r"\s*(?:/|\+|-|\band\b|\bwith\b)\s*")
_SPACES = re.compile(r"\s+")
_HIGH = "\U0010ffff"


# --- CSV helpers shared by the reference loaders -------------------------------------


def reference_file(name: str) -> Path:
    """Path of a bundled reference file (``resources/reference/<name>``)."""
    return resource_path("reference", name)


def read_reference_rows(
    path: Path, columns: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, stripped row)`` for every data row of a reference CSV.

    A missing column or a row of the wrong width raises ValueError naming the file and
    line, so a bad edit to the data fails at load time rather than giving wrong advice.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{path.name}: missing columns {', '.join(missing)}")
        for row in reader:
            if None in row or any(value is None for value in row.values()):
                raise ValueError(f"{path.name}:{reader.line_num}: wrong number of cells")
            yield reader.line_num, {key: value.strip() for key, value in row.items()}


def split_cell(value: str) -> tuple[str, ...]:
    """The non-empty ``;``-separated parts of a cell, stripped, in file order."""
    return tuple(part.strip() for part in value.split(";") if part.strip())


def normalize_term(text: str) -> str:
    """Lower-case, trim and collapse the spaces of a name so lookups ignore case and spacing."""
    return _SPACES.sub(" ", text.strip().lower())


# --- the formulary --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Drug:
    """One formulary entry: a generic product with its ingredients, classes and strengths.

    ``ingredients`` and ``classes`` are lower case; ``classes`` come from the controlled
    vocabulary documented in ``resources/reference/SOURCES.md``. Strengths follow ISMP
    style (no trailing zeros, a leading zero). ``max_daily_dose`` is the usual adult
    maximum in ``max_daily_unit`` where one is well established, else None.
    """

    generic: str
    brands: tuple[str, ...]
    ingredients: tuple[str, ...]
    classes: tuple[str, ...]
    strengths: tuple[str, ...]
    forms: tuple[str, ...]
    routes: tuple[str, ...]
    max_daily_dose: float | None
    max_daily_unit: str | None
    controlled_schedule: str | None

    @property
    def is_combination(self) -> bool:
        """True for a product with more than one active ingredient."""
        return len(self.ingredients) > 1


def _name_keys(name: str) -> set[str]:
    """Lookup keys for a generic name: separators unified, and components in any order."""
    normalized = normalize_term(name)
    parts = [p for p in _SEPARATORS.split(normalized) if p]
    return {normalized, "/".join(parts), "/".join(sorted(parts))}


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


class Formulary:
    """An immutable, indexed set of drugs with name search and ingredient lookups."""

    def __init__(self, drugs: Iterable[Drug]) -> None:
        self._drugs = tuple(sorted(drugs, key=lambda d: d.generic))
        self._by_key: dict[str, Drug] = {}
        self._by_ingredient: dict[str, list[Drug]] = {}
        for drug in self._drugs:
            for key in _name_keys(drug.generic):
                self._by_key.setdefault(key, drug)
            for ingredient in drug.ingredients:
                self._by_ingredient.setdefault(ingredient, []).append(drug)
        # (lower generic, generic words, lower brands, brand words) per drug, in order.
        self._search_rows = [
            (
                drug.generic.lower(),
                _words(drug.generic),
                tuple(b.lower() for b in drug.brands),
                tuple(w for b in drug.brands for w in _words(b)),
            )
            for drug in self._drugs
        ]
        self._brand_index = sorted(
            (brand.lower(), drug.generic) for drug in self._drugs for brand in drug.brands
        )

    def __len__(self) -> int:
        return len(self._drugs)

    def all(self) -> tuple[Drug, ...]:
        """Every drug, sorted by generic name."""
        return self._drugs

    def get(self, generic: str) -> Drug | None:
        """The drug with this generic name (any case; ``a-b``, ``a/b`` or ``b/a`` for combos)."""
        for key in _name_keys(generic):
            drug = self._by_key.get(key)
            if drug is not None:
                return drug
        return None

    def by_brand(self, brand: str) -> Drug | None:
        """The drug sold under exactly this brand name (any case), or None."""
        key = normalize_term(brand)
        i = bisect_left(self._brand_index, (key, ""))
        if i < len(self._brand_index) and self._brand_index[i][0] == key:
            return self.get(self._brand_index[i][1])
        return None

    def search(self, text: str, limit: int = 20) -> list[Drug]:
        """Drugs whose generic or brand name, or any word of them, starts with ``text``.

        Case-insensitive. Generic-name matches come first (whole-name prefix before
        word prefix), then brand matches, each group alphabetical by generic name.
        """
        query = normalize_term(text)
        if not query or limit <= 0:
            return []
        ranked: list[tuple[int, str, Drug]] = []
        for drug, (generic, generic_words, brands, brand_words) in zip(
            self._drugs, self._search_rows, strict=True
        ):
            if generic.startswith(query):
                rank = 0
            elif any(w.startswith(query) for w in generic_words):
                rank = 1
            elif any(b.startswith(query) for b in brands):
                rank = 2
            elif any(w.startswith(query) for w in brand_words):
                rank = 3
            else:
                continue
            ranked.append((rank, drug.generic, drug))
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [drug for _, _, drug in ranked[:limit]]

    def by_ingredient(self, ingredient: str) -> list[Drug]:
        """Every drug containing this ingredient (alone or in a combination)."""
        return list(self._by_ingredient.get(normalize_term(ingredient), ()))

    def classes_of_ingredient(self, ingredient: str) -> frozenset[str]:
        """The union of the classes of all formulary drugs containing this ingredient."""
        return frozenset(c for drug in self.by_ingredient(ingredient) for c in drug.classes)

    def ingredients(self) -> frozenset[str]:
        """Every ingredient named in the formulary."""
        return frozenset(self._by_ingredient)

    def class_vocabulary(self) -> frozenset[str]:
        """Every therapeutic class used in the formulary (the controlled vocabulary)."""
        return frozenset(c for drug in self._drugs for c in drug.classes)


def _parse_drug(row: dict[str, str], where: str) -> Drug:
    generic = normalize_term(row["generic"])
    if not generic:
        raise ValueError(f"{where}: blank generic name")
    dose_text = row["max_daily_dose"]
    try:
        max_dose = float(dose_text) if dose_text else None
    except ValueError as exc:
        raise ValueError(f"{where}: max_daily_dose {dose_text!r} is not a number") from exc
    unit = row["max_daily_unit"] or None
    if (max_dose is None) != (unit is None):
        raise ValueError(f"{where}: max_daily_dose and max_daily_unit go together")
    schedule = row["controlled_schedule"] or None
    if schedule is not None and schedule not in SCHEDULES:
        raise ValueError(f"{where}: unknown DEA schedule {schedule!r}")
    ingredients = tuple(normalize_term(i) for i in split_cell(row["ingredients"]))
    if not ingredients:
        raise ValueError(f"{where}: no ingredients")
    return Drug(
        generic=generic,
        brands=split_cell(row["brands"]),
        ingredients=ingredients,
        classes=tuple(normalize_term(c) for c in split_cell(row["classes"])),
        strengths=split_cell(row["strengths"]),
        forms=split_cell(row["forms"]),
        routes=split_cell(row["routes"]),
        max_daily_dose=max_dose,
        max_daily_unit=unit,
        controlled_schedule=schedule,
    )


def load_formulary(path: Path) -> Formulary:
    """Read and validate a formulary CSV (the columns of ``drugs.csv``)."""
    drugs: list[Drug] = []
    seen: set[str] = set()
    for line, row in read_reference_rows(path, _DRUG_COLUMNS):
        where = f"{path.name}:{line}"
        drug = _parse_drug(row, where)
        if drug.generic in seen:
            raise ValueError(f"{where}: duplicate generic {drug.generic!r}")
        seen.add(drug.generic)
        drugs.append(drug)
    return Formulary(drugs)


@cache
def formulary() -> Formulary:
    """The bundled formulary, read once on first use."""
    return load_formulary(reference_file("drugs.csv"))


def classes_of_ingredient(ingredient: str) -> frozenset[str]:
    """The union of the classes of all bundled-formulary drugs containing ``ingredient``."""
    return formulary().classes_of_ingredient(ingredient)
