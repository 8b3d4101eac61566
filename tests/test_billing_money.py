"""Money is exact: parsing typed amounts to cents, and a ledger always adds up to its
balance whatever mix of entries it holds (Hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emr_desktop.domain.billing import EntryKind, LedgerEntry
from emr_desktop.domain.money import money_text, parse_money, to_decimal
from emr_desktop.errors import ValidationError

cents = st.integers(min_value=1, max_value=10_000_000_00)


@given(cents)
def test_an_amount_round_trips_through_its_text(c: int) -> None:
    assert parse_money("amount", money_text(c)) == c
    assert parse_money("amount", money_text(c, grouped=True)) == c
    assert parse_money("amount", "$" + money_text(c, grouped=True)) == c
    assert to_decimal(c) == Decimal(c) / 100


@given(st.text(max_size=12))
def test_any_text_is_cents_or_a_named_refusal(text: str) -> None:
    try:
        value = parse_money("amount", text)
    except ValidationError as err:
        assert err.field == "amount"
    else:
        assert isinstance(value, int) and value > 0


@pytest.mark.parametrize("bad", ["", "-5", "1.234", "1e3", "12,34.00", "NaN", "abc", "0"])
def test_bad_amounts_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        parse_money("amount", bad)


def test_float_is_refused() -> None:
    with pytest.raises(ValidationError):
        parse_money("amount", 1.1)  # type: ignore[arg-type]


_SIGN = {
    EntryKind.CHARGE: 1,
    EntryKind.PAYMENT: -1,
    EntryKind.REFUND: 1,
    EntryKind.WRITE_OFF: -1,
}


def _entry(n: int, kind: EntryKind, amount: int) -> LedgerEntry:
    return LedgerEntry(
        n,
        kind,
        dt.date(2026, 1, 1),
        "X",
        "",
        "cash",
        "",
        amount,
        None,
        None,
        None,
        "",
        dt.datetime.now(dt.UTC),
    )


@st.composite
def ledgers(draw: st.DrawFn) -> list[LedgerEntry]:
    out: list[LedgerEntry] = []
    for n, (kind, amount) in enumerate(
        draw(st.lists(st.tuples(st.sampled_from(list(_SIGN)), cents), max_size=30))
    ):
        out.append(_entry(n, kind, _SIGN[kind] * amount))
        if draw(st.booleans()) and draw(st.booleans()):
            out.append(_entry(n + 1000, EntryKind.REVERSAL, -out[-1].amount_cents))
    return out


@given(ledgers())
def test_the_printed_ledger_adds_up_to_its_balance(entries: list[LedgerEntry]) -> None:
    """The way emr-admin prints a ledger (charges and payments positive, adjustments
    signed) read back the way a person adds it up gives the balance, to the cent."""
    balance = sum(e.amount_cents for e in entries)
    total = Decimal(0)
    for e in entries:
        shown = Decimal(money_text(e.shown_cents))
        if e.category == "charge":
            assert shown > 0
            total += shown
        elif e.category == "payment":
            assert shown > 0
            total -= shown
        else:
            total += shown
    assert total == to_decimal(balance)
