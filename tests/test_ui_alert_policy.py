"""The manager's Prescribing alerts page: choose which severities interrupt signing."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from conftest import Practice
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from emr_desktop.models import AuditLog
from emr_desktop.ui.admin.admin_view import AdminView
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations


def test_the_manager_ticks_moderate_and_contraindicated_stays_on(
    practice: Practice, qtbot: QtBot
) -> None:
    services = Services(practice.db)
    host = QWidget()
    qtbot.addWidget(host)
    view = AdminView(services, practice.admin, Operations(host))
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.setCurrentWidget(view.alert_policy)
    view.show()
    page = view.alert_policy
    page.refresh()
    assert page.chosen() == ["contraindicated", "major"]
    assert not page.boxes["contraindicated"].isEnabled()
    page.boxes["moderate"].setChecked(True)
    page.boxes["major"].setChecked(False)
    page.save()
    assert page.chosen() == ["contraindicated", "moderate"]
    assert "moderate" in page.message.text()
    view.grab().save("/tmp/medsafety-alert-policy.png")
    with practice.db.unit_of_work() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "rx_alert_policy_change"))
        assert len(rows.all()) == 1
