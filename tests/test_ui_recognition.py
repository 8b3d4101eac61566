"""The chart says what the safety checks cannot see: unresolved medications and
unrecognised allergens are marked, and the allergy form offers close matches."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from conftest import Practice
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Actor, Role
from emr_desktop.services.chart.recognition import NOT_CHECKED, NOT_RECOGNISED
from emr_desktop.ui.chart.allergies import AllergiesSection
from emr_desktop.ui.chart.chart_view import ChartView
from emr_desktop.ui.chart.medications import MedicationsSection
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations

Env = tuple[Services, Actor, int, ChartView]


@pytest.fixture
def env(practice: Practice, qtbot: QtBot) -> Env:
    services = Services(practice.db)
    doctor = practice.add_user("drx", Role.PHYSICIAN)
    patient = services.patients.register(
        doctor, PatientInput("Ada", "Quist", dt.date(1960, 2, 3), Sex.FEMALE)
    )
    host = QWidget()
    qtbot.addWidget(host)
    chart = ChartView(services, doctor, patient.id, Operations(host))
    qtbot.addWidget(chart)
    chart.resize(1100, 700)
    assert chart.load()
    return services, doctor, patient.id, chart


def _section(chart: ChartView, kind: type[QWidget]) -> QWidget:
    return next(s for s in chart.sections if isinstance(s, kind))


def _column(section: QWidget, title: str) -> int:
    model = section.model  # type: ignore[attr-defined]
    for n in range(model.columnCount()):
        if model.headerData(n, Qt.Orientation.Horizontal) == title:
            return n
    raise AssertionError(title)


def test_a_misspelt_allergen_is_recognised_and_an_unknown_one_is_marked(env: Env) -> None:
    section = _section(env[3], AllergiesSection)
    assert isinstance(section, AllergiesSection)
    dialog = section.open_dialog()
    dialog.substance.setText("penicilin")
    assert dialog.hint_text() == ""  # recognised: checked as penicillin
    dialog.substance.setText("amoxicilinn")
    assert NOT_RECOGNISED in dialog.hint_text().lower() and "amoxicillin" in dialog.hint_text()
    dialog.grab().save("/tmp/medsafety-allergy-hint.png")
    dialog.hint.linkActivated.emit("amoxicillin")
    assert dialog.substance.text() == "amoxicillin" and dialog.hint_text() == ""
    dialog.substance.setText("Quorvacillin")
    assert dialog.save()  # saved, visibly not checked
    col = _column(section, "Safety checks")
    marks = [
        section.model.data(section.model.index(r, col)) for r in range(section.model.rowCount())
    ]
    assert marks == [NOT_RECOGNISED]
    brush = section.model.data(section.model.index(0, col), Qt.ItemDataRole.ForegroundRole)
    assert brush is not None
    env[3].grab().save("/tmp/medsafety-allergies.png")


def test_an_unresolved_medication_is_marked_not_checked(env: Env) -> None:
    section = _section(env[3], MedicationsSection)
    assert isinstance(section, MedicationsSection)
    for name in ("Sertraline 50 MG Oral Tablet", "Quorvalin 10 mg"):
        add = section.open_add_dialog()
        add.drug.setText(name)
        assert add.save()
    col = _column(section, "Safety checks")
    rows = section.model.rows()
    marks = {
        r.drug_name: section.model.data(section.model.index(n, col)) for n, r in enumerate(rows)
    }
    assert marks == {"Sertraline 50 MG Oral Tablet": "", "Quorvalin 10 mg": NOT_CHECKED}
    section.grab().save("/tmp/medsafety-meds.png")
