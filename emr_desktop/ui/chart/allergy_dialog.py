"""The allergy form's live hint: while a drug allergen is typed, say when it is not
recognised (it would be saved but never checked) and offer close matches to pick."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit

from emr_desktop.domain.clinical import AllergyCategory
from emr_desktop.reference.allergen_names import recognise_allergen
from emr_desktop.services.chart.recognition import NOT_RECOGNISED
from emr_desktop.ui.chart.form_kit import FormSpec, SectionForm


class AllergyDialog(SectionForm):
    """The allergy form with a hint under Substance; a suggestion is a link that fills it."""

    substance: QLineEdit
    category: QComboBox

    def __init__(self, spec: FormSpec[Any], section: Any, row: Any = None) -> None:
        super().__init__(spec, section, row)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #8c4a00;")
        self.hint.setAccessibleName("Substance recognition")
        self.hint.linkActivated.connect(self._pick)
        self.hint.hide()
        self.form.insertRow(1, "", self.hint)
        self.substance.textChanged.connect(self._update)
        self.category.currentIndexChanged.connect(self._update)
        self._update()

    def _pick(self, name: str) -> None:
        self.substance.setText(name)
        self.substance.setFocus()

    def hint_text(self) -> str:
        """The hint as plain text ('' when hidden)."""
        return self.hint.text() if not self.hint.isHidden() else ""

    def _update(self) -> None:
        text = self.substance.text()
        drug = self.category.currentData() in (AllergyCategory.DRUG, None)
        found = recognise_allergen(text) if drug and text.strip() else None
        if found is None or found.recognised:
            self.hint.hide()
            self.adjustSize()
            return
        links = ", ".join(
            f'<a href="{html.escape(s)}">{html.escape(s)}</a>' for s in found.suggestions
        )
        more = f"; did you mean {links}?" if links else ". Check the spelling."
        self.hint.setText(f"⚠ {NOT_RECOGNISED.capitalize()}{more}")
        self.hint.show()
        self.adjustSize()  # room for the wrapped hint
