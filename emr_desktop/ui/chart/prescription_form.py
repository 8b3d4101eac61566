"""One prescription being written: formulary search as you type, the product, a structured
sig read back as one plain sentence, and what to dispense (quantity also in words)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.prescribing import PrescriptionInput
from emr_desktop.errors import ValidationError
from emr_desktop.reference.drugs import Drug, formulary
from emr_desktop.services.common import sig_words
from emr_desktop.services.prescribing import sig
from emr_desktop.ui.list_keys import PickFromList

_SEARCH_LIMIT = 12
# A word of the product's form -> the dose unit it is usually counted in.
_FORM_UNITS = (
    ("capsule", "capsule"),
    ("tablet", "tablet"),
    ("solution", "mL"),
    ("suspension", "mL"),
    ("syrup", "mL"),
    ("elixir", "mL"),
    ("injection", "mL"),
    ("inhaler", "puff"),
    ("aerosol", "puff"),
    ("patch", "patch"),
    ("drops", "drop"),
    ("spray", "spray"),
    ("cream", "application"),
    ("ointment", "application"),
    ("gel", "application"),
    ("suppository", "suppository"),
    ("film", "film"),
    ("lozenge", "lozenge"),
)


def unit_for_form(form: str) -> str | None:
    """The dose unit a form is usually counted in ('tablet' for 'extended-release tablet')."""
    text = form.lower()
    return next((unit for word, unit in _FORM_UNITS if word in text), None)


def _combo(items: list[str], *, editable: bool, name: str) -> QComboBox:
    box = QComboBox()
    box.setEditable(editable)
    box.addItems(items)
    box.setAccessibleName(name)
    if editable:
        box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    return box


class PrescriptionForm(QWidget):
    """The fields of one prescription; ``sig_preview`` reads the directions back live."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drug_entry: Drug | None = None
        self.drug = QLineEdit()
        self.drug.setPlaceholderText("Search the formulary: generic or brand name")
        self.drug.setAccessibleName("Drug")
        self.matches = QListWidget()
        self.matches.setAccessibleName("Formulary matches")
        self.matches.setMaximumHeight(120)
        self.matches.hide()
        self.ingredients = QLineEdit()
        self.ingredients.setPlaceholderText(
            "Free-text drug: its active ingredients, comma separated"
        )
        self.ingredients.setAccessibleName("Ingredients")
        self.drug_info = QLabel()
        self.drug_info.setStyleSheet("color: #555;")
        self.drug_info.setWordWrap(True)
        self.strength = _combo([], editable=True, name="Strength")
        self.form_box = _combo([], editable=True, name="Form")
        self.route = _combo(list(sig_words.ROUTES), editable=False, name="Route")
        self.dose = QLineEdit("1")
        self.dose.setAccessibleName("Dose")
        self.dose.setMaximumWidth(80)
        self.dose_unit = _combo(list(sig_words.DOSE_UNITS), editable=False, name="Dose unit")
        self.frequency = _combo(list(sig_words.FREQUENCIES), editable=False, name="Frequency")
        self.frequency.setCurrentText("daily")
        self.duration = QSpinBox()
        self.duration.setRange(0, sig.MAX_DURATION_DAYS)
        self.duration.setSpecialValueText("no fixed duration")
        self.duration.setSuffix(" days")
        self.duration.setAccessibleName("Duration in days")
        self.prn = QCheckBox("As needed (PRN) for")
        self.prn_indication = QLineEdit()
        self.prn_indication.setPlaceholderText("e.g. pain, wheezing")
        self.prn_indication.setAccessibleName("As-needed reason")
        self.prn_indication.setEnabled(False)
        self.sig_preview = QLabel()
        self.sig_preview.setWordWrap(True)
        self.sig_preview.setAccessibleName("Directions as printed")
        self.sig_preview.setStyleSheet(
            "font-size: 11pt; font-weight: bold; padding: 6px; background: #eef3ea;"
            " border: 1px solid #9bb58c; border-radius: 3px;"
        )
        self.quantity = QLineEdit()
        self.quantity.setAccessibleName("Quantity")
        self.quantity.setMaximumWidth(80)
        self.quantity_unit = _combo(
            [*sig_words.DOSE_UNITS, *sig_words.PACKAGE_UNITS], editable=False, name="Quantity unit"
        )
        self.quantity_words = QLabel()
        self.quantity_words.setStyleSheet("color: #555;")
        self.refills = QSpinBox()
        self.refills.setRange(0, sig.MAX_REFILLS)
        self.refills.setAccessibleName("Refills")
        self.daw = QCheckBox("Dispense as written (no substitution)")
        self.note = QLineEdit()
        self.note.setPlaceholderText("Optional")
        self.note.setAccessibleName("Note to pharmacist")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error.setWordWrap(True)
        self.error.hide()
        self._layout()
        self._connect()
        self.update_preview()

    def _layout(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        search = QVBoxLayout()
        search.setSpacing(2)
        search.addWidget(self.drug)
        search.addWidget(self.matches)
        search.addWidget(self.drug_info)
        form.addRow("Drug *", search)
        form.addRow("Ingredients", self.ingredients)
        product = QHBoxLayout()
        for label, widget in (("", self.strength), ("Form", self.form_box), ("Route", self.route)):
            if label:
                product.addWidget(QLabel(label))
            product.addWidget(widget, 1)
        form.addRow("Strength", product)
        dose = QHBoxLayout()
        dose.addWidget(self.dose)
        dose.addWidget(self.dose_unit)
        dose.addWidget(self.frequency, 1)
        form.addRow("Dose *", dose)
        form.addRow("Duration", self.duration)
        prn = QHBoxLayout()
        prn.addWidget(self.prn)
        prn.addWidget(self.prn_indication, 1)
        form.addRow("", prn)
        form.addRow("Directions", self.sig_preview)
        quantity = QHBoxLayout()
        quantity.addWidget(self.quantity)
        quantity.addWidget(self.quantity_unit)
        quantity.addWidget(self.quantity_words, 1)
        form.addRow("Quantity *", quantity)
        refills = QHBoxLayout()
        refills.addWidget(self.refills)
        refills.addWidget(self.daw, 1)
        form.addRow("Refills", refills)
        form.addRow("Note to pharmacist", self.note)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(form)
        outer.addWidget(self.error)

    def _connect(self) -> None:
        self.drug.textEdited.connect(self._on_drug_edited)
        self.matches.itemClicked.connect(self._on_matches_item_clicked)
        self.matches.itemActivated.connect(self._on_matches_item_clicked)
        # Enter in the drug search picks the match, never signs or adds to the batch.
        self._pick_keys = PickFromList(self.drug, self.matches, self._on_matches_item_clicked)
        self.prn.toggled.connect(self._on_prn_toggled)
        self.form_box.currentTextChanged.connect(self._on_form_changed)
        for edit in (self.dose, self.prn_indication, self.quantity, self.drug):
            edit.textChanged.connect(self.update_preview)
        for box in (self.dose_unit, self.route, self.frequency, self.quantity_unit):
            box.currentIndexChanged.connect(self.update_preview)
        self.duration.valueChanged.connect(self.update_preview)
        self.prn.toggled.connect(self.update_preview)

    # --- drug search ------------------------------------------------------------------

    def _on_drug_edited(self, text: str) -> None:
        self.matches.clear()
        found = formulary().search(text, _SEARCH_LIMIT) if text.strip() else []
        for drug in found:
            brands = ", ".join(drug.brands[:3])
            item = QListWidgetItem(f"{drug.generic}" + (f"  ({brands})" if brands else ""))
            item.setData(Qt.ItemDataRole.UserRole, drug.generic)
            self.matches.addItem(item)
        self.matches.setVisible(bool(found))
        if found:
            self.matches.setCurrentRow(0)
        exact = formulary().get(text) or formulary().by_brand(text)
        self._set_drug(exact, keep_text=True)

    def _on_matches_item_clicked(self, item: QListWidgetItem) -> None:
        self.choose(str(item.data(Qt.ItemDataRole.UserRole)))

    def choose(self, generic: str) -> None:
        """Pick a formulary drug by generic name: fill its strengths, forms and routes."""
        drug = formulary().get(generic)
        self.drug.setText(drug.generic if drug else generic)
        self.matches.hide()
        self._set_drug(drug, keep_text=False)

    def _set_drug(self, drug: Drug | None, *, keep_text: bool) -> None:
        changed = drug is not self.drug_entry
        self.drug_entry = drug
        self.ingredients.setEnabled(drug is None)
        if drug is None:
            typed = bool(self.drug.text().strip())
            hint = "Not in the formulary: name its ingredients so it is checked."
            self.drug_info.setText(hint if typed else "")
            return
        if not changed:
            return
        schedule = (
            f"  ·  Controlled substance, schedule {drug.controlled_schedule}"
            if drug.controlled_schedule
            else ""
        )
        self.drug_info.setText(f"Contains {', '.join(drug.ingredients)}{schedule}")
        self.ingredients.clear()
        for box, values in (
            (self.strength, drug.strengths),
            (self.form_box, drug.forms),
        ):
            box.clear()
            box.addItems(list(values))
        if drug.routes and drug.routes[0] in sig_words.ROUTES:
            self.route.setCurrentText(drug.routes[0])
        if not keep_text:
            self.strength.setFocus()

    # --- live read-back ---------------------------------------------------------------

    def _on_prn_toggled(self, on: bool) -> None:
        self.prn_indication.setEnabled(on)

    def _on_form_changed(self, form: str) -> None:
        unit = unit_for_form(form)
        if unit is not None:
            self.dose_unit.setCurrentText(unit)
            self.quantity_unit.setCurrentText(unit)

    def update_preview(self) -> None:
        """Read the directions back as printed, and the quantity in words."""
        try:
            dose = sig.parse_amount("dose", self.dose.text(), high=sig.MAX_AMOUNT)
            text = sig.render_sig(
                dose=dose,
                dose_unit=self.dose_unit.currentText(),
                route=self.route.currentText(),
                frequency=self.frequency.currentText(),
                duration_days=self.duration.value() or None,
                prn=self.prn.isChecked(),
                prn_indication=self.prn_indication.text(),
            )
        except ValidationError as err:
            text = f"(Directions incomplete: {err.field} {err.reason})"
        self.sig_preview.setText(text)
        self.quantity_words.setText(self._quantity_words())
        self.changed.emit()

    def _quantity_words(self) -> str:
        try:
            amount = sig.parse_amount("quantity", self.quantity.text(), high=sig.MAX_AMOUNT)
        except ValidationError:
            return ""
        unit = self.quantity_unit.currentText()
        return f"{sig_words.unit_words(amount, unit)} ({sig.quantity_in_words(amount)})"

    # --- the result -------------------------------------------------------------------

    def data(self) -> PrescriptionInput:
        """The prescription as filled in (not yet checked)."""
        names = tuple(i.strip() for i in self.ingredients.text().split(",") if i.strip())
        return PrescriptionInput(
            drug_name=self.drug.text(),
            ingredients=names if self.drug_entry is None else (),
            strength=self.strength.currentText(),
            form=self.form_box.currentText(),
            route=self.route.currentText(),
            dose=self.dose.text(),
            dose_unit=self.dose_unit.currentText(),
            frequency=self.frequency.currentText(),
            duration_days=self.duration.value() or None,
            prn=self.prn.isChecked(),
            prn_indication=self.prn_indication.text() if self.prn.isChecked() else "",
            quantity=self.quantity.text(),
            quantity_unit=self.quantity_unit.currentText(),
            refills=self.refills.value(),
            dispense_as_written=self.daw.isChecked(),
            note_to_pharmacist=self.note.text(),
        )

    def checked(self) -> tuple[PrescriptionInput, dict[str, object]] | None:
        """The input and its cleaned values, or None with the error shown on the form."""
        data = self.data()
        try:
            values = sig.clean_order(data)
        except ValidationError as err:
            self.show_error(err)
            return None
        self.error.hide()
        return data, values

    def show_error(self, err: ValidationError) -> None:
        """Show a service's complaint about one field, under the form."""
        self.error.setText(f"{err.field[:1].upper()}{err.field[1:]}: {err.reason}")
        self.error.show()

    def reset(self) -> None:
        """Empty the form for the next prescription of the batch."""
        self.drug.clear()
        self.matches.clear()
        self.matches.hide()
        self.drug_entry = None
        self.drug_info.clear()
        self.ingredients.clear()
        self.ingredients.setEnabled(True)
        for box in (self.strength, self.form_box):
            box.clear()
        self.dose.setText("1")
        self.frequency.setCurrentText("daily")
        self.duration.setValue(0)
        self.prn.setChecked(False)
        self.prn_indication.clear()
        self.quantity.clear()
        self.refills.setValue(0)
        self.daw.setChecked(False)
        self.note.clear()
        self.error.hide()
        self.drug.setFocus()


def quantity_line(values: dict[str, object]) -> str:
    """'30 capsules (thirty), 1 refill' from cleaned values."""
    amount = Decimal(str(values["quantity"]))
    unit = str(values["quantity_unit"] or values["dose_unit"])
    refills = int(str(values["refills"]))
    return (
        f"{sig_words.unit_words(amount, unit)} ({sig.quantity_in_words(amount)}), "
        f"{refills} refill{'s' if refills != 1 else ''}"
    )
