"""Tasks any user assigns to a user or a role, and recalls of patients due for care."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.domain.orders import RecallKind, RecallStatus, TaskStatus
from emr_desktop.models.base import Base, UtcDateTime, utcnow
from emr_desktop.models.types import str_enum


class Task(Base):
    """Something a user or a role must do, perhaps about a patient, perhaps by a date."""

    __tablename__ = "task"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    assignee_role: Mapped[str] = mapped_column(String(20), default="")
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), default=None)
    due_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    done_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)

    __table_args__ = (
        Index("ix_task_status_assignee", "status", "assignee_id"),
        Index("ix_task_patient", "patient_id"),
    )


class Recall(Base):
    """A patient due for care: from a rule, or a follow-up set when a note was signed."""

    __tablename__ = "recall"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    kind: Mapped[RecallKind] = mapped_column(str_enum(RecallKind))
    rule_id: Mapped[str] = mapped_column(String(60), default="")
    what: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[RecallStatus] = mapped_column(str_enum(RecallStatus))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"), default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)

    __table_args__ = (
        Index("ix_recall_status_due", "status", "due_on"),
        Index("ix_recall_patient", "patient_id"),
    )


class RecallContact(Base):
    """One attempt to reach a patient about a recall (call, letter, message)."""

    __tablename__ = "recall_contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recall_id: Mapped[int] = mapped_column(ForeignKey("recall.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(200), default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
