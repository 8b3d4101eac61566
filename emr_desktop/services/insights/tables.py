"""Every practice report as a table for the screen, its chart and CSV: one call per
report, counts only (the manager sees no names, nor does anyone else here)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter

from sqlalchemy import and_, func, select

from emr_desktop.domain.clinical import ProblemStatus
from emr_desktop.domain.insights import ReportPeriod, ReportTable
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ValidationError
from emr_desktop.models import Appointment, Problem, User
from emr_desktop.persistence.database import Database
from emr_desktop.reference.recall_rules import child_series
from emr_desktop.security.permissions import require
from emr_desktop.services.insights.reports import (
    ATTENDED,
    ReportService,
    audit_report,
    check_period,
)
from emr_desktop.services.recalls.engine import CHILD_SCHEDULE_UNTIL_DAYS
from emr_desktop.services.recalls.facts import load_facts

REPORTS = {
    "visits": "Visits per provider",
    "no-shows": "No-show rate per provider",
    "new-patients": "New patients (first visit) per provider",
    "problems": "Patients by problem (ICD-10 category)",
    "recalls": "Overdue recalls",
    "immunizations": "Immunization coverage by vaccine (children)",
    "results": "Results awaiting review",
}


def to_csv(table: ReportTable) -> str:
    """The table as CSV text (a header row, then the rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return buffer.getvalue()


class PracticeReports:
    """The reports screen's tables."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._counts = ReportService(db)

    def table(self, actor: Actor, name: str, period: ReportPeriod) -> ReportTable:
        """One report by its name (see REPORTS) over a period."""
        require(actor, Permission.REPORT_VIEW)
        check_period(period)
        title = REPORTS.get(name)
        if title is None:
            raise ValidationError("report", f"{name} is not a report")
        if name == "visits":
            v = self._counts.visits(actor, period)
            rows = tuple((r.full_name, r.visits, r.patients) for r in v)
            return ReportTable(title, ("Provider", "Visits", "Patients"), rows)
        if name == "no-shows":
            n = self._counts.no_shows(actor, period)
            rates = tuple((r.full_name, r.booked, r.no_shows, r.rate) for r in n)
            return ReportTable(title, ("Provider", "Booked", "No-shows", "Rate %"), rates, 3)
        if name == "recalls":
            r = self._counts.recalls_due(actor, period.end)
            due = tuple((x.label, x.count, x.second) for x in r)
            return ReportTable(title, ("Due", "Open", "Overdue 30+ days"), due, 2)
        if name == "results":
            p = self._counts.results_pending(actor, period.end)
            waiting = tuple((x.label, x.count, x.second, int(x.detail)) for x in p)
            cols = ("Physician", "Results to review", "Orders pending", "Orders overdue")
            return ReportTable(title, cols, waiting)
        if name == "new-patients":
            return self._new_patients(actor, period, title)
        if name == "problems":
            return self._problems(actor, period, title)
        return self._immunizations(actor, period, title)

    def _new_patients(self, actor: Actor, period: ReportPeriod, title: str) -> ReportTable:
        first = (
            select(Appointment.patient_id, func.min(Appointment.start_at).label("first"))
            .where(Appointment.status.in_(ATTENDED))
            .group_by(Appointment.patient_id)
            .subquery()
        )
        start = dt.datetime.combine(period.start, dt.time())
        end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time())
        stmt = (
            select(User.full_name, func.count(func.distinct(first.c.patient_id)))
            .select_from(first)
            .join(
                Appointment,
                and_(
                    Appointment.patient_id == first.c.patient_id,
                    Appointment.start_at == first.c.first,
                ),
            )
            .join(User, User.id == Appointment.provider_id)
            .where(first.c.first >= start, first.c.first < end)
            .group_by(User.id, User.full_name)
            .order_by(User.full_name)
        )
        if period.provider_id is not None:
            stmt = stmt.where(Appointment.provider_id == period.provider_id)
        with self._db.unit_of_work(actor) as s:
            rows = tuple((n, int(c)) for n, c in s.execute(stmt))
            audit_report(s, actor, "new-patients", period, len(rows))
        return ReportTable(title, ("Provider", "New patients"), rows)

    def _problems(self, actor: Actor, period: ReportPeriod, title: str) -> ReportTable:
        category = func.substr(Problem.code, 1, 3)
        stmt = (
            select(category, func.count(func.distinct(Problem.patient_id)))
            .where(Problem.status == ProblemStatus.ACTIVE)
            .group_by(category)
            .order_by(func.count(func.distinct(Problem.patient_id)).desc(), category)
        )
        with self._db.unit_of_work(actor) as s:
            rows = tuple((str(c), int(n)) for c, n in s.execute(stmt))
            audit_report(s, actor, "problems", period, len(rows))
        return ReportTable(title, ("ICD-10 category", "Patients"), rows)

    def _immunizations(self, actor: Actor, period: ReportPeriod, title: str) -> ReportTable:
        on, series = period.end, child_series()
        up_to_date: Counter[str] = Counter()
        eligible: Counter[str] = Counter()
        with self._db.unit_of_work(actor) as s:
            for facts in load_facts(s, (), on, None):
                age = (on - facts.birth_date).days
                if not 0 <= age < CHILD_SCHEDULE_UNTIL_DAYS:
                    continue
                for name, doses in series.items():
                    codes = {c for d in doses for c in d.cvx_codes}
                    given = sum(1 for cvx, day in facts.vaccines if cvx in codes and day <= on)
                    owed = [
                        d
                        for d in doses
                        if d.overdue_age_days is not None
                        and age >= d.overdue_age_days
                        and (d.max_age_days is None or age <= d.max_age_days)
                    ]
                    if not owed:
                        continue
                    eligible[name] += 1
                    if given >= max(d.dose for d in owed):
                        up_to_date[name] += 1
            rows = tuple(
                (
                    name,
                    eligible[name],
                    up_to_date[name],
                    round(100 * up_to_date[name] / eligible[name], 1),
                )
                for name in series
                if eligible[name]
            )
            audit_report(s, actor, "immunizations", period, len(rows))
        return ReportTable(title, ("Vaccine", "Children due", "Up to date", "Coverage %"), rows, 3)
