"""Issue 14, the whole front-desk day in the app: the manager sets split hours and blocks a
holiday in Admin, the desk books a morning and an afternoon visit without a warning, checks
a patient in, marks a no-show and undoes it, and prints the day sheet."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from conftest import Practice
from PySide6.QtCore import QCoreApplication, QDateTime, QSettings, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.domain.clinical import AppointmentStatus, Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Role
from emr_desktop.ui.admin.admin_view import AdminView
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.schedule.booking_dialog import BookingDialog
from emr_desktop.ui.schedule.schedule_view import ScheduleView

S = AppointmentStatus
TODAY = dt.date.today()
SHOTS = Path(os.environ.get("EMR_SCREENSHOTS", "/tmp"))


def at(hour: int, minute: int = 0, day: dt.date = TODAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


@pytest.fixture(autouse=True)
def _private_settings(tmp_path: Path) -> Iterator[None]:
    QCoreApplication.setOrganizationName("emr-desktop-tests")
    QCoreApplication.setApplicationName("frontdesk-day")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield


def _shot(widget: QWidget, name: str) -> None:
    widget.grab().save(str(SHOTS / f"frontdesk-{name}.png"))


def test_a_whole_front_desk_day(qtbot: QtBot, practice: Practice) -> None:
    services = Services(practice.db)
    doc = practice.add_user("drokafor", Role.PHYSICIAN)
    desk = practice.add_user("lnowak", Role.RECEPTIONIST)
    host = QWidget()
    qtbot.addWidget(host)
    ops = Operations(host)

    # The practice manager: split hours every day, a holiday tomorrow (Admin > Hours).
    admin = AdminView(services, practice.admin, ops)
    qtbot.addWidget(admin)
    admin.resize(1200, 560)
    admin.show()
    admin.setCurrentWidget(admin.hours)
    page = admin.hours
    page.refresh()
    assert page.provider_id() == doc.user_id
    for edit in page.days:
        edit.setText("08:00-12:00 13:00-17:00")
    page.days[6].setText("9-12")  # a typo is named, nothing saved
    assert not page.save() and "Sunday" in page.hours_message.text()
    page.days[6].clear()
    assert page.save()
    assert services.schedule.provider_hours(desk, doc.user_id)[0].end == dt.time(12)
    tomorrow = TODAY + dt.timedelta(days=1)
    page.block_from.setDateTime(QDateTime(at(0, 0, tomorrow)))
    page.block_to.setDateTime(QDateTime(at(23, 59, tomorrow)))
    page.reason.setText("Holiday")
    page.whole_practice.setChecked(True)
    assert page.block()
    assert page.model.rowCount() == 1
    _shot(admin, "admin-hours")
    admin.setCurrentWidget(admin.types)
    admin.types.refresh()
    _shot(admin, "admin-types")

    # The front desk books a morning and an afternoon visit: no warning for either.
    patients = [
        services.patients.register(desk, PatientInput(g, f, dt.date(1952, 7, 8), Sex.FEMALE)).id
        for g, f in (("Mary", "Okafor"), ("Liz", "Conn"))
    ]
    for patient, hour in zip(patients, (11, 14), strict=True):
        dialog = BookingDialog(
            services, desk, ops, provider_id=doc.user_id, start=at(hour), duration_min=15,
            parent=host,
        )  # fmt: skip
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.choose_patient(services.patients.search(desk, "")[patients.index(patient)])
        dialog.reason.setText("check-up")
        dialog.check_conflicts()
        assert not dialog.conflicts.isVisible(), dialog.conflicts.text()
        if hour == 11:
            _shot(dialog, "booking-morning")
        assert dialog.save()
    dialog = BookingDialog(
        services, desk, ops, provider_id=doc.user_id, start=at(10, 0, tomorrow), duration_min=15,
        parent=host,
    )  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.check_conflicts()
    assert dialog.conflicts.isVisible() and "Holiday" in dialog.conflicts.text()
    dialog.close()

    # Check in, no-show and undo, by keys on the schedule.
    view = ScheduleView(services, desk, ops)
    qtbot.addWidget(view)
    view.resize(1100, 620)
    view.show()
    qtbot.waitExposed(view)
    with qtbot.waitActive(view):
        view.activateWindow()
    view.show_day(TODAY, [doc.user_id])
    day = services.schedule.day(desk, TODAY).appointments
    morning, afternoon = sorted(day, key=lambda a: a.start_at)
    assert morning.reason == "check-up"  # what the desk typed
    grid = view.grid
    grid.setFocus()
    grid.select(morning.id)
    qtbot.keyClick(grid, Qt.Key.Key_A)
    grid.select(afternoon.id)
    qtbot.keyClick(grid, Qt.Key.Key_N)
    status = {a.id: a.status for a in services.schedule.day(desk, TODAY).appointments}
    assert status == {morning.id: S.ARRIVED, afternoon.id: S.NO_SHOW}
    _shot(view, "schedule-no-show")
    qtbot.keyClick(grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo no-show
    status = {a.id: a.status for a in services.schedule.day(desk, TODAY).appointments}
    assert status == {morning.id: S.ARRIVED, afternoon.id: S.BOOKED}
    qtbot.keyClick(grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo arrival
    assert services.schedule.day(desk, TODAY).appointments[0].status is S.BOOKED
    _shot(view, "schedule-day")

    # The day sheet lists both visits with the desk's reason.
    sheet = services.day_sheet.pdf(desk, TODAY, [doc.user_id])
    assert sheet.startswith(b"%PDF")

    # The manager sees the schedule (read only).
    manager = ScheduleView(services, practice.admin, ops)
    qtbot.addWidget(manager)
    manager.resize(1100, 620)
    manager.show()
    manager.show_day(TODAY, [doc.user_id])
    assert len(manager.grid.placed) == 2 and not manager.undo_button.isVisible()
    _shot(manager, "manager-schedule")
