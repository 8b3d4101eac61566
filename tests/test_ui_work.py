"""Issue 20's screens on a demo practice: the physician lands on Home with counts and
results to review, signs results off; the front desk sees recalls, never results; the
manager's reports draw a table and a chart."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Practice
from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.demo.build import DEMO_USERS, demo_password, fill_demo
from emr_desktop.domain.orders import InboxKind
from emr_desktop.domain.security import Role
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.ui.context import Services
from emr_desktop.ui.inbox.result_dialog import ResultReviewDialog
from emr_desktop.ui.main_window import MainWindow
from emr_desktop.ui.recalls.recall_view import RecallsView
from emr_desktop.ui.reports.reports_view import ReportsView

SHOTS = os.environ.get("EMR_SHOTS", "")


@pytest.fixture(autouse=True)
def _private_settings(tmp_path: Path) -> Iterator[None]:
    QCoreApplication.setOrganizationName("emr-desktop-tests")
    QCoreApplication.setApplicationName("work-views")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield


def _shot(widget: object, name: str) -> None:
    if SHOTS:
        widget.grab().save(f"{SHOTS}/orders-{name}.png")  # type: ignore[attr-defined]


def _login(practice: Practice, role: Role) -> object:
    user = next(u for u in DEMO_USERS if u.role is role)
    return AuthService(practice.db).login(user.username, demo_password())


@pytest.mark.sqlcipher_only(reason="screens are engine-neutral; the services run on both")
def test_home_recalls_and_reports(qtbot: QtBot, practice: Practice) -> None:
    fill_demo(practice.db, patients=120, seed=5)
    services = Services(practice.db)
    doctors = [u for u in DEMO_USERS if u.role is Role.PHYSICIAN]
    auth = AuthService(practice.db)
    window = None
    for user in doctors:
        actor = auth.login(user.username, demo_password())
        window = MainWindow(services, actor, "Demo")
        qtbot.addWidget(window)
        home = window.workspace.home
        if home.inbox is not None and home.inbox.count(InboxKind.RESULT):
            break
    assert window is not None
    window.resize(1280, 800)
    home = window.workspace.home
    assert window.workspace.currentWidget() is home  # issue 19: land on the home screen
    assert "Results to review" in home.tiles[InboxKind.RESULT].text()
    _shot(window, "home")
    home.show_only(InboxKind.RESULT)
    assert all(i.kind is InboxKind.RESULT for i in home.model.rows())
    first = home.model.rows()[0]
    dialog = ResultReviewDialog(
        window.workspace.work, window.actor, window.workspace.ops, first.ref_id, window
    )
    qtbot.addWidget(dialog)
    assert dialog.load()
    assert first.mrn in dialog.header.text() and "DOB" in dialog.header.text()
    dialog.show()
    _shot(dialog, "review")
    dialog.comment.setPlainText("Reviewed; repeat in 3 months")
    assert dialog.save()
    home.refresh()
    assert first.ref_id not in {i.ref_id for i in home.model.rows()}

    desk = MainWindow(services, _login(practice, Role.RECEPTIONIST), "Demo")  # type: ignore[arg-type]
    qtbot.addWidget(desk)
    desk.resize(1280, 800)
    titles = [desk.workspace.tabText(i) for i in range(desk.workspace.count())]
    assert "Recalls" in titles and "Reports" not in titles
    assert InboxKind.RESULT not in desk.workspace.home.tiles
    recalls = next(
        desk.workspace.widget(i)
        for i in range(desk.workspace.count())
        if isinstance(desk.workspace.widget(i), RecallsView)
    )
    assert recalls.model.rowCount() > 0
    desk.workspace.setCurrentWidget(recalls)
    _shot(desk, "recalls")

    admin = MainWindow(services, practice.admin, "Demo")
    qtbot.addWidget(admin)
    admin.resize(1280, 800)
    reports = next(
        admin.workspace.widget(i)
        for i in range(admin.workspace.count())
        if isinstance(admin.workspace.widget(i), ReportsView)
    )
    admin.workspace.setCurrentWidget(reports)
    reports.report.setCurrentIndex(reports.report.findData("no-shows"))
    reports.run()
    assert reports.grid.rowCount() > 0 and reports.chart_view.chart().series()
    _shot(admin, "reports")


@pytest.mark.sqlcipher_only(reason="screens are engine-neutral; the services run on both")
def test_order_labs_from_the_chart_and_enter_results(qtbot: QtBot, practice: Practice) -> None:
    from emr_desktop.domain.clinical import Sex
    from emr_desktop.domain.patients import PatientInput
    from emr_desktop.domain.sections import ProblemInput
    from emr_desktop.ui.chart.chart_view import ChartView
    from emr_desktop.ui.ops import Operations
    from emr_desktop.ui.orders.order_dialogs import OrderDialog, ResultsDialog
    from emr_desktop.ui.orders.orders_section import OrdersSection

    services = Services(practice.db)
    doc = practice.add_user("drorder", Role.PHYSICIAN)
    nurse = practice.add_user("nurseorder", Role.NURSE)
    pid = services.patients.register(
        nurse, PatientInput("Ada", "Lovelace", dt.date(1970, 1, 2), Sex.FEMALE)
    ).id
    problem = services.problems.add(doc, pid, ProblemInput("E11.9"))
    host = QWidget()
    qtbot.addWidget(host)
    ops = Operations(host)
    chart = ChartView(services, doc, pid, ops)
    qtbot.addWidget(chart)
    assert chart.load()
    chart.resize(1200, 760)
    chart.tabs.setCurrentIndex(
        [chart.tabs.tabText(i) for i in range(chart.tabs.count())].index("Orders")
    )
    section = next(s for s in chart.built_sections() if isinstance(s, OrdersSection))
    dialog = OrderDialog(section.work, doc, ops, pid, [problem], chart)
    qtbot.addWidget(dialog)
    dialog.search.setText("a1c")
    for i in range(dialog.tests.count()):
        item = dialog.tests.item(i)
        if not item.isHidden():
            item.setCheckState(Qt.CheckState.Checked)
    dialog.reason.setCurrentIndex(1)
    dialog.show()
    _shot(dialog, "order")
    assert dialog.save()
    assert section.orders.rowCount() == 1
    order = section.orders.row(0)
    assert order.diagnosis_codes == ("E11.9",) and order.tests[0].loinc == "4548-4"
    _shot(chart, "chart-orders")

    results = ResultsDialog(section.work, nurse, ops, order, chart)
    qtbot.addWidget(results)
    results.values["4548-4"].setText("8.1")
    assert results.save()
    section.refresh()
    assert section.results.rowCount() == 1 and section.results.row(0).flag.value == "H"
    assert section.orders.row(0).status.value == "resulted"
    _shot(chart, "chart-results")


@pytest.mark.sqlcipher_only(reason="screens are engine-neutral; the services run on both")
def test_a_follow_up_set_at_signing_joins_the_recall_list(
    qtbot: QtBot, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from emr_desktop.domain.clinical import Sex
    from emr_desktop.domain.patients import PatientInput
    from emr_desktop.services.recalls.service import RecallService
    from emr_desktop.ui.chart.visits import VisitsSection
    from emr_desktop.ui.ops import Operations

    services = Services(practice.db)
    doc = practice.add_user("drfollow", Role.PHYSICIAN)
    pid = services.patients.register(
        doc, PatientInput("Fay", "Followup", dt.date(1965, 3, 4), Sex.FEMALE)
    ).id
    host = QWidget()
    qtbot.addWidget(host)
    section = VisitsSection(services, doc, pid, Operations(host))
    qtbot.addWidget(section)
    note = services.notes.create(doc, pid, reason="knee pain")
    section.editor.show_note(note)
    section.editor.fields["assessment"].setPlainText("Osteoarthritis of the knee")
    assert section.editor.follow_up_weeks.isVisibleTo(section.editor)
    section.editor.follow_up_weeks.setValue(6)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    section.editor._on_sign_clicked()
    recalls = RecallService(practice.db).for_patient(doc, pid)
    assert [r.what for r in recalls] == ["Follow-up visit in 6 weeks"]
    assert recalls[0].due_on == dt.date.today() + dt.timedelta(weeks=6)
