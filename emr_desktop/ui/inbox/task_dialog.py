"""A new task for a user or a role, optionally about a patient and due on a day."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from emr_desktop.domain.orders import TaskInput
from emr_desktop.domain.security import Actor, Permission, Role
from emr_desktop.ui.chart.form_kit import FormDialog
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.work_services import WorkServices


class TaskDialog(FormDialog):
    """Title, details, whom to, when; asks before typed text is thrown away."""

    def __init__(
        self,
        work: WorkServices,
        actor: Actor,
        ops: Operations,
        patient: tuple[int, str] | None,
        parent: QWidget,
    ) -> None:
        super().__init__("New task", ops, "tasks", parent, discard="Throw away this task?")
        self._work, self._actor = work, actor
        self._patient_id = patient[0] if patient else None
        if patient is not None:
            self.add_row("Patient", QLabel(patient[1]), "patient")
        self.title = QLineEdit()
        self.add_row("&Task *", self.title, "title")
        self.details = QPlainTextEdit()
        self.details.setMaximumHeight(90)
        self.add_row("&Details", self.details, "details")
        self.assignee = QComboBox()
        for role in (Role.NURSE, Role.RECEPTIONIST, Role.PHYSICIAN):
            self.assignee.addItem(f"Any {role.value}", ("role", role.value))
        can_see = actor.can(Permission.SCHEDULE_VIEW)
        users = (ops.run(lambda: work.app.schedule.providers(actor)) or []) if can_see else []
        for p in users:
            self.assignee.addItem(p.name, ("user", p.id))
        self.add_row("&Assign to *", self.assignee, "assign to")
        self.has_due = QCheckBox("Due on")
        self.due = QDateEdit(QDate.currentDate().addDays(1))
        self.due.setCalendarPopup(True)
        self.add_row("D&ue", self.has_due, "due")
        self.add_row("", self.due)

    def call(self) -> object:
        """Create the task."""
        kind, value = self.assignee.currentData()
        due = self.due.date().toPython() if self.has_due.isChecked() else None
        data = TaskInput(
            self.title.text(),
            assignee_id=value if kind == "user" else None,
            assignee_role=value if kind == "role" else "",
            patient_id=self._patient_id,
            due_on=due,  # type: ignore[arg-type]
            details=self.details.toPlainText(),
        )
        return self._work.tasks.create(self._actor, data)
