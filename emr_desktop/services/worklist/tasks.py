"""Tasks: any user assigns one to a user or a role, with a patient and a due date; done
tasks leave the inbox but stay in the patient's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.orders import TaskInput, TaskRow, TaskStatus
from emr_desktop.domain.security import Actor, Permission, Role
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.models import Patient, Task, User
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import audit
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.problems import FieldProblems
from emr_desktop.services.common.records import summary, user_names


def task_rows(s: Session, tasks: Sequence[Task]) -> list[TaskRow]:
    """DTOs of tasks (three queries, whatever their number)."""
    pids = {t.patient_id for t in tasks if t.patient_id is not None}
    patients = (
        {p.id: summary(p) for p in s.scalars(select(Patient).where(Patient.id.in_(pids)))}
        if pids
        else {}
    )
    uids: set[int | None] = {t.assignee_id for t in tasks} | {t.created_by_id for t in tasks}
    logins = (
        dict(s.execute(select(User.id, User.username).where(User.id.in_(uids))).all())
        if uids
        else {}
    )
    names = user_names(s, uids)
    out = []
    for t in tasks:
        p = patients.get(t.patient_id) if t.patient_id is not None else None
        who = logins.get(t.assignee_id, "") if t.assignee_id else f"role: {t.assignee_role}"
        out.append(
            TaskRow(
                id=t.id,
                title=t.title,
                details=t.details,
                assignee=who,
                patient_id=t.patient_id,
                mrn=p.mrn if p else "",
                patient_name=p.display_name if p else "",
                due_on=t.due_on,
                status=t.status,
                created_by=names.get(t.created_by_id, "") if t.created_by_id else "",
                created_at=t.created_at,
                done_at=t.done_at,
            )
        )
    return out


def _clean(s: Session, data: TaskInput) -> tuple[str, str, str]:
    bad = FieldProblems()
    title = bad.check(lambda: v.text("title", data.title, max_len=200, required=True), "")
    details = bad.check(lambda: v.text("details", data.details, max_len=4000), "")
    role = data.assignee_role.strip().lower()
    if (data.assignee_id is None) == (not role):
        bad.add("assign to", "choose one user or one role")
    elif role and role not in {r.value for r in Role}:
        bad.add("assign to", f"{role} is not a role")
    elif data.assignee_id is not None and s.get(User, data.assignee_id) is None:
        bad.add("assign to", "that user does not exist")
    if data.patient_id is not None and s.get(Patient, data.patient_id) is None:
        bad.add("patient", "that patient does not exist")
    if data.due_on is not None and data.due_on < dt.date.today() - dt.timedelta(days=365):
        bad.add("due", "is more than a year in the past")
    bad.raise_any()
    return title, details, role


class TaskService:
    """Creating, listing and finishing tasks; every change is audited."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, actor: Actor, data: TaskInput) -> TaskRow:
        """Assign a task to a user or a role."""
        require(actor, Permission.TASK_MANAGE)
        with self._db.unit_of_work(actor) as s:
            title, details, role = _clean(s, data)
            task = Task(
                title=title,
                details=details,
                assignee_id=data.assignee_id,
                assignee_role=role,
                patient_id=data.patient_id,
                due_on=data.due_on,
                status=TaskStatus.OPEN,
                created_by_id=actor.user_id,
            )
            s.add(task)
            s.flush()
            audit.record(
                s,
                actor,
                "task_create",
                entity="task",
                entity_id=task.id,
                patient_id=task.patient_id,
                details={"assignee_id": data.assignee_id, "assignee_role": role},
            )
            return task_rows(s, [task])[0]

    def finish(self, actor: Actor, task_id: int, *, cancelled: bool = False) -> TaskRow:
        """Mark a task done (or cancelled); it leaves the inbox, not the chart's history."""
        require(actor, Permission.TASK_MANAGE)
        with self._db.unit_of_work(actor) as s:
            task = s.get(Task, task_id)
            if task is None:
                raise NotFound("That task does not exist.")
            if task.status is not TaskStatus.OPEN:
                raise ValidationError("status", f"the task is already {task.status.value}")
            task.status = TaskStatus.CANCELLED if cancelled else TaskStatus.DONE
            task.done_by_id, task.done_at = actor.user_id, dt.datetime.now(dt.UTC)
            audit.record(
                s,
                actor,
                "task_" + task.status.value,
                entity="task",
                entity_id=task.id,
                patient_id=task.patient_id,
            )
            return task_rows(s, [task])[0]

    def mine(self, actor: Actor) -> list[TaskRow]:
        """Open tasks assigned to this user or their role, soonest due first."""
        require(actor, Permission.TASK_MANAGE)
        with self._db.reading(actor) as s:
            return task_rows(s, open_tasks(s, actor))

    def for_patient(self, actor: Actor, patient_id: int) -> list[TaskRow]:
        """Every task about a patient, done ones included (the chart's history)."""
        require(actor, Permission.TASK_MANAGE)
        with self._db.reading(actor) as s:
            found = s.scalars(
                select(Task).where(Task.patient_id == patient_id).order_by(Task.id.desc())
            ).all()
            return task_rows(s, found)


def open_tasks(s: Session, actor: Actor) -> list[Task]:
    """The open tasks of this user and their role (one query)."""
    mine = (Task.assignee_id == actor.user_id) | (Task.assignee_role == actor.role.value)
    return list(
        s.scalars(
            select(Task)
            .where(Task.status == TaskStatus.OPEN, mine)
            .order_by(Task.due_on.is_(None), Task.due_on, Task.id)
        )
    )
