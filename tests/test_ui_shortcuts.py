"""One keyboard table without clashes (issue 19, item 7): the menu bar's Alt letters are
not used by any button or label of the chart, no chart section uses one Alt letter twice,
and no two actions of the main window share a Ctrl shortcut."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re
from collections import Counter

from conftest import STAFF_PASSWORD, Clinic
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.ui.chart.chart_view import ChartView
from emr_desktop.ui.context import Services
from emr_desktop.ui.main_window import MainWindow


def mnemonic(text: str) -> str | None:
    """The Alt letter of a label ("Si&gn" -> "g"), if it has one."""
    found = re.search(r"&([^&])", text.replace("&&", ""))
    return found.group(1).lower() if found else None


def alt_letters(widget: QWidget) -> list[str]:
    """Every Alt letter inside ``widget``: buttons, group boxes, labels with a buddy."""
    texts = [b.text() for b in widget.findChildren(QAbstractButton)]
    texts += [g.title() for g in widget.findChildren(QGroupBox)]
    texts += [lbl.text() for lbl in widget.findChildren(QLabel) if lbl.buddy() is not None]
    return [m for m in map(mnemonic, texts) if m]


def test_no_alt_letter_clashes_and_no_ctrl_shortcut_is_used_twice(
    qtbot: QtBot, clinic: Clinic
) -> None:
    services = Services(clinic.db)
    doctor = services.auth.login(clinic.doctor.username, STAFF_PASSWORD)
    window = MainWindow(services, doctor, "Test Practice")
    qtbot.addWidget(window)
    window.show()
    window.workspace.open_patient(clinic.patient())
    chart = window.workspace.current_chart()
    assert isinstance(chart, ChartView)
    menus = [mnemonic(a.text()) for a in window.menuBar().actions()]
    assert len(set(menus)) == len(menus), menus
    for section in chart.sections:
        letters = alt_letters(section)
        name = type(section).__name__
        assert not set(letters) & set(menus), f"{name} uses a menu's Alt letter"
        twice = [k for k, n in Counter(letters).items() if n > 1]
        assert twice == [], f"{name} uses Alt+{twice} twice"
    keys = [  # each action's keys once (F5 is also the platform's Refresh key)
        key
        for a in window.findChildren(QAction)
        if a.associatedObjects()
        for key in {s.toString() for s in a.shortcuts()}
    ]
    keys += [s.key().toString() for s in window.findChildren(QShortcut)]
    twice = [k for k, n in Counter(keys).items() if n > 1 and k]
    assert twice == []
