"""The Problems section: the problem list with ICD-10-CM codes; add, edit, resolve, reactivate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from emr_desktop.domain.chart import ProblemRow
from emr_desktop.domain.clinical import ProblemStatus
from emr_desktop.domain.sections import ProblemInput
from emr_desktop.domain.security import Permission
from emr_desktop.reference.icd10 import Icd10Code
from emr_desktop.ui.chart.code_picker import CodePicker
from emr_desktop.ui.chart.field_kinds import Choice, DateField, Kind, Text
from emr_desktop.ui.chart.form_kit import Field, FormSpec
from emr_desktop.ui.chart.section_kit import Action, ChartSection, Only, SectionSpec, Table
from emr_desktop.ui.table_model import Column

EDIT = Permission.PROBLEM_EDIT


def _date(d: object) -> str:
    return f"{d:%m/%d/%Y}" if d is not None else ""


def _closed(p: ProblemRow) -> bool:
    return p.status != ProblemStatus.ACTIVE


COLUMNS: tuple[Column[ProblemRow], ...] = (
    Column("Problem", lambda p: p.description, strike=_closed),
    Column("Code", lambda p: p.code, strike=_closed),
    Column("Status", lambda p: p.status.value),
    Column("Onset", lambda p: _date(p.onset_date), lambda p: p.onset_date),
    Column("Resolved", lambda p: _date(p.resolved_date), lambda p: p.resolved_date),
    Column("Note", lambda p: p.note),
    Column("Recorded by", lambda p: p.recorded_by),
)


class Diagnosis(Kind[CodePicker]):
    """An ICD-10-CM code chosen in the search-as-you-type picker."""

    def make(self, label: str) -> CodePicker:
        """A code picker."""
        return CodePicker()

    def value(self, widget: CodePicker) -> Icd10Code | None:
        """The code chosen (None until one is)."""
        return widget.chosen

    def set_value(self, widget: CodePicker, value: Any) -> None:
        """Show an existing (code, description)."""
        widget.set_code(*value)

    def is_empty(self, widget: CodePicker) -> bool:
        """No code chosen yet."""
        return widget.chosen is None


def _problem(
    picker: Icd10Code,
    onset_date: dt.date | None,
    note: str,
    status: ProblemStatus = ProblemStatus.ACTIVE,  # a new problem is active
) -> ProblemInput:
    """The form's input: the diagnosis chosen (a required field, so never None here)."""
    return ProblemInput(picker.code, picker.description, onset_date, status, note)


def _save(
    section: ChartSection[ProblemRow], data: ProblemInput, existing: ProblemRow | None
) -> ProblemRow:
    problems, actor = section.services.problems, section.actor
    if existing is None:
        return problems.add(actor, section.patient_id, data)
    return problems.update(actor, existing.id, data, expected_version=existing.version)


FORM: FormSpec[ProblemRow] = FormSpec(
    lambda existing: "Edit problem" if existing else "Add a problem",
    "problem",
    (
        Field(
            "picker",
            "Diagnosis",
            Diagnosis(),
            ("code", "ICD-10 code", "description"),
            required=True,
            missing="choose a diagnosis from the list",
            keeps_enter=True,
        ),
        Field("onset", "Onset date", DateField(), to="onset_date"),
        Field("status", "Status", Choice.of(ProblemStatus), edit_only=True),
        Field("note", "Note", Text()),
    ),
    _save,
    _problem,
    fill=lambda p: {
        "picker": (p.code, p.description),
        "onset": p.onset_date,
        "status": p.status,
        "note": p.note,
    },
    width=620,
)


ACTIONS: tuple[Action[ProblemRow], ...] = (
    Action("add", "&Add problem…", permission=EDIT, form=FORM),
    Action("edit", "&Edit…", permission=EDIT, form=FORM, row=True, double_click=True),
    Action(
        "resolve",
        "&Resolve",
        lambda s, p: s.services.problems.resolve(s.actor, p.id, expected_version=p.version),
        permission=EDIT,
        row=Only(lambda p: p.status != ProblemStatus.RESOLVED, "This problem is already resolved"),
    ),
    Action(
        "reactivate",
        "Reac&tivate",
        lambda s, p: s.services.problems.reactivate(s.actor, p.id, expected_version=p.version),
        permission=EDIT,
        row=Only(_closed, "This problem is already active"),
    ),
)

TABLE = Table(COLUMNS, faded=_closed, stretch=0)
SPEC = SectionSpec("Problems", "problem", TABLE, lambda sv: sv.problems.list, ACTIONS)


class ProblemsSection(ChartSection[ProblemRow]):
    """The problem list: active first, resolved ones struck through; a double click edits."""

    spec = SPEC
