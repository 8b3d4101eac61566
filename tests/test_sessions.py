"""Sessions that end: every unit of work checks that the acting user's login is still good.

A disabled user's open app, an Actor built by hand, a logged-out session: each is refused at
its next action, in words, before anything is read or written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from conftest import STAFF_PASSWORD, Practice

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Actor, Role, UserStatus
from emr_desktop.errors import SessionEnded
from emr_desktop.models import Patient
from emr_desktop.security.permissions import permissions_for
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.users import UserService


def _patients(practice: Practice) -> int:
    from sqlalchemy import func, select

    with practice.db.reading() as s:
        return int(s.scalar(select(func.count(Patient.id))) or 0)


def _register(practice: Practice, actor: Actor) -> None:
    PatientService(practice.db).register(
        actor,
        PatientInput("Ines", "Sessionova", dt.date(1990, 2, 3), Sex.FEMALE),
        confirm_not_duplicate=True,
    )


def test_a_disabled_users_open_app_is_signed_out_at_its_next_action(practice: Practice) -> None:
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    _register(practice, desk)
    UserService(practice.db).set_status(practice.admin, "desk", UserStatus.DISABLED)
    before = _patients(practice)
    with pytest.raises(SessionEnded, match="disabled"):
        _register(practice, desk)
    with pytest.raises(SessionEnded):
        PatientService(practice.db).search(desk, "Sess")
    assert _patients(practice) == before  # nothing half-saved


def test_an_actor_built_by_hand_can_do_nothing(practice: Practice) -> None:
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    forged = Actor(
        desk.user_id,
        desk.username,
        desk.full_name,
        Role.PHYSICIAN,
        "anywhere",
        permissions_for(Role.PHYSICIAN),
    )
    with pytest.raises(SessionEnded, match="not signed in"):
        _register(practice, forged)
    # Even with a real session token, another role than the login's is refused.
    promoted = dataclasses.replace(desk, role=Role.PHYSICIAN)
    with pytest.raises(SessionEnded, match="role"):
        _register(practice, promoted)


def test_logout_and_a_password_reset_end_sessions(practice: Practice) -> None:
    nurse = practice.add_user("nurse", Role.NURSE)
    again = AuthService(practice.db, "exam-2").login("nurse", STAFF_PASSWORD)
    AuthService(practice.db).logout(nurse)
    with pytest.raises(SessionEnded):
        _register(practice, nurse)
    _register(practice, again)  # the same user's other PC goes on
    UserService(practice.db).reset_password(practice.admin, "nurse", None)
    with pytest.raises(SessionEnded):
        _register(practice, again)


def test_unlocking_continues_the_session_and_refuses_an_ended_one(practice: Practice) -> None:
    doc = practice.add_user("drsess", Role.PHYSICIAN)
    auth = AuthService(practice.db)
    auth.lock(doc, idle=True)
    back = auth.unlock(doc, STAFF_PASSWORD)
    assert back.session == doc.session
    _register(practice, back)
    UserService(practice.db).set_status(practice.admin, "drsess", UserStatus.DISABLED)
    auth.lock(back)  # locking never fails
    with pytest.raises(SessionEnded):
        auth.unlock(back, STAFF_PASSWORD)
