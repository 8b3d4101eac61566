"""The right patient on every window (issue 19, item 3): every dialog that shows or changes
one patient's data carries the shared header with name, date of birth and MRN. The walk
covers every dialog class of the chart; a new one must join it or say why it need not."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import STAFF_PASSWORD, Clinic
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

import emr_desktop.ui.chart as chart_pkg
from emr_desktop.ui.chart.addendum import AddendumDialog
from emr_desktop.ui.chart.chart_view import ChartView
from emr_desktop.ui.chart.documents import DocumentsSection, DocumentViewer
from emr_desktop.ui.chart.export_dialog import ExportDialog
from emr_desktop.ui.chart.labs import LabsSection
from emr_desktop.ui.chart.medications import MedicationsSection
from emr_desktop.ui.chart.rx_alerts import OverrideDialog
from emr_desktop.ui.chart.section_kit import ChartSection
from emr_desktop.ui.chart.vitals import VitalsSection
from emr_desktop.ui.context import Services
from emr_desktop.ui.discard import DiscardGuard
from emr_desktop.ui.main_window import MainWindow
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_header import PatientHeader, patient_header

# Dialogs of the chart that are not about one patient, or whose content names them already.
NOT_ONE_PATIENT = {
    "RenewalsDialog": "the inbox lists many patients, each row with name, DOB and MRN",
    "PdfPreviewDialog": "the PDF prints both identifiers on every page",
    "FormDialog": "the base of SectionForm (walked here) and of the appointment forms",
}

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35"
    b"\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def chart_dialog_classes() -> set[str]:
    """Every QDialog subclass defined in ui/chart."""
    names: set[str] = set()
    for info in pkgutil.iter_modules(chart_pkg.__path__):
        module = importlib.import_module(f"{chart_pkg.__name__}.{info.name}")
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, QDialog) and obj.__module__ == module.__name__:
                names.add(name)
    return names


def _dialogs(clinic: Clinic, qtbot: QtBot) -> Iterator[QDialog]:
    services = Services(clinic.db)
    pid = clinic.patient()
    services.allergies.mark_no_known_allergies(clinic.nurse, pid)
    doctor = services.auth.login(clinic.doctor.username, STAFF_PASSWORD)
    window = MainWindow(services, doctor, "Test Practice")
    qtbot.addWidget(window)
    window.show()
    window.workspace.open_patient(pid)
    chart = window.workspace.current_chart()
    assert isinstance(chart, ChartView)
    ops = chart._ops
    for section in chart.sections:
        if isinstance(section, ChartSection) and section.spec.form is not None:
            yield section.open_dialog()
        if isinstance(section, MedicationsSection):
            yield section.open_prescribe_dialog()
            yield OverrideDialog(
                "Safety alerts", [], {}, section, patient_header(section, pid)
            )  # as RenewalSigner opens it
        if isinstance(section, VitalsSection | LabsSection):
            yield section.make_record_dialog()
        if isinstance(section, DocumentsSection):
            yield section.make_attach_dialog(Path("scan.png"), PNG)
            row = services.documents.attach(
                doctor, pid, title="Scan", content=PNG, media_type="image/png"
            )
            yield DocumentViewer(row, PNG, section)
    visits = chart.tabs.widget(1)
    yield AddendumDialog(pid, visits)
    yield ExportDialog(services, doctor, pid, ops, chart)


@pytest.fixture(autouse=True)
def no_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing the dialogs here discards without the question."""
    monkeypatch.setattr(DiscardGuard, "may_close", lambda self: True)
    monkeypatch.setattr(Operations, "show_error", lambda self, err: None)


def test_every_patient_dialog_shows_name_dob_and_mrn(qtbot: QtBot, clinic: Clinic) -> None:
    seen: set[str] = set()
    for dialog in _dialogs(clinic, qtbot):
        dialog.show()
        headers = [h for h in dialog.findChildren(PatientHeader) if h.isVisibleTo(dialog)]
        name = type(dialog).__name__
        assert len(headers) == 1, name
        header = headers[0]
        assert header.name.text().count("Family") == 1, name
        assert "DOB" in header.ids.text() and "MRN" in header.ids.text(), name
        assert header.y() < 80, f"{name}: the header sits at the top"
        seen.add(name)
        dialog.reject()
    missing = chart_dialog_classes() - seen - set(NOT_ONE_PATIENT)
    assert missing == set(), f"dialogs without the patient header walk: {missing}"


def test_the_header_is_taken_from_the_chart_and_never_from_another_patient(
    qtbot: QtBot, clinic: Clinic
) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    assert patient_header(host, 999_999).patient_id is None  # nothing near, nothing loaded
