"""Password and passphrase rules refuse common patterns: the shipped list of common
passwords (with letter-for-digit swaps and padding undone) and zxcvbn's strength score."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emr_desktop.errors import ValidationError
from emr_desktop.paths import resource_path
from emr_desktop.security.passwords import (
    check_password_rules,
    common_passwords,
    is_common,
    one_time_password,
)
from emr_desktop.services.practice.folder import check_passphrase_rules

COMMON_PATTERNS = [
    "Password1!",
    "Qwerty1234",
    "P@ssw0rd2026",
    "Welcome2026!",
    "Summer2026!",
    "Doctor-1234",
    "Clinic2026!!",
    "Letmein123!",
    "Admin12345!",
    "Iloveyou123",
    "Abcd1234!!",
    "Monkey12345",
    "Dragon2026!",
    "Changeme1!",
    "Football12!",
    "Trustno1!!",
    "Asdfghjkl1",
    "Zxcvbnm123",
    "1q2w3e4r5t",
    "Passwordpassword1",
]


@pytest.mark.parametrize("password", COMMON_PATTERNS)
def test_common_password_patterns_are_refused(password: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_password_rules(password)
    assert info.value.field == "password"


@pytest.mark.parametrize(
    "passphrase", ["password1234", "123456789012", "qwertyuiop12", "letmeinletmein"]
)
def test_weak_passphrases_are_refused(passphrase: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_passphrase_rules(passphrase)
    assert info.value.field == "passphrase"


@pytest.mark.parametrize(
    "password", ["Keep-it-safe-2026", "Staff-pass-2026", "Fresh-start-8812", "blue Kettle 49 river"]
)
def test_ordinary_strong_passwords_pass(password: str) -> None:
    check_password_rules(password)


def test_the_shipped_list_names_a_source_on_every_row() -> None:
    with resource_path("reference", "common_passwords.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 90
    assert all(r["source"].strip() and r["password"] == r["password"].lower() for r in rows)
    assert {"password", "123456", "qwerty", "doctor"} <= common_passwords()


@given(
    st.sampled_from(sorted(w for w in common_passwords() if w.isalpha())),
    st.text("0123456789!?.-_", max_size=6),
)
def test_a_listed_word_padded_with_digits_or_symbols_is_common(word: str, pad: str) -> None:
    assert is_common(word.title() + pad)
    assert is_common(pad + word.upper())


@given(st.integers(0, 50))
def test_one_time_passwords_are_never_refused(_: int) -> None:
    check_password_rules(one_time_password())
