"""The forms of the chart sections: a form whose service errors appear beside their fields
and that asks before typed content is thrown away, the declared form (``FormSpec``) a
chart section opens, and the yes/no question they use."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.errors import ValidationError
from emr_desktop.ui.chart.field_kinds import Kind
from emr_desktop.ui.discard import confirm, typed_state
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_header import patient_header, put_on_top

T = TypeVar("T")
__all__ = ["Field", "FormDialog", "FormSpec", "SectionForm", "confirm"]


class FormDialog(QDialog):
    """A form whose service errors appear beside the field they name.

    Subclasses add rows with ``add_row`` (naming the field as the service names it in
    ValidationError) and implement ``call``; Save runs it through the chart's Operations
    so open views refresh. Given a ``discard`` question, Esc, Cancel and the close box ask
    it before throwing away what the user typed.
    """

    def __init__(
        self,
        title: str,
        ops: Operations,
        changes: str,
        parent: QWidget,
        *,
        discard: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._ops = ops
        self._changes = changes
        self._discard = discard
        self._errors: dict[str, QLabel] = {}
        self._widgets: dict[str, QWidget] = {}
        self._inputs: list[QWidget] = []
        self._shown_state: tuple[object, ...] | None = None
        self.result_value: object | None = None
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def add_row(self, label: str, widget: QWidget, *fields: str) -> None:
        """Add ``widget`` under ``label``; errors naming any of ``fields`` show below it."""
        if not widget.accessibleName():
            widget.setAccessibleName(label.rstrip(" *"))
        error = QLabel()
        error.setStyleSheet("color: #b00020;")
        error.setWordWrap(True)
        error.setAccessibleName(f"{label.rstrip(' *')} error")
        error.hide()
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(widget)
        box.addWidget(error)
        self.form.addRow(label, holder)
        self._inputs.append(widget)
        for field in fields:
            self._errors[field] = error
            self._widgets[field] = widget

    def error_text(self, field: str) -> str:
        """The error shown beside ``field`` ("" when none)."""
        label = self._errors.get(field)
        return label.text() if label is not None and label.isVisible() else ""

    def show_field_error(self, err: ValidationError) -> None:
        """Show ``err`` beside its field, or in a message box if it is not on this form."""
        label = self._errors.get(err.field)
        if label is None:
            self._ops.show_error(err)
            return
        label.setText(err.reason[:1].upper() + err.reason[1:])
        label.show()
        self._widgets[err.field].setFocus()

    def clear_errors(self) -> None:
        """Hide every error shown beside a field."""
        for label in self._errors.values():
            label.hide()

    def has_typed(self) -> bool:
        """Whether the user changed any field since the form was shown."""
        return self._shown_state is not None and self._shown_state != self._state()

    def _state(self) -> tuple[object, ...]:
        return tuple(typed_state(w) for w in self._inputs)

    def showEvent(self, event: QShowEvent) -> None:
        """Qt override: what the form holds when first shown is what "nothing typed" means."""
        if self._shown_state is None:
            self._shown_state = self._state()
        super().showEvent(event)

    def reject(self) -> None:
        """Qt override (Esc, Cancel, the close box): ask before typed content is lost."""
        asked = self._discard and self.has_typed()
        if asked and not confirm(self, self.windowTitle(), self._discard):
            return
        super().reject()

    def call(self) -> object:
        """The service call this form makes (raises the service's errors)."""
        raise NotImplementedError

    def save(self) -> bool:
        """Run the call; accept the dialog when it worked (errors stay on the form)."""
        self.clear_errors()
        result = self._ops.run(
            self.call, changes=self._changes, on_validation=self.show_field_error
        )
        if result is None:
            return False
        self.result_value = result
        self.accept()
        return True


@dataclass(frozen=True)
class Field:
    """One field of a declared form.

    ``key`` is the dialog attribute holding its widget, ``to`` the input's name for its
    value (default: the key); ``errors`` are the field names the service's ValidationError
    uses for it (default: the label in lower case). A required field left empty shows
    ``missing`` beside it before the service is called.
    """

    key: str
    label: str
    kind: Kind[Any]
    errors: tuple[str, ...] = ()
    to: str = ""
    required: bool = False
    missing: str = "required"
    initial: Callable[[Any], object] | None = None  # the section -> the starting value
    edit_only: bool = False  # shown only when editing a record
    keeps_enter: bool = False  # Enter here is the widget's own (a picker chooses)

    def error_fields(self) -> tuple[str, ...]:
        """The service's names for this field."""
        return self.errors or (self.label.lower(),)


@dataclass(frozen=True)
class FormSpec(Generic[T]):
    """A declared form: its title, what it records (for "Discard this allergy?"), its
    fields in order and the service call Save makes.

    Save makes the input, ``record(**values)`` (values by each field's ``to`` name; a dict
    unless told), and calls ``save(section, input, row)`` with the record the form was
    opened for (None when adding); ``fill(row)`` gives an edited record's values by key.
    """

    title: str | Callable[[Any], str]
    noun: str
    fields: tuple[Field, ...]
    save: Callable[[Any, Any, Any], object]
    record: Callable[..., object] = dict
    fill: Callable[[Any], Mapping[str, object]] | None = None
    width: int = 460
    dialog: type[SectionForm] | None = None  # a subclass adding helpers or wiring


class SectionForm(FormDialog):
    """The dialog of a ``FormSpec``: required fields marked *, all their errors at once."""

    def __init__(self, spec: FormSpec[Any], section: Any, row: Any = None) -> None:
        editing = row is not None and spec.fill is not None
        title = spec.title(row) if callable(spec.title) else spec.title
        what = f"your changes to this {spec.noun}" if editing else f"this {spec.noun}"
        changes = f"chart:{section.patient_id}"
        super().__init__(title, section.ops, changes, section, discard=f"Discard {what}?")
        self.spec, self.section, self.row = spec, section, row
        self.header = patient_header(section, section.patient_id)
        put_on_top(self, self.header)
        self.fields: dict[str, tuple[Field, QWidget]] = {}
        start = spec.fill(row) if editing and spec.fill is not None else {}
        for f in spec.fields:
            if f.edit_only and not editing:
                continue
            if hasattr(self, f.key):
                raise ValueError(f"field key {f.key!r} is taken by the dialog")
            widget = f.kind.make(f.label)
            setattr(self, f.key, widget)
            self.fields[f.key] = (f, widget)
            self.add_row(f.label + (" *" if f.required else ""), widget, *f.error_fields())
            value = start.get(f.key) if editing else f.initial(section) if f.initial else None
            if value is not None:
                f.kind.set_value(widget, value)
        self.setMinimumWidth(spec.width)
        next(iter(self.fields.values()))[1].setFocus()

    def call(self) -> object:
        """The declared service call, with the input made of the values typed."""
        data = {f.to or key: f.kind.value(w) for key, (f, w) in self.fields.items()}
        return self.spec.save(self.section, self.spec.record(**data), self.row)

    def save(self) -> bool:
        """Show every empty required field's error at once; else run the call."""
        self.clear_errors()
        empty = [(f, w) for f, w in self.fields.values() if f.required and f.kind.is_empty(w)]
        for f, _ in reversed(empty):  # the focus ends on the first
            self.show_field_error(ValidationError(f.error_fields()[0], f.missing))
        return not empty and super().save()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Qt override: Enter in a field that keeps it (a picker choosing) does not save."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = self.focusWidget()
            for f, w in self.fields.values():
                if f.keeps_enter and focus is not None and (w is focus or w.isAncestorOf(focus)):
                    return
        super().keyPressEvent(event)
