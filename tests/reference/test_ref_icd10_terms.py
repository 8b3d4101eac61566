"""ICD-10 search finds what clinicians type (issue 19, item 6): abbreviations and lay
terms from the cited synonym table lead with their usual billable code, and the common
primary-care codes rank ahead of rarities ("asthma" is not family history of asthma)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emr_desktop.reference import icd10, icd10_terms


@pytest.fixture(scope="module", autouse=True)
def _index() -> None:
    icd10.warm_up()


@pytest.mark.parametrize(
    ("typed", "usual"),
    [
        ("afib", "I48.91"),
        ("htn", "I10"),
        ("copd", "J44.9"),
        ("gerd", "K21.9"),
        ("chf", "I50.9"),
        ("uti", "N39.0"),
        ("asthma", "J45.909"),
        ("high blood pressure", "I10"),
        ("HTN", "I10"),
    ],
)
def test_what_clinicians_type_puts_the_usual_code_first(typed: str, usual: str) -> None:
    found = icd10.search(typed, 30)
    assert found and found[0].code == usual and found[0].billable


def test_afib_is_not_afibrinogenemia_and_asthma_is_not_family_history() -> None:
    assert "afibrinogen" not in icd10.search("afib", 30)[0].description.lower()
    assert "family history" not in icd10.search("asthma", 30)[0].description.lower()


def test_every_code_of_both_tables_is_a_real_billable_code() -> None:
    codes = {c for cs in icd10_terms.synonyms().values() for c in cs}
    codes |= set(icd10_terms.common_rank())
    not_real = sorted(c for c in codes if icd10.describe(c) is None)
    assert not_real == []


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=30), st.integers(1, 40))
def test_any_text_gives_at_most_limit_codes_without_error(text: str, limit: int) -> None:
    found = icd10.search(text, limit)
    assert len(found) <= limit
    assert len({c.code for c in found}) == len(found)
