"""What the schedule screen does to appointments: book, move and resize (with undo), the
check-in flow, no-show and cancel; and who may do which from here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.domain.schedule import ProviderInfo
from emr_desktop.domain.security import Actor, Permission, Role
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.schedule import booking_dialog as booking
from emr_desktop.ui.schedule import dialogs, next_free
from emr_desktop.ui.schedule.day_grid import DayGrid


class EditsHost(Protocol):
    """What the edits need of the schedule view they act for."""

    actor: Actor
    services: Services
    ops: Operations
    grid: DayGrid
    providers: list[ProviderInfo]
    open_patient: Any  # a Qt signal carrying a patient id

    def go_to(self, day: dt.date) -> None: ...

    def reload(self) -> None: ...

    def window(self) -> QWidget: ...  # the parent of the dialogs it opens


S = AppointmentStatus
# Status flow shortcuts: one key each, shown in tooltips and menus.
STATUS_KEYS = {S.ARRIVED: "A", S.IN_ROOM: "R", S.COMPLETED: "C"}
NO_SHOW_KEY = "N"
UNDO_KEY = "Ctrl+Z"
STEP_WORDS = {S.ARRIVED: "Arrived", S.IN_ROOM: "In room", S.COMPLETED: "Completed"}
_FORWARD = {S.BOOKED: S.ARRIVED, S.ARRIVED: S.IN_ROOM, S.IN_ROOM: S.COMPLETED}
_BACK = {after: before for before, after in _FORWARD.items()}
_BACK[S.NO_SHOW] = S.BOOKED
_MOVABLE = (S.BOOKED, S.ARRIVED, S.IN_ROOM)


@dataclass(frozen=True)
class UndoStep:
    """How to put back the last change: a drag (the appointment's old start, provider and
    length) or a status step or no-show (its old status)."""

    appointment_id: int
    old_start: dt.datetime
    old_provider_id: int
    old_duration: int
    version: int  # the version after the change (a stale undo is refused by the service)
    old_status: AppointmentStatus | None = None


class ScheduleEdits:
    """Runs the schedule view's changes through the services and dialogs."""

    def __init__(self, view: EditsHost) -> None:
        self.view = view
        self.undo_steps: list[UndoStep] = []

    # ---- who may do what ---------------------------------------------------------------

    @property
    def can_book(self) -> bool:
        """Front desk and nurses book, move and cancel; physicians look and check in."""
        actor = self.view.actor
        return actor.can(Permission.SCHEDULE_BOOK) and actor.role is not Role.PHYSICIAN

    def can_flow(self, a: AppointmentRow) -> bool:
        """Whether this user may step this appointment through the check-in flow."""
        actor = self.view.actor
        if not actor.can(Permission.SCHEDULE_BOOK):
            return False
        return actor.role is not Role.PHYSICIAN or a.provider_id == actor.user_id

    def can_drag(self, a: AppointmentRow) -> bool:
        """Whether the block may be dragged (moved or resized)."""
        return self.can_book and a.status in _MOVABLE

    # ---- booking -----------------------------------------------------------------------

    def book_at(self, provider_id: int, start: dt.datetime) -> None:
        """Open the booking dialog for a free slot."""
        if not self.can_book:
            return
        v = self.view
        rows = booking.book_appointment(
            v.window(),
            v.services,
            v.actor,
            v.ops,
            provider_id=provider_id,
            start=start,
            duration_min=max(15, v.grid.slot_minutes),
        )
        v.reload()
        if rows:
            v.grid.select(rows[0].id)

    def find_free(self) -> None:
        """Search forward for the next free slot and show the day it is on."""
        if not self.can_book:
            return
        v = self.view
        slot = v.grid.cursor_slot()
        provider = slot[0] if slot else None
        after = max(dt.datetime.now(), slot[1] if slot else dt.datetime.now())
        rows = next_free.find_next_free(
            v.window(), v.services, v.actor, v.ops, provider_id=provider, after=after
        )
        if rows:
            v.go_to(rows[0].start_at.date())
            v.grid.select(rows[0].id)
        else:
            v.reload()

    def edit(self, a: AppointmentRow) -> None:
        """Open an appointment: the edit dialog for bookers, else the patient."""
        v = self.view
        if not self.can_book:
            v.open_patient.emit(a.patient_id)
            return
        changed = dialogs.edit_appointment(v.window(), v.services, v.actor, v.ops, a)
        v.reload()
        if changed is not None:
            v.grid.select(changed.id)

    # ---- moving ------------------------------------------------------------------------

    def move(self, a: AppointmentRow, new_start: dt.datetime, provider_id: int) -> bool:
        """Move after confirming old and new time; conflicts may be overridden with a reason."""
        v = self.view
        if not self.can_drag(a):
            return False
        name = None
        if provider_id != a.provider_id:
            name = next((p.name for p in v.providers if p.id == provider_id), None)
        if not dialogs.confirm_move(v.window(), a, new_start, a.duration_min, name):
            return False
        schedule = v.services.schedule

        def call(reason: str | None) -> AppointmentRow:
            return schedule.move(
                v.actor,
                a.id,
                new_start=new_start,
                new_provider_id=provider_id,
                expected_version=a.version,
                override_reason=reason,
            )

        return self._after_change(a, dialogs.run_with_override(v.window(), v.ops, call))

    def resize(self, a: AppointmentRow, duration_min: int) -> bool:
        """Change the length after confirming; conflicts may be overridden with a reason."""
        v = self.view
        if not self.can_drag(a) or not dialogs.confirm_move(
            v.window(), a, a.start_at, duration_min, None
        ):
            return False
        schedule = v.services.schedule

        def call(reason: str | None) -> AppointmentRow:
            return schedule.resize(
                v.actor,
                a.id,
                duration_min=duration_min,
                expected_version=a.version,
                override_reason=reason,
            )

        return self._after_change(a, dialogs.run_with_override(v.window(), v.ops, call))

    def _after_change(self, old: AppointmentRow, new: AppointmentRow | None) -> bool:
        if new is None:
            self.view.reload()
            return False
        step = UndoStep(old.id, old.start_at, old.provider_id, old.duration_min, new.version)
        self.undo_steps.append(step)
        self.view.ops.data_changed.emit(f"chart:{new.patient_id}")
        self.view.reload()
        self.view.grid.select(new.id)
        return True

    def undo(self) -> bool:
        """Put the last dragged appointment back where (and as long as) it was, or undo the
        last status step or no-show."""
        if not self.undo_steps or not self.view.actor.can(Permission.SCHEDULE_BOOK):
            return False
        step = self.undo_steps.pop()
        v, schedule = self.view, self.view.services.schedule
        if step.old_status is not None:
            was = step.old_status
            back = v.ops.run(
                lambda: schedule.set_status(
                    v.actor, step.appointment_id, was, expected_version=step.version
                ),
                changes="schedule",
            )
            v.go_to(step.old_start.date())
            if back is not None:
                v.grid.select(back.id)
            return back is not None

        def call(reason: str | None) -> AppointmentRow:
            moved = schedule.move(
                v.actor,
                step.appointment_id,
                new_start=step.old_start,
                new_provider_id=step.old_provider_id,
                expected_version=step.version,
                override_reason=reason,
            )
            if moved.duration_min == step.old_duration:
                return moved
            return schedule.resize(
                v.actor,
                moved.id,
                duration_min=step.old_duration,
                expected_version=moved.version,
                override_reason=reason,
            )

        back = dialogs.run_with_override(v.window(), v.ops, call)
        v.go_to(step.old_start.date())
        if back is not None:
            v.grid.select(back.id)
        return back is not None

    # ---- the check-in flow, no-show and cancel -----------------------------------------

    def step(self, a: AppointmentRow | None, to: AppointmentStatus) -> bool:
        """Move an appointment one step along (or back along) the check-in flow."""
        if (
            a is None
            or not self.can_flow(a)
            or to not in (_FORWARD.get(a.status), _BACK.get(a.status))
        ):
            return False
        v = self.view
        done = v.ops.run(
            lambda: v.services.schedule.set_status(v.actor, a.id, to, expected_version=a.version),
            changes=f"chart:{a.patient_id}",
        )
        self._remember_status(a, done)
        v.reload()
        return done is not None

    def _remember_status(self, a: AppointmentRow, done: AppointmentRow | None) -> None:
        if done is not None:
            self.undo_steps.append(
                UndoStep(a.id, a.start_at, a.provider_id, a.duration_min, done.version, a.status)
            )

    def no_show(self, a: AppointmentRow | None) -> bool:
        """Mark a booked appointment as a no-show."""
        if a is None or not self.can_book or a.status is not S.BOOKED:
            return False
        v = self.view
        done = v.ops.run(
            lambda: v.services.schedule.no_show(v.actor, a.id, expected_version=a.version),
            changes=f"chart:{a.patient_id}",
        )
        self._remember_status(a, done)
        v.reload()
        return done is not None

    def cancel(self, a: AppointmentRow | None) -> bool:
        """Cancel with a reason (one or this-and-following, asked by the dialog)."""
        if a is None or not self.can_book or a.status not in (S.BOOKED, S.ARRIVED):
            return False
        v = self.view
        done = dialogs.cancel_appointment(v.window(), v.services, v.actor, v.ops, a)
        v.reload()
        return done

    # ---- the context menu --------------------------------------------------------------

    def menu(self, a: AppointmentRow | None, provider_id: int, start: dt.datetime) -> QMenu:
        """What may be done with the appointment (or free slot) under the mouse or cursor."""
        menu = QMenu(self.view.window())

        def add(text: str, slot: object, key: str = "", enabled: bool = True) -> QAction:
            act = menu.addAction(text)
            if key:
                act.setShortcut(QKeySequence(key))
            act.setEnabled(enabled)
            act.triggered.connect(slot)
            return act

        if a is None:
            if self.can_book:
                add(f"Book at {start:%H:%M}…", lambda: self.book_at(provider_id, start), "Return")
                add("Find next free slot…", self.find_free)
            return menu
        chart_words = "Open chart" if self.view.actor.can(Permission.CHART_VIEW) else "Open patient"
        add(chart_words, lambda: self.view.open_patient.emit(a.patient_id))
        if self.can_book:
            add("Edit appointment…", lambda: self.edit(a), "Return", a.status in _MOVABLE)
        if self.can_flow(a):
            menu.addSeparator()
            for to, key in STATUS_KEYS.items():
                add(
                    STEP_WORDS[to],
                    lambda _=False, t=to: self.step(a, t),
                    key,
                    _FORWARD.get(a.status) is to,
                )
            back = _BACK.get(a.status)
            if back is not None:
                words = "Undo no-show" if a.status is S.NO_SHOW else f"Back to {back.value}"
                add(words.replace("_", " "), lambda: self.step(a, back))
        if self.can_book:
            add("No-show", lambda: self.no_show(a), NO_SHOW_KEY, a.status is S.BOOKED)
            menu.addSeparator()
            add(
                "Cancel appointment…",
                lambda: self.cancel(a),
                "Delete",
                a.status in (S.BOOKED, S.ARRIVED),
            )
        return menu

    def show_menu(
        self, a: AppointmentRow | None, provider_id: int, start: dt.datetime, pos: QPoint
    ) -> None:
        """Pop up the context menu."""
        menu = self.menu(a, provider_id, start)
        if not menu.isEmpty():
            menu.exec(pos)
        menu.deleteLater()
