"""Drug-drug interaction rules (``resources/reference/interactions.csv``) and their matching.

A rule names an ingredient or a therapeutic class on each side (several members may be
listed with ``;``). Class names are those of ``drugs.csv``, so a class-level rule covers
every formulary drug of that class. The set is curated, not a complete knowledge base.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import product
from pathlib import Path
from typing import Literal

from emr_desktop.reference.drugs import (
    Drug,
    normalize_term,
    read_reference_rows,
    reference_file,
    split_cell,
)

Kind = Literal["ingredient", "class"]
Severity = Literal["contraindicated", "major", "moderate"]
KINDS: tuple[Kind, ...] = ("ingredient", "class")
SEVERITIES: tuple[Severity, ...] = ("contraindicated", "major", "moderate")
_COLUMNS = ("a_kind", "a", "b_kind", "b", "severity", "effect", "action", "source")


@dataclass(frozen=True, slots=True)
class DrugFacts:
    """What the interaction and allergy checks need to know about one drug."""

    ingredients: frozenset[str]
    classes: frozenset[str]

    @classmethod
    def for_drug(cls, drug: Drug) -> DrugFacts:
        """The facts of a formulary drug."""
        return cls(frozenset(drug.ingredients), frozenset(drug.classes))

    @classmethod
    def of(cls, ingredients: Iterable[str] = (), classes: Iterable[str] = ()) -> DrugFacts:
        """Facts for a drug not in the formulary (names are normalized to lower case)."""
        return cls(
            frozenset(normalize_term(i) for i in ingredients),
            frozenset(normalize_term(c) for c in classes),
        )

    def members(self, kind: Kind) -> frozenset[str]:
        """The ingredients or the classes, by kind."""
        return self.ingredients if kind == "ingredient" else self.classes


@dataclass(frozen=True, slots=True)
class InteractionRule:
    """One row of ``interactions.csv``: any member of side a with any member of side b."""

    a_kind: Kind
    a: tuple[str, ...]
    b_kind: Kind
    b: tuple[str, ...]
    severity: Severity
    effect: str
    action: str
    source: str


@dataclass(frozen=True, slots=True)
class Interaction:
    """A detected interaction: the matched member of each side and what to do about it.

    ``a`` and ``b`` are the ingredient or class (per ``a_kind``/``b_kind``) that matched;
    side a is the rule's first side, whichever of the two drugs supplied it.
    """

    a_kind: Kind
    a: str
    b_kind: Kind
    b: str
    severity: Severity
    effect: str
    action: str
    source: str

    @property
    def severity_rank(self) -> int:
        """0 for contraindicated, 1 for major, 2 for moderate (lower is worse)."""
        return SEVERITIES.index(self.severity)


def _kind(value: str, where: str) -> Kind:
    if value not in KINDS:
        raise ValueError(f"{where}: kind must be ingredient or class, not {value!r}")
    return value


def _parse_rule(row: dict[str, str], where: str) -> InteractionRule:
    severity = row["severity"]
    if severity not in SEVERITIES:
        raise ValueError(f"{where}: unknown severity {severity!r}")
    a = tuple(normalize_term(m) for m in split_cell(row["a"]))
    b = tuple(normalize_term(m) for m in split_cell(row["b"]))
    if not a or not b:
        raise ValueError(f"{where}: both sides need at least one member")
    for column in ("effect", "action", "source"):
        if not row[column]:
            raise ValueError(f"{where}: blank {column}")
    return InteractionRule(
        a_kind=_kind(row["a_kind"], where),
        a=a,
        b_kind=_kind(row["b_kind"], where),
        b=b,
        severity=severity,
        effect=row["effect"],
        action=row["action"],
        source=row["source"],
    )


def load_interaction_rules(path: Path) -> tuple[InteractionRule, ...]:
    """Read and validate an interactions CSV (the columns of ``interactions.csv``)."""
    return tuple(
        _parse_rule(row, f"{path.name}:{line}") for line, row in read_reference_rows(path, _COLUMNS)
    )


@cache
def interaction_rules() -> tuple[InteractionRule, ...]:
    """The bundled interaction rules, read once on first use."""
    return load_interaction_rules(reference_file("interactions.csv"))


def _match(rule: InteractionRule, first: DrugFacts, second: DrugFacts) -> Interaction | None:
    """The rule matched with side a from ``first`` and side b from ``second``, if it applies."""
    a_hits = sorted(first.members(rule.a_kind).intersection(rule.a))
    b_hits = sorted(second.members(rule.b_kind).intersection(rule.b))
    for a_member, b_member in product(a_hits, b_hits):
        # The same ingredient (or class) on both sides is duplicate therapy, not this rule.
        if rule.a_kind == rule.b_kind and a_member == b_member:
            continue
        return Interaction(
            a_kind=rule.a_kind,
            a=a_member,
            b_kind=rule.b_kind,
            b=b_member,
            severity=rule.severity,
            effect=rule.effect,
            action=rule.action,
            source=rule.source,
        )
    return None


def find_interactions(
    x: DrugFacts, y: DrugFacts, rules: Iterable[InteractionRule] | None = None
) -> list[Interaction]:
    """Every rule that applies to the pair, most severe first, one result per rule.

    Symmetric: the order of ``x`` and ``y`` does not change which rules are found.
    ``rules`` defaults to the bundled set.
    """
    found: dict[InteractionRule, Interaction] = {}
    for rule in interaction_rules() if rules is None else rules:
        hits = [h for h in (_match(rule, x, y), _match(rule, y, x)) if h is not None]
        if hits and rule not in found:
            # Both orientations can match a rule with the same members on each side;
            # pick one independent of argument order so the check is symmetric.
            found[rule] = min(hits, key=lambda h: (h.a, h.b))
    return sorted(found.values(), key=lambda i: (i.severity_rank, i.a, i.b, i.source))
