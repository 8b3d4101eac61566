"""The Qt binding itself: a broken build would crash the app in the middle of a clinic day."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot


def test_calls_returning_nothing_keep_none_alive(qtbot: QtBot) -> None:
    # PySide6 6.12.0 on Python 3.11 loses one reference to None per such call; after a few
    # thousand (one schedule repaint makes several thousand) the process aborts with
    # "none_dealloc". Counted here rather than provoked, so a bad pin fails, not crashes.
    widget = QWidget()
    qtbot.addWidget(widget)
    pixmap = QPixmap(50, 50)
    painter = QPainter(pixmap)
    before = sys.getrefcount(None)
    for _ in range(1000):
        widget.setToolTip("x")
        painter.fillRect(QRect(0, 0, 5, 5), QColor("red"))
    after = sys.getrefcount(None)
    painter.end()
    assert after > before - 500, f"None lost {before - after} references in 2,000 Qt calls"
