"""ICD-10-CM lookup and search-as-you-type over the full code set of ``simple_icd_10_cm``.

The package holds every chapter, block, category and code. Here only categories and
codes count (a block such as "A00-A09" is not a valid diagnosis code). An in-memory
index is built once, lazily or via ``warm_up()`` (a few seconds, most of it the package
loading its data), after which a search takes a few milliseconds.
"""

from __future__ import annotations

import heapq
import importlib
import re
import threading
import unicodedata
import warnings
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

from emr_desktop.reference import icd10_terms

_WORD = re.compile(r"[a-z0-9]+")
_CODE_LIKE = re.compile(r"^[A-Za-z][0-9][0-9A-Za-z]*\.?[0-9A-Za-z]*$")
_HIGH = "\uffff"


@dataclass(frozen=True, slots=True)
class Icd10Code:
    """An ICD-10-CM category or code: dotted code, official description, billable or not.

    Billable codes are the leaves of the hierarchy (no further subdivision).
    """

    code: str
    description: str
    billable: bool


def _tokens(text: str) -> set[str]:
    """Lower-case ASCII words; accents are dropped so "Sezary" finds "Sézary"."""
    lowered = text.lower()
    if not lowered.isascii():
        decomposed = unicodedata.normalize("NFKD", lowered)
        lowered = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return set(_WORD.findall(lowered))


def _undotted(code: str) -> str:
    return code.strip().upper().replace(".", "").replace(" ", "")


def _is_category_or_code(raw: str) -> bool:
    # Chapters are numbered ("4") and blocks are ranges ("E08-E13"). Not is_chapter_or_block:
    # it is also true for the categories that form a one-category block (C50, B20, F99...).
    return "-" not in raw and not raw.isdigit()


def _dotted(code: str) -> str:
    # ICD-10-CM puts the dot after the three-character category. (cm.add_dot validates
    # every call and is far too slow to run over the whole code set.)
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


def _code_set() -> ModuleType:
    """The ICD-10-CM package, imported on first use (loading it parses the whole code set)."""
    with warnings.catch_warnings():
        # The package reads its data with importlib.resources calls deprecated in 3.11.
        warnings.simplefilter("ignore", DeprecationWarning)
        return importlib.import_module("simple_icd_10_cm")


class _Index:
    """Codes in rank order, a sorted code list for prefixes and a word index for text.

    Text search works on bitsets (Python ints, bit i = the i-th code in rank order):
    one per one- and two-letter word prefix, built up front, and one per longer prefix,
    built on demand from the word postings and kept in a small cache. A query is the AND
    of its words' bitsets; its lowest set bits are the best-ranked matches.
    """

    def __init__(self) -> None:
        cm = _code_set()
        codes = sorted(
            raw for raw in dict.fromkeys(cm.get_all_codes(False)) if _is_category_or_code(raw)
        )
        # A code is billable when nothing subdivides it: in sorted order the next code does
        # not extend it (same answer as cm.is_leaf, without a validated call per code).
        pairs = [
            (
                raw,
                Icd10Code(
                    _dotted(raw),
                    str(cm.get_description(raw)),
                    not (i + 1 < len(codes) and codes[i + 1].startswith(raw)),
                ),
            )
            for i, raw in enumerate(codes)
        ]
        # Text results rank billable first, then shorter codes, then shorter descriptions.
        pairs.sort(key=lambda p: (not p[1].billable, len(p[0]), len(p[1].description), p[0]))
        self.entries: tuple[Icd10Code, ...] = tuple(entry for _, entry in pairs)
        self.by_code = dict(pairs)
        self.codes = codes
        self._nbytes = (len(pairs) + 7) // 8
        postings: dict[str, array[int]] = {}
        for position, entry in enumerate(self.entries):
            for word in _tokens(entry.description):
                found = postings.get(word)
                if found is None:
                    found = postings[word] = array("I")
                found.append(position)
        self.vocabulary = sorted(postings)
        self._postings = [postings[word] for word in self.vocabulary]
        short: dict[str, set[int]] = {}
        for word, positions in zip(self.vocabulary, self._postings, strict=True):
            for key in {word[:1], word[:2]}:
                short.setdefault(key, set()).update(positions)
        self._short = {key: self._bitset(positions) for key, positions in short.items()}
        self._long_bits = lru_cache(maxsize=256)(self._bits_from_postings)

    def _bitset(self, positions: Iterable[int]) -> int:
        bitmap = bytearray(self._nbytes)
        for position in positions:
            bitmap[position >> 3] |= 1 << (position & 7)
        return int.from_bytes(bitmap, "little")

    def code_search(self, text: str, limit: int) -> list[Icd10Code]:
        key = _undotted(text)
        lo = bisect_left(self.codes, key)
        hi = bisect_left(self.codes, key + _HIGH, lo)
        best = heapq.nsmallest(limit, self.codes[lo:hi], key=lambda c: (len(c), c))
        return [self.by_code[c] for c in best]

    def _bits_from_postings(self, prefix: str) -> int:
        lo = bisect_left(self.vocabulary, prefix)
        hi = bisect_left(self.vocabulary, prefix + _HIGH, lo)
        if hi - lo == 1:
            return self._bitset(self._postings[lo])
        return self._bitset(set().union(*self._postings[lo:hi]))

    def _bits(self, prefix: str) -> int:
        if len(prefix) <= 2:
            return self._short.get(prefix, 0)
        result: int = self._long_bits(prefix)
        return result

    def text_search(self, text: str, limit: int) -> list[Icd10Code]:
        # Longest words first: they are usually the most selective.
        prefixes = sorted(_tokens(text), key=len, reverse=True)
        if not prefixes:
            return []
        bits = -1
        for prefix in prefixes:
            bits &= self._bits(prefix)
            if not bits:
                return []
        found: list[Icd10Code] = []
        while bits and len(found) < limit:
            lowest = bits & -bits
            found.append(self.entries[lowest.bit_length() - 1])
            bits ^= lowest
        return found


_lock = threading.Lock()
_built: _Index | None = None


def _index() -> _Index:
    global _built
    if _built is None:
        with _lock:
            if _built is None:
                _built = _Index()
    return _built


def warm_up() -> None:
    """Build the search index now (a few seconds), e.g. from a background thread at start."""
    _index()


def describe(code: str) -> Icd10Code | None:
    """The category or code ("E11.9", "e119", "E11"), or None if it is not one."""
    return _index().by_code.get(_undotted(code))


def is_valid(code: str) -> bool:
    """True for a real ICD-10-CM category or code; False for chapters, blocks and junk."""
    return describe(code) is not None


def looks_like_code(text: str) -> bool:
    """True when the text starts like an ICD-10-CM code: a letter, a digit, then code chars."""
    return bool(_CODE_LIKE.match(text.strip()))


def search(text: str, limit: int = 25) -> list[Icd10Code]:
    """Categories and codes matching ``text``, at most ``limit`` of them.

    Code-like text ("E11", "e11.6", "E116") matches codes by prefix, shortest first.
    Otherwise the usual codes of a term clinicians type come first ("afib", "htn", "high
    blood pressure": ``icd10_terms``), then descriptions where every word of the query
    starts a word, in any order and any case ("diab typ 2"), common primary-care codes
    first, then billable codes, shorter codes, shorter descriptions.
    """
    if limit <= 0 or not text.strip():
        return []
    index = _index()
    if looks_like_code(text):
        found = index.code_search(text, limit)
        if found:
            return found
    # What clinicians type ("afib", "htn") first, then the word matches with the usual
    # primary-care codes ahead (a wider pool is ranked, so they are not cut off).
    termed = [index.by_code.get(_undotted(c)) for c in icd10_terms.codes_for(text)]
    pool = index.text_search(text, max(limit * 8, 200))
    ranks = icd10_terms.common_rank()
    pool.sort(key=lambda e: ranks.get(e.code, 99))  # stable: the index order otherwise
    seen = {e.code for e in termed if e is not None}
    merged = [e for e in termed if e is not None] + [e for e in pool if e.code not in seen]
    return merged[:limit]
