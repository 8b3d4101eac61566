"""The kinds of field a declared form is made of: how each one's widget is made, read,
filled and found empty (text, several lines, a fixed choice, text with suggestions, a
date that may be left empty)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QWidget

from emr_desktop.ui.dates import OptionalDateEdit

W = TypeVar("W", bound=QWidget)


class Kind(Generic[W]):
    """One kind of form field: how its widget is made, read, filled and found empty."""

    def make(self, label: str) -> W:
        """A new widget for the field ``label``."""
        raise NotImplementedError

    def value(self, widget: W) -> Any:
        """What the widget holds, as the service call wants it."""
        raise NotImplementedError

    def set_value(self, widget: W, value: Any) -> None:
        """Show ``value`` (an existing record's, or a starting value)."""
        raise NotImplementedError

    def is_empty(self, widget: W) -> bool:
        """Whether nothing is entered (a required field then shows its error)."""
        return False


def _text(widget: QLineEdit | QPlainTextEdit) -> str:
    return widget.text() if isinstance(widget, QLineEdit) else widget.toPlainText()


@dataclass(frozen=True)
class Text(Kind[QLineEdit | QPlainTextEdit]):
    """A one-line text box, with an example as its placeholder."""

    placeholder: str = ""

    def make(self, label: str) -> QLineEdit | QPlainTextEdit:
        """A line edit."""
        edit = QLineEdit()
        edit.setPlaceholderText(self.placeholder)
        return edit

    def value(self, widget: QLineEdit | QPlainTextEdit) -> str:
        """The text typed."""
        return _text(widget)

    def set_value(self, widget: QLineEdit | QPlainTextEdit, value: Any) -> None:
        """Show ``value``."""
        if isinstance(widget, QLineEdit):
            widget.setText(str(value))
        else:
            widget.setPlainText(str(value))

    def is_empty(self, widget: QLineEdit | QPlainTextEdit) -> bool:
        """Only blanks typed."""
        return not _text(widget).strip()


@dataclass(frozen=True)
class LongText(Text):
    """Several lines of text, ``height`` pixels high (Tab moves on, it types no tab)."""

    height: int = 90

    def make(self, label: str) -> QPlainTextEdit:
        """A plain-text edit of a fixed height."""
        edit = QPlainTextEdit()
        edit.setPlaceholderText(self.placeholder)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(self.height)
        return edit


@dataclass(frozen=True)
class Choice(Kind[QComboBox]):
    """One of fixed options: (text shown, value) pairs; ``default`` is chosen first."""

    options: tuple[tuple[str, object], ...]
    default: object = None

    @classmethod
    def of(cls, enum: type[Enum], default: Enum | None = None) -> Choice:
        """The members of ``enum``, shown by their value in title case."""
        return cls(tuple((str(m.value).title(), m) for m in enum), default)

    def make(self, label: str) -> QComboBox:
        """A combo box of the options."""
        combo = QComboBox()
        for text, value in self.options:
            combo.addItem(text, value)
        if self.default is not None:
            self.set_value(combo, self.default)
        return combo

    def value(self, widget: QComboBox) -> object:
        """The value of the option chosen."""
        return self.options[widget.currentIndex()][1]

    def set_value(self, widget: QComboBox, value: Any) -> None:
        """Choose the option of ``value``."""
        widget.setCurrentIndex([v for _, v in self.options].index(value))


@dataclass(frozen=True)
class Editable(Kind[QComboBox]):
    """Text with common choices offered (a site, a route); anything may be typed."""

    items: tuple[str, ...]

    def make(self, label: str) -> QComboBox:
        """An editable combo box."""
        combo = QComboBox()
        combo.setEditable(True)
        combo.addItems(list(self.items))
        return combo

    def value(self, widget: QComboBox) -> str:
        """The text shown."""
        return widget.currentText()

    def set_value(self, widget: QComboBox, value: Any) -> None:
        """Show ``value``."""
        widget.setCurrentText(str(value))

    def is_empty(self, widget: QComboBox) -> bool:
        """Only blanks shown."""
        return not widget.currentText().strip()


@dataclass(frozen=True)
class DateField(Kind[OptionalDateEdit]):
    """A date typed or picked from a calendar that opens at today, never after today; an
    optional one starts empty ("not known"), a required one as today. Text that is not a
    date is refused beside the field, never dropped."""

    optional: bool = True

    def make(self, label: str) -> OptionalDateEdit:
        """The shared optional-date widget."""
        edit = OptionalDateEdit(label.lower(), required=not self.optional)
        if not self.optional:
            edit.set_date(dt.date.today())
        return edit

    def value(self, widget: OptionalDateEdit) -> dt.date | None:
        """The date, or None when left empty (ValidationError for text not a date)."""
        return widget.date()

    def set_value(self, widget: OptionalDateEdit, value: Any) -> None:
        """Show ``value`` (None: empty)."""
        widget.set_date(value)

    def is_empty(self, widget: OptionalDateEdit) -> bool:
        """Nothing typed."""
        return widget.is_empty()
