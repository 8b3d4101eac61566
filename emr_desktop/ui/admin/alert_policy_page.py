"""The manager's Prescribing alerts page: which severities interrupt signing (need a
reason to override) and which only inform. Contraindicated always interrupts."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.prescribing import SEVERITIES
from emr_desktop.domain.security import Actor
from emr_desktop.services.prescribing.alert_policy import ALWAYS, AlertPolicyService
from emr_desktop.ui.ops import Operations

_WORDS = {
    "contraindicated": "Contraindicated (always interrupts)",
    "major": "Major",
    "moderate": "Moderate",
    "minor": "Minor",
    "info": "Information only",
}


class AlertPolicyPage(QWidget):
    """One check box per severity; Save stores the choice (audited by the service)."""

    def __init__(self, policy: AlertPolicyService, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self._policy, self.actor, self._ops = policy, actor, ops
        box = QGroupBox("Which safety alerts interrupt signing")
        inner = QVBoxLayout(box)
        self.boxes: dict[str, QCheckBox] = {}
        for severity in SEVERITIES:
            check = QCheckBox(_WORDS.get(severity, severity))
            check.setAccessibleName(f"{severity} interrupts")
            check.setEnabled(severity not in ALWAYS)
            self.boxes[severity] = check
            inner.addWidget(check)
        about = QLabel(
            "A ticked severity stops the prescriber until they give a reason to override "
            "it; the others are shown and only inform. Every change is recorded in the "
            "audit log."
        )
        about.setWordWrap(True)
        inner.addWidget(about)
        self.save_button = QPushButton("&Save alert settings")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel()
        self.message.setAccessibleName("Save result")
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addLayout(row)
        layout.addStretch(1)

    def refresh(self) -> None:
        """Show what is saved."""
        current = self._ops.run(lambda: self._policy.interrupting(self.actor))
        if current is None:
            return
        for severity, check in self.boxes.items():
            check.setChecked(severity in current)
        self.message.clear()

    def chosen(self) -> list[str]:
        """The severities ticked."""
        return [s for s, check in self.boxes.items() if check.isChecked()]

    def save(self) -> None:
        """Store the choice."""
        saved = self._ops.run(lambda: self._policy.update(self.actor, self.chosen()))
        if saved is not None:
            self.refresh()
            self.message.setText("Saved: " + ", ".join(saved) + " interrupt signing.")
