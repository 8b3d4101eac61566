"""Enter picks in lists: a search field with a list of matches under it, where Up and
Down move through the matches and Enter picks the current one (instead of pressing the
dialog's default button)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem


class PickFromList(QObject):
    """Keys of ``field`` that act on ``matches`` while the list shows; ``pick`` gets the
    item Enter chose."""

    def __init__(
        self, field: QLineEdit, matches: QListWidget, pick: Callable[[QListWidgetItem], None]
    ) -> None:
        super().__init__(field)
        self._field, self._matches, self._pick = field, matches, pick
        field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up/Down move, Enter picks; any other key is the field's own."""
        if watched is not self._field or event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        count = self._matches.count() if self._matches.isVisible() else 0
        if not count:
            return False
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            step = 1 if key == Qt.Key.Key_Down else -1
            row = max(0, min(count - 1, self._matches.currentRow() + step))
            self._matches.setCurrentRow(row)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self._matches.currentItem() or self._matches.item(0)
            self._pick(item)
            return True
        return False
