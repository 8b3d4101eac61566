"""Reviewing results: the patient's waiting results (the opened one audited as viewed),
a comment, an optional follow-up, sign-off, and the letter to the patient."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.orders import ResultRow
from emr_desktop.domain.security import Actor
from emr_desktop.ui.chart.form_kit import FormDialog
from emr_desktop.ui.chart.section_kit import make_table
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel
from emr_desktop.ui.work_services import WorkServices, patient_line, save_pdf

CRITICAL = ("LL", "HH")
COLUMNS: tuple[Column[ResultRow], ...] = (
    Column("Test", lambda r: r.name),
    Column("LOINC", lambda r: r.loinc),
    Column(
        "Result",
        lambda r: f"{r.shown_value} {r.unit}".strip(),
        align_right=True,
        warn=lambda r: r.flag.value != "N",
    ),
    Column("Range", lambda r: r.range_text),
    Column(
        "Flag",
        lambda r: r.flag.value if r.flag.value != "N" else "",
        warn=lambda r: r.flag.value != "N",
    ),
    Column("Collected", lambda r: f"{r.collected_at.astimezone():%m/%d/%Y}"),
)


class ResultReviewDialog(FormDialog):
    """Sign off one patient's waiting results, with a comment and a follow-up."""

    def __init__(
        self, work: WorkServices, actor: Actor, ops: Operations, review_id: int, parent: QWidget
    ) -> None:
        super().__init__(
            "Review results", ops, "results", parent, discard="Throw away your comment?"
        )
        self._work, self._actor, self._ops, self._review_id = work, actor, ops, review_id
        self.rows: list[ResultRow] = []
        self.header = QLabel()
        self.header.setAccessibleName("Patient identifiers")
        self.header.setStyleSheet("font-weight: bold; font-size: 13pt;")
        self.model: DtoTableModel[ResultRow] = DtoTableModel(COLUMNS)
        self.table = make_table(self.model, "Results to review", 0)
        self.table.setMinimumHeight(240)
        self.header.setWordWrap(True)
        self.setMinimumSize(820, 600)
        top = self.layout()
        assert isinstance(top, QVBoxLayout)
        top.insertWidget(0, self.header)
        top.insertWidget(1, self.table, 1)
        self.comment = QPlainTextEdit()
        self.comment.setMaximumHeight(80)
        self.add_row("&Comment", self.comment, "comment")
        self.follow = QCheckBox("Book a follow-up (added to the recall list) in")
        self.weeks = QSpinBox()
        self.weeks.setRange(1, 104)
        self.weeks.setValue(4)
        self.weeks.setSuffix(" weeks")
        follow = QWidget()
        row = QHBoxLayout(follow)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.follow)
        row.addWidget(self.weeks)
        row.addStretch()
        self.add_row("&Follow-up", follow, "follow-up")
        self.letter = QPushButton("Save &letter to patient…")
        self.letter.clicked.connect(self.save_letter)
        self.buttons.addButton(self.letter, self.buttons.ButtonRole.ActionRole)
        save = self.buttons.button(self.buttons.StandardButton.Save)
        save.setText("&Sign off")

    def load(self) -> bool:
        """Open the result (audited) and gather the patient's other waiting results."""
        opened = self._ops.run(lambda: self._work.results.view(self._actor, self._review_id))
        if opened is None:
            return False
        waiting = self._ops.run(
            lambda: self._work.results.inbox(self._actor, physician_id=opened.physician_id)
        )
        same = [r for r in waiting or [] if r.patient_id == opened.patient_id]
        self.rows = same or [opened]
        self.model.set_rows(self.rows)
        self.header.setText(patient_line(opened.patient_name, opened.birth_date, opened.mrn))
        return True

    def call(self) -> object:
        """Sign off every result shown."""
        weeks = self.weeks.value() if self.follow.isChecked() else None
        return self._work.results.sign_off(
            self._actor,
            [r.review_id for r in self.rows],
            self.comment.toPlainText(),
            follow_up_weeks=weeks,
        )

    def save_letter(self) -> None:
        """Make the result letter (audited) and save it, named by MRN."""
        ids = [r.review_id for r in self.rows]
        text = self.comment.toPlainText()
        data = self._ops.run(lambda: self._work.results.letter(self._actor, ids, text))
        if data is not None and self.rows:
            save_pdf(self, "Save the result letter", f"results-{self.rows[0].mrn}.pdf", data)
