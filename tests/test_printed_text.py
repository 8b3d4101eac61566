"""Safe writing on paper and screen: ISMP rules on every printed field, drug-name
abbreviations, tall-man letters, and a route that fits the dose form."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emr_desktop.domain.prescribing import MedicationInput, PrescriptionInput
from emr_desktop.errors import ValidationError
from emr_desktop.reference.drug_print import tall_man, tall_man_names
from emr_desktop.services.common.printed_text import (
    check_printed,
    check_route_form,
    printed_problems,
)
from emr_desktop.services.prescribing import sig

TRAILING = re.compile(r"(?<![\d.])\d+\.\d*0(?![\d.])")


@pytest.mark.parametrize(
    "text", ["5.0 mg", ".5 mg", "take > 2", "MSO4 10 mg", "HCTZ", "@ bedtime", "1 & 2", "10 U"]
)
def test_the_printouts_of_the_issue_are_refused(text: str) -> None:
    assert printed_problems(text)


@pytest.mark.parametrize("text", ["5 mg", "0.5 mg", "160 mg/5 mL", "pain", "10 units", ""])
def test_clean_text_passes(text: str) -> None:
    assert printed_problems(text) == []


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as err:
        check_printed({"strength": "5.0 mg", "note to pharmacist": "use > 2", "drug name": "APAP"})
    assert err.value.field == "strength, note to pharmacist, drug name"
    assert "acetaminophen" in err.value.reason


def test_a_prescription_with_a_banned_name_or_wrong_route_is_refused() -> None:
    base = {"dose": "1", "dose_unit": "tablet", "frequency": "daily", "quantity": "30"}
    with pytest.raises(ValidationError) as err:
        sig.clean_order(PrescriptionInput(drug_name="MSO4", **base))  # type: ignore[arg-type]
    assert err.value.field == "drug name"
    with pytest.raises(ValidationError) as err:
        sig.clean_order(
            PrescriptionInput(drug_name="timolol", route="ophthalmic", **base)  # type: ignore[arg-type]
        )
    assert err.value.field == "route" and "tablet" in err.value.reason
    check_route_form("ophthalmic", "ophthalmic solution")
    with pytest.raises(ValidationError):
        check_route_form("oral", "suppository")


def test_the_medication_list_refuses_trailing_zeros_too(clinic) -> None:
    from emr_desktop.services.chart.medications import MedicationService

    with pytest.raises(ValidationError) as err:
        MedicationService(clinic.db).record_reported(
            clinic.doctor, clinic.patient(), MedicationInput("warfarin", strength="5.0 mg")
        )
    assert err.value.field == "strength"


def test_tall_man_letters_for_look_alike_names() -> None:
    assert tall_man("metformin 500 mg") == "metFORMIN 500 mg"
    assert tall_man("Hydroxyzine and hydralazine") == "hydrOXYzine and hydrALAZINE"
    assert tall_man("lisinopril") == "lisinopril"
    for name, spelled in tall_man_names().items():
        assert tall_man(name) == spelled and spelled.lower() == name


@given(st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False))
def test_a_number_with_a_trailing_zero_is_always_caught(value) -> None:
    text = f"{value:.2f} mg"
    assert bool(printed_problems(text)) == bool(TRAILING.search(text))
