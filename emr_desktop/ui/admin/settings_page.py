"""Practice settings: the details printed on documents, the security policy, providers."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.practice import PracticeDetails, ProviderRow
from emr_desktop.domain.security import Actor
from emr_desktop.errors import ValidationError
from emr_desktop.services.practice.details import PracticeService, clean_details
from emr_desktop.services.practice.settings import PracticeSettings, SettingsService
from emr_desktop.ui.admin import (
    FieldErrors,
    button,
    fit_columns,
    label,
    name_key,
    set_tab_order,
    table_view,
)
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel

# (PracticeDetails attribute, label, the field name(s) the services use in ValidationError)
_DETAIL_FIELDS = (
    ("name", "Practice &name *", ("practice name", "practice_name")),
    ("address_line1", "A&ddress", ("address",)),
    ("address_line2", "Address line &2", ("address line 2",)),
    ("city", "Cit&y", ("city",)),
    ("state", "Stat&e", ("state",)),
    ("postal_code", "Postal c&ode", ("postal code",)),
    ("phone", "&Phone", ("phone",)),
    ("fax", "Fa&x", ("fax",)),
    ("email", "E-&mail", ("e-mail",)),
)
# (PracticeSettings attribute, label, suffix)
_POLICY_FIELDS = (
    ("idle_lock_minutes", "&Lock the screen after", " minutes without use"),
    ("lockout_threshold", "Lock an &account after", " failed logins in a row"),
    ("lockout_minutes", "Keep it locked fo&r", " minutes"),
    ("order_overdue_days", "Lab orders overdue af&ter", " days without results"),
)

PROVIDER_COLUMNS: tuple[Column[ProviderRow], ...] = (
    Column("Name", lambda p: p.full_name, lambda p: name_key(p.full_name)),
    Column("Credentials", lambda p: p.credentials),
    Column("Specialty", lambda p: p.specialty),
    Column("NPI", lambda p: p.npi),
    Column("DEA", lambda p: p.dea),
    Column("License", lambda p: " ".join(x for x in (p.license_state, p.license_number) if x)),
    Column("On the schedule", lambda p: "yes" if p.scheduled else "no"),
    Column("Account", lambda p: "active" if p.active else "disabled", warn=lambda p: not p.active),
)


class ProviderDialog(QDialog):
    """Edit one physician's credentials; errors appear beside their fields."""

    saved = Signal()

    def __init__(
        self, service: PracticeService, actor: Actor, row: ProviderRow, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Provider details of {row.full_name}")
        self._service = service
        self._actor = actor
        self._row = row
        self._ops = Operations(self)
        self.errors = FieldErrors(self._ops)
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for attr, text, field, hint in (
            ("credentials", "&Credentials", "credentials", "MD, DO, NP, PA"),
            ("specialty", "S&pecialty", "specialty", "e.g. Family medicine"),
            ("npi", "&NPI", "NPI", "10 digits"),
            ("dea", "&DEA number", "DEA number", "2 letters and 7 digits"),
            ("license_number", "&License number", "license number", ""),
            ("license_state", "License s&tate", "license state", "e.g. IL"),
        ):
            edit = QLineEdit(str(getattr(row, attr)))
            edit.setAccessibleName(text.replace("&", ""))
            edit.setPlaceholderText(hint)
            self.edits[attr] = edit
            self.errors.row(form, text, edit, field)
        self.scheduled = QCheckBox("Has a column on the &appointment schedule")
        self.scheduled.setAccessibleName("On the schedule")
        self.scheduled.setChecked(row.scheduled)
        form.addRow(self.scheduled)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        set_tab_order([*self.edits.values(), self.scheduled, buttons])
        self.edits["credentials"].setFocus()
        self.setMinimumWidth(420)

    def _on_buttons_accepted(self) -> None:
        self.errors.clear()
        values = {attr: edit.text() for attr, edit in self.edits.items()}
        saved = self._ops.run(
            lambda: self._service.update_provider(
                self._actor,
                self._row.user_id,
                scheduled=self.scheduled.isChecked(),
                expected=self._row,
                **values,
            ),
            changes="providers",
            on_validation=self.errors.show,
        )
        if saved is not None:
            self.saved.emit()
            self.accept()


class SettingsPage(QWidget):
    """The practice details, the security policy and the providers' credentials."""

    def __init__(
        self,
        practice: PracticeService,
        settings: SettingsService,
        actor: Actor,
        ops: Operations,
    ) -> None:
        super().__init__()
        self._practice = practice
        self._settings = settings
        self.actor = actor
        self._ops = ops
        self.errors = FieldErrors(ops)
        self.loaded_details: PracticeDetails | None = None
        self.loaded_settings: PracticeSettings | None = None
        self.dialog: ProviderDialog | None = None

        details_box = QGroupBox("Practice details (printed on letters, prescriptions and charts)")
        details_form = QFormLayout(details_box)
        self.edits: dict[str, QLineEdit] = {}
        for attr, text, fields in _DETAIL_FIELDS:
            edit = QLineEdit()
            edit.setAccessibleName(text.replace("&", "").rstrip(" *"))
            self.edits[attr] = edit
            self.errors.row(details_form, text, edit, *fields)
        policy_box = QGroupBox("Security")
        policy_form = QFormLayout(policy_box)
        self.spins: dict[str, QSpinBox] = {}
        for attr, text, suffix in _POLICY_FIELDS:
            spin = QSpinBox()
            # A wide range on purpose: the service owns the limits and says them in words.
            spin.setRange(0, 9999)
            spin.setSuffix(suffix)
            spin.setAccessibleName(f"{text.replace('&', '').replace('…', '')}{suffix}".strip())
            self.spins[attr] = spin
            self.errors.row(policy_form, text, spin, attr)
        widest = max(
            s.fontMetrics().horizontalAdvance(f"9999{s.suffix()}") for s in self.spins.values()
        )
        for spin in self.spins.values():
            spin.setFixedWidth(widest + 48)  # one column of equal boxes, not ragged ones
        policy_form.addRow(
            label(
                "Exam-room computers are shared: a short screen lock keeps charts private "
                "when someone walks away. Unsaved notes are kept as drafts.",
                "About the screen lock",
            )
        )
        self.save_button = button("&Save settings", "Save settings", self.save)
        self.undo_button = button("&Undo changes", "Undo changes", self.refresh)
        self.message = label(name="Save result")

        self.provider_model: DtoTableModel[ProviderRow] = DtoTableModel(PROVIDER_COLUMNS)
        self.provider_proxy = QSortFilterProxyModel(self)
        self.provider_proxy.setSourceModel(self.provider_model)
        self.provider_proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.providers = table_view("Providers")
        self.providers.setModel(self.provider_proxy)
        self.providers.setSortingEnabled(True)
        self.providers.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.providers.activated.connect(lambda _index: self.edit_provider())
        self.edit_button = button("Ed&it provider…", "Edit provider", self.edit_provider)
        providers_box = QGroupBox("Providers (physicians) and their credentials")
        providers_layout = QVBoxLayout(providers_box)
        providers_layout.addWidget(self.providers, 1)
        providers_layout.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignLeft)

        top = QGridLayout()
        top.addWidget(details_box, 0, 0, 2, 1)
        top.addWidget(policy_box, 0, 1)
        top.setColumnStretch(0, 3)
        top.setColumnStretch(1, 2)
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addWidget(self.undo_button)
        save_row.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(save_row)
        layout.addWidget(providers_box, 1)
        set_tab_order(
            [
                *self.edits.values(),
                *self.spins.values(),
                self.save_button,
                self.undo_button,
                self.providers,
                self.edit_button,
            ]
        )

    def refresh(self) -> None:
        """Load what is saved (throwing away edits not saved yet)."""
        self.errors.clear()
        details = self._ops.run(lambda: self._practice.details(self.actor))
        settings = self._ops.run(self._settings.current)
        providers = self._ops.run(lambda: self._practice.providers(self.actor))
        if details is None or settings is None:
            return
        self.loaded_details, self.loaded_settings = details, settings
        for attr, edit in self.edits.items():
            edit.setText(getattr(details, attr))
        for attr, spin in self.spins.items():
            spin.setValue(getattr(settings, attr))
        self.provider_model.set_rows(providers or [])
        fit_columns(self.providers)
        self.edit_button.setEnabled(bool(providers))
        self.message.clear()

    def details_shown(self) -> PracticeDetails:
        """The practice details as typed in the form."""
        return PracticeDetails(**{attr: edit.text() for attr, edit in self.edits.items()})

    def save(self) -> None:
        """Check everything first, then save what changed."""
        if self.loaded_details is None or self.loaded_settings is None:
            self.refresh()
            return
        self.errors.clear()
        self.message.clear()
        try:
            # Both forms are checked before either is saved, so a bad value never leaves
            # half of the settings saved.
            details = clean_details(self.details_shown())
        except ValidationError as err:
            self.errors.show(err)
            return
        loaded_settings, loaded_details = self.loaded_settings, self.loaded_details
        policy = {
            attr: spin.value()
            for attr, spin in self.spins.items()
            if spin.value() != getattr(loaded_settings, attr)
        }
        if policy:
            done = self._ops.run(
                lambda: self._settings.update(self.actor, **policy),
                changes="settings",
                on_validation=self.errors.show,
            )
            if done is None:
                return
        if details != loaded_details:
            saved = self._ops.run(
                lambda: self._practice.update_details(self.actor, details, expected=loaded_details),
                changes="practice",
                on_validation=self.errors.show,
            )
            if saved is None:
                return
        self.refresh()
        self.message.setText(
            "Saved." if policy or details != loaded_details else "Nothing to save: no changes."
        )

    def selected_provider(self) -> ProviderRow | None:
        """The provider whose row is selected."""
        rows = self.providers.selectionModel().selectedRows()
        if not rows:
            return None
        return self.provider_model.row(self.provider_proxy.mapToSource(rows[0]).row())

    def edit_provider(self) -> None:
        """Open the credentials of the selected provider."""
        row = self.selected_provider()
        if row is None:
            if self.provider_proxy.rowCount():
                self.providers.selectRow(0)
                self.providers.setFocus()
            return
        dialog = ProviderDialog(self._practice, self.actor, row, self)
        dialog.saved.connect(self._on_provider_saved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()

    def _on_provider_saved(self) -> None:
        providers = self._ops.run(lambda: self._practice.providers(self.actor))
        if providers is not None:
            self.provider_model.set_rows(providers)
