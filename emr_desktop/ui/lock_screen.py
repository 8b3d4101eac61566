"""Locked means locked: while the workstation is locked, every other window of the app is
covered (its title and content hidden, no input reaches it) and the lock screen is the one
window that takes input; a user who switches in gets their own session while the first
user's windows wait, hidden, for that user to come back.

Windows are covered rather than hidden while locked because hiding a dialog that runs its
own event loop (``exec``) ends that loop as if Cancel had been pressed: the typed content
would be lost. A curtain over the content keeps the dialog exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QVBoxLayout, QWidget

from emr_desktop.domain.security import Actor
from emr_desktop.ui.lock_page import LockPage

LOCKED_TITLE = "emr-desktop – locked"


class Curtain(QWidget):
    """An opaque panel over the whole of a locked window; it follows the window's size."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("lockCurtain")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#lockCurtain { background: #2b3340; } QLabel { color: white; }")
        label = QLabel("<h3>Workstation locked</h3><p>Unlock to continue.</p>")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        QVBoxLayout(self).addWidget(label)
        self.setGeometry(window.rect())
        window.installEventFilter(self)
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keep covering the window when it is resized."""
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        return False


@dataclass
class CoveredWindow:
    """A window hidden behind the lock, and what to give back when it is uncovered."""

    window: QWidget
    title: str
    enabled: bool
    curtain: Curtain | None = None

    def alive(self) -> bool:
        """Whether the window still exists (a dialog may have been deleted meanwhile)."""
        return shiboken6.isValid(self.window)


def cover_windows(keep: list[QWidget]) -> list[CoveredWindow]:
    """Cover every visible top-level window except ``keep``: title masked, content behind
    a curtain, input disabled. Popups and tool tips are simply closed."""
    covered: list[CoveredWindow] = []
    for window in QApplication.topLevelWidgets():
        if window in keep or not window.isVisible():
            continue
        if window.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
            window.hide()
            continue
        item = CoveredWindow(window, window.windowTitle(), window.isEnabled())
        window.setWindowTitle(LOCKED_TITLE)
        window.setEnabled(False)
        item.curtain = Curtain(window)
        covered.append(item)
    return covered


def uncover_windows(covered: list[CoveredWindow]) -> None:
    """Give the windows back exactly as they were (same user unlocked)."""
    for item in covered:
        if not item.alive():
            continue
        if item.curtain is not None and shiboken6.isValid(item.curtain):
            item.curtain.deleteLater()
        item.curtain = None
        item.window.setWindowTitle(item.title)
        item.window.setEnabled(item.enabled)
        if not item.window.isVisible():
            item.window.show()


def park_windows(covered: list[CoveredWindow]) -> None:
    """Hide the windows while another user works; they stay disabled and keep their content.

    A dialog running its own event loop ends it when hidden, with Cancel's result: it is
    never submitted. Dialogs opened window-modal (the prescription dialog, the section
    forms) come back with everything typed in them.
    """
    for item in covered:
        if item.alive():
            item.window.hide()


@dataclass
class ParkedSession:
    """A user's workspace and windows, kept while someone else uses the workstation."""

    actor: Actor
    workspace: QWidget
    windows: list[CoveredWindow] = field(default_factory=list)


class LockWindow(QDialog):
    """The lock screen as a window of its own, application-modal and full screen, so it
    takes the input even when a modal dialog was open, and covers everything else."""

    def __init__(self, page: LockPage, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(LOCKED_TITLE)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.page = page
        layout = QVBoxLayout(self)
        layout.addWidget(page)

    def show_locked(self, actor: Actor, geometry_of: QWidget) -> None:
        """Show the lock screen for ``actor`` over ``geometry_of`` (the main window)."""
        self.page.prepare(actor)
        self.setGeometry(geometry_of.geometry())
        self.show()
        self.raise_()
        self.activateWindow()
        self.page.password.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape does not dismiss the lock screen; Enter acts in its field only (each
        field's Enter already unlocks or switches; no default button fires twice)."""
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.ignore()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        """Only unlocking closes the lock screen."""

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the lock screen window is refused; unlocking is the way out."""
        event.ignore()
