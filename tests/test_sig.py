"""Prescription directions print the ISMP way, whatever dose and vocabulary are chosen."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emr_desktop.domain.prescribing import PrescriptionInput
from emr_desktop.errors import ValidationError
from emr_desktop.services.common import safe_writing, sig_words
from emr_desktop.services.prescribing import sig

# A number with a trailing zero after the decimal point (5.0, 2.50) or a bare
# leading decimal point (.5): the two dose designations ISMP forbids.
TRAILING_ZERO = re.compile(r"\d\.\d*0(?!\d)")
NAKED_POINT = re.compile(r"(?<!\d)\.\d")

INDICATIONS = ("pain", "anxiety", "wheezing", "nausea or vomiting", "sleep", "muscle spasms")

# Doses and quantities in range with up to 4 decimal places, written in the many ways a
# Decimal can hold the same value (2.5, 2.50, 2.5000, 25E-1, 1E+1).
amounts = st.builds(
    lambda n, places, pad, sci: (
        Decimal(n).scaleb(-places).quantize(Decimal(1).scaleb(-(places + pad)))
        if not sci
        else Decimal(n).scaleb(-places).normalize()
    ),
    st.integers(min_value=1, max_value=100_000),
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=0, max_value=3),
    st.booleans(),
).filter(lambda d: 0 < d <= sig.MAX_AMOUNT)

unit_inputs = st.sampled_from(
    [
        *sig_words.DOSE_UNITS,
        *sig_words.DOSE_UNITS.values(),
        "U",
        "IU",
        "u",
        "units",
        "cc",
        "µg",
        "ug",
    ]
)


def assert_ismp_clean(text: str) -> None:
    assert not TRAILING_ZERO.search(text), text
    assert not NAKED_POINT.search(text), text
    assert "E+" not in text and "E-" not in text, text
    assert safe_writing.find_banned(text) == [], text


# --- format_number ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("5.0", "5"),
        ("2.50", "2.5"),
        (".5", "0.5"),
        ("0.500", "0.5"),
        ("1E+1", "10"),
        ("1E+3", "1000"),
        ("100", "100"),
        ("0.0001", "0.0001"),
        ("12.3400", "12.34"),
        ("0.000", "0"),
    ],
)
def test_format_number_examples(value: str, shown: str) -> None:
    assert safe_writing.format_number(Decimal(value)) == shown


@given(amounts)
def test_format_number_is_exact_and_ismp_clean(value: Decimal) -> None:
    shown = safe_writing.format_number(value)
    assert_ismp_clean(shown)
    assert Decimal(shown) == value
    assert not shown.startswith(".")


# --- render_sig --------------------------------------------------------------------------


def test_brief_examples() -> None:
    assert (
        sig.render_sig(
            dose=Decimal(1),
            dose_unit="tablet",
            route="oral",
            frequency="twice daily",
            duration_days=10,
        )
        == "Take 1 tablet by mouth twice daily for 10 days."
    )
    assert (
        sig.render_sig(
            dose=Decimal("0.50"),
            dose_unit="tablet",
            route="oral",
            frequency="daily",
            prn=True,
            prn_indication="anxiety",
        )
        == "Take 0.5 tablet by mouth daily as needed for anxiety."
    )
    assert (
        sig.render_sig(
            dose=Decimal("10.0"), dose_unit="U", route="subcutaneous", frequency="at bedtime"
        )
        == "Inject 10 units under the skin at bedtime."
    )


def test_plurals_and_single_day() -> None:
    assert sig.render_sig(
        dose=Decimal("1.5"), dose_unit="tablet", route="oral", frequency="once", duration_days=1
    ) == ("Take 1.5 tablets by mouth once for 1 day.")
    assert sig.render_sig(
        dose=Decimal(2),
        dose_unit="puff",
        route="inhalation",
        frequency="every 4 hours",
        prn=True,
        prn_indication="for wheezing.",
    ) == ("Inhale 2 puffs by mouth every 4 hours as needed for wheezing.")
    assert sig.render_sig(
        dose=Decimal(5), dose_unit="cc", route="oral", frequency="every other day"
    ) == ("Take 5 mL by mouth every other day.")


@given(
    dose=amounts,
    unit=unit_inputs,
    route=st.sampled_from(list(sig_words.ROUTES)),
    frequency=st.sampled_from(sig_words.FREQUENCIES),
    duration=st.none() | st.integers(min_value=1, max_value=sig.MAX_DURATION_DAYS),
    prn=st.booleans(),
    indication=st.sampled_from(INDICATIONS),
)
def test_every_rendered_sig_is_ismp_clean(
    dose: Decimal,
    unit: str,
    route: str,
    frequency: str,
    duration: int | None,
    prn: bool,
    indication: str,
) -> None:
    text = sig.render_sig(
        dose=dose,
        dose_unit=unit,
        route=route,
        frequency=frequency,
        duration_days=duration,
        prn=prn,
        prn_indication=indication if prn else "",
    )
    assert_ismp_clean(text)
    assert text[0].isupper() and text.endswith(".")
    assert safe_writing.format_number(dose) in text
    assert frequency in text
    # one sentence: the only full stop is the last character ("eye(s)" has none)
    assert text.count(".") == text.count(".", 0, -1) + 1
    assert ". " not in text


@pytest.mark.parametrize(
    "typed",
    ["QD", "qd", "QOD", "q.d.", "q.o.d.", "BID", "TID", "QID", "q6h", "QHS", "daily x3d", "1"],
)
def test_abbreviated_frequencies_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as err:
        sig_words.clean_frequency(typed)
    assert err.value.field == "frequency"


def test_spelled_out_frequencies_map_onto_the_vocabulary() -> None:
    assert sig_words.clean_frequency("  Once  Daily ") == "daily"
    assert sig_words.clean_frequency("twice a day") == "twice daily"
    assert sig_words.clean_frequency("bedtime") == "at bedtime"
    assert set(sig_words.FREQUENCIES) >= {"daily", "every other day", "as directed", "weekly"}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("U", "unit"), ("IU", "unit"), ("cc", "mL"), ("µg", "mcg"), ("Tablets", "tablet")],
)
def test_units_are_stored_in_their_safe_form(typed: str, stored: str) -> None:
    assert sig_words.clean_unit("dose unit", typed) == stored


def test_unknown_units_and_routes_are_refused() -> None:
    with pytest.raises(ValidationError, match="dose unit"):
        sig_words.clean_unit("dose unit", "handful")
    with pytest.raises(ValidationError, match="route"):
        sig_words.clean_route("PO")
    assert sig_words.clean_route("By mouth") == "oral"


# --- the banned list ---------------------------------------------------------------------


@pytest.mark.parametrize("abbr", safe_writing.BANNED_ABBREVIATIONS)
def test_each_banned_abbreviation_is_found_as_a_word(abbr: str) -> None:
    assert abbr in safe_writing.find_banned(f"give 10 {abbr} now")
    assert abbr in safe_writing.find_banned(f"give 10 {abbr.lower()} now")


def test_banned_abbreviations_touching_numbers_are_found() -> None:
    assert "U" in safe_writing.find_banned("Inject 10U at bedtime")
    assert "cc" in safe_writing.find_banned("5cc")
    assert safe_writing.find_banned("Take 1 tablet x3d") == [safe_writing.BANNED_PATTERNS[0]]
    assert safe_writing.find_banned("for 3 days x 3 d") != []


def test_ordinary_words_are_not_mistaken_for_abbreviations() -> None:
    text = (
        "Inject 10 units under the skin as needed for muscle spasms; discuss dose; "
        "use succinct units, msg, ccu-free, Adalat, qhsx"
    )
    assert safe_writing.find_banned(text) == []


def test_check_abbreviations_names_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        safe_writing.check_abbreviations("note to pharmacist", "give 10 IU")
    assert err.value.field == "note to pharmacist"
    assert "IU" in err.value.reason


# --- amounts as typed --------------------------------------------------------------------


@given(amounts)
def test_parse_amount_accepts_every_valid_amount_as_typed(value: Decimal) -> None:
    for typed in (value, str(value), f"  {value}  "):
        assert sig.parse_amount("dose", typed, high=sig.MAX_AMOUNT) == value


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("0", "more than zero"),
        ("-1", "more than zero"),
        ("abc", "number"),
        ("1,5", "number"),
        ("NaN", "number"),
        ("Infinity", "number"),
        ("1.23456", "4 decimal places"),
        ("1E-999999999", "4 decimal places"),
        ("1E+999999999", "at most 100000"),
        ("100001", "at most 100000"),
        (True, "number"),
        (1.5, "number"),  # a float is refused: doses are exact
    ],
)
def test_parse_amount_refuses(typed: object, why: str) -> None:
    with pytest.raises(ValidationError) as err:
        sig.parse_amount("dose", typed, high=sig.MAX_AMOUNT)  # type: ignore[arg-type]
    assert err.value.field == "dose"
    assert why in err.value.reason


def test_clean_order_checks_every_field_in_plain_words() -> None:
    base = {
        "drug_name": "amoxicillin",
        "dose": "500",
        "dose_unit": "mg",
        "frequency": "three times daily",
        "quantity": "30",
    }
    good = sig.clean_order(PrescriptionInput(**base, duration_days=10))  # type: ignore[arg-type]
    assert good["sig"] == "Take 500 mg by mouth three times daily for 10 days."
    bad: list[tuple[dict[str, object], str]] = [
        ({"refills": 12}, "refills"),
        ({"refills": -1}, "refills"),
        ({"duration_days": 0}, "duration"),
        ({"duration_days": 366}, "duration"),
        ({"prn": True}, "as-needed reason"),
        ({"prn_indication": "pain"}, "as-needed reason"),
        ({"prn": True, "prn_indication": "pain QD"}, "as-needed reason"),
        ({"strength": "100 U/mL"}, "strength"),
        ({"note_to_pharmacist": "MSO4 only"}, "note to pharmacist"),
        ({"drug_name": "  "}, "drug name"),
        ({"quantity": "0"}, "quantity"),
        ({"frequency": "BID"}, "frequency"),
    ]
    for change, field in bad:
        with pytest.raises(ValidationError) as err:
            sig.clean_order(PrescriptionInput(**{**base, **change}))  # type: ignore[arg-type]
        assert err.value.field == field, change


# --- quantity in words -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("30", "thirty"),
        ("120", "one hundred twenty"),
        ("7.5", "seven and one half"),
        ("0.5", "one half"),
        ("2.25", "two and one quarter"),
        ("90.75", "ninety and three quarters"),
        ("21", "twenty-one"),
        ("100", "one hundred"),
        ("1000", "one thousand"),
        ("2500", "two thousand five hundred"),
        ("2.125", "two point one two five"),
        ("0.1", "zero point one"),
        ("1.50", "one and one half"),
    ],
)
def test_quantity_in_words(value: str, words: str) -> None:
    assert sig.quantity_in_words(Decimal(value)) == words


@given(amounts)
def test_quantity_in_words_spells_every_amount(value: Decimal) -> None:
    words = sig.quantity_in_words(value)
    assert words and not re.search(r"\d", words)
    assert "  " not in words and words == words.strip()
