"""First run: the setup wizard creates a practice and the recovery sheet holds no secret."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import io
from pathlib import Path

import pytest
from conftest import ADMIN_PASSWORD, dispose_practice, make_practice, pg_server
from conftest import PASSPHRASE as CLINIC_PASSPHRASE
from pg_support import PG_URL
from pypdf import PdfReader
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from emr_desktop.persistence.server import ServerProfile, parse_server_url
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.details import PracticeService
from emr_desktop.services.practice.folder import PracticePaths
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
    assert wizard.choice.new_here.isChecked()  # the first choice: a new practice on this PC
    wizard.next()
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


@pytest.mark.skipif(not PG_URL, reason="needs the suite's PostgreSQL (EMR_TEST_PG_URL)")
def test_wizard_joins_this_pc_to_the_practice_server(qtbot: QtBot, tmp_path: Path) -> None:
    server = make_practice(tmp_path / "server-pc", engine="pg")
    try:
        url = parse_server_url(ServerProfile.read(server.root).url)
        root = tmp_path / "exam-room-pc"
        wizard = SetupWizard(root)
        qtbot.addWidget(wizard)
        wizard.show()
        wizard.choice.join.setChecked(True)
        wizard.next()
        assert wizard.currentPage() is wizard.join
        page = wizard.join
        page.host.setText(url.host or "")
        page.port.setValue(url.port or 5432)
        page.database_name.setText(url.database or "")
        page.role.setText(url.username or "")
        assert not wizard.validateCurrentPage()  # every missing field named at once
        assert "password" in page.error.text() and "passphrase" in page.error.text()
        page.password.setText(pg_server().app_password)
        page.passphrase.setText("not the passphrase")
        assert not wizard.validateCurrentPage()
        assert "passphrase is not correct" in page.error.text()
        assert not (root / "server.json").exists()
        page.passphrase.setText(CLINIC_PASSPHRASE)
        assert wizard.validateCurrentPage()
        wizard.accept()
        assert wizard.database is not None and wizard.database.on_server
        assert AuthService(wizard.database).login("admin", ADMIN_PASSWORD).username == "admin"
        assert pg_server().app_password not in (root / "server.json").read_text()
        wizard.database.dispose()
    finally:
        dispose_practice(server)
