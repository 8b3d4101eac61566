"""Register or edit a patient: errors beside their fields, and the duplicate warning."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import DuplicateCandidate, PatientDetails, PatientInput, age_on
from emr_desktop.domain.security import Actor
from emr_desktop.errors import DuplicateError, ValidationError, ValidationErrors
from emr_desktop.services.common.collect import Problems
from emr_desktop.services.common.validation import parse_date
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.ui.discard import DiscardGuard
from emr_desktop.ui.ops import Operations

# (attribute, label, the field name services use in ValidationError)
_TEXT_FIELDS = (
    ("given_name", "Given name *", "given name"),
    ("middle_name", "Middle name", "middle name"),
    ("family_name", "Family name *", "family name"),
    ("preferred_name", "Preferred name", "preferred name"),
    ("gender_identity", "Gender identity", "gender identity"),
    ("phone_mobile", "Mobile phone", "mobile phone"),
    ("phone_home", "Home phone", "home phone"),
    ("email", "E-mail", "e-mail"),
    ("address_line1", "Address", "address"),
    ("address_line2", "Address line 2", "address line 2"),
    ("city", "City", "city"),
    ("state", "State", "state"),
    ("postal_code", "Postal code", "postal code"),
    ("preferred_language", "Preferred language", "preferred language"),
    ("emergency_contact_name", "Emergency contact", "emergency contact"),
    ("emergency_contact_phone", "Emergency contact phone", "emergency contact phone"),
    ("emergency_contact_relation", "Relation", "emergency contact relation"),
    ("insurance_payer", "Insurance payer", "insurance payer"),
    ("insurance_member_id", "Member id", "insurance member id"),
    ("alerts", "Alerts (shown on the chart banner)", "alerts"),
)
_GROUPS = (
    ("Name", ("given_name", "middle_name", "family_name", "preferred_name")),
    ("Contact", ("phone_mobile", "phone_home", "email", "preferred_language")),
    ("Address", ("address_line1", "address_line2", "city", "state", "postal_code")),
    (
        "Emergency contact and insurance",
        (
            "emergency_contact_name",
            "emergency_contact_phone",
            "emergency_contact_relation",
            "insurance_payer",
            "insurance_member_id",
        ),
    ),
)


class DuplicateDialog(QDialog):
    """Shows who the new patient may already be; open one of them or register anyway."""

    OPEN, REGISTER = 10, 11

    def __init__(self, candidates: tuple[DuplicateCandidate, ...], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("This patient may already be registered")
        self.chosen_id: int | None = None
        self._list = QListWidget()
        self._list.setAccessibleName("Possible duplicates")
        for c in candidates:
            p = c.patient
            item = QListWidgetItem(
                f"{p.display_name}   born {p.birth_date:%m/%d/%Y}   MRN {p.mrn}   "
                f"{p.phone}\n    {'; '.join(c.reasons)}"
            )
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            self._list.addItem(item)
        self._list.setCurrentRow(0)
        open_button = QPushButton("&Open selected patient")
        open_button.setDefault(True)
        open_button.clicked.connect(self._on_open_clicked)
        register = QPushButton("&Register as a new patient")
        register.clicked.connect(lambda: self.done(self.REGISTER))
        back = QPushButton("&Back to the form")
        back.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(open_button)
        buttons.addWidget(register)
        buttons.addStretch()
        buttons.addWidget(back)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Check these records before registering a new patient:"))
        layout.addWidget(self._list)
        layout.addLayout(buttons)
        self.resize(620, 300)

    def _on_open_clicked(self) -> None:
        item = self._list.currentItem()
        if item is not None:
            self.chosen_id = int(item.data(Qt.ItemDataRole.UserRole))
            self.done(self.OPEN)


class PatientDialog(QDialog):
    """The registration form (``details`` None) or the edit form of an existing patient.

    After accept(): ``result_id`` is the saved patient, or the existing patient the
    user chose to open from the duplicate warning (``opened_existing`` True).
    """

    def __init__(
        self,
        service: PatientService,
        actor: Actor,
        details: PatientDetails | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.guard = DiscardGuard(self, "Discard the details you typed?")
        self._service = service
        self._actor = actor
        self._details = details
        self._ops = Operations(self)
        self.result_id: int | None = None
        self.opened_existing = False
        self.setWindowTitle("Edit patient" if details else "Register a new patient")
        self._edits: dict[str, QLineEdit] = {}
        self._errors: dict[str, QLabel] = {}
        self._by_service_name: dict[str, str] = {}

        grid = QGridLayout()
        core = QGroupBox("Identity")
        core_form = QFormLayout(core)
        self._birth = self._line("birth_date", "date of birth", "MM/DD/YYYY")
        self._sex = QComboBox()
        self._sex.setAccessibleName("Sex at birth")
        self._sex.addItem("— choose —", None)  # no silent default: the desk must ask
        for sex in Sex:
            self._sex.addItem(sex.value.title(), sex)
        self._errors["sex_at_birth"] = self._error_label()
        self._by_service_name["sex at birth"] = "sex_at_birth"
        labels = {attr: label for attr, label, _ in _TEXT_FIELDS}
        for attr, _label, service_name in _TEXT_FIELDS:
            self._line(attr, service_name)
        self._add_row(core_form, "Date of birth *", self._birth, "birth_date")
        self._add_row(core_form, "Sex at birth *", self._sex, "sex_at_birth")
        self._add_row(
            core_form, "Gender identity", self._edits["gender_identity"], "gender_identity"
        )
        self._add_row(core_form, labels["alerts"], self._edits["alerts"], "alerts")
        for i, (title, attrs) in enumerate(_GROUPS):
            box = QGroupBox(title)
            form = QFormLayout(box)
            for attr in attrs:
                self._add_row(form, labels[attr], self._edits[attr], attr)
            grid.addWidget(box, i // 2, i % 2)
        grid.addWidget(core, 2, 0, 1, 2)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(buttons)
        if details:
            self._fill(details.data)
        self._edits["given_name"].setFocus()

    def reject(self) -> None:
        """Qt override (Esc, Cancel, the close box): ask before typed content is lost."""
        if self.guard.may_close():
            super().reject()

    def _error_label(self) -> QLabel:
        label = QLabel()
        label.setStyleSheet("color: #b00020;")
        label.setWordWrap(True)
        label.hide()
        return label

    def _line(self, attr: str, service_name: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(service_name.capitalize())
        edit.setPlaceholderText(placeholder)
        self._edits[attr] = edit
        self._errors[attr] = self._error_label()
        self._by_service_name[service_name] = attr
        return edit

    def _add_row(self, form: QFormLayout, label: str, widget: QWidget, attr: str) -> None:
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(widget)
        box.addWidget(self._errors[attr])
        form.addRow(label, holder)

    def _fill(self, data: PatientInput) -> None:
        for attr, edit in self._edits.items():
            if attr == "birth_date":
                edit.setText(data.birth_date.strftime("%m/%d/%Y"))
            else:
                edit.setText(str(getattr(data, attr)))
        self._sex.setCurrentIndex(max(self._sex.findData(data.sex_at_birth), 0))

    def show_field_error(self, err: ValidationError) -> None:
        """Show ``err`` beside its field (or in a box if the field is not on this form); for
        several at once, each beside its own field, the first one focused."""
        if isinstance(err, ValidationErrors):
            for one in reversed(err.problems):  # the first ends up with the focus
                self.show_field_error(one)
            return
        attr = self._by_service_name.get(err.field)
        if attr is None:
            self._ops.show_error(err)
            return
        self._errors[attr].setText(err.reason)
        self._errors[attr].show()
        widget = self._sex if attr == "sex_at_birth" else self._edits[attr]
        widget.setFocus()

    def _collect(self) -> PatientInput:
        for label in self._errors.values():
            label.hide()
        found = Problems()
        text = self._birth.text().strip()
        birth = found.check(lambda: _birth(text), None)
        sex = self._sex.currentData()
        if sex is None:
            found.found.append(ValidationError("sex at birth", "choose one"))
        values = {attr: e.text() for attr, e in self._edits.items() if attr != "birth_date"}
        for attr in ("given_name", "family_name"):
            if not values[attr].strip():
                field = attr.replace("_", " ")
                found.found.append(ValidationError(field, "is required"))
        found.raise_any()
        assert birth is not None
        return PatientInput(birth_date=birth, sex_at_birth=sex, **values)

    def _save(self, data: PatientInput, confirm: bool) -> PatientDetails:
        if self._details is None:
            return self._service.register(self._actor, data, confirm_not_duplicate=confirm)
        return self._service.update(
            self._actor, self._details.id, data, expected_version=self._details.version
        )

    def _on_buttons_accepted(self) -> None:
        try:
            data = self._collect()
        except ValidationError as err:
            self.show_field_error(err)
            return
        try:
            saved = self._ops.run(
                lambda: self._save(data, False),
                changes="patient",
                on_validation=self.show_field_error,
                quiet=(DuplicateError,),
            )
        except DuplicateError as dup:
            choice = DuplicateDialog(dup.candidates, self)  # type: ignore[arg-type]
            outcome = choice.exec()
            if outcome == DuplicateDialog.OPEN and choice.chosen_id is not None:
                self.result_id, self.opened_existing = choice.chosen_id, True
                self.accept()
                return
            if outcome != DuplicateDialog.REGISTER:
                return
            saved = self._ops.run(
                lambda: self._save(data, True),
                changes="patient",
                on_validation=self.show_field_error,
            )
        if saved is not None:
            self.result_id = saved.id
            self.accept()


def _birth(text: str) -> dt.date:
    if not text:
        raise ValidationError("date of birth", "is required")
    return parse_date("date of birth", text)


def birth_and_age(birth: dt.date, today: dt.date | None = None) -> str:
    """'03/02/1975 (51 y)' as lists and the banner show a date of birth."""
    return f"{birth:%m/%d/%Y} ({age_on(birth, today or dt.date.today())} y)"
