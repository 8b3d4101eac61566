"""The main window: who is logged in, and the workstation lock (Ctrl+L)."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.security import Actor
from emr_desktop.errors import EmrError
from emr_desktop.services.auth import AuthService


class MainWindow(QMainWindow):
    """The application window; the lock page hides everything behind it."""

    def __init__(self, auth: AuthService, actor: Actor, practice_name: str) -> None:
        super().__init__()
        self._auth = auth
        self.actor = actor
        self.setWindowTitle(f"emr-desktop – {practice_name}")
        self.resize(1100, 720)

        self._stack = QStackedWidget()
        self._home = QLabel()
        self._home.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._stack.addWidget(self._home)
        self._stack.addWidget(self._build_lock_page())
        self.setCentralWidget(self._stack)

        self._user_label = QLabel()
        self.statusBar().addPermanentWidget(self._user_label)

        menu = self.menuBar().addMenu("&File")
        self.lock_action = QAction("&Lock workstation", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self._on_lock_triggered)
        menu.addAction(self.lock_action)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)
        self._show_home()

    def _build_lock_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch()
        self._lock_title = QLabel()
        self._lock_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self._lock_title)
        self._lock_password = QLineEdit()
        self._lock_password.setEchoMode(QLineEdit.EchoMode.Password)
        self._lock_password.setAccessibleName("Password to unlock")
        self._lock_password.setPlaceholderText("Password")
        self._lock_password.setMaximumWidth(320)
        self._lock_password.returnPressed.connect(self._on_unlock_clicked)
        layout.addWidget(self._lock_password, alignment=Qt.AlignmentFlag.AlignHCenter)
        self._lock_error = QLabel()
        self._lock_error.setStyleSheet("color: #b00020;")
        self._lock_error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self._lock_error)
        unlock = QPushButton("Unlock")
        unlock.clicked.connect(self._on_unlock_clicked)
        layout.addWidget(unlock, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch()
        return page

    def _show_home(self) -> None:
        self._home.setText(
            f"<h2>Welcome, {self.actor.full_name}</h2>"
            f"<p>You are logged in as <b>{self.actor.username}</b> ({self.actor.role.value}).</p>"
        )
        self._user_label.setText(f"{self.actor.full_name} ({self.actor.role.value})")
        self.statusBar().showMessage("Unlocked")
        self._stack.setCurrentIndex(0)
        self.menuBar().setEnabled(True)

    @property
    def locked(self) -> bool:
        """Whether the lock page is showing."""
        return self._stack.currentIndex() == 1

    def lock(self, *, idle: bool = False) -> None:
        """Hide everything behind the lock page and audit the lock."""
        if self.locked:
            return
        self._auth.lock(self.actor, idle=idle)
        self._lock_title.setText(
            f"<h2>Locked</h2><p>{self.actor.full_name}, enter your password.</p>"
        )
        self._lock_error.clear()
        self._lock_password.clear()
        self._stack.setCurrentIndex(1)
        self.menuBar().setEnabled(False)
        self.statusBar().showMessage("Workstation locked")
        self._lock_password.setFocus()

    def _on_lock_triggered(self) -> None:
        self.lock()

    def _on_unlock_clicked(self) -> None:
        try:
            self.actor = self._auth.unlock(self.actor, self._lock_password.text())
        except EmrError as err:
            self._lock_error.setText(err.message)
            self._lock_password.clear()
            return
        self._show_home()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Audit the logout when the window closes."""
        with contextlib.suppress(EmrError):
            self._auth.logout(self.actor)
        event.accept()
