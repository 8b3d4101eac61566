"""The chart summary: the whole patient at a glance."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from emr_desktop.domain.chart import ChartSummary, LabRow, VitalsRow
from emr_desktop.domain.clinical import LabFlag
from emr_desktop.ui.format import lab_name, lab_value, vitals_line


def _box(title: str) -> tuple[QGroupBox, QLabel]:
    box = QGroupBox(title)
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(title)
    layout = QVBoxLayout(box)
    layout.addWidget(label)
    return box, label


def _lines(items: list[str], empty: str) -> str:
    if not items:
        return f"<i>{empty}</i>"
    return "<br>".join(items)


def _lab_line(lab: LabRow) -> str:
    text = (
        f"{lab.collected_at:%m/%d/%Y} {html.escape(lab_name(lab))}: {html.escape(lab_value(lab))}"
    )
    if lab.flag is not LabFlag.NORMAL:
        return f"<b style='color:#b00020'>{text} [{lab.flag.value}]</b>"
    return text


class SummaryWidget(QScrollArea):
    """Problems, medications, allergies, last vitals, labs, immunizations, appointments."""

    def __init__(self) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        inner = QWidget()
        grid = QGridLayout(inner)
        self._labels: dict[str, QLabel] = {}
        boxes = (
            ("problems", "Active problems", 0, 0),
            ("medications", "Active medications", 0, 1),
            ("allergies", "Allergies", 1, 0),
            ("vitals", "Last vitals", 1, 1),
            ("labs", "Recent abnormal labs", 2, 0),
            ("immunizations", "Immunizations due and given", 2, 1),
            ("appointments", "Upcoming appointments", 3, 0),
            ("visits", "Recent visits", 3, 1),
        )
        for key, title, row, col in boxes:
            box, label = _box(title)
            self._labels[key] = label
            grid.addWidget(box, row, col)
        grid.setRowStretch(4, 1)
        self.setWidget(inner)

    def show_summary(self, c: ChartSummary) -> None:
        """Fill every box from ``c``."""
        L = self._labels
        L["problems"].setText(
            _lines(
                [
                    f"{html.escape(p.description)} <span style='color:gray'>{p.code}</span>"
                    for p in c.active_problems
                ],
                "No active problems recorded",
            )
        )
        L["medications"].setText(
            _lines(
                [_med_line(m.drug_name, m.strength, m.sig) for m in c.active_medications],
                "No active medications recorded",
            )
        )
        state = c.banner.allergy_state
        L["allergies"].setText(
            _lines(
                [
                    f"<b style='color:#b00020'>{html.escape(a.substance)}</b>"
                    f" — {html.escape(a.reaction or 'reaction not recorded')} ({a.severity.value})"
                    for a in c.allergies
                ],
                "No known allergies (recorded)" if state == "nka" else "Allergies not recorded",
            )
        )
        L["vitals"].setText(_vitals(c.last_vitals))
        abnormal = [lab for lab in c.recent_labs if lab.flag is not LabFlag.NORMAL]
        L["labs"].setText(
            _lines(
                [_lab_line(lab) for lab in abnormal[:10]],
                "No abnormal results among the recent labs",
            )
        )
        due = [f"<b style='color:#8a5a00'>Due: {html.escape(d)}</b>" for d in c.immunizations_due]
        given = [f"{i.given_on:%m/%d/%Y} {html.escape(i.vaccine)}" for i in c.immunizations[:8]]
        L["immunizations"].setText(_lines(due + given, "No immunizations recorded"))
        L["appointments"].setText(
            _lines(
                [
                    f"{a.start_at:%a %m/%d/%Y %H:%M} {html.escape(a.kind)} "
                    f"with {html.escape(a.provider)}"
                    for a in c.upcoming_appointments
                ],
                "No upcoming appointments",
            )
        )
        visits = [
            f"{e.occurred_at.astimezone():%m/%d/%Y} {html.escape(e.kind)} — "
            f"{html.escape(e.reason)} ({e.status.value})"
            for e in c.recent_encounters
        ]
        if c.encounter_count > len(visits):
            visits.append(f"<i>… {c.encounter_count - len(visits)} earlier visits</i>")
        L["visits"].setText(_lines(visits, "No visits yet"))


def _med_line(drug: str, strength: str, sig: str) -> str:
    return f"<b>{html.escape(drug)}</b> {html.escape(strength)} — {html.escape(sig)}"


def _vitals(v: VitalsRow | None) -> str:
    if v is None:
        return "<i>No vitals recorded</i>"
    return f"{v.measured_at.astimezone():%m/%d/%Y %H:%M}<br>{html.escape(vitals_line(v))}"
