"""The chart banner: always visible, two identifiers, allergies or their absence, alerts."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout

from emr_desktop.domain.chart import Banner

ALLERGY_COLORS = {"recorded": "#b00020", "nka": "#1b5e20", "not recorded": "#8a5a00"}


def allergy_text(banner: Banner) -> str:
    """What the banner says about allergies, in words (NKA only when recorded as such)."""
    if banner.allergy_state == "recorded":
        return "Allergies: " + "; ".join(banner.allergies)
    if banner.allergy_state == "nka":
        return "NKA (no known allergies)"
    return "Allergies not recorded"


class BannerWidget(QFrame):
    """Name, date of birth and age, sex, MRN; allergies; alerts."""

    def __init__(self) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("chartBanner")
        self.name = QLabel()
        self.name.setAccessibleName("Patient name")
        self.ids = QLabel()
        self.ids.setAccessibleName("Patient identifiers")
        self.allergies = QLabel()
        self.allergies.setAccessibleName("Allergies")
        self.allergies.setWordWrap(True)
        self.alerts = QLabel()
        self.alerts.setAccessibleName("Alerts")
        self.alerts.setWordWrap(True)
        left = QVBoxLayout()
        left.setSpacing(2)
        left.addWidget(self.name)
        left.addWidget(self.ids)
        right = QVBoxLayout()
        right.setSpacing(2)
        right.addWidget(self.allergies)
        right.addWidget(self.alerts)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 3)

    def show_banner(self, b: Banner) -> None:
        """Fill in ``b``."""
        self.name.setText(
            f"<span style='font-size:16pt; font-weight:600'>{html.escape(b.display_name)}</span>"
        )
        status = ""
        if b.merged_into_mrn:
            status = f" · <b style='color:#b00020'>MERGED into MRN {b.merged_into_mrn}</b>"
        elif not b.active:
            status = " · <b style='color:#b00020'>INACTIVE</b>"
        self.ids.setText(
            f"DOB <b>{b.birth_date:%m/%d/%Y}</b> ({b.age} y) · {b.sex_at_birth.value.title()}"
            f" · MRN <b>{b.mrn}</b>{status}"
        )
        color = ALLERGY_COLORS[b.allergy_state]
        self.allergies.setText(f"<b style='color:{color}'>{html.escape(allergy_text(b))}</b>")
        self.alerts.setText(f"<b>Alerts:</b> {html.escape(b.alerts)}" if b.alerts else "")
        self.alerts.setVisible(bool(b.alerts))
