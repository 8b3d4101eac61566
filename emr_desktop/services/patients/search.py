"""Patient search: name prefixes in any order, date of birth, phone, MRN.

Names are split into normalised tokens (lower case, accents folded) stored in
``patient_name_token``; each query word becomes a range scan on that index
(``token >= 'smi' AND token < 'smj'``), and the per-word matches are joined. No
``lower(x) LIKE`` anywhere, so it stays index-backed on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, case, func, literal, or_, select
from sqlalchemy.orm import Session

from emr_desktop.errors import ValidationError
from emr_desktop.models.patient import Patient, PatientNameToken
from emr_desktop.services.common.validation import parse_date

_FOLD = str.maketrans(
    {"ø": "o", "æ": "ae", "ß": "ss", "ł": "l", "đ": "d", "þ": "th", "œ": "oe", "ı": "i", "ð": "d"}
)
_RANK = {"f": 0, "g": 2, "p": 2, "m": 4}


def fold(text: str) -> str:
    """Lower case with accents and ligatures folded to ASCII letters where possible."""
    lowered = text.lower().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_tokens(text: str) -> list[str]:
    """The search tokens of one name field ("García-López" -> garcia, lopez, garcialopez)."""
    folded = fold(text).replace("'", "").replace("’", "").replace(".", "")
    parts = [p for p in re.split(r"[^0-9a-z\u0080-\uffff]+", folded) if p]
    if len(parts) > 1 and "-" in text:
        parts.append("".join(parts))
    return parts


def patient_tokens(p: Patient) -> set[tuple[str, str]]:
    """(token, kind) pairs for every name of ``p``."""
    out: set[tuple[str, str]] = set()
    for kind, value in (
        ("f", p.family_name),
        ("g", p.given_name),
        ("m", p.middle_name),
        ("p", p.preferred_name),
    ):
        for token in name_tokens(value):
            out.add((token[:100], kind))
    return out


def reindex(session: Session, p: Patient) -> None:
    """Replace the stored name tokens of ``p`` (after register, edit or merge)."""
    session.query(PatientNameToken).filter(PatientNameToken.patient_id == p.id).delete()
    session.add_all(
        PatientNameToken(token=t, patient_id=p.id, kind=k) for t, k in patient_tokens(p)
    )


def _successor(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """What a search box text asks for."""

    names: tuple[str, ...]
    birth_date: dt.date | None
    digits: str


def parse_query(text: str) -> ParsedQuery:
    """Split the text into name words, a date of birth and a digit string (MRN or phone)."""
    names: list[str] = []
    birth: dt.date | None = None
    digits = ""
    for word in text.split():
        if re.fullmatch(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4}", word):
            with contextlib.suppress(ValidationError):
                birth = parse_date("date of birth", word)
            continue
        if re.fullmatch(r"[\d()+\-.]+", word):
            digits += re.sub(r"\D", "", word)
            continue
        names.extend(name_tokens(word))
    return ParsedQuery(tuple(names), birth, digits)


def _name_match(tokens: tuple[str, ...]) -> Select[tuple[int, int]]:
    """patient_id and rank of patients with a token starting with every query word."""
    ranked = []
    for i, word in enumerate(tokens):
        rank = func.min(
            case(
                *(
                    (
                        PatientNameToken.kind == kind,
                        # an exact word ranks above a prefix (CASE: portable, unlike bool + int)
                        literal(base) + case((PatientNameToken.token != word, 1), else_=0),
                    )
                    for kind, base in _RANK.items()
                ),
                else_=literal(6),
            )
        ).label("r")
        sub = (
            select(PatientNameToken.patient_id.label("pid"), rank)
            .where(PatientNameToken.token >= word, PatientNameToken.token < _successor(word))
            .group_by(PatientNameToken.patient_id)
            .subquery(f"t{i}")
        )
        ranked.append(sub)
    first = ranked[0]
    stmt = select(first.c.pid, sum((s.c.r for s in ranked[1:]), first.c.r).label("rank"))
    for other in ranked[1:]:
        stmt = stmt.join(other, other.c.pid == first.c.pid)
    return stmt


def search_ids(
    session: Session, text: str, *, limit: int, include_inactive: bool = False
) -> list[int]:
    """Ids of matching patients, best match first (merged records never appear)."""
    q = parse_query(text)
    base = select(Patient.id).where(Patient.merged_into_id.is_(None))
    if not include_inactive:
        base = base.where(Patient.active.is_(True))
    order: list[object] = [Patient.family_name, Patient.given_name, Patient.id]
    if q.names:
        matched = _name_match(q.names).subquery("m")
        base = base.join(matched, matched.c.pid == Patient.id)
        order.insert(0, matched.c.rank)
    if q.birth_date is not None:
        base = base.where(Patient.birth_date == q.birth_date)
    if q.digits:
        hi = _successor(q.digits)
        conditions: list[ColumnElement[bool]] = [(Patient.mrn >= q.digits) & (Patient.mrn < hi)]
        if len(q.digits) >= 3:
            conditions += [
                (Patient.mobile_digits >= q.digits) & (Patient.mobile_digits < hi),
                (Patient.home_digits >= q.digits) & (Patient.home_digits < hi),
            ]
        if len(q.digits) == 8 and not q.names and q.birth_date is None:
            try:
                born = dt.datetime.strptime(q.digits, "%m%d%Y").date()
                conditions.append(Patient.birth_date == born)
            except ValueError:
                pass
        base = base.where(or_(*conditions))
        order.insert(0, case((Patient.mrn == q.digits, 0), else_=1))
    stmt = base.order_by(*order)  # type: ignore[arg-type]
    if limit > 0:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))
