"""Money as exact values: Decimal in Python, integer cents in the database, never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from emr_desktop.errors import ValidationError

CENT = Decimal("0.01")
MAX_CENTS = 100_000_000_00  # a hundred million dollars: no single entry is larger
_MONEY = re.compile(r"^\$?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$|^\$?\.\d{1,2}$")


def parse_money(field: str, text: str | Decimal | int, *, allow_zero: bool = False) -> int:
    """Cents from what a user typed ("125", "125.5", "$1,250.00"); refuses float, a
    negative amount, more than two decimals and absurd sizes, naming ``field``."""
    if isinstance(text, (bool, float)):
        raise ValidationError(field, "must be an exact amount, not a floating-point number")
    if isinstance(text, int):
        value = Decimal(text)
    elif isinstance(text, Decimal):
        value = text
    else:
        raw = (text or "").strip()
        if not raw:
            raise ValidationError(field, "is required")
        if not _MONEY.match(raw):
            raise ValidationError(field, f"{raw!r} is not an amount like 125.00")
        try:
            value = Decimal(raw.replace("$", "").replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern already refused it
            raise ValidationError(field, f"{raw!r} is not an amount like 125.00") from None
    if not value.is_finite():
        raise ValidationError(field, "must be a finite amount")
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValidationError(field, "can have at most two decimals (cents)")
    cents = int(value * 100)
    if cents < 0:
        raise ValidationError(field, "cannot be negative")
    if cents == 0 and not allow_zero:
        raise ValidationError(field, "must be more than 0.00")
    if cents > MAX_CENTS:
        raise ValidationError(field, "is too large")
    return cents


def to_decimal(cents: int) -> Decimal:
    """The Decimal of a number of cents (12550 -> Decimal('125.50'))."""
    return (Decimal(cents) / 100).quantize(CENT)


def money_text(cents: int, *, grouped: bool = False) -> str:
    """'125.00' (or '1,250.00' when ``grouped``); a negative amount keeps its sign."""
    value = to_decimal(cents)
    return f"{value:,.2f}" if grouped else f"{value:.2f}"
