"""The Export / Referral dialog driven offscreen: it previews the packet, saves it where
the user says with the MRN in the offered name, and the save is audited and the
referral lands on the chart as sent."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pypdf
import pytest
from conftest import Practice
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from test_foundation_support import audit_head_id, audit_rows

from emr_desktop.domain.clinical import ReferralStatus, Sex
from emr_desktop.domain.exports import ExportKind
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Actor, Role
from emr_desktop.ui.chart.export_dialog import ExportDialog
from emr_desktop.ui.context import Services
from emr_desktop.ui.main_window import MainWindow
from emr_desktop.ui.ops import Operations

NAME = "Zoë Ångström-Øyelaran"
PDF = "PDF files (*.pdf)"


@pytest.fixture
def dialog(
    practice: Practice, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ExportDialog, Services, Actor, int, str]]:
    shown: list[str] = []  # an error box would block the offscreen test: collect instead
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: shown.append(text))
    services = Services(practice.db)
    doctor = practice.add_user("drx", Role.PHYSICIAN)
    patient = services.patients.register(
        doctor, PatientInput("Zoë", "Ångström-Øyelaran", dt.date(1958, 3, 9), Sex.FEMALE)
    )
    host = QWidget()
    qtbot.addWidget(host)
    d = ExportDialog(services, doctor, patient.id, Operations(host), host)
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: shown or d.pdf.status() == QPdfDocument.Status.Ready, timeout=20000)
    assert not shown
    yield d, services, doctor, patient.id, patient.mrn
    assert not shown


def _choose(d: ExportDialog, kind: ExportKind) -> None:
    d.form.kind.setCurrentIndex(d.form.kind.findData(kind))


def test_the_dialog_previews_and_save_writes_the_file_and_the_audit_row(
    dialog: tuple[ExportDialog, Services, Actor, int, str],
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    practice: Practice,
) -> None:
    d, _, _, _, mrn = dialog
    assert d.built is not None and d.pdf.pageCount() == d.built.pages >= 1
    offered: list[str] = []
    target = tmp_path / "packet.pdf"

    def fake_save(parent: object, caption: str, path: str, filters: str) -> tuple[str, str]:
        offered.append(path)
        return str(target), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_save)
    head = audit_head_id(practice.db)
    d.save_as()
    qtbot.waitUntil(target.exists, timeout=20000)
    assert Path(offered[0]).name == f"{d.form.current_kind().value}-{mrn}-{dt.date.today()}.pdf"
    assert "Zo" not in Path(offered[0]).name
    reader = pypdf.PdfReader(target)
    assert NAME in reader.pages[0].extract_text()
    rows = [r for r in audit_rows(practice.db, head) if r.action == "chart_export"]
    assert [json.loads(r.details)["destination"] for r in rows] == ["file"]


def test_a_referral_written_and_printed_is_on_the_chart_as_sent(
    dialog: tuple[ExportDialog, Services, Actor, int, str],
    qtbot: QtBot,
    tmp_path: Path,
    practice: Practice,
) -> None:
    d, services, doctor, pid, _ = dialog
    _choose(d, ExportKind.REFERRAL)
    f = d.form
    f.to_name.setText("Dr. Amélie Durand")
    f.to_specialty.setText("Nephrology")
    f.reason.setText("Declining eGFR")
    d.build_preview()
    qtbot.waitUntil(
        lambda: d.built is not None and d.built.file_name.startswith("referral"), timeout=20000
    )
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    d.print_to(printer)
    assert len(pypdf.PdfReader(tmp_path / "printed.pdf").pages) == d.built.pages
    d._record(d.form.request(), "print")  # what Print does once the dialog is accepted
    [referral] = services.referrals.list(doctor, pid)
    assert referral.status is ReferralStatus.SENT and referral.to_specialty == "Nephrology"
    assert f.existing.currentData() == referral  # printing again will not add another


def test_password_and_pdf_a_cannot_both_be_chosen(
    dialog: tuple[ExportDialog, Services, Actor, int, str],
) -> None:
    f = dialog[0].form
    f.use_password.setChecked(True)
    assert not f.pdf_a.isEnabled()
    f.use_password.setChecked(False)
    f.pdf_a.setChecked(True)
    assert not f.use_password.isEnabled() and "PDF/A forbids encryption" in f.pdf_a_note.text()


def test_the_chart_menu_opens_export_for_clinicians_only(
    practice: Practice, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = Services(practice.db)
    doctor = practice.add_user("drmenu", Role.PHYSICIAN)
    desk = practice.add_user("deskmenu", Role.RECEPTIONIST)
    patient = services.patients.register(
        desk, PatientInput("Menu", "Patient", dt.date(1970, 5, 6), Sex.FEMALE)
    )
    opened: list[int] = []
    monkeypatch.setattr(ExportDialog, "exec", lambda self: opened.append(self._patient_id))
    window = MainWindow(services, doctor, "Test Practice")
    qtbot.addWidget(window)
    action = window.menu_actions.export_chart
    assert action is not None and action.shortcut().toString() == "Ctrl+Shift+E"
    window.workspace.open_patient(patient.id)
    action.trigger()
    qtbot.waitUntil(lambda: opened == [patient.id], timeout=20000)
    desk_window = MainWindow(services, desk, "Test Practice")
    qtbot.addWidget(desk_window)
    assert desk_window.menu_actions.export_chart is None


def test_save_with_a_password_writes_a_locked_file(
    dialog: tuple[ExportDialog, Services, Actor, int, str],
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d = dialog[0]
    target = tmp_path / "locked.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(target), PDF))
    d.form.use_password.setChecked(True)
    d.form.password.setText("mail-it-safely-1")
    d.save_as()
    qtbot.waitUntil(target.exists, timeout=20000)
    reader = pypdf.PdfReader(target)
    assert reader.is_encrypted and reader.decrypt("mail-it-safely-1")
    assert NAME in reader.pages[0].extract_text()
