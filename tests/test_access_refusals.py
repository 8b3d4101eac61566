"""Refused actions are audited: a role that may not, a session that has ended; from
emr-admin and from the app's one place that shows errors."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from conftest import STAFF_PASSWORD, Practice
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from test_foundation_support import run_cli

from emr_desktop.domain.security import Role, UserStatus
from emr_desktop.errors import PermissionDenied, SessionEnded, ValidationError
from emr_desktop.models.audit import AuditLog
from emr_desktop.services.practice.mfa import MfaService
from emr_desktop.services.practice.refusals import RefusalService
from emr_desktop.services.practice.users import UserService
from emr_desktop.ui.context import Services
from emr_desktop.ui.workspace import Workspace


def _refusals(practice: Practice) -> list[tuple[str, dict[str, object]]]:
    with practice.db.reading() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "action_refused"))
        return [(r.username, json.loads(r.details or "{}")) for r in rows]


def test_a_refusal_is_audited_and_other_errors_are_not(practice: Practice) -> None:
    nurse = practice.add_user("nursez", Role.NURSE)
    service = RefusalService(practice.db)
    with pytest.raises(PermissionDenied) as denied:
        UserService(practice.db).list(nurse)
    assert service.record(nurse, denied.value, what="users list")
    assert not service.record(nurse, ValidationError("x", "y"))
    UserService(practice.db).set_status(practice.admin, "nursez", UserStatus.DISABLED)
    with pytest.raises(SessionEnded) as ended:
        MfaService(practice.db).status(nurse)
    assert service.record(nurse, ended.value, what="two-step status")
    assert _refusals(practice) == [
        ("nursez", {"refusal": "PermissionDenied", "what": "users list"}),
        ("nursez", {"refusal": "SessionEnded", "what": "two-step status"}),
    ]


@pytest.mark.sqlcipher_only(reason="emr-admin opens the embedded practice folder here")
def test_emr_admin_audits_a_refused_command(
    practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    practice.add_user("deskz", Role.RECEPTIONIST)
    args = ("--user", "deskz", "users", "list")
    assert run_cli(monkeypatch, practice.root, *args, password=STAFF_PASSWORD) == 1
    assert _refusals(practice) == [
        ("deskz", {"refusal": "PermissionDenied", "what": "emr-admin users list"})
    ]


def test_the_app_audits_a_refusal_it_shows(
    qtbot: QtBot, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = practice.add_user("deskapp", Role.RECEPTIONIST)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: QMessageBox.StandardButton.Ok)
    workspace = Workspace(Services(practice.db), desk)
    qtbot.addWidget(workspace)
    assert workspace.ops.run(lambda: UserService(practice.db).list(desk)) is None
    assert _refusals(practice) == [("deskapp", {"refusal": "PermissionDenied", "what": "app"})]
    assert isinstance(workspace, QWidget)
