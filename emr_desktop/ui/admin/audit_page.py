"""The audit report: who did what, when, from where; CSV export and the chain check."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from PySide6.QtCore import QDate, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.audit import AuditFilter, AuditRecord, ChainReport
from emr_desktop.domain.security import Actor
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.ui.admin import (
    ERROR_STYLE,
    ResultLine,
    button,
    fit_columns,
    label,
    local_time,
    run_job,
    sentence,
    set_tab_order,
    table_view,
)
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel

ROW_LIMIT = 5000
DEFAULT_DAYS = 7
ANY_USER = "Any user"
ANY_ACTION = "Any action"
# What the services write today; the box also accepts any other action name typed in.
KNOWN_ACTIONS = (
    "allergy_add", "allergy_inactivate", "allergy_nka", "allergy_update",
    "appointment_book", "appointment_cancel", "appointment_move", "appointment_no_show",
    "appointment_override", "appointment_resize", "appointment_series_book",
    "audit_export", "audit_verify", "audit_view", "backup", "chart_open", "check",
    "document_attach", "document_view", "immunization_error", "immunization_record",
    "lab_record", "lock", "login", "login_failed", "login_password_change_required",
    "logout", "medication_discontinue", "medication_report", "note_addendum",
    "note_create", "note_draft_save", "note_sign", "passphrase_change", "password_change",
    "patient_activate", "patient_deactivate", "patient_merge", "patient_merged_away",
    "patient_register", "patient_update", "patient_view", "practice_create",
    "practice_update", "problem_add", "problem_reactivate", "problem_resolve",
    "problem_update", "provider_update", "referral_create", "referral_status",
    "referral_update", "restore", "rx_alert_override", "rx_alert_policy_change",
    "rx_cancel", "rx_check", "rx_create", "rx_renew",
    "rx_renewal_request", "rx_sign", "schedule_block", "schedule_hours_change",
    "schedule_unblock", "settings_change", "unlock", "user_create", "user_disable",
    "user_enable", "user_lockout", "user_password_reset", "user_unlock", "vitals_record",
    # issue 14 (front desk)
    "appointment_type_add", "appointment_type_change", "user_update",
)  # fmt: skip


def readable_details(details: str) -> str:
    """'{"rows": 3, "ok": true}' -> 'rows 3 · ok true' (the raw text if it is not JSON)."""
    try:
        data = json.loads(details) if details else {}
    except ValueError:
        return details
    if not isinstance(data, dict):
        return details
    parts = []
    for key, value in data.items():
        if isinstance(value, str):
            shown = value
        elif isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        else:
            shown = json.dumps(value, ensure_ascii=False)
        parts.append(f"{key} {shown}")
    return " · ".join(parts)


def _id_key(value: str | None) -> str:
    # Numeric ids sort as numbers (9 before 10); others after them, alphabetically.
    text = value or ""
    return text.zfill(20) if text.isdigit() else "~" + text


AUDIT_COLUMNS: tuple[Column[AuditRecord], ...] = (
    Column("Time", lambda r: local_time(r.occurred_at, seconds=True), lambda r: r.id),
    Column("User", lambda r: r.username),
    Column("Workstation", lambda r: r.workstation),
    Column("Action", lambda r: r.action),
    Column("Entity", lambda r: r.entity or ""),
    Column("Entity id", lambda r: r.entity_id or "", lambda r: _id_key(r.entity_id)),
    Column(
        "Patient id",
        lambda r: "" if r.patient_id is None else str(r.patient_id),
        lambda r: -1 if r.patient_id is None else r.patient_id,
        align_right=True,
    ),
    Column("Details", lambda r: readable_details(r.details)),
)


def chain_words(report: ChainReport) -> str:
    """The result of a chain check in plain words."""
    if report.ok:
        return (
            f"The audit log is intact: {report.rows_checked:,} rows checked; none was "
            "changed, removed or inserted."
        )
    return (
        f"The audit log is BROKEN at row {report.first_bad_id}: {report.problem}. "
        "Rows were changed outside emr-desktop. Leave this computer as it is and tell "
        "whoever looks after your IT; a backup made before this date can be checked too."
    )


class AuditPage(QWidget):
    """Filters, the matching audit rows (sortable by every column), export and verify."""

    def __init__(self, services: Services, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self._services = services
        self.actor = actor
        self._ops = ops
        self.shown_filter: AuditFilter | None = None
        today = QDate.currentDate()
        self.since = self._date_edit("From date", today.addDays(1 - DEFAULT_DAYS))
        self.until = self._date_edit("To date", today)
        self.user = QComboBox()
        self.user.setAccessibleName("User")
        self.user.addItem(ANY_USER, None)
        self.mrn = QLineEdit()
        self.mrn.setAccessibleName("Patient MRN")
        self.mrn.setPlaceholderText("any patient")
        self.mrn.setClearButtonEnabled(True)
        self.mrn.returnPressed.connect(self.refresh)
        self.action = QComboBox()
        self.action.setAccessibleName("Action")
        self.action.setEditable(True)
        self.action.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.action.addItem(ANY_ACTION)
        self.action.addItems(KNOWN_ACTIONS)
        action_edit = self.action.lineEdit()
        assert action_edit is not None  # the box is editable
        action_edit.setAccessibleName("Action name")
        action_edit.returnPressed.connect(self.refresh)
        self.show_button = button("&Show", "Show matching rows", self.refresh)
        self.filter_error = label(name="Filter error")
        self.filter_error.setStyleSheet(ERROR_STYLE)
        self.filter_error.hide()

        self.caption = label(name="Row count")
        self.model: DtoTableModel[AuditRecord] = DtoTableModel(AUDIT_COLUMNS)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = table_view("Audit rows")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setWordWrap(False)

        self.export_button = button("&Export CSV…", "Export CSV", self.export_csv)
        self.export_button.setToolTip(
            "Write every row matching the filters shown to a CSV file (not only the first "
            f"{ROW_LIMIT:,})"
        )
        self.verify_button = button("Verif&y chain", "Verify the audit chain", self.verify)
        self.verify_button.setToolTip(
            "Check that no audit row was changed, removed or inserted behind the application's back"
        )
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Working")
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.result = ResultLine("Result")

        filters = QGridLayout()
        cells: list[tuple[str, QWidget]] = [
            ("Fro&m", self.since),
            ("&To", self.until),
            ("&User", self.user),
            ("&Patient MRN", self.mrn),
            ("&Action", self.action),
        ]
        for column, (text, widget) in enumerate(cells):
            caption = QLabel(text)
            caption.setBuddy(widget)
            filters.addWidget(caption, 0, column)
            filters.addWidget(widget, 1, column)
        filters.addWidget(self.show_button, 1, len(cells))
        filters.setColumnStretch(2, 1)
        filters.setColumnStretch(4, 1)
        tools = QHBoxLayout()
        tools.addWidget(self.caption, 1)
        tools.addWidget(self.progress)
        tools.addWidget(self.export_button)
        tools.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.filter_error)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.result)
        set_tab_order(
            [
                self.since,
                self.until,
                self.user,
                self.mrn,
                self.action,
                self.show_button,
                self.export_button,
                self.verify_button,
                self.table,
            ]
        )
        self.show_button.setDefault(True)

    def _date_edit(self, name: str, day: QDate) -> QDateEdit:
        edit = QDateEdit(day)
        edit.setAccessibleName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("MM/dd/yyyy")
        edit.setMaximumDate(QDate.currentDate().addDays(1))
        return edit

    def load_users(self) -> None:
        """Fill the user filter from the practice's accounts (keeping the choice)."""
        users = self._ops.run(lambda: self._services.users.list(self.actor))
        if users is None:
            return
        chosen = self.user.currentData()
        self.user.clear()
        self.user.addItem(ANY_USER, None)
        for u in users:
            self.user.addItem(f"{u.username} – {u.full_name}", u.username)
        index = self.user.findData(chosen)
        self.user.setCurrentIndex(max(index, 0))

    def build_filter(self) -> AuditFilter:
        """The filter the controls describe; ValidationError for dates or an MRN that fail."""
        since_day: dt.date = self.since.date().toPython()  # type: ignore[assignment]
        until_day: dt.date = self.until.date().toPython()  # type: ignore[assignment]
        if since_day > until_day:
            raise ValidationError("dates", "the From date is after the To date")
        patient_id = None
        mrn = self.mrn.text().strip()
        if mrn:
            try:
                patient_id = self._services.patients.by_mrn(self.actor, mrn).id
            except NotFound:
                raise ValidationError("patient MRN", f"no patient has MRN {mrn}") from None
        action = self.action.currentText().strip()
        return AuditFilter(
            # Local midnights, made aware: the report is read in local days.
            since=dt.datetime.combine(since_day, dt.time()).astimezone(),
            until=dt.datetime.combine(until_day + dt.timedelta(days=1), dt.time()).astimezone(),
            username=self.user.currentData(),
            patient_id=patient_id,
            action=None if action in ("", ANY_ACTION) else action,
        )

    def _show_filter_error(self, err: ValidationError) -> None:
        self.filter_error.setText(sentence(err.reason))
        self.filter_error.show()
        (self.mrn if err.field == "patient MRN" else self.since).setFocus()

    def refresh(self) -> None:
        """Run the report for the filters shown (the newest rows first)."""
        self.load_users()  # a few rows; keeps users added meanwhile in the list
        self.filter_error.hide()

        def search() -> tuple[AuditFilter, list[AuditRecord]]:
            flt = self.build_filter()
            return flt, self._services.audit.search(self.actor, flt, limit=ROW_LIMIT + 1)

        found = self._ops.run(search, on_validation=self._show_filter_error)
        if found is None:
            return
        self.shown_filter, rows = found
        truncated = len(rows) > ROW_LIMIT
        self.model.set_rows(rows[:ROW_LIMIT])
        fit_columns(self.table)
        if not rows:
            self.caption.setText("No audit rows match these filters.")
        elif truncated:
            self.caption.setText(
                f"Showing the newest {ROW_LIMIT:,} matching rows; there are more. Narrow the "
                "dates or filters to see older ones (Export CSV writes them all)."
            )
        else:
            self.caption.setText(f"{len(rows):,} matching row{'s' if len(rows) != 1 else ''}.")

    def export_csv(self) -> None:
        """Write every row matching the filters shown to a CSV file the user chooses."""
        if self.shown_filter is None:
            self.refresh()
            if self.shown_filter is None:
                return
        default = Path.home() / f"audit-{dt.date.today():%Y%m%d}.csv"
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export the audit report", str(default), "CSV files (*.csv)"
        )
        if not chosen:
            return
        out = Path(chosen)
        flt = self.shown_filter
        run_job(
            self._ops,
            lambda: self._services.audit.export_csv(self.actor, flt, out),
            lambda count: self.result.show_result(True, f"{count:,} rows were written to {out}."),
            busy=[self.export_button, self.verify_button],
            progress=self.progress,
        )

    def verify(self) -> None:
        """Check the whole audit chain and say in plain words whether it is intact."""
        self.result.hide()
        run_job(
            self._ops,
            lambda: self._services.audit.verify(self.actor),
            lambda report: self.result.show_result(report.ok, chain_words(report)),
            busy=[self.export_button, self.verify_button],
            progress=self.progress,
        )
