"""Chart section tabs are built when first shown, so a long chart opens at once."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from conftest import Practice
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.sections import VitalsInput
from emr_desktop.domain.security import Actor, Role
from emr_desktop.ui.chart.chart_view import ChartView, section_factories
from emr_desktop.ui.chart.visits import VisitsSection
from emr_desktop.ui.chart.vitals import VitalsSection
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations


def _chart(practice: Practice, qtbot: QtBot) -> tuple[Services, Actor, ChartView]:
    services = Services(practice.db)
    nurse = practice.add_user("nurselazy", Role.NURSE)
    patient = services.patients.register(
        nurse, PatientInput("Ada", "Quist", dt.date(1960, 2, 3), Sex.FEMALE)
    )
    host = QWidget()
    qtbot.addWidget(host)
    chart = ChartView(services, nurse, patient.id, Operations(host))
    qtbot.addWidget(chart)
    assert chart.load()
    return services, nurse, chart


def test_opening_a_chart_builds_no_section_until_its_tab_is_shown(
    practice: Practice, qtbot: QtBot
) -> None:
    _, nurse, chart = _chart(practice, qtbot)
    titles = [chart.tabs.tabText(i) for i in range(chart.tabs.count())]
    assert titles == ["Summary", *(title for title, _ in section_factories(nurse))]
    assert chart.built_sections() == []

    chart.tabs.setCurrentIndex(titles.index("Visits"))

    built = chart.built_sections()
    assert len(built) == 1 and isinstance(built[0], VisitsSection)
    assert chart.tabs.currentWidget() is built[0]
    assert chart.tabs.tabText(chart.tabs.currentIndex()) == "Visits"


def test_a_section_shown_late_has_the_data_saved_before(practice: Practice, qtbot: QtBot) -> None:
    services, nurse, chart = _chart(practice, qtbot)
    services.observations.record_vitals(
        nurse, chart.patient_id, VitalsInput(systolic=131, diastolic=84)
    )
    vitals = next(s for s in chart.sections if isinstance(s, VitalsSection))
    assert vitals.model.rowCount() == 1
