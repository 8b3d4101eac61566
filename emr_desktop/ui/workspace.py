"""One logged-in user's workspace: the fixed tabs their role may use, and open charts."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QTabWidget, QWidget

from emr_desktop.domain.security import Actor, Permission, Role
from emr_desktop.ui.chart.chart_view import ChartView
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_record import PatientRecordView
from emr_desktop.ui.patients_view import PatientsView


class Workspace(QTabWidget):
    """Tabs for one actor. Built anew when another user switches in, so nothing of the
    previous user's screens (or unsaved text) is ever shown to the next one."""

    def __init__(self, services: Services, actor: Actor) -> None:
        super().__init__()
        self.services = services
        self.actor = actor
        self.ops = Operations(self)
        self.ops.on_refused = lambda err: services.refusals.record(actor, err, what="app")
        self.setTabsClosable(True)
        self.setDocumentMode(True)
        self.setAccessibleName("Workspace")
        self.tabCloseRequested.connect(self._on_tab_close_requested)
        self.patients = PatientsView(services.patients, actor, self.ops)
        self.patients.open_patient.connect(self.open_patient)
        self.addTab(self.patients, "Patients")
        self.schedule: QWidget | None = None
        self.fixed_tabs = 1
        for extra in self._role_tabs():
            self.addTab(extra[1], extra[0])
            self.fixed_tabs += 1
        for i in range(self.fixed_tabs):
            self.tabBar().setTabButton(i, self.tabBar().ButtonPosition.RightSide, None)
        self.patients.refresh()
        if self.schedule is not None and actor.role is Role.RECEPTIONIST:
            self.setCurrentWidget(self.schedule)  # the front desk lives in the schedule
        from emr_desktop.ui.work_tabs import add_work_tabs  # Home (issue 19), recalls, reports

        add_work_tabs(self)

    def _role_tabs(self) -> list[tuple[str, QWidget]]:
        tabs: list[tuple[str, QWidget]] = []
        if self.actor.can(Permission.SCHEDULE_VIEW):
            from emr_desktop.ui.schedule.schedule_view import ScheduleView

            view = ScheduleView(self.services, self.actor, self.ops)
            view.open_patient.connect(self.open_patient)
            self.schedule = view
            tabs.append(("Schedule", view))
        if self.actor.can(Permission.BILLING_PAYMENT) or self.actor.can(Permission.BILLING_ADJUST):
            from emr_desktop.ui.billing.desk import BillingDesk

            tabs.append(("Billing", BillingDesk(self.services, self.actor, self.ops)))
        elif self.actor.can(Permission.BILLING_CODE):
            from emr_desktop.ui.billing.coding import to_be_coded_view

            coding = to_be_coded_view(self.services, self.actor, self.ops)
            coding.open_patient.connect(self.open_patient)
            tabs.append(("To be coded", coding))
        if self.actor.can(Permission.USERS_MANAGE):
            from emr_desktop.ui.admin.admin_view import AdminView

            tabs.append(("Admin", AdminView(self.services, self.actor, self.ops)))
        return tabs

    def charts(self) -> list[QWidget]:
        """The open chart (or patient record) tabs."""
        widgets = (self.widget(i) for i in range(self.fixed_tabs, self.count()))
        return [w for w in widgets if w is not None]

    def open_patient(self, patient_id: int) -> None:
        """Focus the patient's tab if open, else open their chart (or record, at the desk)."""
        for widget in self.charts():
            if getattr(widget, "patient_id", None) == patient_id:
                self.setCurrentWidget(widget)
                return
        view: ChartView | PatientRecordView
        if self.actor.can(Permission.CHART_VIEW):
            view = ChartView(self.services, self.actor, patient_id, self.ops)
        else:
            view = PatientRecordView(self.services, self.actor, patient_id, self.ops)
        if not view.load():
            view.deleteLater()
            return
        title = view.tab_title()
        short = title if len(title) <= 40 else title[:39] + "…"  # a long name stays in its tab
        index = self.addTab(view, short)
        self.setTabToolTip(index, view.tab_title())
        self.setCurrentIndex(index)
        self.patients.refresh()

    def current_chart(self) -> QWidget | None:
        """The chart tab in front, if any."""
        widget = self.currentWidget()
        return widget if self.indexOf(widget) >= self.fixed_tabs else None

    def refresh(self) -> None:
        """F5: reload what is in front."""
        widget = self.currentWidget()
        getattr(widget, "refresh", lambda: None)()

    def save_drafts(self) -> None:
        """Save every open chart's unsaved text as drafts (before lock or switch user)."""
        for widget in self.charts():
            getattr(widget, "save_drafts", lambda: None)()

    def close_all(self) -> bool:
        """Close every chart tab; False if the user chose to keep one open."""
        return all(self.close_tab(widget) for widget in reversed(self.charts()))

    def close_tab(self, widget: QWidget) -> bool:
        """Close one chart tab, asking about unsaved text first; False if the user kept it."""
        unsaved = getattr(widget, "has_unsaved", lambda: False)()
        if unsaved:
            answer = QMessageBox.question(
                self,
                "Unsaved text",
                "This chart has text that is not saved yet. Save it as a draft and close?",
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                return False
            if answer == QMessageBox.StandardButton.Save:
                getattr(widget, "save_drafts", lambda: None)()
        self.removeTab(self.indexOf(widget))
        widget.deleteLater()
        return True

    def _on_tab_close_requested(self, index: int) -> None:
        widget = self.widget(index)
        if index >= self.fixed_tabs and widget is not None:
            self.close_tab(widget)
