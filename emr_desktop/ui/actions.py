"""Menus and keyboard shortcuts of the main window (desktop conventions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenuBar, QMessageBox, QWidget

from emr_desktop import __version__
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.ui.context import Services
from emr_desktop.ui.workspace import Workspace

_HOLDER = "menu-actions"


class MenuHost(Protocol):
    """What the menus need of the window they sit in (the main window is one)."""

    actor: Actor
    services: Services
    workspace: Workspace

    def menuBar(self) -> QMenuBar: ...

    def lock(self) -> None: ...

    def password_changed(self, actor: Actor) -> None: ...

    def close(self) -> bool: ...


@dataclass
class Actions:
    """The window's actions, so tests and views can trigger them."""

    find_patient: QAction
    new_patient: QAction
    lock: QAction
    refresh: QAction
    close_chart: QAction
    quit: QAction
    schedule: QAction | None = None
    export_chart: QAction | None = None


def build_menus(window: MenuHost) -> Actions:
    """(Re)build the menu bar for the window's current user."""
    bar = window.menuBar()
    bar.clear()
    old = _widget(window).findChild(QObject, _HOLDER)
    if old is not None:  # the previous user's actions: their shortcuts would clash
        old.setParent(None)
        old.deleteLater()
    holder = QObject(_widget(window))
    holder.setObjectName(_HOLDER)

    def action(
        text: str, shortcut: QKeySequence | QKeySequence.StandardKey | str, slot: Any
    ) -> QAction:
        act = QAction(text, holder)
        act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        return act

    def find() -> None:
        window.workspace.setCurrentWidget(window.workspace.patients)
        window.workspace.patients.focus_search()

    def new() -> None:
        window.workspace.setCurrentWidget(window.workspace.patients)
        window.workspace.patients.register_patient()

    def close_chart() -> None:
        chart = window.workspace.current_chart()
        if chart is not None:
            window.workspace.close_tab(chart)

    def about() -> None:
        QMessageBox.about(
            _widget(window),
            "About emr-desktop",
            f"emr-desktop {__version__}\nAn electronic medical record for one "
            "practice, on an encrypted database.",
        )

    acts = Actions(
        find_patient=action("&Find patient…", "Ctrl+F", find),
        new_patient=action("&New patient…", "Ctrl+N", new),
        lock=action("&Lock workstation", "Ctrl+L", lambda: window.lock()),
        refresh=action("&Refresh", QKeySequence.StandardKey.Refresh, window.workspace.refresh),
        close_chart=action("&Close chart", QKeySequence.StandardKey.Close, close_chart),
        quit=action("&Quit", QKeySequence.StandardKey.Quit, window.close),
    )
    # One F5 (the platform's Refresh key is F5 too on most systems: listing it twice made
    # the shortcut ambiguous, so it did nothing).
    keys = [QKeySequence("F5"), *QKeySequence.keyBindings(QKeySequence.StandardKey.Refresh)]
    acts.refresh.setShortcuts(list({k.toString(): k for k in keys}.values()))
    file_menu = bar.addMenu("&File")
    file_menu.addAction(acts.find_patient)
    if window.actor.can(Permission.PATIENT_REGISTER):
        file_menu.addAction(acts.new_patient)
    file_menu.addAction(acts.close_chart)
    file_menu.addSeparator()
    file_menu.addAction("Change my &password…", lambda: change_my_password(window))
    file_menu.addAction("&Two-step login…", lambda: open_two_step(window))
    file_menu.addAction(acts.lock)
    file_menu.addAction(acts.quit)
    view_menu = bar.addMenu("&View")
    view_menu.addAction(acts.refresh)
    schedule = window.workspace.schedule
    if schedule is not None:
        go = bar.addMenu("&Go")
        go.addAction(action("&Patients", "Ctrl+1", lambda: find()))
        acts.schedule = action(
            "&Schedule", "Ctrl+2", lambda: window.workspace.setCurrentWidget(schedule)
        )
        go.addAction(acts.schedule)
    if window.actor.can(Permission.CHART_EXPORT):
        chart_menu = bar.addMenu("&Chart")
        acts.export_chart = action(
            "&Export / Referral…", "Ctrl+Shift+E", lambda: open_export(window)
        )
        chart_menu.addAction(acts.export_chart)
    if window.actor.can(Permission.RX_PRESCRIBE):
        rx_menu = bar.addMenu("&Prescriptions")
        rx_menu.addAction("&Renewal requests…", lambda: open_renewals(window))
    help_menu = bar.addMenu("&Help")
    help_menu.addAction("&About emr-desktop", about)
    return acts


def open_export(window: MenuHost) -> None:
    """The Export / Referral dialog for the chart in front (nothing when no chart is)."""
    from emr_desktop.ui.chart.export_dialog import ExportDialog

    chart = window.workspace.current_chart()
    patient_id = getattr(chart, "patient_id", None)
    if chart is None or patient_id is None:
        QMessageBox.information(
            _widget(window), "Export / Referral", "Open a patient's chart first."
        )
        return
    ExportDialog(
        window.services, window.actor, patient_id, window.workspace.ops, _widget(window)
    ).exec()


def open_renewals(window: MenuHost) -> None:
    """The physician's inbox of renewal requests; a request opens its patient's chart."""
    from emr_desktop.ui.chart.renewals import RenewalsDialog

    dialog = RenewalsDialog(
        window.services,
        window.actor,
        window.workspace.ops,
        window.workspace.open_patient,
        _widget(window),
    )
    dialog.open()


def change_my_password(window: MenuHost) -> None:
    """Every user may change their own password; the app carries on in the new session."""
    from emr_desktop.ui.password_change import ChangePasswordDialog

    window.workspace.save_drafts()  # the new password ends this session
    dialog = ChangePasswordDialog(
        window.services.auth, window.actor.username, parent=_widget(window)
    )
    if dialog.exec() and dialog.actor is not None:
        window.password_changed(dialog.actor)
        QMessageBox.information(_widget(window), "Password changed", "Your password is changed.")


def open_two_step(window: MenuHost) -> None:
    """One's own two-step login: set it up with a QR code, recovery codes, turn it off."""
    from emr_desktop.ui.mfa_dialogs import TwoStepDialog

    TwoStepDialog(window.services.mfa, window.actor, window.workspace.ops, _widget(window)).exec()


def _widget(window: MenuHost) -> QWidget:
    """The host as the parent widget of actions and message boxes."""
    assert isinstance(window, QWidget)
    return window
