"""Issue 14 registration: duplicates with day and month swapped or names transposed, every
bad field named at once, postal codes per country, no silent defaults for sex or language."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from conftest import Clinic
from hypothesis import given
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.errors import DuplicateError, ValidationError, ValidationErrors
from emr_desktop.services.patients.postal import postal_code
from emr_desktop.services.patients.registry import PatientService, birth_variants
from emr_desktop.ui.patient_dialog import PatientDialog


def test_swapped_day_and_month_and_transposed_names_are_duplicates(clinic: Clinic) -> None:
    svc = PatientService(clinic.db)
    svc.register(clinic.desk, PatientInput("Waltraud", "Quennell", dt.date(1952, 7, 8), Sex.FEMALE))
    swapped = PatientInput("Waltraud", "Quennell", dt.date(1952, 8, 7), Sex.FEMALE)
    with pytest.raises(DuplicateError) as dup:
        svc.register(clinic.desk, swapped)
    (candidate,) = dup.value.candidates
    assert "day and month swapped" in " ".join(candidate.reasons)  # type: ignore[attr-defined]
    turned = PatientInput("Quennell", "Waltraud", dt.date(1952, 7, 8), Sex.FEMALE)
    (again,) = svc.check_duplicates(clinic.desk, turned)
    assert "family and given names swapped" in again.reasons


@given(st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)))
def test_birth_variants_are_real_dates_that_swap_back(day: dt.date) -> None:
    variants = birth_variants(day)
    assert variants[0] == day and len(variants) <= 2
    for other in variants[1:]:
        assert (other.day, other.month, other.year) == (day.month, day.day, day.year)


def test_every_bad_field_is_named_at_once_and_nothing_is_saved(clinic: Clinic) -> None:
    svc = PatientService(clinic.db)
    bad = PatientInput(
        " ", "X" * 101, dt.date(1980, 1, 1), Sex.MALE, email="not-mail", postal_code="NOT A ZIP!!"
    )
    before = len(svc.search(clinic.desk, "", limit=0, include_inactive=True))
    with pytest.raises(ValidationErrors) as errs:
        svc.register(clinic.desk, bad)
    fields = {e.field for e in errs.value.problems}
    assert {"given name", "family name", "e-mail", "postal code"} <= fields
    assert len(svc.search(clinic.desk, "", limit=0, include_inactive=True)) == before


def test_a_blank_language_stays_blank(clinic: Clinic) -> None:
    svc = PatientService(clinic.db)
    data = PatientInput(
        "Ottilie", "Brandvold", dt.date(1990, 3, 3), Sex.FEMALE, preferred_language=" "
    )
    saved = svc.register(clinic.desk, data)
    assert saved.data.preferred_language == ""


@pytest.mark.parametrize(
    ("country", "good", "bad"),
    [("US", "12345-6789", "1234"), ("CA", "k1a 0b1", "12345"), ("GB", "SW1A 1AA", "ZZZ")],
)
def test_postal_codes_follow_the_country(country: str, good: str, bad: str) -> None:
    assert postal_code(country, good) == good.upper()
    with pytest.raises(ValidationError, match="postal code"):
        postal_code(country, bad)
    assert postal_code(country, "  ") == ""


def test_the_form_has_no_default_sex_and_shows_every_error(qtbot: QtBot, clinic: Clinic) -> None:
    dialog = PatientDialog(PatientService(clinic.db), clinic.desk)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog._sex.currentData() is None
    dialog._edits["postal_code"].setText("NOT A ZIP!!")
    dialog._on_buttons_accepted()
    shown = {attr for attr, label in dialog._errors.items() if label.isVisible()}
    assert {"given_name", "family_name", "birth_date", "sex_at_birth"} <= shown
    dialog._edits["given_name"].setText("Ada")
    dialog._edits["family_name"].setText("L" * 100)
    dialog._birth.setText("12/10/1952")
    dialog._sex.setCurrentIndex(dialog._sex.findData(Sex.FEMALE))
    dialog._on_buttons_accepted()
    shown = {attr for attr, label in dialog._errors.items() if label.isVisible()}
    assert shown == {"postal_code"}
    dialog.grab().save("/tmp/frontdesk-patient-errors.png")


def test_a_deceased_patient_is_found_when_asked_and_marked(clinic: Clinic) -> None:
    svc = PatientService(clinic.db)
    p = svc.register(
        clinic.desk, PatientInput("Eulalie", "Marchbanks", dt.date(1901, 2, 3), Sex.FEMALE)
    )
    with pytest.raises(ValidationError, match="before the date of birth"):
        svc.set_active(clinic.desk, p.id, False, "died", deceased_on=dt.date(1900, 1, 1))
    svc.set_active(clinic.desk, p.id, False, "died", deceased_on=dt.date(1990, 4, 2))
    assert svc.search(clinic.desk, "Marchbanks") == []
    (found,) = svc.search(clinic.desk, "Marchbanks", include_inactive=True)
    assert (found.active, found.deceased_on) == (False, dt.date(1990, 4, 2))
    from emr_desktop.ui.patients_view import status_words

    assert status_words(found) == "deceased 04/02/1990"
