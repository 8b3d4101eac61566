"""First run: the setup wizard creates a practice and the recovery sheet holds no secret."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.details import PracticeService
from emr_desktop.services.practice.store import PracticePaths
from emr_desktop.ui.setup_wizard import SetupWizard

PASSPHRASE = "river stones under moonlight"


def test_wizard_creates_the_practice_and_a_recovery_sheet_without_the_passphrase(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet = tmp_path / "sheet.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(sheet), "PDF"))
    root = tmp_path / "practice"
    wizard = SetupWizard(root)
    qtbot.addWidget(wizard)
    wizard.show()
    values = {
        "name": "Lakeside Clinic",
        "city": "Duluth",
        "username": "manager",
        "full_name": "Mina Manager",
        "password": "Lakeside-2026!",
        "password2": "Lakeside-2026!",
        "passphrase": "too short",
        "passphrase2": "too short",
    }
    for key, value in values.items():
        wizard.fields[key].setText(value)
    wizard.next()
    wizard.next()
    assert not wizard.validateCurrentPage()  # passphrase too short: says so, creates nothing
    assert "passphrase" in wizard.error.text().lower()
    assert not PracticePaths(root).exists()
    wizard.fields["passphrase"].setText(PASSPHRASE)
    wizard.fields["passphrase2"].setText(PASSPHRASE)
    assert wizard.validateCurrentPage()
    assert wizard.database is not None and PracticePaths(root).exists()
    admin = AuthService(wizard.database).login("manager", "Lakeside-2026!")
    details = PracticeService(wizard.database).details(admin)
    assert (details.name, details.city) == ("Lakeside Clinic", "Duluth")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet.read_bytes())).pages)
    assert "Lakeside Clinic" in text and "passphrase" in text.lower()
    assert PASSPHRASE not in text and PASSPHRASE.encode() not in sheet.read_bytes()
    wizard.database.dispose()
