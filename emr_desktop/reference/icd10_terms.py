"""What clinicians type for a diagnosis, and which code they usually mean.

Two cited tables in ``resources/reference`` (see SOURCES.md): ``icd10_synonyms.csv`` maps
an abbreviation, synonym or lay term ("afib", "htn", "high blood pressure") to its usual
codes, the most usual first; ``icd10_common.csv`` ranks the codes of the most common
primary-care diagnoses (1 = most common). Search puts a typed term's codes first, then
ranks the word matches by that frequency list, so the usual billable code leads.
"""

from __future__ import annotations

import re
from functools import cache

from emr_desktop.reference.drugs import read_reference_rows, reference_file

_SPACES = re.compile(r"[^a-z0-9]+")
_MIN_PREFIX = 3  # "afi" already means afib; "a" or "af" would mean too much


def normal(text: str) -> str:
    """Lower case, words split by one space: "High  blood-pressure" is "high blood pressure"."""
    return _SPACES.sub(" ", text.lower()).strip()


def _rows(name: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    return [row for _, row in read_reference_rows(reference_file(name), columns)]


@cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Each term (normalised) and its codes, the usual one first."""
    table: dict[str, tuple[str, ...]] = {}
    for row in _rows("icd10_synonyms.csv", ("term", "codes", "source")):
        codes = tuple(c.strip() for c in row["codes"].split(";") if c.strip())
        table[normal(row["term"])] = codes
    return table


@cache
def common_rank() -> dict[str, int]:
    """Code -> its rank among common primary-care diagnoses (1 = most common)."""
    ranks: dict[str, int] = {}
    for row in _rows("icd10_common.csv", ("code", "rank", "source")):
        code = row["code"].strip().upper()
        ranks[code] = min(int(row["rank"]), ranks.get(code, 99))
    return ranks


def codes_for(text: str) -> list[str]:
    """The codes a typed term usually means: an exact term first, then terms it begins
    (from three letters on: "afi" finds afib), each term's codes in their order."""
    query = normal(text)
    if not query:
        return []
    table = synonyms()
    found: list[str] = list(table.get(query, ()))
    if len(query) >= _MIN_PREFIX:
        for term in sorted(t for t in table if t.startswith(query) and t != query):
            found.extend(table[term])
    return list(dict.fromkeys(found))


def usual_first(codes: list[str]) -> list[str]:
    """``codes`` with common primary-care diagnoses first (by rank), others after, each
    group in the order given."""
    ranks = common_rank()
    return sorted(codes, key=lambda c: ranks.get(c.upper(), 99))
