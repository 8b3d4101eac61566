"""Whole prescriptions, as the form fills them in, always store and print the ISMP way.

tests/test_sig.py checks render_sig and the number helpers part by part; here hypothesis
generates complete PrescriptionInput values (amounts typed as ".5", "5.0", "2.50",
"1E+1", units typed as "U" or "cc") and checks everything that reaches paper: the sig,
the dose and quantity as stored, the dose with its unit, and the quantity in words.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emr_desktop.domain.prescribing import PrescriptionInput
from emr_desktop.errors import ValidationError
from emr_desktop.reference.drug_print import form_routes
from emr_desktop.services.common import safe_writing, sig_words
from emr_desktop.services.prescribing import sig

TRAILING_ZERO = re.compile(r"\d\.\d*0(?!\d)")  # 5.0, 0.50
NO_LEADING_ZERO = re.compile(r"(?<!\d)\.\d")  # .5


def assert_printable(text: str) -> None:
    """No trailing zero, no naked decimal point, no exponent, no banned abbreviation."""
    assert not TRAILING_ZERO.search(text), text
    assert not NO_LEADING_ZERO.search(text), text
    assert not re.search(r"\dE[+-]?\d", text), text
    assert safe_writing.find_banned(text) == [], text


def _typed(value: Decimal, style: int) -> Decimal | str:
    """One way a form may hand over an amount: exact, padded, naked point, exponent."""
    if style == 0:
        return value
    if style == 1:
        return f"{value:f}0" if "." in f"{value:f}" else f"{value:f}.0"
    if style == 2:
        text = f"{value:f}"
        return text[1:] if text.startswith("0.") else text
    return f"{value.normalize():E}" if value == value.to_integral() else f"{value:f}"


exact = st.builds(
    lambda n, places: Decimal(n).scaleb(-places),
    st.integers(min_value=1, max_value=100_000),
    st.integers(min_value=0, max_value=4),
).filter(lambda d: d <= sig.MAX_AMOUNT)
amounts = st.builds(_typed, exact, st.integers(min_value=0, max_value=3))
dose_units = st.sampled_from(
    [
        *sig_words.DOSE_UNITS,
        *sig_words.DOSE_UNITS.values(),
        "U",
        "IU",
        "units",
        "cc",
        "ml",
        "µg",
        "ug",
    ]
)
quantity_units = st.sampled_from(["", *sig_words.DOSE_UNITS, *sig_words.PACKAGE_UNITS, "cc", "U"])
frequencies = st.sampled_from([*sig_words.FREQUENCIES, "once daily", "twice a day", "bedtime"])
indications = st.sampled_from(["pain", "anxiety", "wheezing", "nausea", "sleep", "itching"])


@st.composite
def prescriptions(draw: st.DrawFn) -> PrescriptionInput:
    """A valid prescription as typed into the form."""
    prn = draw(st.booleans())
    unit = draw(dose_units)
    # A route the dose unit can be given by (no "oral suppository"): route_forms.csv.
    try:
        stored = sig_words.clean_unit("dose unit", unit)
    except ValidationError:
        stored = unit
    fits = sorted(form_routes().get(stored, sig_words.ROUTES))
    return PrescriptionInput(
        drug_name=draw(st.sampled_from(["amoxicillin", "insulin glargine", "morphine"])),
        strength=draw(st.sampled_from(["", "500 mg", "0.5 mg", "100 units/mL", "5 mg/325 mg"])),
        route=draw(st.sampled_from(fits)),
        dose=draw(amounts),
        dose_unit=unit,
        frequency=draw(frequencies),
        duration_days=draw(st.none() | st.integers(1, sig.MAX_DURATION_DAYS)),
        prn=prn,
        prn_indication=draw(indications) if prn else "",
        quantity=draw(amounts),
        quantity_unit=draw(quantity_units),
        refills=draw(st.integers(0, sig.MAX_REFILLS)),
    )


@given(prescriptions())
def test_every_stored_and_printed_part_of_a_prescription_is_ismp_clean(
    data: PrescriptionInput,
) -> None:
    values = sig.clean_order(data)
    dose, quantity = Decimal(values["dose"]), Decimal(values["quantity"])
    assert dose == Decimal(data.dose) and quantity == Decimal(data.quantity)
    for text in (
        values["sig"],
        values["dose"],
        values["quantity"],
        sig_words.unit_words(dose, values["dose_unit"]),
        sig_words.unit_words(quantity, values["quantity_unit"] or values["dose_unit"]),
        sig.quantity_in_words(quantity),
        values["strength"],
    ):
        assert_printable(text)
    assert not re.search(r"\d", sig.quantity_in_words(quantity))


@given(prescriptions())
def test_render_sig_of_the_input_matches_the_stored_sig(data: PrescriptionInput) -> None:
    values = sig.clean_order(data)
    rendered = sig.render_sig(
        dose=Decimal(data.dose),
        dose_unit=data.dose_unit,
        route=data.route,
        frequency=data.frequency,
        duration_days=data.duration_days,
        prn=data.prn,
        prn_indication=data.prn_indication,
    )
    assert rendered == values["sig"]
    assert_printable(rendered)
    assert f"{safe_writing.format_number(Decimal(data.dose))} " in rendered


@pytest.mark.parametrize("abbr", safe_writing.BANNED_ABBREVIATIONS)
@settings(max_examples=20)
@given(data=prescriptions(), where=st.sampled_from(["prn_indication", "note", "strength"]))
def test_a_banned_abbreviation_typed_anywhere_is_refused(
    abbr: str, data: PrescriptionInput, where: str
) -> None:
    if where == "prn_indication":
        change: dict[str, object] = {"prn": True, "prn_indication": f"pain {abbr}"}
    elif where == "note":
        change = {"note_to_pharmacist": f"give 10 {abbr} please"}
    else:
        change = {"strength": f"10 {abbr}"}
    values = {f: getattr(data, f) for f in data.__dataclass_fields__}
    with pytest.raises(ValidationError):
        sig.clean_order(PrescriptionInput(**{**values, **change}))


@given(
    data=prescriptions(),
    typed=st.text(alphabet=st.sampled_from("QqDdOoUuSsHhCcIiMm4. "), max_size=12),
)
def test_free_text_as_needed_reason_never_prints_a_banned_abbreviation(
    data: PrescriptionInput, typed: str
) -> None:
    values = {f: getattr(data, f) for f in data.__dataclass_fields__}
    try:
        cleaned = sig.clean_order(
            PrescriptionInput(**{**values, "prn": True, "prn_indication": f"pain {typed}"})
        )
    except ValidationError as err:
        assert err.field == "as-needed reason"
        return
    assert safe_writing.find_banned(cleaned["sig"]) == [], cleaned["sig"]
