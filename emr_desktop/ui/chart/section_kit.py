"""The chart section base: a section is declared (``SectionSpec``: its columns, how its rows
load, its actions and forms) and ``ChartSection`` builds the table, the buttons enabled by
selection and role (saying why when not), the forms and the confirm questions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.security import Actor, Permission
from emr_desktop.ui.chart.form_kit import FormSpec, SectionForm, confirm
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel

T = TypeVar("T")

ROLE_CANNOT = "Your role cannot do this"


class FadingTableModel(DtoTableModel[T]):
    """A DtoTableModel that greys out whole rows no longer in force (resolved, stopped)."""

    FADED = QColor("#7a7a7a")

    def __init__(self, columns: Sequence[Column[T]], faded: Callable[[T], bool]) -> None:
        super().__init__(columns)
        self._faded = faded

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Qt override: the warning colour wins over grey."""
        value = super().data(index, role)
        if (
            value is None
            and role == Qt.ItemDataRole.ForegroundRole
            and index.isValid()
            and self._faded(self.row(index.row()))
        ):
            return QBrush(self.FADED)
        return value


def make_table(model: DtoTableModel[Any], name: str, stretch: int = -1) -> QTableView:
    """A read-only, single-row-selection table over ``model``; column ``stretch`` (default:
    the last) takes the room left."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch < 0:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def selected(table: QTableView, model: DtoTableModel[T]) -> T | None:
    """The DTO of the selected row, or None."""
    rows = table.selectionModel().selectedRows()
    return model.row(rows[0].row()) if rows else None


@dataclass(frozen=True)
class Only(Generic[T]):
    """The rows an action applies to (``applies``), and why it does not to the others."""

    applies: Callable[[T], bool]
    why: str | Callable[[T], str]

    def why_not(self, row: T) -> str:
        """Why ``row`` does not allow the action ("" when it does)."""
        if self.applies(row):
            return ""
        why = self.why(row) if callable(self.why) else self.why
        return why or "Not for the selected row"  # never "": that would enable the button


@dataclass(frozen=True)
class Action(Generic[T]):
    """One button of a section, and what it does: ``call``, one service call run by
    Operations (open views refresh after it), or ``flow``, the section's own flow (it
    opens a dialog or makes several calls), or ``form``, a form to open. Each gets the
    section and, with ``row``, the selected row; ``row`` may be ``Only(...)``: the rows it
    applies to. ``confirm`` is asked first; ``shown`` hides it for some lists (NKA while
    an allergy is active).
    """

    key: str  # the section attribute holding the button
    text: str  # with its &-mnemonic; "…" when it opens a dialog
    call: Callable[..., object] | None = None
    _: KW_ONLY
    permission: Permission | Callable[[Actor], bool]
    flow: Callable[..., object] | None = None
    form: FormSpec[T] | None = None
    row: bool | Only[T] = False
    confirm: Callable[[T], str] | str | None = None
    shortcut: str = ""
    double_click: bool = False  # a double-clicked row runs it
    shown: Callable[[Sequence[T]], bool] | None = None
    trailing: bool = False  # placed at the right end of the button row
    hide_if_denied: bool = True  # the house rule; False: shown disabled, saying why

    def permitted(self, actor: Actor) -> bool:
        """Whether ``actor``'s role may do this."""
        if isinstance(self.permission, Permission):
            return actor.can(self.permission)
        return self.permission(actor)

    def why_not(self, actor: Actor, row: T | None, a_noun: str) -> str:
        """Why the button is disabled now ("" when it is enabled)."""
        if not self.permitted(actor):
            return ROLE_CANNOT
        if not self.row:
            return ""
        if row is None:
            return f"Select {a_noun} first"
        return self.row.why_not(row) if isinstance(self.row, Only) else ""


@dataclass(frozen=True)
class Toggle:
    """A check box beside the buttons that lists more rows: the service's list method is
    then called with ``keyword=True`` (``include_inactive``)."""

    key: str  # the section attribute holding it
    text: str
    name: str  # its accessible name
    keyword: str


@dataclass(frozen=True)
class Table(Generic[T]):
    """The section's table: its columns, the rows shown grey (no longer in force), and the
    column that takes the room left (default: the last)."""

    columns: tuple[Column[T], ...]
    faded: Callable[[T], bool] | None = None
    stretch: int = -1


@dataclass(frozen=True)
class Note(Generic[T]):
    """A line above the table (``text(rows)``), shown when not empty."""

    text: Callable[[Sequence[T]], str]
    name: str  # its accessible name


@dataclass(frozen=True)
class SectionSpec(Generic[T]):
    """A declared chart section.

    ``noun`` names one row ("allergy": "Select an allergy first", the confirm title);
    ``rows(services)`` is the service method listing them, called with the user and the
    patient (and the toggle's keyword). ``open_dialog`` opens the form of the first action
    that opens one for no row (Add…).
    """

    title: str
    noun: str
    table: Table[T]
    rows: Callable[[Services], Callable[..., Sequence[T]]]
    actions: tuple[Action[T], ...]
    toggle: Toggle | None = None
    note: Note[T] | None = None

    @property
    def form(self) -> FormSpec[T] | None:
        """The section's own form (its Add… action's)."""
        return next((a.form for a in self.actions if a.form and not a.row), None)

    @property
    def a_noun(self) -> str:
        """'an allergy', 'a problem'."""
        return f"{'an' if self.noun[:1] in 'aeiou' else 'a'} {self.noun}"


class ChartSection(QWidget, Generic[T]):
    """A chart section built from its declaration, ``spec`` (set by each subclass).

    The buttons and the toggle are attributes named by their keys; ``add_extras`` lets a
    subclass add its own widgets before the first load.
    """

    spec: ClassVar[SectionSpec[Any]]

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self._services, self._actor, self.patient_id, self._ops = services, actor, patient_id, ops
        spec = self.spec
        self.title = spec.title
        table = spec.table
        self.model: DtoTableModel[T] = FadingTableModel(table.columns, table.faded or _never)
        self.table = make_table(self.model, spec.title, table.stretch)
        self.buttons: dict[str, QPushButton] = {}
        self.toolbar = QHBoxLayout()
        for trailing in (False, True):  # the buttons, a gap, those at the right end
            if trailing:
                self.toolbar.addStretch()
            for action in spec.actions:
                if action.trailing == trailing:
                    self._add_button(action)
        self.toggle: QCheckBox | None = None
        if spec.toggle is not None:
            self.toggle = QCheckBox(spec.toggle.text)
            self.toggle.setAccessibleName(spec.toggle.name)
            self.toggle.toggled.connect(self._on_toggle_toggled)
            self.toolbar.addWidget(self.toggle)
            self._expose(spec.toggle.key, self.toggle)
        self.note = QLabel()
        self.note.setAccessibleName(spec.note.name if spec.note else f"{spec.title} note")
        self.note.hide()
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.body = QVBoxLayout(self)
        self.body.addLayout(self.toolbar)
        self.body.addWidget(self.note)
        self.body.addWidget(self.table, 1)
        self.add_extras()
        self.refresh()

    @property
    def services(self) -> Services:
        """The practice's services."""
        return self._services

    @property
    def actor(self) -> Actor:
        """The user working in this chart."""
        return self._actor

    @property
    def ops(self) -> Operations:
        """Runs this chart's service calls."""
        return self._ops

    def add_extras(self) -> None:
        """Hook: add the section's own widgets (called before the first load)."""

    def _expose(self, key: str, widget: QWidget) -> None:
        if hasattr(self, key):
            raise ValueError(f"key {key!r} is taken by the section")
        setattr(self, key, widget)

    def _add_button(self, action: Action[T]) -> None:
        button = QPushButton(action.text)
        button.setAccessibleName(action.text.replace("&", "").rstrip("…"))
        button.clicked.connect(lambda *_, key=action.key: self._on_action_clicked(key))
        if action.shortcut:
            shortcut = QShortcut(QKeySequence(action.shortcut), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda key=action.key: self._on_action_clicked(key))
        self.buttons[action.key] = button
        self._expose(action.key, button)
        self.toolbar.addWidget(button)

    def refresh(self) -> None:
        """Reload the rows, then the note and the buttons."""
        toggle, box = self.spec.toggle, self.toggle
        more = {toggle.keyword: box.isChecked()} if toggle and box else {}
        listing = self.spec.rows(self._services)
        rows = self._ops.run(lambda: listing(self._actor, self.patient_id, **more))
        if rows is not None:
            self.model.set_rows(rows)
        if self.spec.note is not None:
            text = self.spec.note.text(self.model.rows())
            self.note.setText(text)
            self.note.setVisible(bool(text))
        self.update_actions()

    def selected(self) -> T | None:
        """The selected row, or None."""
        return selected(self.table, self.model)

    def update_actions(self) -> None:
        """Show, enable and explain each button for the role, the list and the selection."""
        row = self.selected()
        rows = self.model.rows()
        for action in self.spec.actions:
            button = self.buttons[action.key]
            permitted = action.permitted(self._actor)
            listed = action.shown is None or action.shown(rows)
            button.setVisible(listed and (permitted or not action.hide_if_denied))
            why = action.why_not(self._actor, row, self.spec.a_noun)
            button.setEnabled(not why)
            keys = QKeySequence(action.shortcut).toString(QKeySequence.SequenceFormat.NativeText)
            button.setToolTip(why or (f"Shortcut: {keys}" if keys else ""))

    def run_action(self, key: str) -> object:
        """Do what the button ``key`` does; None when it cannot now or the user declined."""
        action = next(a for a in self.spec.actions if a.key == key)
        row = self.selected()
        if action.why_not(self._actor, row, self.spec.a_noun):
            return None
        question = action.confirm
        if question is not None:
            text = question(row) if callable(question) else question
            if not confirm(self, self.spec.noun.capitalize(), text):
                return None
        if action.form is not None:
            return self.open_form(action.form, row if action.row else None)
        args = (self, row) if action.row else (self,)
        if action.flow is not None:
            return action.flow(*args)
        call = action.call
        assert call is not None, f"action {key!r} declares no call, flow or form"
        return self._ops.run(lambda: call(*args), changes=f"chart:{self.patient_id}")

    def open_form(self, spec: FormSpec[T], row: T | None = None) -> SectionForm:
        """Open ``spec``'s dialog (for ``row``), window-modal, and return it."""
        dialog = (spec.dialog or SectionForm)(spec, self, row)
        dialog.open()
        return dialog

    def open_dialog(self, row: T | None = None) -> SectionForm:
        """Open the section's form (to edit ``row``, where it edits), window-modal."""
        assert self.spec.form is not None, f"{self.spec.title} declares no form"
        return self.open_form(self.spec.form, row)

    def has_unsaved(self) -> bool:
        """Nothing is typed here outside a dialog (its own Cancel asks)."""
        return False

    def save_drafts(self) -> None:
        """Nothing to save."""

    def _on_action_clicked(self, key: str) -> None:
        self.run_action(key)

    def _on_toggle_toggled(self, _checked: bool) -> None:
        self.refresh()

    def _on_table_selection_changed(self, *_: object) -> None:
        self.update_actions()

    def _on_table_double_clicked(self, _index: QModelIndex) -> None:
        action = next((a for a in self.spec.actions if a.double_click), None)
        if action is not None:
            self.run_action(action.key)


def _never(_row: object) -> bool:
    return False
