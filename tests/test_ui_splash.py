"""Start-up shows a splash at once and says what it is doing (issue 19, item 8)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from conftest import Practice
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from emr_desktop.ui import app
from emr_desktop.ui.login_dialog import LoginDialog
from emr_desktop.ui.splash import StartSplash


def test_the_splash_says_what_start_up_is_doing_until_the_login_shows(
    qtbot: QtBot, practice: Practice, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shown: list[StartSplash] = []
    real_show = StartSplash.show

    def show(self: StartSplash) -> None:
        shown.append(self)
        real_show(self)

    monkeypatch.setattr(StartSplash, "show", show)
    monkeypatch.setattr(app, "open_or_create_demo", lambda root: practice.db)
    monkeypatch.setattr(practice.db, "dispose", lambda: None)  # the fixture closes it
    seen_at_login: list[bool] = []

    def exec_(self: LoginDialog) -> int:
        seen_at_login.append(shown[0].isVisible())
        return int(QDialog.DialogCode.Rejected)

    monkeypatch.setattr(LoginDialog, "exec", exec_)
    assert app.run(demo=True, data_dir=str(tmp_path / "demo")) == 0
    splash = shown[0]
    assert splash.steps[0] == "Starting…"
    assert splash.steps[1].startswith("Building the demo practice")  # a fresh folder
    assert seen_at_login == [False]  # gone once the login window is up
