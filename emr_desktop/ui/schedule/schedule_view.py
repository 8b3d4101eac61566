"""The Schedule tab: day view (providers side by side) or one provider's week, the waiting
room beside it, a toolbar, keyboard shortcuts, and a quiet poll for other workstations."""

from __future__ import annotations

import datetime as dt
import logging

from PySide6.QtCore import QDate, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QMenu,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.schedule import DayView, ProviderInfo, WeekView
from emr_desktop.domain.security import Actor, Permission, Role
from emr_desktop.errors import EmrError
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.schedule import dialogs
from emr_desktop.ui.schedule.appointment_fields import use_types
from emr_desktop.ui.schedule.day_grid import DayGrid
from emr_desktop.ui.schedule.grid_layout import changed_patients, day_columns, week_columns
from emr_desktop.ui.schedule.schedule_edits import (
    NO_SHOW_KEY,
    STATUS_KEYS,
    STEP_WORDS,
    UNDO_KEY,
    ScheduleEdits,
)
from emr_desktop.ui.schedule.waiting_room import WaitingRoomPanel

log = logging.getLogger("emr_desktop.ui")
POLL_MS = 5_000


def _settings_key(actor: Actor) -> str:
    # Provider ids only (no patient data); per user, so each remembers their own columns.
    return f"schedule/providers/user{actor.user_id}"


class ScheduleView(QWidget):
    """The appointment book of the practice, as the front desk and the clinicians use it."""

    open_patient = Signal(int)

    def __init__(self, services: Services, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self.services, self.actor, self.ops = services, actor, ops
        self.edits = ScheduleEdits(self)
        self.day = dt.date.today()
        self.mode = "day"
        self.data: DayView | WeekView | None = None
        self._painted_minute = -1
        self._polled = False
        self.providers: list[ProviderInfo] = (
            ops.run(lambda: services.schedule.providers(actor)) or []
        )
        self.chosen: list[int] = self._remembered()
        use_types(ops.run(lambda: services.schedule.appointment_types(actor)) or [])
        self.grid = DayGrid()
        self.grid.can_drag = self.edits.can_drag
        self.grid.tooltip_for = self.tooltip_text
        self.waiting = WaitingRoomPanel()
        self.waiting.can_flow = self.edits.can_flow
        self.waiting.set_buttons_visible(actor.can(Permission.SCHEDULE_BOOK))
        self._build_toolbar()
        split = QSplitter()
        split.addWidget(self.grid)
        split.addWidget(self.waiting)
        split.setStretchFactor(0, 1)
        split.setSizes([1000, 400])
        self.splitter = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.toolbar)
        layout.addWidget(split, 1)
        self._connect()
        self._shortcuts()
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        self.reload()
        self._scroll_to_start()

    # ---- building ----------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = QHBoxLayout()

        def button(text: str, tip: str, slot: object) -> QToolButton:
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setAutoRaise(False)
            b.clicked.connect(slot)
            bar.addWidget(b)
            return b

        self.today_button = button("Today", "Go to today (T)", self.go_today)
        self.prev_button = button("◀", "Previous day or week (Alt+Left)", lambda: self.step(-1))
        self.next_button = button("▶", "Next day or week (Alt+Right)", lambda: self.step(1))
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd MMM d, yyyy")
        self.date_edit.setAccessibleName("Schedule date")
        self.date_edit.setDate(QDate(self.day.year, self.day.month, self.day.day))
        bar.addWidget(self.date_edit)
        self.day_button = button(
            "Day", "One day, providers side by side", lambda: self.set_mode("day")
        )
        self.week_button = button("Week", "One provider's week", lambda: self.set_mode("week"))
        group = QButtonGroup(self)
        for b in (self.day_button, self.week_button):
            b.setCheckable(True)
            group.addButton(b)
        self.day_button.setChecked(True)
        self.provider_button = QToolButton()
        self.provider_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.provider_button.setToolTip("Choose the providers shown (remembered)")
        self.provider_menu = QMenu(self.provider_button)
        self.provider_button.setMenu(self.provider_menu)
        bar.addWidget(self.provider_button)
        self.week_provider = QComboBox()
        self.week_provider.setAccessibleName("Provider of the week")
        for p in self.providers:
            self.week_provider.addItem(p.name, p.id)
        self.week_provider.setVisible(False)
        bar.addWidget(self.week_provider)
        self.show_cancelled = QCheckBox("Show cancelled")
        bar.addWidget(self.show_cancelled)
        bar.addStretch()
        self.find_button = button(
            "Find next free slot…", "Search forward for a free time", self.edits.find_free
        )
        self.find_button.setVisible(self.edits.can_book)
        self.print_button = button(
            "Print day sheet…", "The day's list per provider", self._on_print
        )
        self.undo_button = button(
            "Undo", f"Undo the last move, check-in step or no-show ({UNDO_KEY})", self.edits.undo
        )
        self.undo_button.setVisible(self.actor.can(Permission.SCHEDULE_BOOK))
        self.undo_button.setEnabled(False)
        self.toolbar: QHBoxLayout = bar
        self._fill_provider_menu()

    def _fill_provider_menu(self) -> None:
        menu = self.provider_menu
        everyone = menu.addAction("All providers")
        everyone.triggered.connect(lambda: self.choose_providers([p.id for p in self.providers]))
        if self.actor.role is Role.PHYSICIAN:
            mine = menu.addAction("Only me")
            mine.triggered.connect(lambda: self.choose_providers([self.actor.user_id]))
        menu.addSeparator()
        self.provider_actions = {}
        for p in self.providers:
            act = menu.addAction(p.name)
            act.setCheckable(True)
            act.toggled.connect(lambda on, pid=p.id: self._on_provider_toggled(pid, on))
            self.provider_actions[p.id] = act
        self._show_choice()

    def _show_choice(self) -> None:
        for pid, act in self.provider_actions.items():
            act.blockSignals(True)
            act.setChecked(pid in self.chosen)
            act.blockSignals(False)
        self.provider_button.setText(f"Providers ({len(self.chosen)} of {len(self.providers)})")

    def _connect(self) -> None:
        g = self.grid
        g.slot_activated.connect(self.edits.book_at)
        g.appointment_activated.connect(self.edits.edit)
        g.move_requested.connect(self.edits.move)
        g.resize_requested.connect(self.edits.resize)
        g.context_requested.connect(self.edits.show_menu)
        g.selection_changed.connect(lambda _: self._update_tooltip())
        self.waiting.status_requested.connect(lambda a, to: self.edits.step(a, to))
        self.waiting.open_requested.connect(lambda a: self.open_patient.emit(a.patient_id))
        self.date_edit.dateChanged.connect(self._on_date_edit_changed)
        self.show_cancelled.toggled.connect(self._on_show_cancelled_toggled)
        self.week_provider.currentIndexChanged.connect(lambda _: self.reload())
        self.ops.data_changed.connect(self._on_ops_data_changed)

    def _shortcuts(self) -> None:
        keys: list[tuple[str, object]] = [
            ("Alt+Left", lambda: self.step(-1)),
            ("Alt+Right", lambda: self.step(1)),
            ("T", self.go_today),
        ]
        for to, key in STATUS_KEYS.items():
            keys.append((key, lambda t=to: self.edits.step(self.current(), t)))
        if self.edits.can_book:
            keys += [
                (NO_SHOW_KEY, lambda: self.edits.no_show(self.current())),
                ("Delete", lambda: self.edits.cancel(self.current())),
                (UNDO_KEY, self.edits.undo),
            ]
        self.shortcuts: dict[str, QShortcut] = {}
        for key, slot in keys:
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
            self.shortcuts[key] = sc

    # ---- navigation --------------------------------------------------------------------

    def show_day(self, day: dt.date, provider_ids: list[int] | None = None) -> None:
        """Show the day view of ``day`` for these providers (None: those chosen)."""
        if provider_ids is not None:
            self.chosen = list(provider_ids)
            self._show_choice()
        self.mode = "day"
        self.day_button.setChecked(True)
        self.week_provider.setVisible(False)
        self.go_to(day)

    def show_week(self, provider_id: int, day: dt.date) -> None:
        """Show one provider's week around ``day``."""
        self.week_provider.setCurrentIndex(max(0, self.week_provider.findData(provider_id)))
        self.set_mode("week")
        self.go_to(day)

    def set_mode(self, mode: str) -> None:
        """'day' or 'week'; the week starts on the provider of the cursor's column."""
        if mode == "week" and self.mode != "week":
            slot = self.grid.cursor_slot()
            if slot is not None and self.week_provider.findData(slot[0]) >= 0:
                self.week_provider.setCurrentIndex(self.week_provider.findData(slot[0]))
        self.mode = mode
        self.week_button.setChecked(mode == "week")
        self.day_button.setChecked(mode == "day")
        self.week_provider.setVisible(mode == "week")
        self.provider_button.setVisible(mode == "day")
        self.reload()

    def go_to(self, day: dt.date) -> None:
        """Show ``day`` (its week in the week view)."""
        self.day = day
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.date_edit.blockSignals(False)
        self.reload()

    def go_today(self) -> None:
        """Back to today."""
        self.go_to(dt.date.today())
        self._scroll_to_start()

    def step(self, direction: int) -> None:
        """Previous or next day (or week, in the week view)."""
        days = 7 if self.mode == "week" else 1
        self.go_to(self.day + dt.timedelta(days=days * direction))

    def choose_providers(self, ids: list[int]) -> None:
        """Show these providers' columns and remember the choice for this user."""
        order = {p.id: i for i, p in enumerate(self.providers)}
        self.chosen = sorted(set(ids) & set(order), key=order.__getitem__)
        QSettings().setValue(_settings_key(self.actor), ",".join(map(str, self.chosen)))
        self._show_choice()
        self.reload()

    def _remembered(self) -> list[int]:
        known = [p.id for p in self.providers]
        raw = QSettings().value(_settings_key(self.actor), None)
        if isinstance(raw, str) and raw:
            ids = [int(x) for x in raw.split(",") if x.isdigit()]
            return [i for i in known if i in ids]
        if self.actor.role is Role.PHYSICIAN and self.actor.user_id in known:
            return [self.actor.user_id]
        return known

    # ---- loading -----------------------------------------------------------------------

    def _fetch(self) -> DayView | WeekView:
        schedule, cancelled = self.services.schedule, self.show_cancelled.isChecked()
        if self.mode == "week" and self.week_provider.currentData() is not None:
            pid = int(self.week_provider.currentData())
            return schedule.week(self.actor, pid, self.day, include_cancelled=cancelled)
        return schedule.day(self.actor, self.day, list(self.chosen), include_cancelled=cancelled)

    def reload(self) -> None:
        """Fetch and show (keeping selection and scroll); errors are shown to the user."""
        data = self.ops.run(self._fetch)
        if data is not None:
            self._apply(data)
        self._load_waiting()

    def poll(self) -> None:
        """Pick up changes made on other workstations, unless the user is busy here."""
        busy = QApplication.activeModalWidget() is not None or QApplication.activePopupWidget()
        if not self.isVisible() or busy or self.grid.is_dragging():
            return
        try:
            data = self._fetch()
        except EmrError:
            log.info("schedule poll failed")
            return
        if data != self.data:
            changed = changed_patients(self.data, data)
            self._apply(data)
            self._polled = True  # what follows is news for the patient tabs, not for us
            try:
                for pid in sorted(changed):  # open patient tabs show the other PC's change
                    self.ops.data_changed.emit(f"chart:{pid}")
            finally:
                self._polled = False
        elif dt.datetime.now().minute != self._painted_minute:
            self.grid.viewport().update()  # the red line moves on
        self._painted_minute = dt.datetime.now().minute
        self._load_waiting(quiet=True)

    def _apply(self, data: DayView | WeekView) -> None:
        self.data = data
        columns = day_columns(data) if isinstance(data, DayView) else week_columns(data)
        self.grid.set_columns(columns, data.slot_minutes)
        self.undo_button.setEnabled(bool(self.edits.undo_steps))

    def _load_waiting(self, *, quiet: bool = False) -> None:
        schedule, today = self.services.schedule, dt.date.today()
        if quiet:
            try:
                rows = schedule.waiting_room(self.actor, today)
            except EmrError:
                return
        else:
            found = self.ops.run(lambda: schedule.waiting_room(self.actor, today))
            if found is None:
                return
            rows = found
        self.waiting.set_rows(rows)

    def current(self) -> AppointmentRow | None:
        """The appointment the keys act on: the waiting room's if it has focus, else the grid's."""
        if self.waiting.table.hasFocus() and self.waiting.current() is not None:
            return self.waiting.current()
        return self.grid.selected()

    def refresh(self) -> None:
        """F5: reload the day."""
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        """Qt override: catch up at once when the tab comes to the front."""
        super().showEvent(event)
        QTimer.singleShot(0, self.poll)

    def _scroll_to_start(self) -> None:
        now = dt.datetime.now()
        if self.day == now.date():
            self.grid.scroll_to_minute(now.hour * 60 + now.minute - 60)
        else:
            self.grid.scroll_to_minute(8 * 60)

    # ---- slots -------------------------------------------------------------------------

    def tooltip_text(self, a: AppointmentRow) -> str:
        """What a block's tooltip says: identifiers, time, type, reason, status and keys."""
        keys = ", ".join(f"{STEP_WORDS[t]} ({k})" for t, k in STATUS_KEYS.items())
        lines = [
            f"{a.patient_name} · DOB {a.patient_birth_date:%m/%d/%Y} · MRN {a.patient_mrn}",
            f"{a.start_at:%H:%M}, {a.duration_min} min · {a.kind}"
            + (f" · {a.reason}" if a.reason else ""),
            f"{a.provider}" + (f" · room {a.room}" if a.room else ""),
            f"Status: {a.status.value.replace('_', ' ')}"
            + (f" ({a.cancel_reason})" if a.cancel_reason else ""),
        ]
        if a.patient_phone:
            lines.append(f"Phone {a.patient_phone}")
        if self.edits.can_flow(a):
            lines.append(f"Keys: {keys}")
        if self.edits.can_book:
            lines.append(f"No-show ({NO_SHOW_KEY}); Cancel (Delete); Enter edits")
        return "\n".join(lines)

    def _update_tooltip(self) -> None:
        a = self.grid.selected()
        self.grid.setToolTip("" if a is None else self.tooltip_text(a))

    def _on_ops_data_changed(self, _what: str) -> None:
        if (
            self.isVisible() and not self._polled
        ):  # a hidden tab catches up when shown (showEvent polls)
            self.reload()

    def _on_date_edit_changed(self, value: QDate) -> None:
        self.go_to(dt.date(value.year(), value.month(), value.day()))

    def _on_show_cancelled_toggled(self, on: bool) -> None:
        self.grid.set_show_cancelled(on)
        self.reload()

    def _on_provider_toggled(self, provider_id: int, on: bool) -> None:
        ids = [i for i in self.chosen if i != provider_id] + ([provider_id] if on else [])
        self.choose_providers(ids)

    def _on_print(self) -> None:
        ids = list(self.chosen)
        if isinstance(self.data, WeekView):
            ids = [self.data.provider.id]
        dialogs.print_day_sheet(self, self.services, self.actor, self.ops, self.day, ids)
