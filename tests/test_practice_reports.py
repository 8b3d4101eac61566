"""Practice reports: the no-show and visit counts equal the appointment book, on both
engines; every run is audited; the front desk and nurses cannot run them."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import Clinic
from sqlalchemy import select

from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.domain.insights import NoShowRow, ReportPeriod
from emr_desktop.domain.schedule import BookingRequest
from emr_desktop.errors import PermissionDenied, ValidationError
from emr_desktop.models import AuditLog
from emr_desktop.services.insights.reports import ReportService
from emr_desktop.services.schedule.service import ScheduleService

DAY = dt.date.today()  # the schedule books nothing older than a day


def _book(c: Clinic, provider: int, day: dt.date, hour: int, status: str = "") -> None:
    sched = ScheduleService(c.db)
    start = dt.datetime.combine(day, dt.time(hour))
    req = BookingRequest(c.patient(), provider, start, 15, "Follow-up")
    row = sched.book(c.desk, req, override_reason="report test")
    if status == "no_show":
        sched.no_show(c.desk, row.id, expected_version=row.version)
    elif status == "cancelled":
        sched.cancel(c.desk, row.id, "patient called", expected_version=row.version)
    elif status == "completed":
        sched.set_status(c.desk, row.id, AppointmentStatus.ARRIVED, expected_version=row.version)


def test_no_shows_count_booked_not_cancelled_by_start_day(clinic: Clinic) -> None:
    c = clinic
    doc, doc2 = c.doctor.user_id, c.doctor2.user_id
    for hour in (8, 9, 10):
        _book(c, doc, DAY, hour)
    _book(c, doc, DAY, 11, "no_show")
    _book(c, doc, DAY, 12, "cancelled")
    _book(c, doc, DAY + dt.timedelta(days=1), 9)  # outside the period
    _book(c, doc2, DAY, 13, "no_show")
    _book(c, doc2, DAY, 14, "completed")
    _book(c, doc2, DAY, 15, "cancelled")

    rows = ReportService(c.db).no_shows(c.practice.admin, ReportPeriod(DAY, DAY))

    assert rows == [
        NoShowRow("drgrey", "Drgrey", 4, 1),
        NoShowRow("drshep", "Drshep", 2, 1),
    ]
    assert [r.rate for r in rows] == [25.0, 50.0]
    one = ReportService(c.db).no_shows(c.doctor, ReportPeriod(DAY, DAY, provider_id=doc2))
    assert [r.username for r in one] == ["drshep"]
    visits = ReportService(c.db).visits(c.doctor, ReportPeriod(DAY, DAY))
    assert [(v.username, v.visits, v.patients) for v in visits] == [("drshep", 1, 1)]
    with c.db.reading() as s:
        last = s.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(1)).one()
    assert last.action == "report_run" and '"report": "visits"' in last.details


def test_rate_has_one_decimal() -> None:
    assert NoShowRow("x", "X", 3, 1).rate == 33.3
    assert NoShowRow("x", "X", 0, 0).rate == 0.0


@pytest.mark.parametrize("who", ["desk", "nurse"])
def test_front_desk_and_nurses_cannot_run_reports(clinic: Clinic, who: str) -> None:
    with pytest.raises(PermissionDenied):
        ReportService(clinic.db).no_shows(getattr(clinic, who), ReportPeriod(DAY, DAY))


def test_a_backwards_range_is_refused(clinic: Clinic) -> None:
    with pytest.raises(ValidationError):
        ReportService(clinic.db).visits(clinic.doctor, ReportPeriod(DAY, DAY - dt.timedelta(1)))


def test_every_report_makes_a_table_and_csv(clinic: Clinic) -> None:
    from emr_desktop.domain.sections import ProblemInput
    from emr_desktop.services.chart.problems import ProblemService
    from emr_desktop.services.insights.tables import REPORTS, PracticeReports, to_csv

    c = clinic
    pid = c.patient()
    ProblemService(c.db).add(c.doctor, pid, ProblemInput("E11.9"))
    _book(c, c.doctor.user_id, DAY, 16, "completed")
    reports = PracticeReports(c.db)
    period = ReportPeriod(DAY - dt.timedelta(days=30), DAY)
    for name in REPORTS:
        table = reports.table(c.practice.admin, name, period)
        assert all(len(r) == len(table.columns) for r in table.rows), name
        assert to_csv(table).splitlines()[0] == ",".join(table.columns)
    problems = reports.table(c.practice.admin, "problems", period)
    assert ("E11", 1) in problems.rows or any(r[0] == "E11" for r in problems.rows)
    new = reports.table(c.doctor, "new-patients", period)
    assert any(r[0] == "Drgrey" for r in new.rows)
    with pytest.raises(ValidationError):
        reports.table(c.doctor, "nonsense", period)
