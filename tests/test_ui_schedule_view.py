"""The Schedule tab driven offscreen: day view, cancelled toggle, drag move and undo, the
check-in flow by keys, auto-refresh keeping selection and scroll, roles, remembered choice."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from conftest import Practice
from PySide6.QtCore import QCoreApplication, QPoint, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.clinical import AppointmentStatus, Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.schedule import BookingRequest
from emr_desktop.domain.sections import AllergyInput
from emr_desktop.domain.security import Actor, Role
from emr_desktop.ui.chart.appointments import AppointmentsSection
from emr_desktop.ui.chart.chart_view import section_factories
from emr_desktop.ui.context import Services
from emr_desktop.ui.main_window import MainWindow
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_record import PatientRecordView
from emr_desktop.ui.schedule import booking_dialog, grid_paint, override
from emr_desktop.ui.schedule import dialogs as schedule_dialogs
from emr_desktop.ui.schedule.schedule_view import ScheduleView

S = AppointmentStatus
TODAY = dt.date.today()


def at(hour: int, minute: int = 0, day: dt.date = TODAY) -> dt.datetime:
    """A local wall-clock time on ``day``."""
    return dt.datetime.combine(day, dt.time(hour, minute))


@dataclass
class Env:
    services: Services
    doc: Actor
    doc2: Actor
    nurse: Actor
    desk: Actor
    patients: list[int]
    appts: list[AppointmentRow]


@pytest.fixture(autouse=True)
def _private_settings(tmp_path: Path) -> Iterator[None]:
    """QSettings go to a temporary folder (the test never touches the user's own)."""
    QCoreApplication.setOrganizationName("emr-desktop-tests")
    QCoreApplication.setApplicationName("schedule-view")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield


@pytest.fixture
def env(practice: Practice) -> Env:
    services = Services(practice.db)
    doc = practice.add_user("drone", Role.PHYSICIAN)
    doc2 = practice.add_user("drtwo", Role.PHYSICIAN)
    nurse = practice.add_user("nurse", Role.NURSE)
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    for d in (doc, doc2):
        services.schedule.set_hours(desk, d.user_id, TODAY.weekday(), dt.time(8), dt.time(17))
    names = [("Ada", "Lovelace"), ("Grace", "Hopper"), ("Alan", "Turing")]
    patients = [
        services.patients.register(desk, PatientInput(g, f, dt.date(1970, 1, 2), Sex.FEMALE)).id
        for g, f in names
    ]
    book = services.schedule.book
    appts = [
        book(desk, BookingRequest(patients[0], doc.user_id, at(9), 30, "Follow-up", "Knee pain")),
        book(desk, BookingRequest(patients[1], doc2.user_id, at(9, 30), 15, "Sick visit")),
        book(desk, BookingRequest(patients[2], doc.user_id, at(10), 15, "Physical")),
    ]
    services.schedule.cancel(desk, appts[2].id, "Patient called", expected_version=appts[2].version)
    return Env(services, doc, doc2, nurse, desk, patients, appts)


def make_view(qtbot: QtBot, env: Env, actor: Actor) -> ScheduleView:
    host = QWidget()
    qtbot.addWidget(host)
    view = ScheduleView(env.services, actor, Operations(host))
    qtbot.addWidget(view)
    view.resize(1100, 520)
    view.show()
    qtbot.waitExposed(view)
    with qtbot.waitActive(view):
        view.activateWindow()
    view.grid.setFocus()
    view.show_day(TODAY, [env.doc.user_id, env.doc2.user_id])
    return view


def shown(view: ScheduleView) -> dict[str, AppointmentRow]:
    """The appointments painted on the grid, by patient name."""
    return {p.appointment.patient_name: p.appointment for p in view.grid.placed}


def status_of(env: Env, appointment_id: int) -> AppointmentRow:
    rows = env.services.schedule.day(env.desk, TODAY, include_cancelled=True).appointments
    return next(a for a in rows if a.id == appointment_id)


def test_day_view_shows_chosen_providers_and_cancelled_only_on_request(
    qtbot: QtBot, env: Env
) -> None:
    view = make_view(qtbot, env, env.desk)
    assert [c.title for c in view.grid.columns] == ["Drone", "Drtwo"]
    assert set(shown(view)) == {"Lovelace, Ada", "Hopper, Grace"}
    assert "Knee pain" in grid_paint.block_lines(shown(view)["Lovelace, Ada"])[1]
    view.choose_providers([env.doc2.user_id])
    assert [c.title for c in view.grid.columns] == ["Drtwo"]
    assert set(shown(view)) == {"Hopper, Grace"}
    view.choose_providers([env.doc.user_id, env.doc2.user_id])
    view.show_cancelled.setChecked(True)
    cancelled = shown(view)["Turing, Alan"]
    assert cancelled.status is S.CANCELLED
    assert "Cancelled: Patient called" in grid_paint.block_lines(cancelled)
    view.show_cancelled.setChecked(False)
    assert "Turing, Alan" not in shown(view)


def test_drag_move_asks_confirmation_moves_and_undo_restores(
    qtbot: QtBot, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[dt.datetime, int, str | None]] = []

    def confirm(parent: Any, a: AppointmentRow, start: dt.datetime, n: int, who: Any) -> bool:
        asked.append((start, n, who))
        return True

    monkeypatch.setattr(schedule_dialogs, "confirm_move", confirm)
    view = make_view(qtbot, env, env.nurse)
    grid, first = view.grid, env.appts[0]
    grid.scroll_to_minute(8 * 60)
    viewport = grid.viewport()
    start = grid.point_for(first.id)
    target = grid.point_at(1, at(10, 30))  # the other provider's column, 10:30
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(viewport, start + QPoint(0, 20))
    QTest.mouseMove(viewport, target)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=target)
    assert asked == [(at(10, 30), 30, "Drtwo")]
    moved = status_of(env, first.id)
    assert (moved.start_at, moved.provider_id) == (at(10, 30), env.doc2.user_id)
    assert grid.selected_id == first.id
    assert view.undo_button.isEnabled()
    qtbot.keyClick(grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    back = status_of(env, first.id)
    assert (back.start_at, back.provider_id) == (at(9), env.doc.user_id)
    # Resize by its bottom edge: 30 -> 45 minutes.
    bottom = grid.point_for(first.id, bottom=True)
    longer = bottom + QPoint(0, round(15 * grid.geometry_.px_per_min))
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, pos=bottom)
    QTest.mouseMove(viewport, bottom + QPoint(0, 6))
    QTest.mouseMove(viewport, longer)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=longer)
    assert asked[-1] == (at(9), 45, None)
    assert status_of(env, first.id).duration_min == 45


def test_a_conflicting_drop_moves_only_with_an_override_reason(
    qtbot: QtBot, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedule_dialogs, "confirm_move", lambda *a: True)
    reasons: list[str | None] = [None, "Urgent, seen together"]
    warned: list[int] = []

    def ask(parent: Any, warnings: Any) -> str | None:
        warned.append(len(warnings))
        return reasons.pop(0)

    monkeypatch.setattr(override, "ask_override", ask)
    view = make_view(qtbot, env, env.desk)
    first = env.appts[0]
    onto = env.appts[1]  # the other provider, 9:30: a double booking
    assert not view.edits.move(first, onto.start_at, onto.provider_id)
    assert status_of(env, first.id).start_at == at(9)
    assert view.edits.move(first, onto.start_at, onto.provider_id)
    moved = status_of(env, first.id)
    assert (moved.start_at, moved.provider_id) == (onto.start_at, onto.provider_id)
    assert warned == [1, 1]
    assert {"Lovelace, Ada", "Hopper, Grace"} <= set(shown(view))


def test_declined_confirmation_leaves_the_appointment(
    qtbot: QtBot, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedule_dialogs, "confirm_move", lambda *a: False)
    view = make_view(qtbot, env, env.desk)
    first = env.appts[0]
    assert not view.edits.move(first, at(11), env.doc.user_id)
    assert status_of(env, first.id).start_at == at(9)
    assert not view.undo_button.isEnabled()


def test_enter_or_double_click_on_a_free_slot_books_there(
    qtbot: QtBot, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, dt.datetime, int]] = []

    def book(*_: Any, provider_id: int, start: dt.datetime, duration_min: int) -> Any:
        calls.append((provider_id, start, duration_min))
        request = BookingRequest(env.patients[2], provider_id, start, duration_min, "Follow-up")
        return [env.services.schedule.book(env.desk, request)]

    monkeypatch.setattr(booking_dialog, "book_appointment", book)
    view = make_view(qtbot, env, env.desk)
    grid = view.grid
    grid.scroll_to_minute(10 * 60)
    QTest.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid.point_at(1, at(11)))
    assert grid.selected() is None
    qtbot.keyClick(grid, Qt.Key.Key_Down)  # the cursor moves one slot down
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert calls == [(env.doc2.user_id, at(11, 15), 15)]
    chosen = grid.selected()
    assert chosen is not None and chosen.patient_name == "Turing, Alan"
    QTest.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid.point_at(0, at(12)))
    assert calls[-1] == (env.doc.user_id, at(12), 15)


def test_status_flow_by_keys_and_no_show(qtbot: QtBot, env: Env) -> None:
    view = make_view(qtbot, env, env.desk)
    grid, first, second = view.grid, env.appts[0], env.appts[1]
    grid.setFocus()
    grid.select(first.id)
    assert "Arrived (A)" in grid.toolTip()
    qtbot.keyClick(grid, Qt.Key.Key_A)
    assert status_of(env, first.id).status is S.ARRIVED
    assert [r.id for r in view.waiting.model.rows()] == [first.id]
    assert view.waiting.model.data(view.waiting.model.index(0, 5)) == "Waiting"
    qtbot.keyClick(grid, Qt.Key.Key_R)
    assert status_of(env, first.id).status is S.IN_ROOM
    assert view.waiting.model.data(view.waiting.model.index(0, 5)) == "In room"
    qtbot.keyClick(grid, Qt.Key.Key_C)
    assert status_of(env, first.id).status is S.COMPLETED
    assert view.waiting.model.rowCount() == 0
    assert grid.selected_id == first.id
    grid.select(second.id)
    qtbot.keyClick(grid, Qt.Key.Key_N)
    assert status_of(env, second.id).status is S.NO_SHOW


def test_waiting_room_button_rooms_the_patient_and_delete_cancels(
    qtbot: QtBot, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cancel(_p: Any, services: Services, actor: Actor, _o: Any, a: AppointmentRow) -> bool:
        services.schedule.cancel(actor, a.id, "Feeling better", expected_version=a.version)
        return True

    monkeypatch.setattr(schedule_dialogs, "cancel_appointment", cancel)
    view = make_view(qtbot, env, env.nurse)
    first, second = env.appts[0], env.appts[1]
    view.grid.select(first.id)
    qtbot.keyClick(view.grid, Qt.Key.Key_A)
    view.waiting.table.selectRow(0)
    assert view.waiting.roomed.isEnabled() and not view.waiting.done.isEnabled()
    qtbot.mouseClick(view.waiting.roomed, Qt.MouseButton.LeftButton)
    assert status_of(env, first.id).status is S.IN_ROOM
    view.grid.select(second.id)
    qtbot.keyClick(view.grid, Qt.Key.Key_Delete)
    assert status_of(env, second.id).status is S.CANCELLED
    assert "Hopper, Grace" not in shown(view)


def test_physician_steps_only_own_appointments_and_cannot_drag(qtbot: QtBot, env: Env) -> None:
    view = make_view(qtbot, env, env.doc)
    first, other = env.appts[0], env.appts[1]
    assert not view.find_button.isVisible()
    assert view.undo_button.isVisible()  # issue 14: a physician undoes own check-in steps
    assert not view.grid.can_drag(first)
    view.grid.select(other.id)
    qtbot.keyClick(view.grid, Qt.Key.Key_A)
    assert status_of(env, other.id).status is S.BOOKED
    view.grid.select(first.id)
    qtbot.keyClick(view.grid, Qt.Key.Key_A)
    assert status_of(env, first.id).status is S.ARRIVED
    texts = [a.text() for a in view.edits.menu(status_of(env, first.id), 0, at(9)).actions()]
    assert "Open chart" in texts and "Cancel appointment…" not in texts


def test_auto_refresh_shows_other_workstations_booking_keeping_selection_and_scroll(
    qtbot: QtBot, env: Env
) -> None:
    view = make_view(qtbot, env, env.desk)
    grid = view.grid
    grid.select(env.appts[1].id)
    bar = grid.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum() // 2)
    scrolled = bar.value()
    other = Services(env.services.db)  # another workstation, same database
    request = BookingRequest(env.patients[2], env.doc2.user_id, at(15), 15, "Telehealth")
    other.schedule.book(env.nurse, request)
    view.poll()
    assert "Turing, Alan" in shown(view)
    assert grid.selected_id == env.appts[1].id
    assert bar.value() == scrolled
    before = list(grid.placed)
    view.poll()  # nothing changed: nothing redone
    assert grid.placed == before
    # A drag in progress is never disturbed by the poll.
    grid.select(env.appts[1].id)  # scrolls it into view
    press = grid.point_for(env.appts[1].id)
    QTest.mousePress(grid.viewport(), Qt.MouseButton.LeftButton, pos=press)
    QTest.mouseMove(grid.viewport(), press + QPoint(0, 30))
    assert grid.is_dragging()
    other.schedule.book(
        env.nurse, BookingRequest(env.patients[0], env.doc2.user_id, at(16), 15, "Physical")
    )
    view.poll()
    assert grid.placed == before
    QTest.mouseRelease(grid.viewport(), Qt.MouseButton.LeftButton, pos=press)


def test_receptionist_schedule_has_no_clinical_data(
    qtbot: QtBot, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    env.services.allergies.add(
        env.doc, env.patients[0], AllergyInput("Penicillin", reaction="Hives")
    )
    window = MainWindow(env.services, env.desk, "Test Practice")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.menu_actions.schedule is not None
    window.menu_actions.schedule.trigger()
    view = window.workspace.schedule
    assert isinstance(view, ScheduleView) and window.workspace.currentWidget() is view
    view.show_day(TODAY, [env.doc.user_id, env.doc2.user_id])
    first = env.appts[0]
    env.services.schedule.set_status(env.desk, first.id, S.ARRIVED, expected_version=first.version)
    view.reload()
    view.grid.select(first.id)
    painted = [line for p in view.grid.placed for line in grid_paint.block_lines(p.appointment)]
    model = view.waiting.model
    cells = [
        str(model.data(model.index(r, c)))
        for r in range(model.rowCount())
        for c in range(model.columnCount())
    ]
    everything = " ".join([*painted, *cells, view.grid.toolTip()])
    assert "Lovelace, Ada" in everything and "Knee pain" in everything
    assert "Penicillin" not in everything and "Hives" not in everything
    menu = view.edits.menu(view.grid.selected(), env.doc.user_id, at(9))
    open_patient = next(a for a in menu.actions() if a.text() == "Open patient")
    open_patient.trigger()
    record = window.workspace.currentWidget()
    assert isinstance(record, PatientRecordView) and record.patient_id == env.patients[0]


def test_provider_choice_is_remembered_per_user_across_a_rebuild(qtbot: QtBot, env: Env) -> None:
    view = make_view(qtbot, env, env.desk)
    view.choose_providers([env.doc2.user_id])
    view.close()
    again = ScheduleView(env.services, env.desk, Operations(view))
    qtbot.addWidget(again)
    assert again.chosen == [env.doc2.user_id]
    assert [c.title for c in again.grid.columns] == ["Drtwo"]
    nurse_view = ScheduleView(env.services, env.nurse, Operations(view))
    qtbot.addWidget(nurse_view)
    assert nurse_view.chosen == [env.doc.user_id, env.doc2.user_id]
    doctor_view = ScheduleView(env.services, env.doc, Operations(view))
    qtbot.addWidget(doctor_view)
    assert doctor_view.chosen == [env.doc.user_id]  # a physician starts with their own column


def test_week_view_shows_one_provider_by_day(qtbot: QtBot, env: Env) -> None:
    view = make_view(qtbot, env, env.desk)
    view.show_week(env.doc.user_id, TODAY)
    assert len(view.grid.columns) == 7
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    assert (view.grid.columns[0].day, view.grid.columns[6].day.weekday()) == (monday, 6)
    assert set(shown(view)) == {"Lovelace, Ada"}
    assert view.grid.placed[0].column == TODAY.weekday()
    view.step(1)
    assert view.grid.columns[0].day == monday + dt.timedelta(days=7)


def test_physician_sees_the_patients_appointments_in_the_chart(qtbot: QtBot, env: Env) -> None:
    assert "Appointments" in [title for title, _ in section_factories()]
    host = QWidget()
    qtbot.addWidget(host)
    section = AppointmentsSection(env.services, env.doc, env.patients[0], Operations(host))
    qtbot.addWidget(section)
    rows = section.model.rows()
    assert [r.id for r in rows] == [env.appts[0].id]
    assert section.model.data(section.model.index(0, 3)) == "Follow-up"


def test_the_front_desk_starts_on_the_schedule_and_physicians_on_their_home_screen(
    qtbot: QtBot, env: Env
) -> None:
    desk = MainWindow(env.services, env.desk, "Test Practice")
    qtbot.addWidget(desk)
    assert desk.workspace.currentWidget() is desk.workspace.schedule
    doctor = MainWindow(env.services, env.doc, "Test Practice")
    qtbot.addWidget(doctor)
    # Issue 19: the physician lands on the home screen (their inbox) after login.
    assert doctor.workspace.currentWidget() is doctor.workspace.home
