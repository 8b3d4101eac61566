"""The practice's numbers over a period: one aggregate query per report, counts only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.domain.insights import CountRow, NoShowRow, ReportPeriod, VisitRow
from emr_desktop.domain.orders import OrderStatus, RecallStatus, ReviewStatus
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ValidationError
from emr_desktop.models import Appointment, LabOrder, Recall, ResultReview, User
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import audit
from emr_desktop.services.practice.settings import load_settings

ATTENDED = (AppointmentStatus.ARRIVED, AppointmentStatus.IN_ROOM, AppointmentStatus.COMPLETED)


def check_period(period: ReportPeriod) -> None:
    """Refuse a range that ends before it starts or spans more than ten years."""
    if period.end < period.start:
        raise ValidationError("to", "must not be before the start date")
    if (period.end - period.start).days > 3660:
        raise ValidationError("to", "a report covers at most ten years")


def _bounds(period: ReportPeriod) -> tuple[dt.datetime, dt.datetime]:
    """Appointment times are local wall-clock, naive: the days from start through end."""
    start = dt.datetime.combine(period.start, dt.time())
    return start, dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time())


def audit_report(
    s: Session, actor: Actor, name: str, period: ReportPeriod | None, rows: int
) -> None:
    """The audit row of one report run: its name, period, filter and row count."""
    details: dict[str, object] = {"report": name, "rows": rows}
    if period is not None:
        details.update(start=period.start.isoformat(), end=period.end.isoformat())
        if period.provider_id is not None:
            details["provider_id"] = period.provider_id
    audit.record(s, actor, "report_run", entity="report", details=details)


class ReportService:
    """Practice reports for physicians and the manager; every run is audited."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def no_shows(self, actor: Actor, period: ReportPeriod) -> list[NoShowRow]:
        """Per provider: appointments starting in the period not cancelled, and no-shows."""
        require(actor, Permission.REPORT_VIEW)
        check_period(period)
        start, end = _bounds(period)
        booked = func.sum(case((Appointment.status != AppointmentStatus.CANCELLED, 1), else_=0))
        missed = func.sum(case((Appointment.status == AppointmentStatus.NO_SHOW, 1), else_=0))
        stmt = (
            select(User.username, User.full_name, booked, missed)
            .join(User, User.id == Appointment.provider_id)
            .where(Appointment.start_at >= start, Appointment.start_at < end)
            .group_by(User.id, User.username, User.full_name)
            .order_by(User.username)
        )
        if period.provider_id is not None:
            stmt = stmt.where(Appointment.provider_id == period.provider_id)
        with self._db.unit_of_work(actor) as s:
            rows = [
                NoShowRow(u, n, int(b or 0), int(m or 0)) for u, n, b, m in s.execute(stmt) if b
            ]
            audit_report(s, actor, "no-shows", period, len(rows))
        return rows

    def visits(self, actor: Actor, period: ReportPeriod) -> list[VisitRow]:
        """Per provider: appointments attended (arrived, roomed or completed) and patients."""
        require(actor, Permission.REPORT_VIEW)
        check_period(period)
        start, end = _bounds(period)
        stmt = (
            select(
                User.username,
                User.full_name,
                func.count(Appointment.id),
                func.count(func.distinct(Appointment.patient_id)),
            )
            .join(User, User.id == Appointment.provider_id)
            .where(
                Appointment.start_at >= start,
                Appointment.start_at < end,
                Appointment.status.in_(ATTENDED),
            )
            .group_by(User.id, User.username, User.full_name)
            .order_by(User.username)
        )
        if period.provider_id is not None:
            stmt = stmt.where(Appointment.provider_id == period.provider_id)
        with self._db.unit_of_work(actor) as s:
            rows = [VisitRow(u, n, int(v), int(p)) for u, n, v, p in s.execute(stmt)]
            audit_report(s, actor, "visits", period, len(rows))
        return rows

    def recalls_due(self, actor: Actor, on: dt.date) -> list[CountRow]:
        """Open recalls by what is due (after bringing them up to date with the rules):
        ``count`` due by ``on``, ``second`` of them overdue by more than 30 days."""
        require(actor, Permission.REPORT_VIEW)
        late = on - dt.timedelta(days=30)
        overdue = func.sum(case((Recall.due_on < late, 1), else_=0))
        stmt = (
            select(Recall.kind, Recall.what, func.count(Recall.id), overdue)
            .where(Recall.status == RecallStatus.OPEN, Recall.due_on <= on)
            .group_by(Recall.kind, Recall.what)
            .order_by(Recall.kind, Recall.what)
        )
        with self._db.unit_of_work(actor) as s:
            rows = [
                CountRow(what, int(n), str(kind), int(o or 0))
                for kind, what, n, o in s.execute(stmt)
            ]
            audit_report(s, actor, "recalls-due", None, len(rows))
        return rows

    def results_pending(self, actor: Actor, on: dt.date) -> list[CountRow]:
        """Per ordering physician: ``count`` results awaiting review, ``second`` orders
        pending, ``detail`` how many of those are overdue (the practice setting)."""
        require(actor, Permission.REPORT_VIEW)
        with self._db.unit_of_work(actor) as s:
            days = load_settings(s).order_overdue_days
            cutoff = dt.datetime.combine(on, dt.time(), dt.UTC) - dt.timedelta(days=days)
            open_orders = (OrderStatus.PENDING, OrderStatus.PARTIAL)
            late = func.sum(case((LabOrder.ordered_at < cutoff, 1), else_=0))
            orders = dict(
                (uid, (int(n), int(o or 0)))
                for uid, n, o in s.execute(
                    select(LabOrder.ordering_provider_id, func.count(LabOrder.id), late)
                    .where(LabOrder.status.in_(open_orders))
                    .group_by(LabOrder.ordering_provider_id)
                )
            )
            reviews = dict(
                (uid, int(n))
                for uid, n in s.execute(
                    select(ResultReview.physician_id, func.count(ResultReview.id))
                    .where(ResultReview.status == ReviewStatus.TO_REVIEW)
                    .group_by(ResultReview.physician_id)
                )
            )
            ids = set(orders) | set(reviews)
            names = dict(s.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
            rows = sorted(
                (
                    CountRow(
                        names[uid],
                        reviews.get(uid, 0),
                        str(orders.get(uid, (0, 0))[1]),
                        orders.get(uid, (0, 0))[0],
                    )
                    for uid in ids
                ),
                key=lambda r: r.label,
            )
            audit_report(s, actor, "results-pending", None, len(rows))
        return rows
