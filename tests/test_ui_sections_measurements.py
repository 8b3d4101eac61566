"""The Vitals, Labs and Documents chart sections, driven offscreen as a nurse would."""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from pathlib import Path
from typing import TypeVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from conftest import Practice
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtPdf import QPdfDocument
from pytestqt.qtbot import QtBot

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Actor, Role
from emr_desktop.ui.chart.chart_view import ChartView
from emr_desktop.ui.chart.documents import DocumentsSection
from emr_desktop.ui.chart.labs import COLUMNS as LAB_COLUMNS
from emr_desktop.ui.chart.labs import LabsSection
from emr_desktop.ui.chart.vitals import COLUMNS as VITAL_COLUMNS
from emr_desktop.ui.chart.vitals import VitalsSection
from emr_desktop.ui.context import Services
from emr_desktop.ui.table_model import DtoTableModel
from emr_desktop.ui.workspace import Workspace

S = TypeVar("S")


@pytest.fixture
def chart(practice: Practice, qtbot: QtBot) -> tuple[Services, Actor, ChartView]:
    services = Services(practice.db)
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    nurse = practice.add_user("nursex", Role.NURSE)
    patient = services.patients.register(
        desk, PatientInput("Ada", "Lovelace", dt.date(1960, 12, 10), Sex.FEMALE)
    )
    workspace = Workspace(services, nurse)
    qtbot.addWidget(workspace)
    workspace.open_patient(patient.id)
    view = workspace.current_chart()
    assert isinstance(view, ChartView)
    return services, nurse, view


def _section(view: ChartView, kind: type[S]) -> S:
    return next(s for s in view.sections if isinstance(s, kind))


def _cell(model: DtoTableModel[object], row: int, title: str, columns: tuple[object, ...]) -> str:
    col = [c.title for c in columns].index(title)  # type: ignore[attr-defined]
    return str(model.index(row, col).data())


def test_recorded_vitals_show_bmi_in_the_table_summary_and_trend(
    chart: tuple[Services, Actor, ChartView],
) -> None:
    _, _, view = chart
    vitals = _section(view, VitalsSection)
    assert vitals.record.isVisibleTo(vitals)
    dialog = vitals.make_record_dialog()
    for name, text in (
        ("systolic", "140"),
        ("diastolic", "90"),
        ("weight_kg", "80"),
        ("height_cm", "180"),
    ):
        dialog.fields[name].edit.setText(text)
    dialog.save()
    assert dialog.saved is not None
    assert vitals.model.rowCount() == 1
    model: DtoTableModel[object] = vitals.model  # type: ignore[assignment]
    assert _cell(model, 0, "BMI", VITAL_COLUMNS) == "24.7"
    assert _cell(model, 0, "BP mmHg", VITAL_COLUMNS) == "140/90"
    assert _cell(model, 0, "Pulse /min", VITAL_COLUMNS) == ""  # not measured, not zero
    assert "BMI 24.7" in view.summary._labels["vitals"].text()
    vitals.trend_choice.setCurrentText("Blood pressure")
    assert vitals.trend.point_count("Systolic") == 1
    assert vitals.trend.point_count("Diastolic") == 1
    vitals.trend_choice.setCurrentText("Weight")
    assert vitals.trend.point_count("Weight") == 1


def test_out_of_range_pulse_is_shown_beside_the_field_and_nothing_is_saved(
    chart: tuple[Services, Actor, ChartView],
) -> None:
    services, nurse, view = chart
    vitals = _section(view, VitalsSection)
    dialog = vitals.make_record_dialog()
    dialog.fields["pulse"].edit.setText("720")
    dialog.fields["weight_kg"].edit.setText("70")
    dialog.save()
    error = dialog.fields["pulse"].error
    assert not error.isHidden() and "250" in error.text()
    assert dialog.saved is None
    assert dialog.fields["weight_kg"].error.isHidden()
    assert services.observations.vitals(nurse, view.patient_id).total == 0
    assert vitals.model.rowCount() == 0


def test_a_lab_above_its_range_is_flagged_h_bold_in_the_warning_colour(
    chart: tuple[Services, Actor, ChartView],
) -> None:
    _, _, view = chart
    labs = _section(view, LabsSection)
    dialog = labs.make_record_dialog()
    dialog.rows["LOINC code"].edit.setText("4548-4")  # hemoglobin A1c, 4–5.6 %
    dialog.rows["value"].edit.setText("9.1")
    dialog.save()
    assert dialog.saved is not None
    model: DtoTableModel[object] = labs.model  # type: ignore[assignment]
    assert _cell(model, 0, "Flag", LAB_COLUMNS) == "H"
    assert _cell(model, 0, "Result", LAB_COLUMNS) == "9.1 %"
    flag = model.index(0, [c.title for c in LAB_COLUMNS].index("Flag"))
    assert flag.data(Qt.ItemDataRole.ForegroundRole).color() == QColor(DtoTableModel.WARN)
    assert flag.data(Qt.ItemDataRole.FontRole).bold()
    assert labs.test_choice.currentData() == "4548-4"
    assert labs.trend.point_count(dialog.saved.name) == 1
    assert labs.trend.point_count("High limit") == 2
    labs.abnormal_only.setChecked(True)
    assert labs.model.rowCount() == 1


def test_a_bad_lab_value_stays_in_the_dialog_with_the_reason(
    chart: tuple[Services, Actor, ChartView],
) -> None:
    _, _, view = chart
    labs = _section(view, LabsSection)
    dialog = labs.make_record_dialog()
    dialog.rows["LOINC code"].edit.setText("4548-5")  # wrong check digit
    dialog.rows["value"].edit.setText("7")
    dialog.save()
    assert dialog.saved is None
    assert "check digit" in dialog.rows["LOINC code"].error.text()
    assert labs.model.rowCount() == 0


def _pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Discharge letter")
    page.save()
    return out.getvalue()


def _files_holding(data: bytes, since: float) -> list[Path]:
    found = []
    for root, _dirs, files in os.walk(tempfile.gettempdir()):
        for name in files:
            path = Path(root, name)
            try:
                if path.stat().st_mtime >= since and data in path.read_bytes():
                    found.append(path)
            except OSError:
                continue
    return found


def test_an_attached_pdf_is_listed_and_viewed_from_memory_only(
    chart: tuple[Services, Actor, ChartView], tmp_path: Path, qtbot: QtBot
) -> None:
    _, _, view = chart
    docs = _section(view, DocumentsSection)
    assert docs.empty.isVisibleTo(docs)
    content = _pdf()
    dialog = docs.make_attach_dialog(Path("/elsewhere/discharge_letter.pdf"), content)
    assert dialog.title_row.edit.text() == "discharge_letter"
    dialog.title_row.edit.setText("Discharge letter, St Mary's")
    dialog.save()
    assert dialog.saved is not None
    assert docs.model.rowCount() == 1
    model: DtoTableModel[object] = docs.model  # type: ignore[assignment]
    assert model.index(0, 0).data() == "Discharge letter, St Mary's"
    assert model.index(0, 2).data() == "PDF"
    started = dt.datetime.now().timestamp() - 1
    docs.table.selectRow(0)
    docs.view_selected()
    viewer = docs.viewer
    assert viewer is not None and viewer.pdf is not None
    qtbot.waitUntil(lambda: viewer.pdf.status() == QPdfDocument.Status.Ready)  # type: ignore[union-attr]
    assert viewer.pdf.pageCount() == 1
    assert _files_holding(content, started) == []
    viewer.close()


def test_an_image_opens_in_the_viewer_and_a_renamed_file_is_refused(
    chart: tuple[Services, Actor, ChartView],
) -> None:
    _, _, view = chart
    docs = _section(view, DocumentsSection)
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    png = bytes(buffer.data().data())
    refused = docs.make_attach_dialog(Path("scan.pdf"), b"MZ\x90\x00 not a document")
    refused.save()
    assert refused.saved is None and not refused.general.error.isHidden()
    dialog = docs.make_attach_dialog(Path("wound photo.png"), png)
    dialog.save()
    assert dialog.saved is not None and docs.model.rowCount() == 1
    docs.view_selected()  # the only document opens without selecting it
    assert docs.viewer is not None and docs.viewer.image is not None
    assert docs.viewer.image.pixmap().width() == 40
