"""No lost work (issue 19, item 2): Esc or Close on a dialog with typed content asks
first, an untouched dialog closes at once, and a user who may not edit a draft note sees
it read-only from the first keystroke."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable

import pytest
from conftest import Clinic
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QDialog, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.domain.clinical import RxStatus
from emr_desktop.ui.chart.labs import LabDialog
from emr_desktop.ui.chart.note_editor import NoteEditor
from emr_desktop.ui.chart.prescription_dialog import PrescriptionDialog
from emr_desktop.ui.chart.vitals import VitalsDialog
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_dialog import PatientDialog


class Answers(list[str]):
    """The questions asked, and the reply given to the next one (No until told)."""

    reply = QMessageBox.StandardButton.No


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    """Every question (and error) a dialog shows, answered without blocking the test."""
    asked = Answers()

    def question(parent: QWidget, title: str, text: str, *a: object, **k: object) -> object:
        asked.append(text)
        return asked.reply

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(Operations, "show_error", lambda self, err: asked.append(err.message))
    return asked


def _yes(answers: Answers) -> None:
    answers.reply = QMessageBox.StandardButton.Yes


@pytest.fixture(scope="module")
def services(clinic: Clinic) -> Services:
    return Services(clinic.db)


def _host(qtbot: QtBot) -> tuple[QWidget, Operations]:
    host = QWidget()
    qtbot.addWidget(host)
    return host, Operations(host)


def test_escape_on_a_checked_prescription_batch_asks_and_keeps_it(
    qtbot: QtBot, clinic: Clinic, services: Services, answers: Answers
) -> None:
    pid = clinic.patient()
    services.allergies.mark_no_known_allergies(clinic.nurse, pid)
    host, ops = _host(qtbot)
    dialog = PrescriptionDialog(services, clinic.doctor, pid, ops, host)
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.form.choose("atorvastatin")
    dialog.form.strength.setCurrentText("20 mg")
    dialog.form.dose.setText("1")
    dialog.form.quantity.setText("30")
    assert dialog.add_current() and dialog.check()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert answers[-1] == "Discard these prescriptions? They are not signed."
    assert dialog.isVisible() and len(dialog.items) == 1
    dialog.close()  # the close box asks the same
    assert len(answers) == 2 and dialog.isVisible()
    _yes(answers)
    dialog.reject()
    assert not dialog.isVisible()
    rows = services.prescriptions.list(clinic.doctor, pid)
    assert [r.status for r in rows] == [RxStatus.CANCELLED]  # no draft left behind


DialogMaker = Callable[[Services, Clinic, int, QWidget, Operations], QDialog]
MAKERS: dict[str, DialogMaker] = {
    "vitals": lambda s, c, pid, host, ops: VitalsDialog(s, c.nurse, pid, ops, host),
    "lab": lambda s, c, pid, host, ops: LabDialog(s, c.nurse, pid, ops, host),
    "patient": lambda s, c, pid, host, ops: PatientDialog(s.patients, c.desk, None, host),
}


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_typed_content_is_never_discarded_without_asking(
    qtbot: QtBot, clinic: Clinic, services: Services, answers: Answers, kind: str
) -> None:
    host, ops = _host(qtbot)
    pid = clinic.patient()
    untouched = MAKERS[kind](services, clinic, pid, host, ops)
    untouched.open()
    qtbot.keyClick(untouched, Qt.Key.Key_Escape)
    assert not untouched.isVisible() and answers == []  # nothing typed: no question
    dialog = MAKERS[kind](services, clinic, pid, host, ops)
    dialog.open()
    qtbot.waitExposed(dialog)
    field = next(
        e
        for e in dialog.findChildren(QLineEdit)
        if e.isVisible()
        and e.isEnabled()
        and e.completer() is None  # Esc there closes the completer's list first
        and not isinstance(e.parent(), QAbstractSpinBox | QComboBox)
    )
    qtbot.keyClicks(field, "12")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert len(answers) == 1 and answers[0].startswith("Discard")
    assert dialog.isVisible()
    _yes(answers)
    dialog.reject()
    assert not dialog.isVisible()


def test_a_nurse_sees_a_physicians_draft_read_only_from_the_first_keystroke(
    qtbot: QtBot, clinic: Clinic, services: Services, answers: Answers
) -> None:
    pid = clinic.patient()
    draft = services.notes.create(clinic.doctor, pid)
    draft = services.notes.save_draft(
        clinic.doctor,
        draft.id,
        subjective="",
        objective="",
        assessment="",
        plan="Doctor's plan",
        reason="",
        expected_version=draft.version,
    )
    _, ops = _host(qtbot)
    editor = NoteEditor(services.notes, clinic.nurse, ops)
    qtbot.addWidget(editor)
    editor.show()
    editor.show_note(draft)
    plan = editor.fields["plan"]
    assert plan.isReadOnly() and not editor.editable
    assert "only the author or a physician" in editor.status.text()
    qtbot.keyClicks(plan, "nurse typing")
    assert plan.toPlainText() == "Doctor's plan" and not editor.dirty
    assert editor.save_now() and answers == []  # no "Not allowed" at autosave
    # the author still edits it
    mine = NoteEditor(services.notes, clinic.doctor, ops)
    qtbot.addWidget(mine)
    mine.show_note(draft)
    assert not mine.fields["plan"].isReadOnly()
