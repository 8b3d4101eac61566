"""The desktop app's main flows, driven offscreen as a user would."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from conftest import ADMIN_PASSWORD, STAFF_PASSWORD, Practice
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from emr_desktop.domain.audit import AuditFilter
from emr_desktop.domain.clinical import NoteStatus, Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Actor, Role
from emr_desktop.ui.chart.chart_view import ChartView
from emr_desktop.ui.chart.visits import VisitsSection
from emr_desktop.ui.context import Services
from emr_desktop.ui.main_window import MainWindow
from emr_desktop.ui.patient_record import PatientRecordView


@pytest.fixture
def app_env(practice: Practice, qtbot: QtBot) -> tuple[Services, Actor, Actor, int]:
    services = Services(practice.db)
    doctor = practice.add_user("drwho", Role.PHYSICIAN)
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    patient = services.patients.register(
        desk, PatientInput("Zoë", "Ørnbæk", dt.date(1970, 5, 6), Sex.FEMALE)
    )
    return services, doctor, desk, patient.id


def _window(qtbot: QtBot, services: Services, actor: Actor) -> MainWindow:
    window = MainWindow(services, actor, "Test Practice")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _yes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)


def test_search_then_enter_opens_the_chart_with_both_identifiers(
    qtbot: QtBot, app_env: tuple[Services, Actor, Actor, int]
) -> None:
    services, doctor, _, _ = app_env
    window = _window(qtbot, services, doctor)
    window.menu_actions.find_patient.trigger()
    view = window.workspace.patients
    qtbot.keyClicks(view.search, "orn zo")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    chart = window.workspace.current_chart()
    assert isinstance(chart, ChartView)
    assert "Ørnbæk, Zoë" in chart.banner.name.text()
    assert "05/06/1970" in chart.banner.ids.text() and "MRN" in chart.banner.ids.text()
    assert "not recorded" in chart.banner.allergies.text()
    assert window.workspace.tabText(window.workspace.currentIndex()).startswith("Ørnbæk, Zoë ·")


def test_write_sign_and_addend_a_note(
    qtbot: QtBot, app_env: tuple[Services, Actor, Actor, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    services, doctor, _, pid = app_env
    window = _window(qtbot, services, doctor)
    window.workspace.open_patient(pid)
    chart = window.workspace.current_chart()
    assert isinstance(chart, ChartView)
    visits = next(s for s in chart.sections if isinstance(s, VisitsSection))
    chart.tabs.setCurrentWidget(visits)
    qtbot.mouseClick(visits.new, Qt.MouseButton.LeftButton)
    editor = visits.editor
    qtbot.keyClicks(editor.fields["subjective"], "Cough for three days.")
    qtbot.keyClicks(editor.fields["assessment"], "Viral bronchitis.")
    qtbot.waitUntil(lambda: not editor.dirty, timeout=5000)  # autosave
    assert editor.note is not None
    stored = services.notes.get(doctor, editor.note.id)
    assert stored.subjective == "Cough for three days."
    _yes(monkeypatch)
    qtbot.mouseClick(editor.sign_button, Qt.MouseButton.LeftButton)
    assert editor.note.status is NoteStatus.SIGNED
    assert editor.fields["plan"].isReadOnly()
    assert editor.addendum_button.isVisible()
    qtbot.mouseClick(editor.addendum_button, Qt.MouseButton.LeftButton)
    addendum = editor.addendum_dialog
    assert addendum is not None and "Ørnbæk" in addendum.header.name.text()
    qtbot.waitUntil(addendum.isActiveWindow)
    qtbot.keyClicks(addendum.text, "Chest X-ray normal.")
    qtbot.keyClick(addendum.text, Qt.Key.Key_Tab)  # Tab moves on, never types a tab
    assert addendum.text.toPlainText() == "Chest X-ray normal."
    ok = QApplication.focusWidget()
    assert isinstance(ok, QPushButton) and ok.text() == "&Add addendum"
    qtbot.keyClick(ok, Qt.Key.Key_Return)  # no mouse needed
    assert "Chest X-ray normal." in editor.addenda.text()
    assert services.notes.get(doctor, editor.note.id).addenda[0].text == "Chest X-ray normal."


def test_lock_hides_the_chart_and_switch_user_keeps_the_draft(
    qtbot: QtBot, app_env: tuple[Services, Actor, Actor, int], practice: Practice
) -> None:
    services, doctor, _, pid = app_env
    window = _window(qtbot, services, doctor)
    window.workspace.open_patient(pid)
    chart = window.workspace.current_chart()
    assert isinstance(chart, ChartView)
    visits = next(s for s in chart.sections if isinstance(s, VisitsSection))
    visits._on_new_clicked()
    visits.editor.fields["plan"].setPlainText("Typed just before walking out")
    assert visits.editor.dirty
    assert window.menu_actions.lock.shortcut().toString() == "Ctrl+L"
    window.menu_actions.lock.trigger()
    assert window.locked
    assert not window.workspace.isVisible()  # nothing of the chart is on screen
    # another user switches in: the doctor's text was saved as their draft
    page = window.lock_page
    qtbot.keyClicks(page.switch_user, "admin")
    qtbot.keyClicks(page.switch_password, ADMIN_PASSWORD)
    qtbot.keyClick(page.switch_password, Qt.Key.Key_Return)
    assert not window.locked and window.actor.username == "admin"
    assert window.workspace.charts() == []
    drafts = services.notes.drafts_for(doctor, doctor.user_id)
    assert len(drafts) == 1
    assert services.notes.get(doctor, drafts[0].id).plan == "Typed just before walking out"
    actions = [r.action for r in services.audit.search(practice.admin, AuditFilter())]
    assert "lock" in actions and "login" in actions


def test_idle_time_locks_the_workstation(
    qtbot: QtBot, app_env: tuple[Services, Actor, Actor, int]
) -> None:
    services, doctor, _, _ = app_env
    window = _window(qtbot, services, doctor)
    window.idle_limit_seconds = 0
    window._on_idle_timer_timeout()
    assert window.locked
    qtbot.keyClicks(window.lock_page.password, STAFF_PASSWORD)
    qtbot.keyClick(window.lock_page.password, Qt.Key.Key_Return)
    assert not window.locked


def test_receptionist_gets_demographics_not_the_chart(
    qtbot: QtBot, app_env: tuple[Services, Actor, Actor, int]
) -> None:
    services, _, desk, pid = app_env
    window = _window(qtbot, services, desk)
    window.workspace.open_patient(pid)
    view = window.workspace.current_chart()
    assert isinstance(view, PatientRecordView)
    assert not isinstance(view, ChartView)
    assert "Ørnbæk" in view.header.text()
    assert view.appointments is not None
    assert "0 upcoming" in view.appointments.summary.text()
    titles = [window.workspace.tabText(i) for i in range(window.workspace.count())]
    assert "Admin" not in titles
