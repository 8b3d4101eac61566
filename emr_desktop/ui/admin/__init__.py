"""The admin screens (users, audit report, backups, settings) and the helpers they share."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.errors import EmrError, ValidationError
from emr_desktop.ui.ops import Operations

log = logging.getLogger("emr_desktop.ui")

# The colour PatientDialog and the login screen use for errors; always next to words.
ERROR_STYLE = "color: #b00020;"


def local_time(when: dt.datetime | None, *, seconds: bool = False) -> str:
    """An aware UTC time as this computer's local wall-clock time ('' for None)."""
    if when is None:
        return ""
    return when.astimezone().strftime("%m/%d/%Y %H:%M:%S" if seconds else "%m/%d/%Y %H:%M")


def name_key(name: str) -> str:
    """A sort key for people's names that ignores case and accents (Élise sorts under E)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def sentence(text: str) -> str:
    """'must be at least 10 characters' -> 'Must be at least 10 characters.'"""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def button(text: str, name: str, slot: Callable[[], Any] | None = None) -> QPushButton:
    """A push button with an accessible name (its text without the mnemonic '&')."""
    widget = QPushButton(text)
    widget.setAccessibleName(name)
    if slot is not None:
        widget.clicked.connect(lambda _checked=False: slot())
    return widget


def label(text: str = "", name: str = "", *, selectable: bool = False) -> QLabel:
    """A word-wrapped label; ``selectable`` lets the user copy it with mouse or keyboard."""
    widget = QLabel(text)
    widget.setWordWrap(True)
    if name:
        widget.setAccessibleName(name)
    if selectable:
        widget.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
    return widget


def set_tab_order(widgets: Iterable[QWidget]) -> None:
    """Make Tab visit ``widgets`` in the order given (their visual order)."""
    for first, second in itertools.pairwise(widgets):
        QWidget.setTabOrder(first, second)


def fit_columns(table: QTableView, padding: int = 16) -> None:
    """Size columns to their contents plus some air (the last one takes what is left)."""
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    for column in range(header.count() - 1):
        header.resizeSection(column, min(header.sectionSize(column) + padding, 400))


def table_view(name: str) -> QTableView:
    """A read-only, row-selecting, sortable table as every admin list uses."""
    table = QTableView()
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside it
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    return table


class FieldErrors:
    """Error labels shown beside the fields of a form, keyed by the services' field names."""

    def __init__(self, ops: Operations) -> None:
        self._ops = ops
        self._labels: dict[str, QLabel] = {}
        self._widgets: dict[str, QWidget] = {}

    def row(self, form: QFormLayout, text: str, widget: QWidget, *fields: str) -> QLabel:
        """Add ``widget`` under ``text`` with an error label below it, for ``fields``."""
        error = QLabel()
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.setAccessibleName(f"{widget.accessibleName() or text} error")
        error.hide()
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(widget)
        box.addWidget(error)
        form.addRow(text, holder)
        field_label = form.labelForField(holder)
        if isinstance(field_label, QLabel):
            field_label.setBuddy(widget)
        for field in fields:
            self._labels[field] = error
            self._widgets[field] = widget
        return error

    def clear(self) -> None:
        """Hide every error."""
        for error in self._labels.values():
            error.clear()
            error.hide()

    def show(self, err: ValidationError) -> None:
        """Show ``err`` beside its field and focus it; a message box if it has no field here."""
        error = self._labels.get(err.field)
        if error is None:
            self._ops.show_error(err)
            return
        error.setText(sentence(err.reason))
        error.show()
        self._widgets[err.field].setFocus()

    def text(self, field: str) -> str:
        """The error shown beside ``field`` ('' when none is shown)."""
        error = self._labels[field]
        return error.text() if not error.isHidden() else ""


def run_job(
    ops: Operations,
    call: Callable[[], Any],
    on_done: Callable[[Any], None],
    *,
    busy: Iterable[QWidget] = (),
    progress: QProgressBar | None = None,
    changes: str | None = None,
    on_failed: Callable[[EmrError], bool] | None = None,
) -> None:
    """Run a long ``call`` in the thread pool with ``busy`` widgets disabled meanwhile.

    The widgets come back and the progress bar hides whether the job worked or not.
    ``on_failed`` may handle an error itself (return True); otherwise ``ops`` shows it.
    The call must open its own unit of work (services do) and must not touch widgets.
    """
    disabled = [w for w in busy if w.isEnabled()]
    for widget in disabled:
        widget.setEnabled(False)
    if progress is not None:
        progress.setRange(0, 0)  # no percentages to report: a calm busy indicator
        progress.show()

    def restore() -> None:
        for widget in disabled:
            widget.setEnabled(True)
        if progress is not None:
            progress.hide()

    def done(result: object) -> None:
        restore()
        on_done(result)

    def failed(err: EmrError) -> bool:
        restore()
        return on_failed is not None and on_failed(err)

    ops.run_in_background(lambda _progress: call(), done, on_failed=failed, changes=changes)


class ResultLine(QWidget):
    """An icon and words saying how a check went; colour is never the only cue."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.icon = QLabel()
        self.icon.setAccessibleName(f"{name} icon")
        self.text = label(name=name, selectable=True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.text, 1)
        self.hide()

    def show_result(self, ok: bool, text: str) -> None:
        """Show a passed (``ok``) or failed result."""
        pixmap = (
            QStyle.StandardPixmap.SP_DialogApplyButton
            if ok
            else QStyle.StandardPixmap.SP_MessageBoxCritical
        )
        self.icon.setPixmap(self.style().standardIcon(pixmap).pixmap(20, 20))
        self.icon.setAccessibleDescription("passed" if ok else "failed")
        self.text.setStyleSheet("" if ok else ERROR_STYLE)
        self.text.setText(text)
        self.show()
