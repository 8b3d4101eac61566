"""Prescribing in the chart, driven offscreen as a physician and a nurse would: the
prescription dialog, safety alerts with override reasons, renewals and the inbox."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Clinic
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.domain.clinical import AllergyCategory, AllergySeverity, RxStatus
from emr_desktop.domain.sections import AllergyInput
from emr_desktop.domain.security import Actor
from emr_desktop.errors import PermissionDenied
from emr_desktop.ui.chart.medications import MedicationsSection
from emr_desktop.ui.chart.prescription_dialog import PrescriptionDialog
from emr_desktop.ui.chart.prescription_form import PrescriptionForm
from emr_desktop.ui.chart.renewals import RenewalsDialog
from emr_desktop.ui.chart.rx_print import print_document
from emr_desktop.ui.context import Services
from emr_desktop.ui.discard import DiscardGuard
from emr_desktop.ui.ops import Operations


@pytest.fixture(autouse=True)
def shown_errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Errors the UI would show in a message box, collected instead of blocking the test."""
    seen: list[str] = []
    monkeypatch.setattr(Operations, "show_error", lambda self, err: seen.append(err.message))
    yield seen


@pytest.fixture(autouse=True)
def discard_without_asking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing a dialog here discards without the question (test_ui_discard.py asks it)."""
    monkeypatch.setattr(DiscardGuard, "may_close", lambda self: True)


@pytest.fixture(scope="module")
def services(clinic: Clinic) -> Services:
    return Services(clinic.db)


def _section(services: Services, actor: Actor, pid: int, qtbot: QtBot) -> MedicationsSection:
    host = QWidget()
    qtbot.addWidget(host)
    section = MedicationsSection(services, actor, pid, Operations(host))
    qtbot.addWidget(section)
    return section


def _nka_patient(clinic: Clinic, services: Services) -> int:
    pid = clinic.patient()
    services.allergies.mark_no_known_allergies(clinic.nurse, pid)
    return pid


def _fill(form: PrescriptionForm, generic: str, strength: str, quantity: str = "30") -> None:
    form.choose(generic)
    form.strength.setCurrentText(strength)
    form.dose.setText("1")
    form.frequency.setCurrentText("twice daily")
    form.quantity.setText(quantity)


def _names(section: MedicationsSection) -> list[str]:
    # In the app the chart view refreshes its sections on the change signal.
    section.refresh()
    return [section.model.row(i).drug_name for i in range(section.model.rowCount())]


def test_search_finds_generic_as_typed_and_generic_of_a_brand(
    clinic: Clinic, services: Services, qtbot: QtBot
) -> None:
    section = _section(services, clinic.doctor, clinic.patient(), qtbot)
    dialog = section.open_prescribe_dialog()
    form = dialog.form
    qtbot.keyClicks(form.drug, "amox")
    found = [form.matches.item(i).text() for i in range(form.matches.count())]
    assert found and found[0].startswith("amoxicillin")
    form.drug.clear()
    qtbot.keyClicks(form.drug, "Amoxil")
    assert form.matches.item(0).text().startswith("amoxicillin  (Amoxil")
    form.matches.itemClicked.emit(form.matches.item(0))
    assert form.drug.text() == "amoxicillin"
    assert "500 mg" in [form.strength.itemText(i) for i in range(form.strength.count())]
    assert not form.ingredients.isEnabled()  # a formulary drug: ingredients are known
    dialog.reject()


def test_free_text_drug_may_name_its_ingredients(
    clinic: Clinic, services: Services, qtbot: QtBot
) -> None:
    dialog = _section(services, clinic.doctor, clinic.patient(), qtbot).open_prescribe_dialog()
    qtbot.keyClicks(dialog.form.drug, "Compounded magic mouthwash")
    assert dialog.form.ingredients.isEnabled()
    assert "Not in the formulary" in dialog.form.drug_info.text()
    dialog.reject()


def test_sig_sentence_and_quantity_words_update_as_typed(
    clinic: Clinic, services: Services, qtbot: QtBot
) -> None:
    dialog = _section(services, clinic.doctor, clinic.patient(), qtbot).open_prescribe_dialog()
    form = dialog.form
    form.choose("amoxicillin")
    form.form_box.setCurrentText("capsule")
    form.dose.setText("2")
    form.frequency.setCurrentText("three times daily")
    form.duration.setValue(10)
    assert form.sig_preview.text() == "Take 2 capsules by mouth three times daily for 10 days."
    form.dose.setText("0.50")
    form.prn.setChecked(True)
    form.prn_indication.setText("pain")
    assert form.sig_preview.text() == (
        "Take 0.5 capsule by mouth three times daily as needed for pain for 10 days."
    )
    form.quantity.setText("60")
    assert form.quantity_words.text() == "60 capsules (sixty)"
    dialog.reject()


def test_signing_puts_the_prescriptions_on_the_list_and_offers_print(
    clinic: Clinic, services: Services, qtbot: QtBot
) -> None:
    pid = _nka_patient(clinic, services)
    section = _section(services, clinic.doctor, pid, qtbot)
    dialog = section.open_prescribe_dialog()
    _fill(dialog.form, "lisinopril", "10 mg")
    assert dialog.add_current()
    _fill(dialog.form, "atorvastatin", "20 mg")
    assert dialog.add_current()
    assert dialog.batch.count() == 2
    assert not dialog.print_button.isVisibleTo(dialog)
    assert dialog.sign()
    assert {"lisinopril", "atorvastatin"} <= set(_names(section))
    assert dialog.print_button.isVisibleTo(dialog)
    preview = dialog.print_signed()
    assert preview is not None and preview.document.pageCount() == 1
    preview.reject()


def test_penicillin_allergy_blocks_amoxicillin_until_a_reason_is_typed(
    clinic: Clinic, services: Services, qtbot: QtBot
) -> None:
    pid = clinic.patient()
    services.allergies.add(
        clinic.nurse,
        pid,
        AllergyInput("penicillin", AllergyCategory.DRUG, "hives", AllergySeverity.SEVERE),
    )
    section = _section(services, clinic.doctor, pid, qtbot)
    dialog = section.open_prescribe_dialog()
    _fill(dialog.form, "amoxicillin", "500 mg")
    assert dialog.check()
    cards = [c for c in dialog.alerts.cards if c.alert.requires_override]
    assert cards and cards[0].alert.kind.startswith("allerg")
    assert "penicillin" in cards[0].alert.message.lower()
    assert not dialog.sign_button.isEnabled()
    assert cards[0].reason is not None
    cards[0].reason.setText("tolerated amoxicillin in 2024 without reaction")
    assert dialog.sign_button.isEnabled()
    assert dialog.sign()
    assert "amoxicillin" in _names(section)


def test_sign_without_check_shows_the_alerts_and_signs_nothing(
    clinic: Clinic, services: Services, qtbot: QtBot
) -> None:
    pid = clinic.patient()
    services.allergies.add(clinic.nurse, pid, AllergyInput("penicillin"))
    section = _section(services, clinic.doctor, pid, qtbot)
    dialog = section.open_prescribe_dialog()
    _fill(dialog.form, "amoxicillin", "500 mg")
    assert not dialog.sign()
    assert dialog.alerts.missing_reasons()
    assert "amoxicillin" not in _names(section)
    dialog.reject()  # the draft saved for checking is cancelled, not left behind
    rows = services.prescriptions.list(clinic.doctor, pid)
    assert [r.status for r in rows] == [RxStatus.CANCELLED]


def test_renew_in_one_step(clinic: Clinic, services: Services, qtbot: QtBot) -> None:
    pid = _nka_patient(clinic, services)
    section = _section(services, clinic.doctor, pid, qtbot)
    dialog = section.open_prescribe_dialog()
    _fill(dialog.form, "metformin", "500 mg")
    assert dialog.sign()
    section.refresh()
    assert section.select_drug("metformin")
    review = section.renew_selected()
    if review is not None:  # an alert to review first: sign from the alerts dialog
        review.accept()
    rows = services.prescriptions.list(clinic.doctor, pid)
    assert [r.status for r in rows] == [RxStatus.SIGNED, RxStatus.SIGNED]
    assert rows[0].renewal_of_id == rows[1].id
    assert _names(section).count("metformin") == 1
    assert "Renewed" in section.status.text()


def test_nurse_request_reaches_the_physician_inbox_and_is_signed(
    clinic: Clinic, services: Services, qtbot: QtBot, shown_errors: list[str]
) -> None:
    pid = _nka_patient(clinic, services)
    doctor_view = _section(services, clinic.doctor, pid, qtbot)
    dialog = doctor_view.open_prescribe_dialog()
    _fill(dialog.form, "levothyroxine", "50 mcg")
    assert dialog.sign()
    nurse_view = _section(services, clinic.nurse, pid, qtbot)
    assert nurse_view.request_renewal.isVisibleTo(nurse_view)
    nurse_view.refresh()
    assert nurse_view.select_drug("levothyroxine")
    request = nurse_view.request_selected_renewal()
    assert request is not None and request.status is RxStatus.RENEWAL_REQUESTED
    host = QWidget()
    qtbot.addWidget(host)
    opened: list[int] = []
    inbox = RenewalsDialog(services, clinic.doctor, Operations(host), opened.append, host)
    ids = [inbox.model.row(i).prescription.id for i in range(inbox.model.rowCount())]
    assert request.id in ids
    inbox.table.selectRow(ids.index(request.id))
    inbox.open_button.click()
    assert opened == [pid]
    review = inbox.sign_selected()
    if review is not None:
        review.accept()
    assert services.prescriptions.get(clinic.doctor, request.id).status is RxStatus.SIGNED
    remaining = [inbox.model.row(i).prescription.id for i in range(inbox.model.rowCount())]
    assert request.id not in remaining
    assert shown_errors == []


def test_nurse_cannot_prescribe(clinic: Clinic, services: Services, qtbot: QtBot) -> None:
    pid = clinic.patient()
    section = _section(services, clinic.nurse, pid, qtbot)
    assert not section.prescribe.isVisibleTo(section)
    assert not section.renew.isVisibleTo(section)
    with pytest.raises(PermissionDenied):
        PrescriptionDialog(services, clinic.nurse, pid, section._ops, section)


def test_print_and_save_the_medication_list(
    clinic: Clinic, services: Services, qtbot: QtBot, tmp_path: Path
) -> None:
    pid = _nka_patient(clinic, services)
    section = _section(services, clinic.doctor, pid, qtbot)
    preview = section.print_medication_list()
    assert preview is not None and preview.document.pageCount() == 1
    assert preview.result_pdf.file_name.startswith("medication-list-")
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert print_document(preview.document, printer) == 1
    assert (tmp_path / "printed.pdf").read_bytes().startswith(b"%PDF")
    preview.save_to(tmp_path / "saved.pdf")
    assert (tmp_path / "saved.pdf").read_bytes() == preview.result_pdf.pdf
    preview.reject()
