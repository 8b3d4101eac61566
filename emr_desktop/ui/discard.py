"""No lost work: what a dialog's inputs hold when it is first shown, and the question asked
before Esc, Cancel or the close box throws typed content away."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)


def confirm(parent: QWidget, title: str, question: str) -> bool:
    """Ask a yes/no question; No is the default."""
    answer = QMessageBox.question(
        parent,
        title,
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def typed_state(widget: QWidget) -> tuple[object, ...]:
    """What a user can change in ``widget`` and the inputs inside it, to compare later."""
    state: list[object] = []
    for w in (widget, *widget.findChildren(QWidget)):
        if isinstance(w, QLineEdit):
            state.append(w.text())
        elif isinstance(w, QPlainTextEdit | QTextEdit):
            state.append(w.toPlainText())
        elif isinstance(w, QComboBox):
            state.append((w.currentIndex(), w.currentText()))
        elif isinstance(w, QDateTimeEdit):
            state.append(w.dateTime())
        elif isinstance(w, QAbstractSpinBox):
            state.append(w.text())
        elif isinstance(w, QAbstractButton) and w.isCheckable():
            state.append(w.isChecked())
    return tuple(state)


class DiscardGuard(QObject):
    """Watches one dialog: remembers its inputs when first shown; ``may_close()`` asks
    ``question`` when something was typed since (or ``more()`` says there is work, such
    as a prescription batch), and answers whether the dialog may close.

    A dialog keeps it with ``self.guard = DiscardGuard(self, "Discard …?")`` and starts
    its ``reject()`` with ``if not self.guard.may_close(): return``.
    """

    def __init__(
        self, dialog: QWidget, question: str, more: Callable[[], bool] | None = None
    ) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        self.question = question
        self._more = more
        self._shown: tuple[object, ...] | None = None
        dialog.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The first Show is the moment "nothing typed yet" is taken."""
        if event.type() == QEvent.Type.Show and watched is self._dialog and self._shown is None:
            self._shown = typed_state(self._dialog)
        return False

    def has_typed(self) -> bool:
        """Whether the user typed anything (or left work) that closing would lose."""
        if self._more is not None and self._more():
            return True
        return self._shown is not None and typed_state(self._dialog) != self._shown

    def mark_saved(self) -> None:
        """What the dialog holds now is saved: closing loses nothing."""
        self._shown = typed_state(self._dialog)

    def may_close(self) -> bool:
        """True if nothing would be lost, or the user chose to discard it."""
        if not self.has_typed():
            return True
        return confirm(self._dialog, self._dialog.windowTitle(), self.question)
