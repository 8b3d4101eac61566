"""The start-up splash: something on screen at once, saying what the app is doing while
the demo practice is built (first start) or the database is opened."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QSplashScreen, QWidget

from emr_desktop import __version__

_SIZE = (460, 220)


def _picture() -> QPixmap:
    pixmap = QPixmap(*_SIZE)
    pixmap.fill(QColor("#2b3340"))
    painter = QPainter(pixmap)
    painter.setPen(QColor("white"))
    font = QFont()
    font.setPointSize(20)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(28, 70, "emr-desktop")
    font.setPointSize(10)
    font.setBold(False)
    painter.setFont(font)
    painter.drawText(30, 96, f"version {__version__}")
    painter.end()
    return pixmap


class StartSplash(QSplashScreen):
    """Shown before anything else; ``step(text)`` says what is happening now."""

    def __init__(self) -> None:
        super().__init__(_picture())
        self.steps: list[str] = []

    def step(self, text: str) -> None:
        """Show ``text`` at the bottom of the splash, and paint it now."""
        self.steps.append(text)
        align = Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft
        self.showMessage(f"  {text}", int(align), QColor("white"))
        QApplication.processEvents()

    def done_for(self, window: QWidget) -> None:
        """Show ``window`` and close the splash as soon as it is on screen."""
        window.show()
        self.finish(window)
