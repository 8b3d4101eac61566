"""The Admin tab: users, working hours and blocked time, appointment types, the audit
report, backups and practice settings.

Each page loads when it is first shown (the audit report writes an audit row of its
own, so it runs only when someone looks at it); F5 reloads the page in front.
"""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QWidget

from emr_desktop.domain.security import Actor, Permission
from emr_desktop.services.practice.details import PracticeService
from emr_desktop.services.prescribing.alert_policy import AlertPolicyService
from emr_desktop.ui.admin.alert_policy_page import AlertPolicyPage
from emr_desktop.ui.admin.audit_page import AuditPage
from emr_desktop.ui.admin.backup_page import BackupPage
from emr_desktop.ui.admin.hours_page import HoursPage
from emr_desktop.ui.admin.mfa_page import MfaPage
from emr_desktop.ui.admin.settings_page import SettingsPage
from emr_desktop.ui.admin.types_page import TypesPage
from emr_desktop.ui.admin.users_page import UsersPage
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations


class AdminView(QTabWidget):
    """The practice administrator's pages (shown to users who may manage users)."""

    def __init__(self, services: Services, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self.setAccessibleName("Administration")
        self.setDocumentMode(True)
        self.users = UsersPage(services.users, actor, ops)
        self.audit = AuditPage(services, actor, ops)
        self.backup = BackupPage(services, actor, ops)
        self.settings = SettingsPage(PracticeService(services.db), services.settings, actor, ops)
        self.mfa = MfaPage(services, actor, ops)
        self.alert_policy = AlertPolicyPage(AlertPolicyService(services.db), actor, ops)
        self.hours = HoursPage(services, actor, ops)
        self.types = TypesPage(services, actor, ops)
        for page, title, name in (
            (self.users, "Users", "Users and roles"),
            (self.hours, "Hours", "Working hours and blocked time"),
            (self.types, "Appointment types", "Appointment types"),
            (self.audit, "Audit report", "Audit report"),
            (self.backup, "Backup", "Backup and restore"),
            (self.settings, "Settings", "Practice settings"),
            (self.mfa, "Two-step login", "Two-step login"),
            (self.alert_policy, "Prescribing alerts", "Prescribing alert settings"),
        ):
            page.setAccessibleName(name)
            self.addTab(page, title)
        if actor.can(Permission.BILLING_FEES):
            from emr_desktop.ui.billing.fees_page import FeesPage

            self.fees = FeesPage(services, actor, ops)
            self.fees.setAccessibleName("Fee schedule")
            self.addTab(self.fees, "Fees")
        self._loaded: set[int] = set()
        self.currentChanged.connect(self._on_current_changed)

    def refresh(self) -> None:
        """Reload the page in front (F5)."""
        page = self.currentWidget()
        self._loaded.add(id(page))
        getattr(page, "refresh", lambda: None)()

    def _load(self, page: QWidget) -> None:
        if id(page) not in self._loaded and self.isVisible():
            self._loaded.add(id(page))
            getattr(page, "refresh", lambda: None)()

    def _on_current_changed(self, _index: int) -> None:
        self._load(self.currentWidget())

    def showEvent(self, event: QShowEvent) -> None:
        """Qt override: load the page in front the first time the tab is shown."""
        super().showEvent(event)
        self._load(self.currentWidget())
