"""The chart section kit: a declared section builds its table, buttons, form and questions.

Driven offscreen over fake services (plain objects with the methods a declaration names),
so no database is needed: what is checked is what the kit shows and asks.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.domain.chart import ReferralRow
from emr_desktop.domain.clinical import ReferralStatus, Urgency
from emr_desktop.domain.security import Actor, Permission, Role
from emr_desktop.errors import ValidationError
from emr_desktop.ui.chart import section_kit as kit
from emr_desktop.ui.chart.allergies import AllergiesSection
from emr_desktop.ui.chart.field_kinds import DateField, Editable, Text
from emr_desktop.ui.chart.form_kit import Field, FormSpec
from emr_desktop.ui.chart.referrals import ReferralsSection
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column

ADD, ARCHIVE = Permission.ALLERGY_RECORD, Permission.PROBLEM_EDIT


@dataclass(frozen=True)
class Thing:
    id: int
    name: str
    kind: str
    done: bool = False


@dataclass(frozen=True)
class ThingInput:
    name: str
    kind: str
    since: dt.date | None = None


@dataclass
class FakeThings:
    """Stands in for a service: lists, adds (refusing a name twice) and finishes things."""

    rows: list[Thing] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def list(self, actor: Actor, patient_id: int, include_done: bool = False) -> list[Thing]:
        return [t for t in self.rows if include_done or not t.done]

    def add(self, actor: Actor, patient_id: int, data: ThingInput) -> Thing:
        if any(t.name == data.name for t in self.rows):
            raise ValidationError("name", "is already listed")
        thing = Thing(len(self.rows) + 1, data.name, data.kind)
        self.rows.append(thing)
        self.calls.append(f"add {data.name}")
        return thing

    def finish(self, actor: Actor, thing_id: int) -> Thing:
        self.calls.append(f"finish {thing_id}")
        return self.rows[thing_id - 1]

    def archive(self, actor: Actor, patient_id: int) -> None:
        self.calls.append("archive")


@dataclass
class FakeReferrals:
    """Stands in for the referral service: one draft referral; status moves recorded."""

    moves: list[ReferralStatus] = field(default_factory=list)

    def list(self, actor: Actor, patient_id: int) -> list[ReferralRow]:
        when = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
        return [
            ReferralRow(
                *(1, 7, "Dr. Ana Silva", "Cardiology", "", "", "", "Chest pain", ""),
                *(Urgency.ROUTINE, ReferralStatus.DRAFT, None, "Dr. Q", when, 1),
            )
        ]

    def set_status(
        self, actor: Actor, referral_id: int, status: ReferralStatus, *, expected_version: int
    ) -> None:
        self.moves.append(status)


class NoAllergies:
    """Stands in for the allergy service of a chart with none recorded."""

    def list(self, actor: Actor, patient_id: int, include_inactive: bool = False) -> list[Thing]:
        return []


@dataclass
class FakeServices:
    things: FakeThings = field(default_factory=FakeThings)
    allergies: NoAllergies = field(default_factory=NoAllergies)
    referrals: FakeReferrals = field(default_factory=FakeReferrals)


FORM: FormSpec[Thing] = FormSpec(
    "Add a thing",
    "thing",
    (
        Field("name", "Name", Text("e.g. a walk"), required=True),
        Field("kind", "Kind", Editable(("", "daily", "weekly")), ("kind", "sort"), required=True),
        Field("since", "Since", DateField(), keeps_enter=True),
    ),
    lambda s, data, _row: s.services.things.add(s.actor, s.patient_id, data),
    ThingInput,
)


class ThingsSection(kit.ChartSection[Thing]):
    """A section declared the way the chart's sections are."""

    spec = kit.SectionSpec(
        "Things",
        "thing",
        kit.Table(
            (
                Column("Name", lambda t: t.name, strike=lambda t: t.done),
                Column("Kind", lambda t: t.kind),
            ),
            faded=lambda t: t.done,
            stretch=0,
        ),
        lambda sv: sv.things.list,
        (
            kit.Action("add", "&Add thing…", permission=ADD, form=FORM),
            kit.Action(
                "finish",
                "&Finish",
                lambda s, t: s.services.things.finish(s.actor, t.id),
                permission=ADD,
                row=kit.Only(lambda t: not t.done, "This thing is already done"),
                confirm=lambda t: f"Finish {t.name}?",
                double_click=True,
            ),
            kit.Action(
                "archive",
                "A&rchive",
                lambda s: s.services.things.archive(s.actor, s.patient_id),
                permission=ARCHIVE,
                shortcut="Ctrl+Shift+R",
                hide_if_denied=False,
            ),
        ),
        kit.Toggle("show_done", "Show done", "Show things done", "include_done"),
        kit.Note(lambda rows: "" if rows else "Nothing listed.", "Things status"),
    )


def _actor(*permissions: Permission) -> Actor:
    return Actor(1, "nina", "Nina Nurse", Role.NURSE, "exam-1", frozenset(permissions))


def _section(qtbot: QtBot, actor: Actor, services: FakeServices) -> ThingsSection:
    host = QWidget()
    qtbot.addWidget(host)
    ops = Operations(host)
    section = ThingsSection(services, actor, 7, ops)  # type: ignore[arg-type]
    ops.data_changed.connect(lambda _what: section.refresh())  # as the chart view does
    qtbot.addWidget(section)
    return section


@pytest.fixture
def services() -> FakeServices:
    return FakeServices(FakeThings([Thing(1, "walk", "daily"), Thing(2, "swim", "weekly", True)]))


@dataclass
class Asked:
    """The yes/no questions put to the user; each one is answered ``answer``."""

    questions: list[tuple[str, str]] = field(default_factory=list)
    answer: QMessageBox.StandardButton = QMessageBox.StandardButton.No


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Asked:
    seen = Asked()

    def question(_parent: QWidget, title: str, text: str, *_: object) -> object:
        seen.questions.append((title, text))
        return seen.answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return seen


def test_a_declared_section_builds_its_table_and_toggle(
    qtbot: QtBot, services: FakeServices
) -> None:
    section = _section(qtbot, _actor(ADD, ARCHIVE), services)
    headers = [section.model.headerData(i, Qt.Orientation.Horizontal) for i in range(2)]
    assert headers == ["Name", "Kind"]
    assert section.table.accessibleName() == "Things"
    assert [t.name for t in section.model.rows()] == ["walk"]  # done ones wait for the toggle
    section.show_done.setChecked(True)  # type: ignore[attr-defined]
    assert [t.name for t in section.model.rows()] == ["walk", "swim"]
    font = section.model.data(section.model.index(1, 0), Qt.ItemDataRole.FontRole)
    assert font.strikeOut()
    grey = section.model.data(section.model.index(1, 1), Qt.ItemDataRole.ForegroundRole)
    assert grey is not None
    assert section.add.accessibleName() == "Add thing"  # type: ignore[attr-defined]
    assert not section.note.isVisibleTo(section)
    services.things.rows.clear()
    section.refresh()
    assert section.note.isVisibleTo(section) and section.note.text() == "Nothing listed."


def test_row_actions_wait_for_a_row_that_allows_them_and_say_why(
    qtbot: QtBot, services: FakeServices
) -> None:
    section = _section(qtbot, _actor(ADD, ARCHIVE), services)
    finish = section.buttons["finish"]
    assert not finish.isEnabled() and finish.toolTip() == "Select a thing first"
    assert section.buttons["add"].isEnabled()
    section.table.selectRow(0)
    assert finish.isEnabled() and finish.toolTip() == ""
    section.show_done.setChecked(True)  # type: ignore[attr-defined]
    section.table.selectRow(1)
    assert not finish.isEnabled() and finish.toolTip() == "This thing is already done"
    assert section.buttons["archive"].toolTip() == "Shortcut: Ctrl+Shift+R"


def test_without_permission_an_action_is_hidden_or_disabled_saying_why(
    qtbot: QtBot, services: FakeServices
) -> None:
    section = _section(qtbot, _actor(), services)
    assert not section.buttons["add"].isVisibleTo(section)  # the house rule: hidden
    assert not section.buttons["finish"].isVisibleTo(section)
    archive = section.buttons["archive"]  # declared to stay in sight
    assert archive.isVisibleTo(section) and not archive.isEnabled()
    assert archive.toolTip() == kit.ROLE_CANNOT == "Your role cannot do this"
    assert section.run_action("archive") is None
    assert services.things.calls == []


def test_a_confirmed_action_asks_first_and_does_nothing_on_no(
    qtbot: QtBot, services: FakeServices, asked: Asked
) -> None:
    section = _section(qtbot, _actor(ADD), services)
    section.table.selectRow(0)
    section.buttons["finish"].click()
    assert asked.questions == [("Thing", "Finish walk?")]
    assert services.things.calls == []
    asked.answer = QMessageBox.StandardButton.Yes
    section.table.selectRow(0)
    section.table.doubleClicked.emit(section.model.index(0, 0))  # a double click finishes too
    assert services.things.calls == ["finish 1"]


def test_the_form_shows_every_missing_field_at_once_beside_it(
    qtbot: QtBot, services: FakeServices
) -> None:
    section = _section(qtbot, _actor(ADD), services)
    dialog = section.open_dialog()
    assert dialog.windowTitle() == "Add a thing"
    assert not dialog.save()
    assert dialog.error_text("name") == "Required"
    assert dialog.error_text("sort") == "Required"  # the kind's other service name
    for key in ("name", "kind"):
        widget = getattr(dialog, key)
        label = dialog._errors[key]
        assert label.parentWidget() is widget.parentWidget()  # beside its own field
    assert services.things.calls == []  # nothing was sent
    dialog.name.setText("walk")  # type: ignore[attr-defined]
    dialog.kind.setCurrentText("daily")  # type: ignore[attr-defined]
    assert not dialog.save()
    assert dialog.error_text("name") == "Is already listed"  # the service's own word
    assert dialog.error_text("kind") == ""
    dialog.name.setText("run")  # type: ignore[attr-defined]
    assert dialog.save()
    assert not dialog.isVisible()
    assert [t.name for t in section.model.rows()] == ["walk", "run"]


def test_enter_in_a_field_that_keeps_it_does_not_save(qtbot: QtBot, services: FakeServices) -> None:
    dialog = _section(qtbot, _actor(ADD), services).open_dialog()
    dialog.name.setText("nap")  # type: ignore[attr-defined]
    dialog.kind.setCurrentText("daily")  # type: ignore[attr-defined]
    dialog.since.setFocus()  # type: ignore[attr-defined]
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.isVisible() and services.things.calls == []
    dialog.name.setFocus()  # type: ignore[attr-defined]
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert services.things.calls == ["add nap"]


def test_an_untouched_form_closes_without_asking(
    qtbot: QtBot, services: FakeServices, asked: Asked
) -> None:
    dialog = _section(qtbot, _actor(ADD), services).open_dialog()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and asked.questions == []


@pytest.mark.parametrize("how", ["escape", "cancel", "close"])
def test_typed_content_is_not_thrown_away_without_asking(
    qtbot: QtBot, services: FakeServices, asked: Asked, how: str
) -> None:
    dialog = _section(qtbot, _actor(ADD), services).open_dialog()
    qtbot.keyClicks(dialog.name, "stretch")  # type: ignore[attr-defined]

    def leave() -> None:
        if how == "escape":
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        elif how == "cancel":
            dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
        else:
            dialog.close()

    leave()
    assert asked.questions == [("Add a thing", "Discard this thing?")]
    assert dialog.isVisible() and dialog.name.text() == "stretch"  # type: ignore[attr-defined]
    asked.answer = QMessageBox.StandardButton.Yes
    leave()
    assert not dialog.isVisible()
    assert services.things.calls == []


def test_an_allergy_with_typed_content_asks_before_discarding(qtbot: QtBot, asked: Asked) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    actor = _actor(Permission.ALLERGY_RECORD)
    section = AllergiesSection(FakeServices(), actor, 7, Operations(host))  # type: ignore[arg-type]
    qtbot.addWidget(section)
    assert section.buttons["inactivate"].toolTip() == "Select an allergy first"
    dialog = section.open_dialog()
    qtbot.keyClicks(dialog.reaction, "hives")  # type: ignore[attr-defined]
    dialog.reject()
    assert asked.questions == [("Record an allergy", "Discard this allergy?")]
    assert dialog.isVisible()


def test_set_status_waits_until_a_new_status_is_chosen(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    services = FakeServices()
    actor = _actor(Permission.REFERRAL_MANAGE)
    section = ReferralsSection(services, actor, 7, Operations(host))  # type: ignore[arg-type]
    qtbot.addWidget(section)
    button = section.buttons["set_status"]
    assert section.status.placeholderText() == "Select a referral"
    section.table.selectRow(0)
    assert section.status.placeholderText() == "Choose the new status"
    assert not button.isEnabled() and button.toolTip() == "Choose the new status first"
    section.status.setCurrentIndex(section.status.findData(ReferralStatus.SENT))
    assert button.isEnabled()
    button.click()
    assert services.referrals.moves == [ReferralStatus.SENT]
