"""Reading FHIR values: dates, instants, codes and texts. A malformed date is an error that
stops the whole bundle (ValidationError naming the resource), never a guess."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from emr_desktop.errors import ValidationError

Json = Mapping[str, Any]
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def text(value: object, limit: int, name: str = "a text value", where: str = "") -> str:
    """A string value trimmed ('' for anything else); ValidationError naming the field when
    it is longer than its column (refused, never cut)."""
    return cap(value.strip(), limit, where, name) if isinstance(value, str) else ""


def cap(value: str, limit: int, where: str, name: str) -> str:
    """``value`` when it fits its column; else ValidationError naming the field."""
    if len(value) > limit:
        field = f"{where} {name}".strip()
        raise ValidationError(
            field, f"is {len(value):,} characters long, more than the {limit} kept; it is refused"
        )
    return value


def strings(value: object) -> list[str]:
    """The strings of a list (a FHIR array of strings); [] for anything else."""
    return [x for x in value if isinstance(x, str)] if isinstance(value, list) else []


def reference(value: object) -> str:
    """The ``reference`` of a Reference; '' when it is not a string."""
    target = value.get("reference") if isinstance(value, Mapping) else None
    return target if isinstance(target, str) else ""


def day(value: object, where: str) -> dt.date | None:
    """A FHIR date or dateTime as a date (a partial date is its first day); None if absent."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(where, f"{value!r} is not a date")
    match = _PARTIAL_DATE.match(value.strip())
    try:
        if match:
            year, month, mday = match.groups()
            return dt.date(int(year), int(month or 1), int(mday or 1))
        return instant(value, where).date() if "T" in value else _bad(value, where)
    except ValueError:
        raise ValidationError(where, f"{value!r} is not a valid date") from None


def _bad(value: str, where: str) -> dt.date:
    raise ValidationError(where, f"{value!r} is not a valid date")


def instant(value: object, where: str) -> dt.datetime:
    """A FHIR dateTime or instant as an aware time (a date alone is its midnight, UTC)."""
    if not isinstance(value, str):
        raise ValidationError(where, f"{value!r} is not a date and time")
    try:
        if "T" not in value:
            found = day(value, where)
            assert found is not None
            return dt.datetime.combine(found, dt.time.min, dt.UTC)
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(where, f"{value!r} is not a valid date and time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def maybe_instant(value: object, where: str) -> dt.datetime | None:
    """An instant, or None when absent."""
    return None if value is None else instant(value, where)


def codings(concept: object) -> list[Json]:
    """The codings of a CodeableConcept (an empty list for anything else)."""
    if not isinstance(concept, Mapping):
        return []
    found = concept.get("coding")
    return [c for c in found if isinstance(c, Mapping)] if isinstance(found, list) else []


def code_in(concept: object, system: str) -> str:
    """The first code of ``system`` in the concept, or ''."""
    for c in codings(concept):
        if c.get("system") == system and isinstance(c.get("code"), str):
            return str(c["code"]).strip()
    return ""


def first_code(concept: object) -> str:
    """The first code in the concept whatever its system, or ''."""
    for c in codings(concept):
        if isinstance(c.get("code"), str):
            return str(c["code"]).strip()
    return ""


def concept_text(concept: object) -> str:
    """What a person reads of a concept: its text, else the first coding's display."""
    if not isinstance(concept, Mapping):
        return ""
    if isinstance(concept.get("text"), str) and concept["text"].strip():
        return str(concept["text"]).strip()
    for c in codings(concept):
        if isinstance(c.get("display"), str) and c["display"].strip():
            return str(c["display"]).strip()
    return ""


def first(items: object) -> Json:
    """The first element of a list of objects, or an empty mapping."""
    if isinstance(items, list) and items and isinstance(items[0], Mapping):
        return items[0]
    return {}


def dicts(items: object) -> Iterable[Json]:
    """The objects of a list (anything else is no objects)."""
    return [x for x in items if isinstance(x, Mapping)] if isinstance(items, list) else []


def number(value: object) -> float | None:
    """A finite JSON number as a float (None for anything else, 1e999 included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return result if math.isfinite(result) else None


def attachment_text(content: Json, where: str) -> str | None:
    """The text of an inline text attachment; None when it is not inline text."""
    att = content.get("attachment")
    if not isinstance(att, Mapping) or not isinstance(att.get("data"), str):
        return None
    kind = str(att.get("contentType", "text/plain"))
    if not kind.startswith("text/"):
        return None
    try:
        return base64.b64decode(att["data"], validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # not base64, non-ASCII, or not UTF-8
        raise ValidationError(where, "holds an attachment that is not valid base64 text") from None


def display_of(ref: object, names: Mapping[str, str]) -> str:
    """The name a Reference points at: its display, else a Practitioner found in the bundle."""
    if not isinstance(ref, Mapping):
        return ""
    if isinstance(ref.get("display"), str) and ref["display"].strip():
        return str(ref["display"]).strip()
    target = ref.get("reference")
    return names.get(target, "") if isinstance(target, str) else ""


def human_name(name: Json) -> str:
    """'Barry Nicolas' from a HumanName (prefixes such as 'Dr.' are left out)."""
    if isinstance(name.get("text"), str) and name["text"].strip():
        return str(name["text"]).strip()
    given = strings(name.get("given"))
    family = str(name["family"]) if isinstance(name.get("family"), str) else ""
    return " ".join([*given, family]).strip()
