"""'Find next free slot': pick provider, type and length; the free starts found searching
forward across days; "Later" continues; choosing one opens the booking form prefilled."""

from __future__ import annotations

import datetime as dt
import heapq

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.schedule import ProviderInfo
from emr_desktop.domain.security import Actor
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.schedule.appointment_fields import (
    APPOINTMENT_TYPES,
    date_field,
    length_field,
    provider_combo,
    time_field,
    type_combo,
    when_of,
    when_words,
)
from emr_desktop.ui.schedule.booking_dialog import BookingDialog

PAGE = 8  # slots shown per search
_ANY = -1


class NextFreeDialog(QDialog):
    """Finds free slots; after accept() ``booked`` holds what the booking form booked."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        ops: Operations,
        *,
        provider_id: int | None,
        after: dt.datetime,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find the next free slot")
        self._services, self._actor, self._ops = services, actor, ops
        self.booked: list[AppointmentRow] = []
        self._providers: list[ProviderInfo] = (
            ops.run(lambda: services.schedule.providers(actor)) or []
        )
        self._cursor: dt.datetime = after
        self.slots: list[tuple[dt.datetime, int]] = []  # (start, provider id) by list row
        self.provider = provider_combo(self._providers, provider_id)
        self.provider.insertItem(0, "Any provider", _ANY)
        if provider_id is None:
            self.provider.setCurrentIndex(0)
        self.kind = type_combo()
        self.kind.currentTextChanged.connect(self._on_kind_current_text_changed)
        self.length = length_field(APPOINTMENT_TYPES["Follow-up"])
        self.date = date_field(after.date())
        self.time = time_field(after.time())
        self.results = QListWidget()
        self.results.setAccessibleName("Free slots")
        self.results.itemActivated.connect(self._on_results_item_activated)
        self.caption = QLabel()
        search = QPushButton("&Search")
        search.clicked.connect(self.search)
        self.later = QPushButton("&Later")
        self.later.setToolTip("Show the free slots after the last one listed")
        self.later.clicked.connect(self.show_later)
        self.later.setEnabled(False)
        self.book_button = QPushButton("&Book this slot…")
        self.book_button.setDefault(True)
        self.book_button.clicked.connect(self.book_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.later, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.book_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Provider", self.provider)
        form.addRow("Type", self.kind)
        form.addRow("Length", self.length)
        form.addRow("From", self.date)
        form.addRow("", self.time)
        form.addRow("", search)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.caption)
        layout.addWidget(self.results, 1)
        layout.addWidget(buttons)
        self.resize(520, 520)
        self.search()

    def _on_kind_current_text_changed(self, text: str) -> None:
        usual = APPOINTMENT_TYPES.get(text)
        if usual is not None:
            self.length.setValue(usual)

    def _chosen_providers(self) -> list[ProviderInfo]:
        chosen = self.provider.currentData()
        if chosen == _ANY:
            return self._providers
        return [p for p in self._providers if p.id == chosen]

    def search(self) -> None:
        """List the first free slots from the date and time in the form."""
        self.results.clear()
        self.slots = []
        self._list_from(when_of(self.date, self.time))

    def show_later(self) -> None:
        """List the free slots after the last one shown."""
        self.results.clear()
        self.slots = []
        self._list_from(self._cursor)

    def _list_from(self, start: dt.datetime) -> None:
        found = self._ops.run(lambda: self._find(start, PAGE))
        if found is None:
            return
        names = {p.id: p.name for p in self._providers}
        for when, provider_id in found:
            item = QListWidgetItem(
                f"{when_words(when, self.length.value())}   {names.get(provider_id, '')}"
            )
            self.results.addItem(item)
        self.slots = list(found)
        if found:
            self._cursor = found[-1][0] + dt.timedelta(minutes=1)
            self.results.setCurrentRow(0)
            self.results.setFocus()
            self.caption.setText("Free slots (Enter books the one selected):")
        else:
            self.caption.setText("No free slot in the next 60 days.")
        self.later.setEnabled(len(found) == PAGE)

    def _find(self, start: dt.datetime, wanted: int) -> list[tuple[dt.datetime, int]]:
        """The ``wanted`` earliest (start, provider) free slots, merged across providers."""
        schedule, minutes = self._services.schedule, self.length.value()
        kind = self.kind.currentText()
        heap: list[tuple[dt.datetime, int]] = []
        for p in self._chosen_providers():
            first = schedule.next_free_slot(self._actor, p.id, minutes, after=start, kind=kind)
            if first is not None:
                heapq.heappush(heap, (first, p.id))
        out: list[tuple[dt.datetime, int]] = []
        while heap and len(out) < wanted:
            when, provider_id = heapq.heappop(heap)
            out.append((when, provider_id))
            later = schedule.next_free_slot(
                self._actor,
                provider_id,
                minutes,
                after=when + dt.timedelta(minutes=1),
                kind=kind,
            )
            if later is not None:
                heapq.heappush(heap, (later, provider_id))
        return out

    def _on_results_item_activated(self, _item: QListWidgetItem) -> None:
        self.book_selected()

    def book_selected(self) -> None:
        """Open the booking form on the selected slot; close this when it booked."""
        row = self.results.currentRow()
        if not 0 <= row < len(self.slots):
            return
        when, provider_id = self.slots[row]
        dialog = BookingDialog(
            self._services,
            self._actor,
            self._ops,
            provider_id=int(provider_id),
            start=when,
            duration_min=self.length.value(),
            kind=self.kind.currentText(),
            parent=self,
        )
        if dialog.exec() and dialog.booked:
            self.booked = dialog.booked
            self.accept()


def find_next_free(
    parent: QWidget | None,
    services: Services,
    actor: Actor,
    ops: Operations,
    *,
    provider_id: int | None,
    after: dt.datetime,
) -> list[AppointmentRow] | None:
    """Search forward for free slots; choosing one opens the booking dialog prefilled."""
    dialog = NextFreeDialog(
        services, actor, ops, provider_id=provider_id, after=after, parent=parent
    )
    return dialog.booked if dialog.exec() and dialog.booked else None
