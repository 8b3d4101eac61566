"""An ICD-10-CM search-as-you-type picker: type words or a code, arrow keys and Enter choose."""

from __future__ import annotations

import threading

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from emr_desktop.reference import icd10
from emr_desktop.reference.icd10 import Icd10Code

DEBOUNCE_MS = 100
LIMIT = 30


class CodePicker(QWidget):
    """A search field over the full ICD-10-CM set with the matches listed below it.

    ``chosen`` is the code picked (Enter, a click, or a double click); typing again
    clears the choice until another is picked.
    """

    picked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chosen: Icd10Code | None = None
        self.search = QLineEdit()
        self.search.setAccessibleName("Diagnosis search")
        self.search.setPlaceholderText('Type words or a code, e.g. "diab typ 2" or "E11.9"')
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setAccessibleName("Matching ICD-10-CM codes")
        self.results.setMinimumHeight(180)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.results.setUniformItemSizes(True)
        self.selection = QLabel("No diagnosis chosen")
        self.selection.setAccessibleName("Chosen diagnosis")
        self.selection.setWordWrap(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.search.textEdited.connect(self._on_search_edited)
        self.search.installEventFilter(self)
        self.results.itemActivated.connect(self._on_item_activated)
        self.results.itemDoubleClicked.connect(self._on_item_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        layout.addWidget(self.selection)
        self.setFocusProxy(self.search)
        # build the index while the user starts typing; the first search waits for it
        threading.Thread(target=icd10.warm_up, name="icd10-warm-up", daemon=True).start()

    def set_code(self, code: str, description: str) -> None:
        """Show an existing choice (when editing)."""
        found = icd10.describe(code)
        self.chosen = found or Icd10Code(code, description, True)
        self.search.setText(code)
        self._show_choice()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up/Down move through the matches and Enter picks one, without leaving the field."""
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            count = self.results.count()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and count:
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(count - 1, self.results.currentRow() + step))
                self.results.setCurrentRow(row)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._timer.isActive():
                self._timer.stop()
                self._update_results()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and count and self.chosen is None:
                item = self.results.currentItem() or self.results.item(0)
                self._on_item_activated(item)
                return True
        return super().eventFilter(watched, event)

    def _on_search_edited(self) -> None:
        if self.chosen is not None:
            self.chosen = None
            self._show_choice()
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        self._update_results()

    def _update_results(self) -> None:
        icd10.warm_up()  # builds the index the first time only
        self.results.clear()
        for code in icd10.search(self.search.text(), LIMIT):
            item = QListWidgetItem(f"{code.code}  {code.description}")
            item.setToolTip(code.description)
            item.setData(Qt.ItemDataRole.UserRole, code)
            if not code.billable:
                item.setForeground(Qt.GlobalColor.gray)
                item.setToolTip(f"{code.description} (a category: choose a more specific code)")
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        self.chosen = item.data(Qt.ItemDataRole.UserRole)
        self._show_choice()
        self.picked.emit(self.chosen)

    def _show_choice(self) -> None:
        c = self.chosen
        if c is None:
            self.selection.setText("No diagnosis chosen")
            return
        self.selection.setText(f"<b>{c.code}</b> {c.description}")
