"""The main window: the current user's workspace, the lock screen, menus and shortcuts."""

from __future__ import annotations

import contextlib
import time

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QStackedWidget, QWidget

from emr_desktop.domain.security import Actor
from emr_desktop.errors import EmrError
from emr_desktop.ui.actions import build_menus
from emr_desktop.ui.context import Services
from emr_desktop.ui.lock_page import LockPage
from emr_desktop.ui.lock_screen import (
    CoveredWindow,
    LockWindow,
    ParkedSession,
    cover_windows,
    park_windows,
    uncover_windows,
)
from emr_desktop.ui.workspace import Workspace

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    """Notices keyboard and mouse activity anywhere in the application."""

    def __init__(self) -> None:
        super().__init__()
        self.last_activity = time.monotonic()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Remember when the user last did something."""
        if event.type() in _ACTIVITY:
            self.last_activity = time.monotonic()
        return False

    def idle_seconds(self) -> float:
        """How long nobody has touched the keyboard or mouse."""
        return time.monotonic() - self.last_activity


class MainWindow(QMainWindow):
    """Shows the workspace of whoever is logged in, or the lock screen."""

    def __init__(self, services: Services, actor: Actor, practice_name: str) -> None:
        super().__init__()
        self.services = services
        self.actor = actor
        self.setWindowTitle(f"emr-desktop – {practice_name}")
        self._stack = QStackedWidget()
        self.lock_page = LockPage(services.auth)
        self.lock_page.unlocked.connect(self._on_lock_page_unlocked)
        self.lock_window = LockWindow(self.lock_page, self)
        self._covered: list[CoveredWindow] = []
        self._parked: dict[int, ParkedSession] = {}
        self._returned: list[Actor] = []
        self.workspace = Workspace(services, actor)
        self._blank = QWidget()
        self._blank.setAccessibleName("Locked")
        self._stack.addWidget(self.workspace)
        self._stack.addWidget(self._blank)
        self.setCentralWidget(self._stack)
        self._user_label = QLabel()
        self._user_label.setAccessibleName("Logged-in user")
        self._lock_label = QLabel()
        self._lock_label.setAccessibleName("Workstation lock state")
        self.statusBar().addPermanentWidget(self._lock_label)
        self.statusBar().addPermanentWidget(self._user_label)
        self.menu_actions = build_menus(self)
        self.idle = IdleWatcher()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
        self._idle_timer = QTimer(self)
        self._idle_timer.setInterval(10_000)
        self._idle_timer.timeout.connect(self._on_idle_timer_timeout)
        self._idle_timer.start()
        self.idle_limit_seconds = services.settings.current().idle_lock_minutes * 60
        self.workspace.ops.data_changed.connect(self._on_ops_data_changed)
        self._show_status()
        self._restore_geometry()

    # --- state -------------------------------------------------------------
    @property
    def locked(self) -> bool:
        """Whether the lock screen is showing."""
        return self._stack.currentWidget() is self._blank

    def _show_status(self) -> None:
        self._user_label.setText(f"{self.actor.full_name} ({self.actor.role.value})")
        self._lock_label.setText("Locked" if self.locked else "Unlocked")
        self.menuBar().setEnabled(not self.locked)

    # --- locking -----------------------------------------------------------
    def lock(self, *, idle: bool = False) -> None:
        """Save drafts, cover every window behind the lock screen and audit the lock."""
        if self.locked:
            return
        self.workspace.save_drafts()
        # Locking must never fail because the audit row could not be written.
        with contextlib.suppress(EmrError):
            self.services.auth.lock(self.actor, idle=idle)
        self._covered = cover_windows(keep=[self, self.lock_window])
        self._stack.setCurrentWidget(self._blank)
        self.lock_window.show_locked(self.actor, self)
        self._show_status()

    def _on_lock_page_unlocked(self, actor: Actor) -> None:
        self.lock_window.hide()
        if actor.user_id == self.actor.user_id and actor.session == self.actor.session:
            self.actor = actor
            uncover_windows(self._covered)
        elif actor.user_id == self.actor.user_id:
            # The same user in a new session (a new password was chosen): the drafts were
            # saved first; the screens are rebuilt so nothing holds the ended session.
            for item in self._covered:
                if item.alive():
                    item.window.hide()
                    item.window.deleteLater()
            old_workspace = self.workspace
            self.actor = actor
            self.workspace = Workspace(self.services, actor)
            self.workspace.ops.data_changed.connect(self._on_ops_data_changed)
            self._stack.insertWidget(0, self.workspace)
            self._stack.removeWidget(old_workspace)
            old_workspace.deleteLater()
            self.menu_actions = build_menus(self)
        else:
            # Another user: the first user's screens and open dialogs wait, hidden and
            # disabled (never submitted), until that user comes back to this workstation.
            park_windows(self._covered)
            old = ParkedSession(self.actor, self.workspace, self._covered)
            self._stack.removeWidget(old.workspace)
            back = self._parked.pop(actor.user_id, None)
            self._parked[old.actor.user_id] = old
            self.actor = actor
            if back is not None:
                # The restored screens go on in the session they were opened in; both
                # sessions end when the window closes.
                self.workspace = back.workspace  # type: ignore[assignment]
                self._returned.append(back.actor)
            else:
                self.workspace = Workspace(self.services, actor)
                self.workspace.ops.data_changed.connect(self._on_ops_data_changed)
            self._stack.insertWidget(0, self.workspace)
            self.menu_actions = build_menus(self)
            if back is not None:
                uncover_windows(back.windows)
        self._covered = []
        self._stack.setCurrentWidget(self.workspace)
        self.idle.last_activity = time.monotonic()
        self._show_status()

    def password_changed(self, actor: Actor) -> None:
        """A new password ended the old session: carry on in the new one (same user)."""
        self._on_lock_page_unlocked(actor)

    def _on_ops_data_changed(self, what: str) -> None:
        if what == "settings":  # an admin changed the idle lock time: takes effect now
            self.idle_limit_seconds = self.services.settings.current().idle_lock_minutes * 60

    def _on_idle_timer_timeout(self) -> None:
        if not self.locked and self.idle.idle_seconds() >= self.idle_limit_seconds:
            self.lock(idle=True)

    # --- window ------------------------------------------------------------
    def _restore_geometry(self) -> None:
        settings = QSettings()
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about unsaved text, remember the geometry, audit the logout."""
        if not self.locked and not self.workspace.close_all():
            event.ignore()
            return
        QSettings().setValue("main/geometry", self.saveGeometry())
        for actor in [self.actor, *self._returned, *(p.actor for p in self._parked.values())]:
            with contextlib.suppress(EmrError):
                self.services.auth.logout(actor)
        event.accept()
