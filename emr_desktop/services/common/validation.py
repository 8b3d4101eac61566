"""Input checks that name the field; every service uses these, so messages stay alike."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from enum import StrEnum
from typing import TypeVar

from emr_desktop.errors import ValidationError

E = TypeVar("E", bound=StrEnum)

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y", "%m.%d.%Y", "%Y%m%d", "%m%d%Y")


# The one input policy for text (forms, emr-admin and imports all reach it through the
# services): characters that hide or reorder what a reader sees, or are not text at all.
_NAMED = {
    0x200B: "a zero-width space",
    0x200C: "a zero-width non-joiner",
    0x200D: "a zero-width joiner",
    0x2060: "a word joiner",
    0xFEFF: "a zero-width no-break space",
    **{c: "a right-to-left or left-to-right override" for c in range(0x202A, 0x202F)},
    **{c: "a bidirectional isolate" for c in range(0x2066, 0x206A)},
}


def refused_character(value: str) -> str | None:
    """What is wrong with ``value`` under the text policy (None: it is acceptable text)."""
    if value.isascii():
        if value.isprintable():
            return None
        bad = next((c for c in value if (ord(c) < 32 and c not in "\n\t") or c == "\x7f"), None)
        return None if bad is None else f"a control character (U+{ord(bad):04X})"
    for c in value:
        code = ord(c)
        if 0xD800 <= code <= 0xDFFF:
            return "a broken character (a lone surrogate)"
        if (code < 32 and c not in "\n\t") or 0x7F <= code <= 0x9F:
            return f"a control character (U+{code:04X})"
        if code in _NAMED:
            return f"{_NAMED[code]} (U+{code:04X})"
    return None


def text(field: str, value: str, *, max_len: int, required: bool = False) -> str:
    """Trimmed, NFC-normalised text; empty allowed unless ``required``; never longer than
    ``max_len``; refused (naming the field) when it holds controls, bidi overrides,
    zero-width characters or lone surrogates."""
    raw = value or ""
    if not isinstance(raw, str):
        raise ValidationError(field, "must be text")
    why = refused_character(raw.replace("\r\n", "\n"))
    if why is not None:
        raise ValidationError(field, f"contains {why}, which is not allowed")
    cleaned = unicodedata.normalize("NFC", raw.replace("\r\n", "\n")).strip()
    if required and not cleaned:
        raise ValidationError(field, "is required")
    if len(cleaned) > max_len:
        raise ValidationError(field, f"must be at most {max_len} characters")
    return cleaned


def not_future(field: str, day: dt.date | None, *, today: dt.date | None = None) -> None:
    """Refuse a date after today (for things that cannot have happened yet)."""
    if day is not None and day > (today or dt.date.today()):
        raise ValidationError(field, "cannot be in the future")


def not_future_time(field: str, when: dt.datetime, *, slack_minutes: int = 5) -> None:
    """Refuse a time after now (a few minutes of clock skew between PCs are allowed)."""
    if when.tzinfo is None:
        raise ValidationError(field, "needs a time zone")
    if when > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=slack_minutes):
        raise ValidationError(field, "cannot be in the future")


def birth_date(field: str, day: dt.date) -> None:
    """A plausible date of birth: not in the future, not before 1880."""
    not_future(field, day)
    if day.year < 1880:
        raise ValidationError(field, "is too far in the past")


def number(
    field: str, value: float | None, low: float, high: float, unit: str = ""
) -> float | None:
    """A number within a plausible range (None passes: the field was left empty)."""
    if value is None:
        return None
    if value != value or not low <= value <= high:  # NaN is out of range too
        shown = f" {unit}" if unit else ""
        raise ValidationError(field, f"must be between {low:g} and {high:g}{shown}")
    return value


def choice(field: str, enum: type[E], value: object) -> E:
    """``value`` as a member of ``enum``; the message lists the choices."""
    try:
        return enum(str(value))
    except ValueError:
        options = ", ".join(m.value for m in enum)
        raise ValidationError(field, f"must be one of: {options}") from None


def parse_date(field: str, value: str) -> dt.date:
    """A date typed in a common form: 2026-03-02, 03/02/2026, 3/2/26, 03022026."""
    cleaned = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
        if fmt == "%m/%d/%y" and parsed > dt.date.today():
            parsed = parsed.replace(year=parsed.year - 100)  # 3/2/75 is 1975, not 2075
        return parsed
    raise ValidationError(field, f"{value!r} is not a date (use YYYY-MM-DD or MM/DD/YYYY)")


def phone_digits(field: str, value: str) -> str:
    """The digits of a phone number ('' for none); refuses what cannot be a phone number."""
    cleaned = value.strip()
    if not cleaned:
        return ""
    if not re.fullmatch(r"[0-9+().\-\s/x]+", cleaned):
        raise ValidationError(field, "may contain only digits, spaces and + ( ) - .")
    digits = re.sub(r"\D", "", cleaned.split("x")[0])
    if digits.startswith("1") and len(digits) == 11:
        digits = digits[1:]
    if not 7 <= len(digits) <= 15:
        raise ValidationError(field, "must have 7 to 15 digits")
    return digits


def email(field: str, value: str) -> str:
    """A plausible e-mail address, or ''."""
    cleaned = text(field, value, max_len=200)
    if cleaned and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", cleaned):
        raise ValidationError(field, "is not an e-mail address")
    return cleaned


def luhn_digit(number: str) -> str:
    """The Luhn check digit of ``number`` (catches a mistyped or swapped MRN digit)."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)
