"""The left side of the Export / Referral dialog: what to export, to whom, how protected."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import DocumentRow, EncounterRow, ReferralRow
from emr_desktop.domain.clinical import NoteStatus, ReferralStatus, Urgency
from emr_desktop.domain.exports import (
    REFERRAL_NOTE_DAYS,
    SECTION_LABELS,
    ChartSection,
    ExportKind,
    ExportRequest,
)
from emr_desktop.domain.sections import ReferralInput

KIND_LABELS = {
    ExportKind.REFERRAL: "Referral packet (cover letter + chart)",
    ExportKind.CHART: "Full chart",
    ExportKind.SECTIONS: "Chosen sections",
}
PDF_A_NOTE = "PDF/A forbids encryption: an archive copy cannot also have a password."
_OPEN = (ReferralStatus.DRAFT, ReferralStatus.SENT, ReferralStatus.SCHEDULED)


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def _checked(widget: QListWidget) -> tuple[int, ...]:
    items = (widget.item(i) for i in range(widget.count()))
    return tuple(
        int(item.data(Qt.ItemDataRole.UserRole))
        for item in items
        if item.checkState() == Qt.CheckState.Checked
    )


class ExportForm(QWidget):
    """Kind, referral, sections, notes, documents and protection; emits ``changed``."""

    changed = Signal()

    def __init__(
        self,
        referrals: list[ReferralRow],
        visits: list[EncounterRow],
        documents: list[DocumentRow],
        can_refer: bool,
    ) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Export kind")
        for kind, label in KIND_LABELS.items():
            if kind is not ExportKind.REFERRAL or can_refer:
                self.kind.addItem(label, kind)
        caption = QLabel("&Export:")
        caption.setBuddy(self.kind)
        layout.addWidget(caption)
        layout.addWidget(self.kind)
        layout.addWidget(self._referral_box(referrals))
        layout.addWidget(self._sections_box())
        layout.addWidget(self._notes_box(visits))
        layout.addWidget(self._documents_box(documents))
        layout.addWidget(self._protection_box())
        layout.addStretch(1)
        # Start from something that builds at once: the chart's newest open referral when
        # there is one, else the full chart (a new referral needs its fields filled in first).
        if can_refer and self.existing.count() > 1:
            self.existing.setCurrentIndex(1)
            self.kind.setCurrentIndex(self.kind.findData(ExportKind.REFERRAL))
        else:
            self.kind.setCurrentIndex(self.kind.findData(ExportKind.CHART))
        self.kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        self._on_kind_current_index_changed()

    # --- building -----------------------------------------------------------------------

    def _referral_box(self, referrals: list[ReferralRow]) -> QGroupBox:
        self.referral_box = QGroupBox("Referral")
        form = QFormLayout(self.referral_box)
        self.existing = QComboBox()
        self.existing.setAccessibleName("Referral")
        self.existing.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.existing.setMinimumContentsLength(24)
        self.existing.setToolTip(
            "A new referral is recorded on the chart as sent when printed or saved."
        )
        self.existing.addItem("New referral", None)
        for r in referrals:
            if r.status in _OPEN:
                self.existing.addItem(f"{r.to_specialty}: {r.to_name} ({r.status.value})", r)
        form.addRow("&Referral", self.existing)
        self.to_name = QLineEdit()
        self.to_specialty = QLineEdit()
        self.to_organization = QLineEdit()
        self.to_fax = QLineEdit()
        self.reason = QLineEdit()
        self.question = QPlainTextEdit()
        self.question.setFixedHeight(70)
        self.urgency = QComboBox()
        for u in Urgency:
            self.urgency.addItem(u.value.capitalize(), u)
        for label, widget in (
            ("Specia&list", self.to_name),
            ("Specialt&y", self.to_specialty),
            ("Organization", self.to_organization),
            ("Fax", self.to_fax),
            ("Rea&son", self.reason),
            ("Clinical &question", self.question),
            ("&Urgency", self.urgency),
        ):
            widget.setAccessibleName(label.replace("&", ""))
            form.addRow(label, widget)
        self.existing.currentIndexChanged.connect(self._on_existing_current_index_changed)
        for edit in (self.to_name, self.to_specialty, self.to_organization, self.to_fax):
            edit.textChanged.connect(self.changed)
        self.reason.textChanged.connect(self.changed)
        self.question.textChanged.connect(self.changed)
        self.urgency.currentIndexChanged.connect(self.changed)
        return self.referral_box

    def _sections_box(self) -> QGroupBox:
        self.sections_box = QGroupBox("Sections")
        grid = QGridLayout(self.sections_box)
        self.section_checks: dict[ChartSection, QCheckBox] = {}
        for index, (section, label) in enumerate(SECTION_LABELS.items()):
            check = QCheckBox(label)
            check.setChecked(True)
            check.toggled.connect(self.changed)
            self.section_checks[section] = check
            grid.addWidget(check, index // 2, index % 2)
        return self.sections_box

    def _notes_box(self, visits: list[EncounterRow]) -> QGroupBox:
        self.notes_box = QGroupBox("Visit notes (signed notes, with their addenda)")
        box = QVBoxLayout(self.notes_box)
        self.by_range = QRadioButton("&Dates")
        self.by_pick = QRadioButton("&Pick notes")
        group = QButtonGroup(self)
        group.addButton(self.by_range)
        group.addButton(self.by_pick)
        self.by_range.setChecked(True)
        today = dt.date.today()
        self.notes_from = QDateEdit(_qdate(today - dt.timedelta(days=REFERRAL_NOTE_DAYS)))
        self.notes_to = QDateEdit(_qdate(today))
        for edit, name in ((self.notes_from, "Notes from"), (self.notes_to, "Notes to")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("MM/dd/yyyy")
            edit.setAccessibleName(name)
            edit.dateChanged.connect(self.changed)
        row = QHBoxLayout()
        row.addWidget(self.by_range)
        row.addWidget(self.notes_from)
        row.addWidget(QLabel("to"))
        row.addWidget(self.notes_to)
        box.addLayout(row)
        box.addWidget(self.by_pick)
        self.visits = QListWidget()
        self.visits.setAccessibleName("Visits to include")
        for v in visits:
            if v.status is not NoteStatus.SIGNED:
                continue
            text = f"{v.occurred_at.astimezone():%m/%d/%Y}  {v.kind}: {v.reason}  ({v.provider})"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, v.id)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.visits.addItem(item)
        self.visits.setMaximumHeight(130)
        self.visits.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.visits.setTextElideMode(Qt.TextElideMode.ElideRight)
        box.addWidget(self.visits)
        self.by_range.toggled.connect(self._on_by_range_toggled)
        self.visits.itemChanged.connect(self.changed)
        self._on_by_range_toggled(True)
        return self.notes_box

    def _documents_box(self, documents: list[DocumentRow]) -> QGroupBox:
        self.documents_box = QGroupBox("Attach documents from the chart")
        box = QVBoxLayout(self.documents_box)
        self.documents = QListWidget()
        self.documents.setAccessibleName("Documents to attach")
        for d in documents:
            day = d.document_date or d.uploaded_at.astimezone().date()
            item = QListWidgetItem(f"{d.title}  ({day:%m/%d/%Y})")
            item.setData(Qt.ItemDataRole.UserRole, d.id)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.documents.addItem(item)
        if not documents:
            box.addWidget(QLabel("This chart has no attached documents."))
            self.documents.hide()
        self.documents.setMaximumHeight(100)
        self.documents.itemChanged.connect(self.changed)
        box.addWidget(self.documents)
        return self.documents_box

    def _protection_box(self) -> QGroupBox:
        box = QGroupBox("Protection")
        form = QFormLayout(box)
        self.use_password = QCheckBox("Pass&word-protect (for e-mail; AES-256)")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("PDF password")
        self.password.setPlaceholderText("at least 8 characters; tell it by phone")
        self.pdf_a = QCheckBox("PDF/&A-2b for archiving")
        self.pdf_a_note = QLabel(PDF_A_NOTE)
        self.pdf_a_note.setWordWrap(True)
        self.pdf_a_note.setStyleSheet("color: #555;")
        form.addRow(self.use_password)
        form.addRow("Password", self.password)
        form.addRow(self.pdf_a)
        form.addRow(self.pdf_a_note)
        self.use_password.toggled.connect(self._on_protection_toggled)
        self.pdf_a.toggled.connect(self._on_protection_toggled)
        self.password.textChanged.connect(self.changed)
        self._on_protection_toggled()
        return box

    # --- reading ------------------------------------------------------------------------

    def current_kind(self) -> ExportKind:
        """The kind chosen."""
        return ExportKind(self.kind.currentData())  # Qt hands the enum back as a plain str

    def referral_input(self) -> ReferralInput:
        """The referral as typed."""
        return ReferralInput(
            to_name=self.to_name.text(),
            to_specialty=self.to_specialty.text(),
            reason=self.reason.text(),
            clinical_question=self.question.toPlainText(),
            urgency=Urgency(self.urgency.currentData()),
            to_organization=self.to_organization.text(),
            to_fax=self.to_fax.text(),
        )

    def request(self) -> ExportRequest:
        """What the form says, as the export service takes it."""
        kind = self.current_kind()
        existing: ReferralRow | None = self.existing.currentData()
        refer = kind is ExportKind.REFERRAL
        whole = kind is ExportKind.CHART  # every note, whatever the dates say
        picked = self.by_pick.isChecked() and not whole
        dated = not picked and not whole
        return ExportRequest(
            kind=kind,
            sections=frozenset(s for s, c in self.section_checks.items() if c.isChecked()),
            note_ids=_checked(self.visits) if picked else (),
            notes_from=_pydate(self.notes_from.date()) if dated else None,
            notes_to=_pydate(self.notes_to.date()) if dated else None,
            include_documents=_checked(self.documents),
            referral=self.referral_input() if refer and existing is None else None,
            referral_id=existing.id if refer and existing is not None else None,
            password=self.password.text() if self.use_password.isChecked() else None,
            pdf_a=self.pdf_a.isChecked(),
        )

    def use_referral(self, referral: ReferralRow) -> None:
        """Point the form at a referral just recorded, so printing again does not add one."""
        self.existing.addItem(f"{referral.to_specialty}: {referral.to_name} (sent)", referral)
        self.existing.setCurrentIndex(self.existing.count() - 1)

    # --- reacting -----------------------------------------------------------------------

    def _on_kind_current_index_changed(self) -> None:
        kind = self.current_kind()
        self.referral_box.setVisible(kind is ExportKind.REFERRAL)
        whole = kind is ExportKind.CHART
        for check in self.section_checks.values():
            check.setEnabled(not whole)
        self.notes_box.setEnabled(not whole)
        self.notes_box.setTitle(
            "Visit notes: every signed note"
            if whole
            else "Visit notes (signed notes, with their addenda)"
        )
        self.changed.emit()

    def _on_existing_current_index_changed(self) -> None:
        r: ReferralRow | None = self.existing.currentData()
        editable = r is None
        for edit in (self.to_name, self.to_specialty, self.to_organization, self.to_fax):
            edit.setReadOnly(not editable)
        self.reason.setReadOnly(not editable)
        self.question.setReadOnly(not editable)
        self.urgency.setEnabled(editable)
        if r is not None:
            self.to_name.setText(r.to_name)
            self.to_specialty.setText(r.to_specialty)
            self.to_organization.setText(r.to_organization)
            self.to_fax.setText(r.to_fax)
            self.reason.setText(r.reason)
            self.question.setPlainText(r.clinical_question)
            self.urgency.setCurrentIndex(max(0, self.urgency.findData(r.urgency)))
        self.changed.emit()

    def _on_by_range_toggled(self, on: bool) -> None:
        self.notes_from.setEnabled(on)
        self.notes_to.setEnabled(on)
        self.visits.setEnabled(not on)
        self.changed.emit()

    def _on_protection_toggled(self) -> None:
        # One or the other: PDF/A forbids encryption.
        self.pdf_a.setEnabled(not self.use_password.isChecked())
        self.use_password.setEnabled(not self.pdf_a.isChecked())
        self.password.setEnabled(self.use_password.isChecked())
        self.changed.emit()
