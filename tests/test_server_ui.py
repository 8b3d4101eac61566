"""Two PCs on one practice server, as their screens see it: a booking made at the front desk
shows in the exam room's schedule at its next poll (every five seconds). PostgreSQL-only."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt
from pathlib import Path

import pytest
from conftest import PASSPHRASE, STAFF_PASSWORD, dispose_practice, make_practice
from pg_support import PG_URL
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.schedule import BookingRequest
from emr_desktop.domain.security import Role
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.store import open_practice
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.schedule import schedule_view
from emr_desktop.ui.schedule.schedule_view import ScheduleView

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs the suite's PostgreSQL (EMR_TEST_PG_URL)")


def test_a_booking_at_the_front_desk_shows_in_the_exam_room_within_five_seconds(
    qtbot: QtBot, tmp_path: Path
) -> None:
    front = make_practice(tmp_path / "front-desk", engine="pg")
    try:
        desk = front.add_user("desk", Role.RECEPTIONIST)
        doctor = front.add_user("drroom", Role.PHYSICIAN)
        # The exam room is another PC: its own folder, its own connection to the server.
        (tmp_path / "exam-room").mkdir()
        (tmp_path / "exam-room" / "server.json").write_bytes(
            (front.root / "server.json").read_bytes()
        )
        room_db = open_practice(tmp_path / "exam-room", lambda: PASSPHRASE)
        room_doctor = AuthService(room_db, "exam-room").login("drroom", STAFF_PASSWORD)
        host = QWidget()
        qtbot.addWidget(host)
        view = ScheduleView(Services(room_db), room_doctor, Operations(host))
        qtbot.addWidget(view)
        view.show()
        assert schedule_view.POLL_MS <= 5_000 and view.timer.interval() <= 5_000
        front_services = Services(front.db)
        patient = front_services.patients.register(
            desk,
            PatientInput("Rosa", "Frontdesk", dt.date(1977, 7, 7), Sex.FEMALE),
            confirm_not_duplicate=True,
        )
        when = dt.datetime.combine(dt.date.today(), dt.time(10, 0))
        front_services.schedule.book(
            desk,
            BookingRequest(patient.id, doctor.user_id, when, 15, "Follow-up"),
            override_reason="hours not set in this test",
        )
        # Nothing is pushed: the exam room's own timer-driven poll brings it.
        qtbot.waitUntil(
            lambda: any(p.appointment.patient_id == patient.id for p in view.grid.placed),
            timeout=schedule_view.POLL_MS + 1_000,
        )
        room_db.dispose()
    finally:
        dispose_practice(front)
