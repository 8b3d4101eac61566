"""The schedule dialogs driven offscreen as a receptionist would: booking by keyboard,
registering inline past the duplicate warning, conflicts overridden (or not), recurring
edits and cancels (one vs following), next free slot, and the day sheet's print/save."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from conftest import Clinic
from PySide6.QtCore import Qt, QTimer
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.clinical import AppointmentStatus, Sex
from emr_desktop.domain.patients import PatientInput, PatientSummary
from emr_desktop.domain.schedule import BookingRequest, ConflictKind, ConflictWarning, Frequency
from emr_desktop.domain.security import Actor
from emr_desktop.models import AuditLog
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_dialog import DuplicateDialog, PatientDialog
from emr_desktop.ui.schedule import dialogs, override
from emr_desktop.ui.schedule.booking_dialog import BookingDialog
from emr_desktop.ui.schedule.day_sheet_dialog import DaySheetDialog, print_document
from emr_desktop.ui.schedule.edit_dialog import EditAppointmentDialog
from emr_desktop.ui.schedule.next_free import NextFreeDialog

S = AppointmentStatus
TODAY = dt.date.today()
MONDAY = TODAY + dt.timedelta(days=7 + (7 - TODAY.weekday()) % 7)  # a Monday 1-2 weeks ahead


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """A local time ``days`` after MONDAY."""
    return dt.datetime.combine(MONDAY + dt.timedelta(days=days), dt.time(hour, minute))


class Env:
    """The services, a receptionist, and a host widget with its Operations."""

    def __init__(self, clinic: Clinic, qtbot: QtBot) -> None:
        self.clinic = clinic
        self.services = Services(clinic.db)
        self.desk: Actor = clinic.desk
        self.host = QWidget()
        qtbot.addWidget(self.host)
        self.ops = Operations(self.host)
        self.qtbot = qtbot

    def patient(self, given: str, family: str, born: dt.date, phone: str = "") -> PatientSummary:
        data = PatientInput(given, family, born, Sex.MALE, phone_mobile=phone)
        p = self.services.patients.register(self.desk, data, confirm_not_duplicate=True)
        return self.services.patients.by_mrn(self.desk, p.mrn)

    def booking(self, start: dt.datetime, provider: int = 0, minutes: int = 15) -> BookingDialog:
        dialog = BookingDialog(
            self.services,
            self.desk,
            self.ops,
            provider_id=provider or self.clinic.doctor.user_id,
            start=start,
            duration_min=minutes,
            parent=self.host,
        )
        self.qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    def book(self, patient: int, start: dt.datetime, minutes: int = 15) -> AppointmentRow:
        req = BookingRequest(patient, self.clinic.doctor.user_id, start, minutes, "Follow-up")
        return self.services.schedule.book(self.desk, req)

    def audit_after(self, after: int) -> list[tuple[str, dict[str, object]]]:
        with self.clinic.db.unit_of_work() as s:
            rows = s.scalars(select(AuditLog).where(AuditLog.id > after).order_by(AuditLog.id))
            return [(r.action, json.loads(r.details or "{}")) for r in rows]

    def last_audit(self) -> int:
        with self.clinic.db.unit_of_work() as s:
            return s.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0

    def appointments_of(self, patient: int) -> list[AppointmentRow]:
        rows = self.services.schedule.patient_appointments(self.desk, patient, limit=0)
        return sorted(rows, key=lambda r: r.start_at)


@pytest.fixture(scope="module")
def hours(clinic: Clinic) -> None:
    """drgrey works 9-17 every weekday; drshep only 9-10 (a day fills up quickly)."""
    svc = Services(clinic.db).schedule
    for wd in range(5):
        svc.set_hours(clinic.desk, clinic.doctor.user_id, wd, dt.time(9), dt.time(17))
        svc.set_hours(clinic.desk, clinic.doctor2.user_id, wd, dt.time(9), dt.time(10))


@pytest.fixture
def env(clinic: Clinic, hours: None, qtbot: QtBot) -> Iterator[Env]:
    yield Env(clinic, qtbot)


def on_modal(act: Callable[[QWidget], None]) -> None:
    """Act on the next modal dialog as soon as it is open."""

    def go() -> None:
        widget = QApplication.activeModalWidget()
        if widget is None:
            QTimer.singleShot(10, go)
            return
        act(widget)

    QTimer.singleShot(0, go)


# ---- booking ----------------------------------------------------------------------------


def test_receptionist_books_by_keyboard_finding_the_patient_by_typing(
    env: Env, qtbot: QtBot
) -> None:
    p = env.patient("Zephyrine", "Quarrington", dt.date(1971, 4, 5), "555-777-1000")
    dialog = env.booking(at(0, 9))
    qtbot.keyClicks(dialog.finder.search, "Quarr")
    qtbot.waitUntil(lambda: dialog.finder.model.rowCount() > 0)
    qtbot.keyClick(dialog.finder.search, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.finder.table, Qt.Key.Key_Return)
    assert dialog.patient_id == p.id and dialog.isVisible()  # Enter chose, did not book
    assert "Quarrington, Zephyrine" in dialog.patient_label.text()
    assert "555-777-1000" in dialog.patient_label.text()
    dialog.kind.setCurrentText("Sick visit")
    qtbot.keyClicks(dialog.reason, "Sore throat")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # Enter books
    [row] = dialog.booked
    assert (row.patient_id, row.start_at, row.kind, row.reason) == (
        p.id,
        at(0, 9),
        "Sick visit",
        "Sore throat",
    )
    assert row.provider_id == env.clinic.doctor.user_id
    assert [a.id for a in env.appointments_of(p.id)] == [row.id]


def test_book_without_a_patient_says_so_beside_the_field(env: Env) -> None:
    dialog = env.booking(at(0, 9, 15))
    assert not dialog.save()
    assert "Choose a patient" in dialog.error_text("patient")


def _register_in_dialog(
    given: str, family: str, born: str, outcome: int
) -> Callable[[QWidget], None]:
    """Fill the registration form, save, and answer the duplicate warning with ``outcome``."""

    def fill(widget: QWidget) -> None:
        assert isinstance(widget, PatientDialog)
        edits = {e.accessibleName(): e for e in widget.findChildren(QLineEdit)}
        edits["Given name"].setText(given)
        edits["Family name"].setText(family)
        edits["Date of birth"].setText(born)
        [sex] = [c for c in widget.findChildren(QComboBox) if c.accessibleName() == "Sex at birth"]
        sex.setCurrentIndex(sex.findData(Sex.FEMALE))  # asked, never defaulted (issue 14)

        def answer(dup: QWidget) -> None:
            assert isinstance(dup, DuplicateDialog)
            if outcome == DuplicateDialog.OPEN:
                dup._on_open_clicked()
            else:
                dup.done(outcome)

        on_modal(answer)
        widget._on_buttons_accepted()

    return fill


def test_registering_inline_warns_of_a_duplicate_and_registers_anyway(env: Env) -> None:
    twin = env.patient("Marguerite", "Oddlyname", dt.date(1966, 8, 9))
    dialog = env.booking(at(0, 9, 30))
    on_modal(_register_in_dialog("Marguerite", "Oddlyname", "08/09/1966", DuplicateDialog.REGISTER))
    dialog.finder.new_button.click()
    assert dialog.patient_id is not None and dialog.patient_id != twin.id
    assert "Oddlyname, Marguerite" in dialog.patient_label.text()
    assert dialog.save()
    assert dialog.booked[0].patient_id == dialog.patient_id


def test_the_duplicate_warning_can_open_the_existing_patient_instead(env: Env) -> None:
    twin = env.patient("Ottokar", "Singularis", dt.date(1955, 2, 3))
    dialog = env.booking(at(0, 9, 45))
    on_modal(_register_in_dialog("Ottokar", "Singularis", "02/03/1955", DuplicateDialog.OPEN))
    dialog.finder.new_button.click()
    assert dialog.patient_id == twin.id


# ---- conflicts --------------------------------------------------------------------------


def test_double_booking_is_warned_then_overridden_with_a_reason_and_audited(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = env.patient("Aurelio", "Firstcomer", dt.date(1980, 1, 1))
    second = env.patient("Benedetta", "Secondcomer", dt.date(1981, 2, 2))
    taken = env.book(first.id, at(1, 10))
    dialog = env.booking(at(1, 10))
    assert dialog.conflicts.isVisible()
    assert "Double booking" in dialog.conflicts.text()
    asked: list[tuple[ConflictWarning, ...]] = []

    def give_reason(_parent: QWidget | None, warnings: tuple[ConflictWarning, ...]) -> str:
        asked.append(tuple(warnings))
        return "urgent, approved by the doctor"

    monkeypatch.setattr(override, "ask_override", give_reason)
    dialog.choose_patient(second)
    before = env.last_audit()
    assert dialog.save()
    assert [w.appointment_id for w in asked[0]] == [taken.id]
    [row] = dialog.booked
    assert (row.patient_id, row.start_at) == (second.id, at(1, 10))
    actions = env.audit_after(before)
    assert [a for a, _ in actions] == ["appointment_book", "appointment_override"]
    details = actions[1][1]
    assert details["conflicts"] == ["double_booking"] and details["reason_given"] is True
    assert "urgent" not in json.dumps(details)


def test_giving_up_at_the_conflict_books_nothing(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    first = env.patient("Cassius", "Earlybird", dt.date(1970, 3, 3))
    second = env.patient("Delphine", "Giveup", dt.date(1971, 4, 4))
    env.book(first.id, at(1, 11))
    monkeypatch.setattr(override, "ask_override", lambda _p, _w: None)
    dialog = env.booking(at(1, 11))
    dialog.choose_patient(second)
    assert not dialog.save()
    assert dialog.isVisible() and dialog.booked == []
    assert env.appointments_of(second.id) == []


def test_outside_hours_is_shown_in_plain_words(env: Env) -> None:
    dialog = env.booking(at(1, 18))
    assert "Outside working hours" in dialog.conflicts.text()


def test_the_override_dialog_needs_a_reason_before_booking_anyway(env: Env) -> None:
    warning = ConflictWarning(
        ConflictKind.DOUBLE_BOOKING, "Drgrey already has an appointment then.", at(1, 10)
    )
    box = override.OverrideDialog([warning], env.host)
    env.qtbot.addWidget(box)
    assert not box.override.isEnabled()
    box.reason.setText("  ")
    assert not box.override.isEnabled()
    box.reason.setText("Emergency")
    assert box.override.isEnabled() and box.reason_text() == "Emergency"
    assert "• Double booking: Drgrey already has" in box.conflicts.item(0).text()


# ---- recurring appointments -------------------------------------------------------------


def _book_weekly(env: Env, patient: PatientSummary, start: dt.datetime) -> list[AppointmentRow]:
    dialog = env.booking(start)
    dialog.choose_patient(patient)
    dialog.repeat.set_rule(Frequency.WEEKLY, 1, 4)
    assert dialog.save()
    return dialog.booked


def _edit(env: Env, a: AppointmentRow, hour: int, minute: int) -> AppointmentRow | None:
    dialog = EditAppointmentDialog(env.services, env.desk, env.ops, a, env.host)
    env.qtbot.addWidget(dialog)
    dialog.time.setTime(dialog.time.time().fromString(f"{hour:02d}:{minute:02d}", "HH:mm"))
    dialog.room.setText("Exam 9")
    assert dialog.save()
    return dialog.changed


def test_weekly_series_then_change_only_one_occurrence(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = env.patient("Wendell", "Weeklyman", dt.date(1962, 5, 5))
    series = _book_weekly(env, p, at(2, 9))
    assert [a.start_at for a in series] == [at(2 + 7 * i, 9) for i in range(4)]
    assert len({a.series_id for a in series}) == 1 and series[0].series_id is not None
    monkeypatch.setattr(override, "ask_scope", lambda _parent, _verb: False)
    changed = _edit(env, series[1], 11, 0)
    assert changed is not None and (changed.start_at, changed.room) == (at(9, 11), "Exam 9")
    rows = env.appointments_of(p.id)
    assert [a.start_at for a in rows] == [at(2, 9), at(9, 11), at(16, 9), at(23, 9)]
    assert [a.room for a in rows] == ["", "Exam 9", "", ""]


def test_weekly_series_then_change_this_and_following(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = env.patient("Fenella", "Followingham", dt.date(1963, 6, 6))
    series = _book_weekly(env, p, at(2, 13))
    monkeypatch.setattr(override, "ask_scope", lambda _parent, _verb: True)
    _edit(env, series[1], 14, 30)
    rows = env.appointments_of(p.id)
    assert [a.start_at for a in rows] == [at(2, 13), at(9, 14, 30), at(16, 14, 30), at(23, 14, 30)]
    assert [a.room for a in rows] == ["", "Exam 9", "Exam 9", "Exam 9"]


def test_cancel_needs_a_reason_then_cancels_one_or_following(env: Env) -> None:
    p = env.patient("Cornelius", "Cancelworth", dt.date(1964, 7, 7))
    series = _book_weekly(env, p, at(3, 9))
    one = dialogs.CancelDialog(env.services, env.desk, env.ops, series[0], env.host)
    env.qtbot.addWidget(one)
    assert one.following.isHidden() or not one.following.isChecked()
    assert not one.save() and one.error.isVisibleTo(one)  # no reason given
    one.reason.setCurrentText("Patient request")
    assert one.save() and [r.id for r in one.cancelled] == [series[0].id]
    after = env.services.schedule.patient_appointments(env.desk, p.id, limit=0)
    status = {a.id: a.status for a in after}
    assert [status[a.id] for a in series] == [S.CANCELLED, S.BOOKED, S.BOOKED, S.BOOKED]
    rest = dialogs.CancelDialog(
        env.services, env.desk, env.ops, after_row(env, p.id, series[2].id), env.host
    )
    env.qtbot.addWidget(rest)
    rest.following.setChecked(True)
    rest.reason.setCurrentText("Provider unavailable")
    assert rest.save()
    after = env.services.schedule.patient_appointments(env.desk, p.id, limit=0)
    status = {a.id: a.status for a in after}
    assert [status[a.id] for a in series] == [S.CANCELLED, S.BOOKED, S.CANCELLED, S.CANCELLED]
    assert {a.cancel_reason for a in after if a.id in (series[2].id, series[3].id)} == {
        "Provider unavailable"
    }


def after_row(env: Env, patient: int, appointment: int) -> AppointmentRow:
    """The current row of one appointment (its version moves on with each change)."""
    rows = env.services.schedule.patient_appointments(env.desk, patient, limit=0)
    return next(r for r in rows if r.id == appointment)


def test_no_show_is_recorded_and_the_appointment_can_no_longer_be_cancelled(env: Env) -> None:
    p = env.patient("Nolan", "Noshowell", dt.date(1965, 8, 8))
    today = dt.datetime.combine(TODAY, dt.time(6))  # before hours: booked with an override
    req = BookingRequest(p.id, env.clinic.doctor.user_id, today, 15, "Follow-up")
    a = env.services.schedule.book(env.desk, req, override_reason="early test")
    missed = env.services.schedule.no_show(env.desk, a.id, expected_version=a.version)
    assert missed.status is S.NO_SHOW
    box = dialogs.CancelDialog(env.services, env.desk, env.ops, missed, env.host)
    env.qtbot.addWidget(box)
    box.reason.setCurrentText("Patient request")
    shown: list[str] = []
    env.ops.show_error = lambda err: shown.append(err.message)  # type: ignore[method-assign]
    assert not box.save()
    assert shown and "no-show" in shown[0]


# ---- next free slot ---------------------------------------------------------------------


def test_next_free_slot_skips_a_fully_booked_day_and_books_on_the_next(env: Env) -> None:
    p = env.patient("Fulton", "Fullday", dt.date(1966, 9, 9))
    shep = env.clinic.doctor2.user_id
    for minute in (0, 15, 30, 45):  # drshep's whole Monday (9:00-10:00)
        req = BookingRequest(p.id, shep, at(0, 9, minute), 15, "Follow-up")
        env.services.schedule.book(env.desk, req)
    finder = NextFreeDialog(env.services, env.desk, env.ops, provider_id=shep, after=at(0, 8))
    env.qtbot.addWidget(finder)
    assert finder.slots[0] == (at(1, 9), shep)
    assert [when for when, _ in finder.slots[:4]] == [at(1, 9, m) for m in (0, 15, 30, 45)]
    assert finder.later.isEnabled()
    finder.show_later()
    assert finder.slots[0][0] > at(1, 9, 45)
    finder.search()
    patient = env.services.patients.by_mrn(env.desk, p.mrn)

    def book(widget: QWidget) -> None:
        assert isinstance(widget, BookingDialog)
        assert widget.start_at() == at(1, 9)
        widget.choose_patient(patient)
        widget.save()

    on_modal(book)
    finder.book_selected()
    [row] = finder.booked
    assert (row.start_at, row.provider_id, row.patient_id) == (at(1, 9), shep, p.id)


# ---- day sheet: print and save ----------------------------------------------------------


def test_receptionist_prints_and_saves_the_day_sheet_without_temp_files(
    env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = env.patient("Priscilla", "Printwell", dt.date(1967, 10, 10), "555-123-4567")
    env.book(p.id, at(4, 9))
    before = env.last_audit()
    opened: list[DaySheetDialog] = []
    monkeypatch.setattr(DaySheetDialog, "exec", lambda self: opened.append(self) or 0)
    dialogs.print_day_sheet(
        env.host, env.services, env.desk, env.ops, at(4, 0).date(), [env.clinic.doctor.user_id]
    )
    [sheet] = opened
    env.qtbot.addWidget(sheet)
    assert [a for a, _ in env.audit_after(before)] == ["day_sheet_print"]
    assert sheet.default_path().name == f"day-sheet-{at(4, 0).date().isoformat()}.pdf"
    assert sheet.document.pageCount() == 1
    assert (
        sheet.save_to(tmp_path / "sheet") and (tmp_path / "sheet.pdf").read_bytes()[:5] == b"%PDF-"
    )
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert print_document(sheet.document, printer) == 1
    assert (tmp_path / "printed.pdf").stat().st_size > 1000
    sheet.done(0)


def test_confirm_move_names_the_patient_and_both_times(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = env.patient("Morgana", "Movewell", dt.date(1968, 11, 11))
    a = env.book(p.id, at(4, 14))
    seen: list[str] = []

    def answer(widget: QWidget) -> None:
        seen.append(widget.text() + "\n" + widget.informativeText())  # type: ignore[attr-defined]
        widget.buttons()[0].click()  # type: ignore[attr-defined]

    on_modal(answer)
    assert dialogs.confirm_move(env.host, a, at(4, 15), 15, "Drshep")
    assert "Movewell, Morgana" in seen[0]
    assert "2:00 PM" in seen[0] and "3:00 PM" in seen[0] and "Drshep" in seen[0]


def test_enter_in_the_type_field_books_too(env: Env, qtbot: QtBot) -> None:
    p = env.patient("Tobias", "Typefield", dt.date(1969, 12, 12))
    dialog = env.booking(at(4, 10))
    dialog.choose_patient(p)
    assert dialog.kind.hasFocus() or dialog.kind.lineEdit() is not None
    qtbot.keyClicks(dialog.kind.lineEdit(), "Physical")
    qtbot.keyClick(dialog.kind.lineEdit(), Qt.Key.Key_Return)
    assert [(a.patient_id, a.kind) for a in dialog.booked] == [(p.id, "Physical")]


def test_changing_type_reason_room_is_audited_by_field_name_only(env: Env) -> None:
    p = env.patient("Ulrich", "Updatewell", dt.date(1958, 1, 20))
    a = env.book(p.id, at(4, 11))
    before = env.last_audit()
    [row] = env.services.schedule.update_details(
        env.desk, a.id, kind="Procedure", reason="Mole removal", room="5", expected_version=1
    )
    assert (row.kind, row.reason, row.room, row.start_at) == (
        "Procedure",
        "Mole removal",
        "5",
        a.start_at,
    )
    [(action, details)] = env.audit_after(before)
    assert action == "appointment_update" and details["fields"] == ["kind", "reason", "room"]
    assert "Mole" not in json.dumps(details)


def test_tab_goes_from_the_type_to_the_reason_and_room(env: Env, qtbot: QtBot) -> None:
    p = env.patient("Tabitha", "Taborder", dt.date(1977, 7, 17))
    dialog = env.booking(at(4, 12))
    dialog.choose_patient(p)
    focused = dialog.focusWidget()
    assert focused in (dialog.kind, dialog.kind.lineEdit())
    qtbot.keyClick(focused, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.reason
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.room
