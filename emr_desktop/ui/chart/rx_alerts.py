"""The safety alerts of a prescription batch: severity in colour and word, what and why,
and a reason field under each alert that must be overridden before signing."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.prescribing import SafetyAlert
from emr_desktop.ui.discard import DiscardGuard

# severity -> (label, icon, text colour, fill): a word and a shape as well as a colour,
# so the severity reads without colour vision and on a grey printout of a screenshot.
SEVERITY_LOOK: dict[str, tuple[str, str, str, str]] = {
    "contraindicated": ("CONTRAINDICATED", "■", "#8c1010", "#fde2e1"),
    "major": ("MAJOR", "▲", "#a3330b", "#fdeadb"),
    "moderate": ("MODERATE", "●", "#7a5a00", "#fff6d6"),
    "minor": ("MINOR", "◆", "#3d5a1d", "#eef6e4"),
    "info": ("INFO", "○", "#1d4f91", "#e8f0fb"),
}
_ORDER = {name: i for i, name in enumerate(SEVERITY_LOOK)}


class AlertCard(QFrame):
    """One alert; a reason field when it needs an override."""

    def __init__(self, alert: SafetyAlert, about: str, on_edit: Callable[[], None]) -> None:
        super().__init__()
        self.alert = alert
        label, icon, ink, fill = SEVERITY_LOOK[alert.severity]
        self.setObjectName("alertCard")
        self.setStyleSheet(
            f"QFrame#alertCard {{ background: {fill}; border: 1px solid {ink};"
            " border-left: 5px solid " + ink + "; border-radius: 3px; }"
        )
        head = QLabel(
            f"<span style='color:{ink}; font-weight:bold'>{icon} {label}</span>"
            f"&nbsp;&nbsp;<b>{html.escape(alert.kind.replace('_', ' ').capitalize())}</b>"
            + (f"&nbsp;·&nbsp;{html.escape(about)}" if about else "")
        )
        head.setTextFormat(Qt.TextFormat.RichText)
        message = QLabel(alert.message)
        message.setWordWrap(True)
        self._message = message
        message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)
        layout.addWidget(head)
        layout.addWidget(message)
        self.reason: QLineEdit | None = None
        self.missing = QLabel("A reason is needed to sign despite this alert.")
        self.missing.setStyleSheet("color: #b00020; font-weight: bold;")
        self.missing.hide()
        if alert.requires_override:
            self.reason = QLineEdit()
            self.reason.setPlaceholderText("Reason to override (required to sign)")
            self.reason.setAccessibleName(f"Override reason: {alert.kind}")
            self.reason.textChanged.connect(lambda _text: on_edit())
            layout.addWidget(self.reason)
            layout.addWidget(self.missing)
        self.setAccessibleName(f"{label} alert: {alert.message}")

    def fit_width(self, width: int) -> None:
        """Size the message for a card ``width`` pixels wide, so all of it shows: a wrapped
        label inside a scroll area is otherwise squeezed and its end cut off."""
        inner = max(width - 8 - 8 - 6, 50)  # margins and the coloured borders
        self._message.setFixedHeight(self._message.heightForWidth(inner))


class AlertPanel(QWidget):
    """Every alert of the last check, most severe first; tells when reasons are complete."""

    reasons_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards: list[AlertCard] = []
        self.summary = QLabel("Not checked yet: press Check to run the safety checks.")
        self.summary.setWordWrap(True)
        self._inner = QWidget()
        self._list = QVBoxLayout(self._inner)
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.addStretch()
        scroll = QScrollArea()
        self._scroll = scroll
        scroll.setWidget(self._inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)
        self.setAccessibleName("Safety alerts")

    def show_alerts(
        self,
        alerts: Sequence[SafetyAlert],
        drug_names: Mapping[int, str] | None = None,
        *,
        unresolved: Sequence[str] = (),
    ) -> None:
        """Show ``alerts``; keep reasons already typed for the same keys."""
        typed = self.reasons()
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        names = drug_names or {}
        for alert in sorted(alerts, key=lambda a: _ORDER[a.severity]):
            about = ", ".join(names[i] for i in alert.prescription_ids if i in names)
            card = AlertCard(alert, about, self.reasons_changed.emit)
            if card.reason is not None:
                card.reason.setText(typed.get(alert.key, ""))
                card.missing.setVisible(alert.key in unresolved and not typed.get(alert.key))
            self._list.insertWidget(self._list.count() - 1, card)
            self.cards.append(card)
        need = sum(1 for a in alerts if a.requires_override)
        if not alerts:
            self.summary.setText("✔ No safety alerts for these prescriptions.")
        else:
            count = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
            extra = f"; {need} need{'s' if need == 1 else ''} an override reason" if need else ""
            self.summary.setText(f"{count}{extra}. Review each before signing.")
        self._fit_cards()
        self.reasons_changed.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Re-measure the messages when the panel's width changes."""
        super().resizeEvent(event)
        self._fit_cards()

    def _fit_cards(self) -> None:
        width = self._scroll.viewport().width()
        bar = self._scroll.verticalScrollBar()
        if not bar.isVisible():
            width -= bar.sizeHint().width()  # leave room should a scroll bar appear
        for card in self.cards:
            card.fit_width(width)

    def clear(self) -> None:
        """Forget the alerts (the batch changed: it must be checked again)."""
        self.show_alerts([])
        self.summary.setText("Not checked yet: press Check to run the safety checks.")

    def reasons(self) -> dict[str, str]:
        """The override reasons typed, by alert key (blank ones left out)."""
        return {
            c.alert.key: c.reason.text().strip()
            for c in self.cards
            if c.reason is not None and c.reason.text().strip()
        }

    def missing_reasons(self) -> list[str]:
        """Keys of alerts that need an override and have no reason yet."""
        given = self.reasons()
        return [
            c.alert.key for c in self.cards if c.reason is not None and c.alert.key not in given
        ]


class OverrideDialog(QDialog):
    """The alerts of a one-step renewal; Sign stays disabled until every reason is typed."""

    def __init__(
        self,
        title: str,
        alerts: Sequence[SafetyAlert],
        drug_names: Mapping[int, str],
        parent: QWidget,
        header: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.guard = DiscardGuard(self, "Discard the override reason you typed?")
        self.header = header
        self.setWindowTitle(title)
        self.panel = AlertPanel(self)
        self.panel.show_alerts(alerts, drug_names)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_button = QPushButton("&Sign")
        self.buttons.addButton(self.sign_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.panel.reasons_changed.connect(self._on_panel_reasons_changed)
        layout = QVBoxLayout(self)
        if header is not None:  # the patient's two identifiers (the renewals inbox)
            layout.addWidget(header)
        layout.addWidget(self.panel, 1)
        layout.addWidget(self.buttons)
        self.resize(620, 420)
        self._on_panel_reasons_changed()

    def reject(self) -> None:
        """Qt override (Esc, Cancel, the close box): ask before typed content is lost."""
        if self.guard.may_close():
            super().reject()

    def _on_panel_reasons_changed(self) -> None:
        self.sign_button.setEnabled(not self.panel.missing_reasons())
