"""One input policy for all text: NFC, and controls, bidi overrides, zero-width characters
and lone surrogates refused naming the field, the same in forms, emr-admin and imports."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from conftest import Practice
from hypothesis import given, settings
from hypothesis import strategies as st

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Role
from emr_desktop.errors import ValidationError
from emr_desktop.services.common import validation as v
from emr_desktop.services.patients.registry import PatientService

BAD = ["\u202e", "\u202d", "\u2066", "\u200b", "\u200d", "\ufeff", "\x7f", "\x85", "\x00",
       "\x1b", "\ud800", "\udfff"]  # fmt: skip


@given(st.text(max_size=30), st.sampled_from(BAD), st.integers(0, 30))
def test_a_refused_character_anywhere_is_named_with_the_field(text: str, bad: str, at: int) -> None:
    value = text[:at] + bad + text[at:]
    with pytest.raises(ValidationError) as caught:
        v.text("family_name", value, max_len=100)
    assert caught.value.field == "family_name"
    assert "not allowed" in caught.value.message


_OK = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cf"), blacklist_characters="\u2028\u2029"),
    max_size=40,
)


@given(_OK)
def test_acceptable_text_comes_back_trimmed_and_nfc(text: str) -> None:
    out = v.text("note", text, max_len=1000)
    assert out == unicodedata.normalize("NFC", text).strip()
    assert v.text("note", out, max_len=1000) == out  # idempotent


@settings(max_examples=50)
@given(_OK, st.integers(1, 20))
def test_the_limit_is_on_the_normalised_trimmed_text(text: str, limit: int) -> None:
    cleaned = unicodedata.normalize("NFC", text).strip()
    if len(cleaned) > limit:
        with pytest.raises(ValidationError, match=f"at most {limit}"):
            v.text("city", text, max_len=limit)
    else:
        assert v.text("city", text, max_len=limit) == cleaned


def test_registering_and_searching_refuse_bad_text_naming_the_field(practice: Practice) -> None:
    clerk = practice.add_user("desk", Role.RECEPTIONIST)
    patients = PatientService(practice.db)
    data = PatientInput(
        given_name="Ann\u200b",
        family_name="Smith\u202e",
        birth_date=dt.date(1970, 1, 2),
        sex_at_birth=Sex.FEMALE,
    )
    with pytest.raises(ValidationError) as caught:
        patients.register(clerk, data)
    assert "given name" in str(caught.value) and "zero-width space" in str(caught.value)
    with pytest.raises(ValidationError, match="search"):
        patients.search(clerk, "Sm\ud800")
    # Composed and decomposed spellings are one name.
    found = patients.register(
        clerk,
        PatientInput(
            given_name="Zoe\u0308",
            family_name="Brontë",
            birth_date=dt.date(1970, 1, 2),
            sex_at_birth=Sex.FEMALE,
        ),
    )
    assert found is not None
    assert [p.given_name for p in patients.search(clerk, "Zo\u00eb")] == ["Zo\u00eb"]
