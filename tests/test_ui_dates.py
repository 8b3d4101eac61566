"""Dates and times a physician can trust (issue 19, items 2-3): the optional date starts
empty and opens its calendar at today, text that is not a date is refused beside the
field (never dropped), Tab never changes a measured time, and every bad vital is named
at once in words ("mmHg")."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt

import pytest
from conftest import Clinic
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.errors import ValidationError
from emr_desktop.ui.chart.problems import ProblemsSection
from emr_desktop.ui.chart.trend_chart import value_range
from emr_desktop.ui.chart.vitals import VitalsDialog
from emr_desktop.ui.context import Services
from emr_desktop.ui.dates import OptionalDateEdit, is_partial_date
from emr_desktop.ui.ops import Operations


@given(st.integers(1900, 2100), st.integers(1, 12))
def test_a_year_or_a_month_is_partial_and_a_full_date_is_not(year: int, month: int) -> None:
    assert is_partial_date(str(year))
    assert is_partial_date(f"{year}-{month:02d}") and is_partial_date(f"{month}/{year}")
    assert not is_partial_date(f"{month:02d}/01/{year}")
    assert not is_partial_date(f"{year}-{month:02d}-01")


@given(st.text(max_size=20))
def test_whatever_is_typed_is_a_date_empty_or_refused_in_words(
    qapp: QApplication, text: str
) -> None:
    edit = OptionalDateEdit("onset date")
    edit.edit.setText(text)
    try:
        day = edit.date()
    except ValidationError as err:
        assert err.field == "onset date" and err.reason
    else:
        assert day is None or day <= dt.date.today()


def test_the_optional_date_starts_empty_and_its_calendar_opens_at_today(qtbot: QtBot) -> None:
    edit = OptionalDateEdit("onset date")
    qtbot.addWidget(edit)
    edit.show()
    assert edit.is_empty() and edit.date() is None
    qtbot.mouseClick(edit.button, Qt.MouseButton.LeftButton)
    assert edit.calendar is not None
    assert edit.calendar.selectedDate() == QDate.currentDate()  # not January 1900
    edit.calendar.clicked.emit(QDate(2019, 5, 6))
    assert edit.text() == "05/06/2019" and edit.date() == dt.date(2019, 5, 6)
    qtbot.keyClicks(edit.edit, "2")
    with pytest.raises(ValidationError):
        edit.date()
    edit.edit.setText("2019")
    with pytest.raises(ValidationError, match="needs the day"):
        edit.date()


def test_a_problem_onset_that_is_not_a_date_is_refused_beside_the_field(
    qtbot: QtBot, clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Operations, "show_error", lambda self, err: pytest.fail(err.message))
    services = Services(clinic.db)
    pid = clinic.patient()
    section = ProblemsSection(services, clinic.doctor, pid, Operations(QWidget()))
    qtbot.addWidget(section)
    dialog = section.open_dialog()
    dialog.picker.set_code("I10", "Essential (primary) hypertension")
    onset = dialog.onset
    assert isinstance(onset, OptionalDateEdit) and onset.is_empty()
    qtbot.keyClicks(onset.edit, "02302026")
    assert not dialog.save()
    assert dialog.isVisible() and "not a date" in dialog.error_text("onset date")
    assert services.problems.list(clinic.doctor, pid) == []
    onset.edit.setText("05/06/2019")
    assert dialog.save()
    assert [p.onset_date for p in services.problems.list(clinic.doctor, pid)] == [
        dt.date(2019, 5, 6)
    ]


def test_tab_never_changes_the_measured_time_and_all_bad_vitals_show_at_once(
    qtbot: QtBot, clinic: Clinic
) -> None:
    services = Services(clinic.db)
    host = QWidget()
    qtbot.addWidget(host)
    dialog = VitalsDialog(services, clinic.nurse, clinic.patient(), Operations(host), host)
    dialog.show()
    qtbot.waitExposed(dialog)
    before = dialog.when.dateTime()
    dialog.when.setFocus()
    qtbot.keyClick(dialog.when, Qt.Key.Key_Tab)
    focus = QApplication.focusWidget()
    assert focus is not dialog.when and not dialog.when.isAncestorOf(focus)  # Tab left it
    qtbot.keyClicks(dialog.fields["systolic"].edit, "999")
    assert dialog.when.dateTime() == before
    qtbot.keyClicks(dialog.fields["pulse"].edit, "5")
    qtbot.keyClicks(dialog.fields["temperature_c"].edit, "99")
    dialog.save()
    shown = {name: row.error.text() for name, row in dialog.fields.items() if row.error.text()}
    assert set(shown) == {"systolic", "pulse", "temperature_c"}
    assert "mmHg" in shown["systolic"] and "[" not in shown["systolic"]
    assert dialog.saved is None and dialog.isVisible()


@given(st.floats(0, 5000, allow_nan=False), st.floats(0, 5000, allow_nan=False))
def test_the_value_axis_holds_every_point_and_never_goes_below_zero_for_positive_values(
    a: float, b: float
) -> None:
    low, high = min(a, b), max(a, b)
    bottom, top = value_range(low, high)
    assert 0 <= bottom <= low and high < top
    if low > 0.5:  # creatinine 0.9-1.1: not drawn from -1 or 0 on a scale of 10
        assert top - bottom <= max(high - low, high) * 1.3
