"""The clinical chart sections (problems, allergies, medications, immunizations,
referrals), driven offscreen as a clinician would."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from conftest import Practice
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.domain.clinical import MedicationStatus, ReferralStatus, Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.prescribing import MedicationInput
from emr_desktop.domain.security import Actor, Role
from emr_desktop.ui.chart.allergies import AllergiesSection
from emr_desktop.ui.chart.chart_view import ChartView
from emr_desktop.ui.chart.immunizations import ImmunizationsSection
from emr_desktop.ui.chart.medications import MedicationsSection
from emr_desktop.ui.chart.problems import ProblemsSection
from emr_desktop.ui.chart.referrals import ReferralsSection
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
    assert chart.load()
    return services, doctor, patient.id, chart


def _section(chart: ChartView, kind: type[QWidget]) -> QWidget:
    return next(s for s in chart.sections if isinstance(s, kind))


def _select(section: QWidget, row: int) -> None:
    section.table.selectRow(row)  # type: ignore[attr-defined]


def test_sections_come_in_the_clinical_order(env: Env) -> None:
    chart = env[3]
    titles = [chart.tabs.tabText(i) for i in range(chart.tabs.count())]
    assert titles[:6] == [
        "Summary",
        "Problems",
        "Allergies",
        "Medications",
        "Immunizations",
        "Visits",
    ]
    # Billing (issue 16) follows for the roles that see it.
    assert titles[titles.index("Referrals") :] in (
        ["Referrals", "Appointments"],
        ["Referrals", "Appointments", "Billing"],
    )


def test_typing_in_the_picker_and_choosing_e11_9_adds_the_problem(env: Env, qtbot: QtBot) -> None:
    _, _, _, chart = env
    section = _section(chart, ProblemsSection)
    assert isinstance(section, ProblemsSection)
    dialog = section.open_dialog()
    picker = dialog.picker
    qtbot.keyClicks(picker.search, "diab typ 2")
    qtbot.waitUntil(lambda: picker.results.count() > 0, timeout=15000)
    texts = [picker.results.item(i).text() for i in range(picker.results.count())]
    row = next(i for i, t in enumerate(texts) if t.startswith("E11.9 "))
    assert "Type 2 diabetes mellitus without complications" in texts[row]
    for _ in range(row):
        qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert picker.chosen is not None and picker.chosen.code == "E11.9"
    assert dialog.isVisible()  # Enter chose the code; it did not save the form
    assert dialog.save()
    assert [p.code for p in section.model.rows()] == ["E11.9"]
    assert "E11.9" in chart.summary._labels["problems"].text()
    assert "Type 2 diabetes" in chart.summary._labels["problems"].text()


def test_saving_without_a_diagnosis_shows_the_error_beside_the_field(env: Env) -> None:
    section = _section(env[3], ProblemsSection)
    assert isinstance(section, ProblemsSection)
    dialog = section.open_dialog()
    assert not dialog.save()
    assert "Choose a diagnosis" in dialog.error_text("code")
    assert section.model.rowCount() == 0


def test_resolving_a_problem_strikes_it_and_reactivate_brings_it_back(
    env: Env, qtbot: QtBot
) -> None:
    section = _section(env[3], ProblemsSection)
    assert isinstance(section, ProblemsSection)
    dialog = section.open_dialog()
    dialog.picker.set_code("J45.909", "")
    assert dialog.save()
    _select(section, 0)
    section.resolve.click()
    row = section.model.rows()[0]
    assert row.status.value == "resolved"
    font = section.model.data(section.model.index(0, 0), Qt.ItemDataRole.FontRole)
    assert font.strikeOut()
    _select(section, 0)
    assert section.reactivate.isEnabled()
    section.reactivate.click()
    assert section.model.rows()[0].status.value == "active"


def test_adding_an_allergy_shows_it_on_the_banner_and_hides_nka(env: Env) -> None:
    chart = env[3]
    section = _section(chart, AllergiesSection)
    assert isinstance(section, AllergiesSection)
    assert section.nka.isVisibleTo(section)
    dialog = section.open_dialog()
    dialog.substance.setText("Penicillin")
    dialog.reaction.setText("hives")
    dialog.severity.setCurrentIndex(dialog.severity.findData("severe"))
    assert dialog.save()
    assert chart.banner.allergies.text().count("Allergies: ") == 1
    assert "Penicillin" in chart.banner.allergies.text()
    assert not section.nka.isVisibleTo(section)
    brush = section.model.data(section.model.index(0, 3), Qt.ItemDataRole.ForegroundRole)
    assert brush is not None  # severe: warning colour


def test_duplicate_allergy_error_is_shown_beside_the_substance(env: Env) -> None:
    section = _section(env[3], AllergiesSection)
    assert isinstance(section, AllergiesSection)
    for expect in (True, False):
        dialog = section.open_dialog()
        dialog.substance.setText("Latex")
        assert dialog.save() is expect
    assert "already recorded" in dialog.error_text("substance")


def test_no_known_allergies_button_sets_the_banner_to_nka(env: Env) -> None:
    chart = env[3]
    section = _section(chart, AllergiesSection)
    assert isinstance(section, AllergiesSection)
    section.nka.click()
    assert "NKA" in chart.banner.allergies.text()


def test_inactivating_an_allergy_asks_then_frees_the_nka_button(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    section = _section(env[3], AllergiesSection)
    assert isinstance(section, AllergiesSection)
    dialog = section.open_dialog()
    dialog.substance.setText("Sulfa")
    assert dialog.save()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    _select(section, 0)
    section.inactivate.click()
    assert section.model.rowCount() == 0
    assert section.nka.isVisibleTo(section)


def test_discontinuing_a_medication_records_the_reason(env: Env) -> None:
    services, doctor, pid, chart = env
    section = _section(chart, MedicationsSection)
    assert isinstance(section, MedicationsSection)
    add = section.open_add_dialog()
    add.drug.setText("metformin")
    add.strength.setText("500 mg")
    add.sig.setText("1 tablet by mouth twice daily")
    assert add.save()
    assert "metformin" in chart.summary._labels["medications"].text().lower()
    _select(section, 0)
    stop = section.open_discontinue_dialog()
    assert stop is not None
    assert not stop.save()  # the reason is required
    assert stop.error_text("reason")
    stop.reason.setText("GI upset")
    assert stop.save()
    assert section.model.rowCount() == 0  # stopped ones are hidden by default
    section.show_stopped.setChecked(True)
    row = section.model.rows()[0]
    assert row.status is MedicationStatus.STOPPED and row.stop_reason == "GI upset"
    stored = services.medications.list(doctor, pid, include_stopped=True)
    assert stored[0].stop_reason == "GI upset"


def test_recording_an_immunization_and_marking_it_in_error(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart = env[3]
    section = _section(chart, ImmunizationsSection)
    assert isinstance(section, ImmunizationsSection)
    dialog = section.open_dialog()
    assert not dialog.save()
    assert dialog.error_text("CVX code")
    dialog.choose("141")
    dialog.lot.setText("AB123")
    assert dialog.save()
    assert [i.cvx for i in section.model.rows()] == ["141"]
    assert section.model.rows()[0].given_by == env[1].full_name
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    _select(section, 0)
    section.in_error.click()
    assert section.model.rowCount() == 0


def test_a_new_referral_moves_through_its_statuses(env: Env) -> None:
    section = _section(env[3], ReferralsSection)
    assert isinstance(section, ReferralsSection)
    dialog = section.open_dialog()
    dialog.to_name.setText("Dr. Ana Silva")
    dialog.reason.setText("Chest pain on exertion")
    assert not dialog.save()
    assert dialog.error_text("specialty")
    dialog.specialty.setText("Cardiology")
    assert dialog.save()
    _select(section, 0)
    section.status.setCurrentIndex(section.status.findData(ReferralStatus.SENT))
    section.set_status.click()
    assert section.model.rows()[0].status is ReferralStatus.SENT
    assert section.model.rows()[0].sent_date == dt.date.today()


def test_a_nurse_sees_no_problem_or_medication_edits(practice: Practice, qtbot: QtBot) -> None:
    services = Services(practice.db)
    nurse = practice.add_user("nurse1", Role.NURSE)
    doctor = practice.add_user("drq", Role.PHYSICIAN)
    patient = services.patients.register(
        doctor, PatientInput("Bo", "Lind", dt.date(1990, 1, 1), Sex.MALE)
    )
    services.medications.record_reported(doctor, patient.id, MedicationInput("lisinopril"))
    host = QWidget()
    qtbot.addWidget(host)
    chart = ChartView(services, nurse, patient.id, Operations(host))
    qtbot.addWidget(chart)
    problems = _section(chart, ProblemsSection)
    meds = _section(chart, MedicationsSection)
    allergies = _section(chart, AllergiesSection)
    assert isinstance(problems, ProblemsSection) and isinstance(meds, MedicationsSection)
    assert isinstance(allergies, AllergiesSection)
    assert not problems.add.isVisibleTo(problems)
    assert not meds.add.isVisibleTo(meds) and meds.model.rowCount() == 1
    assert allergies.add.isVisibleTo(allergies)
