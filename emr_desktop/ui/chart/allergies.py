"""The Allergies section: allergies with their severity; add, inactivate, or record NKA."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from emr_desktop.domain.chart import AllergyRow
from emr_desktop.domain.clinical import AllergyCategory, AllergySeverity, RecordStatus
from emr_desktop.domain.sections import AllergyInput
from emr_desktop.domain.security import Permission
from emr_desktop.services.chart.recognition import allergy_mark
from emr_desktop.ui.chart.allergy_dialog import AllergyDialog
from emr_desktop.ui.chart.field_kinds import Choice, DateField, Text
from emr_desktop.ui.chart.form_kit import Field, FormSpec
from emr_desktop.ui.chart.section_kit import (
    Action,
    ChartSection,
    Note,
    Only,
    SectionSpec,
    Table,
    Toggle,
)
from emr_desktop.ui.table_model import Column

RECORD = Permission.ALLERGY_RECORD


def _active(a: AllergyRow) -> bool:
    return a.status == RecordStatus.ACTIVE


def _closed(a: AllergyRow) -> bool:
    return not _active(a)


def _serious(a: AllergyRow) -> bool:
    return _active(a) and a.severity in (AllergySeverity.SEVERE, AllergySeverity.MODERATE)


def _none_active(rows: Sequence[AllergyRow]) -> bool:
    return not any(map(_active, rows))


def _status_line(rows: Sequence[AllergyRow]) -> str:
    return "No active allergies recorded." if _none_active(rows) else ""


def _unrecognised(a: AllergyRow) -> bool:
    return _active(a) and bool(allergy_mark(a))


COLUMNS: tuple[Column[AllergyRow], ...] = (
    Column(
        "Substance",
        lambda a: a.substance,
        strike=_closed,
        warn=lambda a: _serious(a) or _unrecognised(a),
    ),
    Column("Category", lambda a: a.category.value),
    Column("Reaction", lambda a: a.reaction, strike=_closed),
    Column("Severity", lambda a: a.severity.value, warn=_serious),
    Column("Status", lambda a: a.status.value),
    Column("Onset", lambda a: f"{a.onset_date:%m/%d/%Y}" if a.onset_date else ""),
    Column("Recorded by", lambda a: a.recorded_by),
    Column("Safety checks", allergy_mark, warn=_unrecognised),
)


def _mark(status: RecordStatus) -> Callable[[Any, AllergyRow], AllergyRow]:
    """The service call marking the selected allergy ``status``."""
    return lambda s, a: s.services.allergies.inactivate(
        s.actor, a.id, status=status, expected_version=a.version
    )


def _asking(words: str) -> Callable[[AllergyRow], str]:
    return lambda a: f"Mark the allergy to {a.substance} {words}?"


FORM: FormSpec[AllergyRow] = FormSpec(
    "Record an allergy",
    "allergy",
    (
        Field("substance", "Substance", Text("e.g. penicillin, peanuts, latex"), required=True),
        Field("category", "Category", Choice.of(AllergyCategory)),
        Field("reaction", "Reaction", Text("e.g. hives, anaphylaxis")),
        Field("severity", "Severity", Choice.of(AllergySeverity, AllergySeverity.UNKNOWN)),
        Field("onset", "Onset date", DateField(), to="onset_date"),
    ),
    lambda s, data, _row: s.services.allergies.add(s.actor, s.patient_id, data),
    AllergyInput,
    dialog=AllergyDialog,
)

ACTIONS: tuple[Action[AllergyRow], ...] = (
    Action("add", "&Add allergy…", permission=RECORD, form=FORM),
    Action(
        "inactivate",
        "&Inactivate",
        _mark(RecordStatus.INACTIVE),
        permission=RECORD,
        row=Only(_active, "This allergy is no longer active"),
        confirm=_asking("inactive"),
    ),
    Action(
        "in_error",
        "Entered in &error",
        _mark(RecordStatus.ENTERED_IN_ERROR),
        permission=RECORD,
        row=Only(
            lambda a: a.status != RecordStatus.ENTERED_IN_ERROR,
            "This allergy is already marked entered in error",
        ),
        confirm=_asking("entered in error"),
    ),
    Action(
        "nka",
        "No &known allergies",
        lambda s: s.services.allergies.mark_no_known_allergies(s.actor, s.patient_id),
        permission=RECORD,
        shown=_none_active,
    ),
)

TOGGLE = Toggle("show_inactive", "Show inactive", "Show inactive allergies", "include_inactive")
NOTE = Note(_status_line, "Allergy status")
TABLE = Table(COLUMNS, faded=_closed, stretch=2)
SPEC = SectionSpec(
    "Allergies", "allergy", TABLE, lambda sv: sv.allergies.list, ACTIONS, TOGGLE, NOTE
)


class AllergiesSection(ChartSection[AllergyRow]):
    """Active allergies first (worst first, severe ones in the warning colour); NKA is
    offered only while none is active."""

    spec = SPEC
