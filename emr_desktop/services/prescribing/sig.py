"""Prescription directions (the sig) in plain words, the ISMP way.

Numbers have no trailing zero (5, not 5.0) and a leading zero (0.5, not .5); "units" and
"daily" are spelled out; the error-prone abbreviations in BANNED_ABBREVIATIONS never
appear in a stored or printed sig (ISMP List of Error-Prone Abbreviations, Symbols and
Dose Designations). The vocabularies here are the only values a prescription stores.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Final

from emr_desktop.domain.prescribing import PrescriptionInput
from emr_desktop.errors import ValidationError
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.printed_text import check_printed, check_route_form
from emr_desktop.services.common.safe_writing import check_abbreviations, format_number
from emr_desktop.services.common.sig_words import (
    ROUTES,
    clean_frequency,
    clean_route,
    clean_unit,
    unit_words,
)

MAX_DECIMAL_PLACES: Final = 4
MAX_AMOUNT: Final = Decimal(100_000)
MAX_REFILLS: Final = 11
MAX_DURATION_DAYS: Final = 365


def parse_amount(field: str, value: Decimal | str | int, *, high: Decimal) -> Decimal:
    """A positive exact decimal of at most 4 decimal places, up to ``high``."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, str, int)):
        raise ValidationError(field, "must be a number like 1, 2.5 or 0.25")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError(field, "must be a number like 1, 2.5 or 0.25") from None
    if not amount.is_finite():
        raise ValidationError(field, "must be a number like 1, 2.5 or 0.25")
    if amount <= 0:
        raise ValidationError(field, "must be more than zero")
    if amount > high:
        raise ValidationError(field, f"must be at most {format_number(high)}")
    # Compared, not printed: printing 1E-999999999 would spell out a billion zeros.
    if amount != amount.quantize(Decimal(1).scaleb(-MAX_DECIMAL_PLACES)):
        raise ValidationError(field, f"may have at most {MAX_DECIMAL_PLACES} decimal places")
    return Decimal(format_number(amount))


def clean_indication(value: str) -> str:
    """An as-needed reason as it reads after "as needed for" (a leading "for" is dropped)."""
    text = " ".join((value or "").split()).rstrip(".")
    if text.lower().startswith("for "):
        text = text[4:].lstrip()
    # Checked with the full stop back on: "q.o.d." must not slip through as "q.o.d".
    check_abbreviations("as-needed reason", f"{text}.")
    return text


def render_sig(
    *,
    dose: Decimal,
    dose_unit: str,
    route: str,
    frequency: str,
    duration_days: int | None = None,
    prn: bool = False,
    prn_indication: str = "",
) -> str:
    """The directions as one plain sentence: 'Take 1 tablet by mouth twice daily for 10 days.'"""
    verb, where = ROUTES[clean_route(route)]
    parts = [verb, unit_words(dose, clean_unit("dose unit", dose_unit))]
    if where:
        parts.append(where)
    parts.append(clean_frequency(frequency))
    if prn:
        indication = clean_indication(prn_indication)
        parts.append(f"as needed for {indication}" if indication else "as needed")
    if duration_days is not None:
        parts.append(f"for {duration_days} day{'s' if duration_days != 1 else ''}")
    return " ".join(parts) + "."


def _whole(field: str, value: int | None, low: int, high: int, unit: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(field, f"must be a whole number from {low} to {high}{unit}")


def clean_order(data: PrescriptionInput) -> dict[str, Any]:
    """A prescription's fields (all but ingredients) validated, in stored form, with the sig."""
    dose = parse_amount("dose", data.dose, high=MAX_AMOUNT)
    quantity = parse_amount("quantity", data.quantity, high=MAX_AMOUNT)
    if data.duration_days is not None:
        _whole("duration", data.duration_days, 1, MAX_DURATION_DAYS, " days")
    _whole("refills", data.refills, 0, MAX_REFILLS)
    indication = clean_indication(v.text("as-needed reason", data.prn_indication, max_len=200))
    if data.prn and not indication:
        raise ValidationError("as-needed reason", "is required for an as-needed prescription")
    if indication and not data.prn:
        raise ValidationError("as-needed reason", "applies only to an as-needed prescription")
    note = v.text("note to pharmacist", data.note_to_pharmacist, max_len=1000)
    values: dict[str, Any] = {
        "drug_name": v.text("drug name", data.drug_name, max_len=200, required=True),
        "strength": check_abbreviations("strength", v.text("strength", data.strength, max_len=100)),
        "form": v.text("form", data.form, max_len=60),
        "route": clean_route(data.route),
        "dose": format_number(dose),
        "dose_unit": clean_unit("dose unit", data.dose_unit),
        "frequency": clean_frequency(data.frequency),
        "duration_days": data.duration_days,
        "prn": bool(data.prn),
        "prn_indication": indication,
        "quantity": format_number(quantity),
        "quantity_unit": clean_unit(
            "quantity unit", data.quantity_unit, packages=True, required=False
        ),
        "refills": data.refills,
        "dispense_as_written": bool(data.dispense_as_written),
        "note_to_pharmacist": check_abbreviations("note to pharmacist", note),
    }
    check_printed(
        {
            "drug name": values["drug_name"],
            "strength": values["strength"],
            "as-needed reason": indication,
            "note to pharmacist": values["note_to_pharmacist"],
        }
    )
    check_route_form(values["route"], values["form"], values["dose_unit"])
    values["sig"] = render_sig(
        dose=dose,
        dose_unit=values["dose_unit"],
        route=values["route"],
        frequency=values["frequency"],
        duration_days=data.duration_days,
        prn=values["prn"],
        prn_indication=indication,
    )
    return values


# fmt: off
_ONES: Final = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)
_TENS: Final = (
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
)
# fmt: on
_FRACTIONS: Final = {
    Decimal("0.5"): "one half",
    Decimal("0.25"): "one quarter",
    Decimal("0.75"): "three quarters",
}


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest or not words:
        words.append(_ONES[rest])
    return words


def _integer_words(n: int) -> str:
    if n == 0:
        return "zero"
    words: list[str] = []
    for scale, name in ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand")):
        if n >= scale:
            words += [*_below_thousand(n // scale), name]
            n %= scale
    if n:
        words += _below_thousand(n)
    return " ".join(words)


def quantity_in_words(value: Decimal) -> str:
    """A quantity spelled out for the printout: 'thirty', 'seven and one half'.

    Halves and quarters read as fractions; other decimals digit by digit after 'point'.
    """
    if not value.is_finite() or value < 0:
        raise ValueError("a quantity is a finite number of at least zero")
    whole = int(value)
    fraction = value - whole
    if not fraction:
        return _integer_words(whole)
    if fraction in _FRACTIONS:
        spelled = _FRACTIONS[fraction]
        return spelled if whole == 0 else f"{_integer_words(whole)} and {spelled}"
    digits = format_number(fraction).split(".")[1]
    return f"{_integer_words(whole)} point " + " ".join(_ONES[int(d)] for d in digits)
