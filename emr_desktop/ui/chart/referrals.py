"""The Referrals section: referrals to outside specialists; write one, move it along."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from emr_desktop.domain.chart import ReferralRow
from emr_desktop.domain.clinical import ReferralStatus, Urgency
from emr_desktop.domain.sections import ReferralInput
from emr_desktop.domain.security import Permission
from emr_desktop.services.exchange.referrals import TRANSITIONS
from emr_desktop.ui.chart.field_kinds import Choice, LongText, Text
from emr_desktop.ui.chart.form_kit import Field, FormSpec
from emr_desktop.ui.chart.section_kit import Action, ChartSection, Only, SectionSpec, Table
from emr_desktop.ui.table_model import Column

MANAGE = Permission.REFERRAL_MANAGE
_CLOSED = (ReferralStatus.COMPLETED, ReferralStatus.CANCELLED)


def _cancelled(r: ReferralRow) -> bool:
    return r.status == ReferralStatus.CANCELLED


def _finished(r: ReferralRow) -> bool:
    return r.status in _CLOSED


COLUMNS: tuple[Column[ReferralRow], ...] = (
    Column(
        "Written",
        lambda r: f"{r.created_at.astimezone():%m/%d/%Y}",
        lambda r: r.created_at,
        strike=_cancelled,
    ),
    Column("To", lambda r: r.to_name, strike=_cancelled),
    Column("Specialty", lambda r: r.to_specialty),
    Column("Reason", lambda r: r.reason),
    Column("Urgency", lambda r: r.urgency.value, warn=lambda r: r.urgency != Urgency.ROUTINE),
    Column("Status", lambda r: r.status.value),
    Column("Sent", lambda r: f"{r.sent_date:%m/%d/%Y}" if r.sent_date else ""),
    Column("Referring", lambda r: r.referring_provider),
)


FORM: FormSpec[ReferralRow] = FormSpec(
    "New referral",
    "referral",
    (
        Field("to_name", "Specialist", Text("e.g. Dr. Ana Silva"), required=True),
        Field("specialty", "Specialty", Text("e.g. Cardiology"), to="to_specialty", required=True),
        Field("organization", "Organization", Text(), to="to_organization"),
        Field("phone", "Phone", Text(), to="to_phone"),
        Field("fax", "Fax", Text(), to="to_fax"),
        Field("reason", "Reason", Text(), required=True),
        Field("question", "Clinical question", LongText(), to="clinical_question"),
        Field("urgency", "Urgency", Choice.of(Urgency), ("urgency", "referring provider")),
    ),
    # a draft until marked sent
    lambda s, data, _row: s.services.referrals.create(s.actor, s.patient_id, data),
    ReferralInput,
    width=560,
)


def _set_status(section: ReferralsSection, r: ReferralRow) -> ReferralRow | None:
    """Move the selected referral to the status chosen beside the button."""
    status = section.status.currentData()
    if status is None:  # the button waits for a choice; this guards a stray call
        return None
    referrals = section.services.referrals
    return referrals.set_status(section.actor, r.id, status, expected_version=r.version)


ACTIONS: tuple[Action[ReferralRow], ...] = (
    Action("new", "&New referral…", permission=MANAGE, form=FORM),
    Action(
        "set_status",
        "&Set status",
        _set_status,
        permission=MANAGE,
        row=Only(
            lambda r: bool(TRANSITIONS[r.status]),
            lambda r: f"A {r.status.value} referral does not change",
        ),
        trailing=True,
    ),
)

TABLE = Table(COLUMNS, faded=_finished, stretch=3)
SPEC = SectionSpec("Referrals", "referral", TABLE, lambda sv: sv.referrals.list, ACTIONS)


class ReferralsSection(ChartSection[ReferralRow]):
    """Referrals, newest first, with their status; cancelled ones struck through."""

    spec = SPEC

    def add_extras(self) -> None:
        """The new-status choice, just before 'Set status'."""
        self.status = QComboBox()
        self.status.setAccessibleName("New status")
        self.status.setMinimumContentsLength(24)
        self.status.setVisible(self.actor.can(MANAGE))
        self.status.currentIndexChanged.connect(self._on_status_current_index_changed)
        self.toolbar.insertWidget(self.toolbar.indexOf(self.buttons["set_status"]), self.status)
        # The (id, version) of the referral the choices are for; None: no referral selected.
        self._offered: tuple[int, int] | None = (0, 0)  # nothing offered yet

    def update_actions(self) -> None:
        """Offer only the statuses the selected referral may move to; 'Set status' waits
        until one is chosen."""
        r = self.selected()
        offered = None if r is None else (r.id, r.version)
        if offered != self._offered:
            self._offered = offered
            self.status.blockSignals(True)
            self.status.clear()
            choices = [s for s in ReferralStatus if r is not None and s in TRANSITIONS[r.status]]
            for s in choices:
                self.status.addItem(f"Mark {s.value}", s)
            self.status.setCurrentIndex(-1)
            self.status.blockSignals(False)
            if r is None:
                self.status.setPlaceholderText("Select a referral")
            else:
                self.status.setPlaceholderText(
                    "Choose the new status" if choices else f"No change: {r.status.value}"
                )
            self.status.setEnabled(bool(choices))
        super().update_actions()
        button = self.buttons["set_status"]
        if button.isEnabled() and self.status.currentData() is None:
            button.setEnabled(False)
            button.setToolTip("Choose the new status first")

    def _on_status_current_index_changed(self, _index: int) -> None:
        self.update_actions()
