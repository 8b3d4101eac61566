"""The billing screens, driven as a user would: the physician codes a visit right after
signing and from the chart's Billing section; the front desk finds the patient, takes a
payment and sees the balance; the manager's Fees page; the nurse sees no Billing."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from billing_support import coded_visit, ensure_fees, signed_visit
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.domain.security import Role
from emr_desktop.services.billing.coding import CodingService
from emr_desktop.ui.billing.chart_section import BillingSection
from emr_desktop.ui.billing.closeout import CloseOutDialog
from emr_desktop.ui.billing.coding import CodeVisitDialog, ToBeCodedView
from emr_desktop.ui.billing.desk import BillingDesk
from emr_desktop.ui.billing.fees_page import FeesPage
from emr_desktop.ui.billing.forms import PaymentForm
from emr_desktop.ui.chart.chart_view import section_factories
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations

SHOTS = os.environ.get("EMR_SHOTS", "")


def _shot(widget: QWidget, name: str) -> None:
    if SHOTS:
        widget.grab().save(f"{SHOTS}/billing-{name}.png")


@pytest.fixture
def host(qtbot: QtBot) -> QWidget:
    w = QWidget()
    qtbot.addWidget(w)
    return w


def test_the_physician_codes_a_visit_from_the_chart(
    clinic, qtbot: QtBot, host: QWidget, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    ensure_fees(clinic)
    pid = clinic.patient()
    eid = signed_visit(clinic, pid)
    ops = Operations(host)
    section = BillingSection(Services(clinic.db), clinic.doctor, pid, ops)
    qtbot.addWidget(section)
    assert [v.encounter_id for v in section.uncoded.rows()] == [eid]
    shown: list[CodeVisitDialog] = []

    def exec_dialog(dialog: CodeVisitDialog) -> int:
        shown.append(dialog)
        dialog.show()
        dialog.resize(720, 620)
        dialog.check({"OV-EST": 1, "J1100": 4}, ["I10"])
        _shot(dialog, "code-visit")
        return int(dialog.save())

    monkeypatch.setattr(CodeVisitDialog, "exec", exec_dialog)
    section._on_code()
    assert shown and section.uncoded.rows() == []
    assert sorted(e.code for e in section.charges.rows()) == ["J1100", "OV-EST"]
    section.resize(1000, 600)
    _shot(section, "chart-section")


def test_coding_without_a_diagnosis_shows_the_error_beside_the_field(
    clinic, qtbot: QtBot, host: QWidget
) -> None:  # type: ignore[no-untyped-def]
    from emr_desktop.ui.billing import BillingServices

    ensure_fees(clinic)
    pid = clinic.patient()
    eid = signed_visit(clinic, pid)
    billing = BillingServices(clinic.db)
    fees = billing.fees.list(clinic.doctor)
    options = billing.coding.options(clinic.doctor, eid)
    dialog = CodeVisitDialog(billing, clinic.doctor, Operations(host), eid, fees, options, host)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.check({"OV-EST": 1}, [])
    assert not dialog.save()
    assert "diagnosis" in dialog.error_text("diagnoses 1")
    assert dialog.has_typed()  # closing would ask first
    dialog.done(0)


def test_the_front_desk_takes_a_payment(
    clinic, qtbot: QtBot, host: QWidget, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    pid = clinic.patient()
    coded_visit(clinic, pid, ("OV-EST", 1))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    desk = BillingDesk(Services(clinic.db), clinic.desk, Operations(host))
    qtbot.addWidget(desk)
    desk.show_patient(pid)
    assert desk.ledger is not None and desk.ledger.balance_cents == 12500
    assert not desk.buttons["write_off"].isVisible()

    def exec_form(form: PaymentForm) -> int:
        form.show()
        form.amount.setText("12.345")
        assert not form.save()
        assert "two decimals" in form.error_text("amount")
        form.amount.setText("40")
        _shot(form, "payment")
        return int(form.save())

    monkeypatch.setattr(PaymentForm, "exec", exec_form)
    desk._on_pay()
    assert desk.ledger.balance_cents == 8500
    assert "85.00" in desk.balance.text()
    desk.resize(1200, 560)
    _shot(desk, "desk")
    closeout = CloseOutDialog(desk.billing, clinic.desk, desk._ops, desk)
    assert any(r.method == "cash" and r.user == "Desk" for r in closeout.rows)
    saved: list[str] = []
    monkeypatch.setattr(CloseOutDialog, "save_csv", lambda _s, _t, _n, text: saved.append(text))
    closeout._on_aging()
    closeout._on_charges()
    assert saved[0].startswith("mrn,name,0-30") and saved[1].startswith("provider,code")
    closeout.resize(820, 360)
    _shot(closeout, "closeout")


def test_the_manager_keeps_fees_and_the_nurse_sees_no_billing(
    clinic, qtbot: QtBot, host: QWidget
) -> None:  # type: ignore[no-untyped-def]
    ensure_fees(clinic)
    page = FeesPage(Services(clinic.db), clinic.practice.admin, Operations(host))
    qtbot.addWidget(page)
    page.refresh()
    assert "OV-EST" in [f.code for f in page.model.rows()]
    page.resize(900, 460)
    _shot(page, "fees")
    assert "Billing" not in [t for t, _ in section_factories(clinic.nurse)]
    assert "Billing" in [t for t, _ in section_factories(clinic.by_role(Role.PHYSICIAN))]
    coding = ToBeCodedView(page.billing, clinic.doctor, Operations(host))
    qtbot.addWidget(coding)
    coding.refresh()
    assert "visits to be coded" in coding.count.text()


def test_signing_offers_to_code_the_visit(
    clinic, qtbot: QtBot, host: QWidget, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from emr_desktop.ui.billing.coding import offer_coding
    from emr_desktop.ui.chart.visits import VisitsSection

    ensure_fees(clinic)
    pid = clinic.patient()
    eid = signed_visit(clinic, pid)
    services = Services(clinic.db)
    section = VisitsSection(services, clinic.doctor, pid, Operations(host))
    qtbot.addWidget(section)
    assert section.editor.receivers("2signed(int)") == 1  # the physician's editor offers it
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    offer_coding(services, clinic.doctor, Operations(host), eid, host)
    (dialog,) = [d for d in host.findChildren(CodeVisitDialog) if d.isVisible()]
    dialog.check({"OV-EST": 1}, ["I10"])
    assert dialog.save()
    assert [
        v.encounter_id for v in CodingService(clinic.db).to_be_coded(clinic.doctor, patient_id=pid)
    ] == []
