"""Reference tables for writing drugs safely: FDA/ISMP tall-man names (``tall_man.csv``),
drug-name abbreviations never printed (``print_banned_names.csv``, ISMP 2021) and the
routes each dose form can be given by (``route_forms.csv``)."""

from __future__ import annotations

import re
from functools import cache

from emr_desktop.reference.drugs import (
    normalize_term,
    read_reference_rows,
    reference_file,
    split_cell,
)

__all__ = ["banned_names", "find_banned_names", "form_routes", "tall_man", "tall_man_names"]


@cache
def tall_man_names() -> dict[str, str]:
    """Lower-case name -> its tall-man spelling (``metformin`` -> ``metFORMIN``)."""
    path = reference_file("tall_man.csv")
    table: dict[str, str] = {}
    for line, row in read_reference_rows(path, ("name", "tall_man", "list", "source")):
        if row["tall_man"].lower() != row["name"].lower() or not row["source"]:
            raise ValueError(f"{path.name}:{line}: tall-man spelling differs or blank source")
        table[normalize_term(row["name"])] = row["tall_man"]
    return table


@cache
def _tall_man_re() -> re.Pattern[str]:
    names = sorted(tall_man_names(), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, names)) + r")(?![\w-])", re.I)


def tall_man(text: str) -> str:
    """``text`` with every look-alike name of the FDA/ISMP lists in tall-man letters."""
    if not text:
        return text
    return _tall_man_re().sub(lambda m: tall_man_names()[m.group(1).lower()], text)


@cache
def banned_names() -> dict[str, str]:
    """Abbreviation (as listed) -> what to write instead."""
    path = reference_file("print_banned_names.csv")
    columns = ("abbreviation", "meaning", "write_instead", "source")
    table: dict[str, str] = {}
    for line, row in read_reference_rows(path, columns):
        if not row["write_instead"] or not row["source"]:
            raise ValueError(f"{path.name}:{line}: blank write_instead or source")
        table[row["abbreviation"]] = row["write_instead"]
    return table


@cache
def _banned_re() -> list[tuple[str, re.Pattern[str]]]:
    # Case-sensitive: "MS" is banned, "ms" in a word is not; whole words only.
    return [
        (abbr, re.compile(rf"(?<![A-Za-z0-9]){re.escape(abbr)}(?![A-Za-z0-9])"))
        for abbr in banned_names()
    ]


def find_banned_names(text: str) -> list[tuple[str, str]]:
    """(abbreviation, write instead) for each banned drug-name abbreviation in ``text``."""
    return [(abbr, banned_names()[abbr]) for abbr, rx in _banned_re() if rx.search(text)]


@cache
def form_routes() -> dict[str, frozenset[str]]:
    """Dose form (lower case) -> the routes it can be given by."""
    path = reference_file("route_forms.csv")
    table: dict[str, frozenset[str]] = {}
    for line, row in read_reference_rows(path, ("form", "routes", "source")):
        routes = frozenset(normalize_term(r) for r in split_cell(row["routes"]))
        if not routes or not row["source"]:
            raise ValueError(f"{path.name}:{line}: no routes or blank source")
        table[normalize_term(row["form"])] = routes
    return table
