"""The demo practice's work that comes back: lab orders (pending, overdue, resulted),
abnormal results waiting in the physicians' inboxes, tasks and recalls due."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.demo.writer import next_ids
from emr_desktop.domain.clinical import LabFlag, ProblemStatus
from emr_desktop.domain.orders import OrderStatus, ReviewStatus, TaskStatus
from emr_desktop.domain.security import Role
from emr_desktop.models import (
    Appointment,
    LabOrder,
    LabOrderTest,
    LabResult,
    Problem,
    ResultReview,
    Task,
    User,
)
from emr_desktop.models.base import utcnow
from emr_desktop.persistence.database import Database
from emr_desktop.reference.lab_orders import Orderable, flag_for, orderable, resultable
from emr_desktop.services.common.audit import record
from emr_desktop.services.recalls.service import refresh

# What a physician orders for a problem (ICD-10 prefix -> LOINC codes).
ORDERS_FOR = (
    ("E11", ("4548-4", "24321-2")),
    ("I10", ("24321-2",)),
    ("E78", ("24331-1",)),
    ("N18", ("24321-2", "58410-2")),
)
TASKS = (
    ("Call patient about results", Role.NURSE),
    ("Fax last visit note to the cardiologist", Role.RECEPTIONIST),
    ("Check prior authorization for the new prescription", Role.NURSE),
    ("Confirm the outside imaging appointment", Role.RECEPTIONIST),
)


def _value(rng: random.Random, test: Orderable, abnormal: bool, critical: bool) -> float:
    low, high = test.low, test.high
    if critical and test.critical_high is not None:
        return round(test.critical_high * 1.05, 1)
    if low is None and high is None:
        return round(rng.uniform(1, 100), 1)
    top = high if high is not None else (low or 0) * 2
    bottom = low if low is not None else top / 2
    if abnormal:
        return round(top * rng.uniform(1.1, 1.4), 1) if high is not None else round(bottom * 0.7, 1)
    return round(rng.uniform(bottom, top), 1)


def _candidates(s: Session) -> list[tuple[int, int, str, int | None]]:
    """(patient, problem, code, their last provider) for patients with an orderable problem."""
    last: dict[int, int] = {}
    for pid, provider in s.execute(
        select(Appointment.patient_id, Appointment.provider_id).order_by(Appointment.start_at)
    ):
        last[pid] = provider
    found = []
    seen: set[int] = set()
    for pid, problem_id, code in s.execute(
        select(Problem.patient_id, Problem.id, Problem.code)
        .where(Problem.status == ProblemStatus.ACTIVE)
        .order_by(Problem.patient_id, Problem.id)
    ):
        if pid not in seen and any(code.startswith(p) for p, _ in ORDERS_FOR):
            seen.add(pid)
            found.append((pid, problem_id, code, last.get(pid)))
    return found


def fill_worklist(db: Database, *, seed: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Add orders, results to review, tasks and recalls; one audit row with the counts."""
    rng = random.Random(seed * 31 + 20)
    at = now or utcnow()
    counts = {"lab_order": 0, "result_review": 0, "task": 0}
    with db.unit_of_work() as s:
        users = list(s.scalars(select(User).order_by(User.id)))
        docs = [u.id for u in users if u.role is Role.PHYSICIAN]
        if not docs:
            return counts
        found = _candidates(s)
        rng.shuffle(found)
        chosen = found[: max(6, min(120, len(found) // 6))]
        resulted: list[int] = []
        # The generator wrote lab results with explicit ids (a server's counter is moved
        # past them only after the whole demo is written): continue them the same way.
        lab_id = next_ids(s.connection(), ["lab_result"])["lab_result"]
        for i, (pid, problem_id, code, provider) in enumerate(chosen):
            doc = provider if provider in docs else docs[i % len(docs)]
            codes = next(c for p, c in ORDERS_FOR if code.startswith(p))
            state = i % 3  # 0 pending, 1 overdue, 2 resulted and waiting for review
            days = rng.randint(1, 5) if state == 0 else rng.randint(20, 45)
            order = LabOrder(
                patient_id=pid,
                ordering_provider_id=doc,
                problem_id=problem_id,
                diagnosis_codes=code,
                specimen_notes="fasting" if "24331-1" in codes else "",
                status=OrderStatus.RESULTED if state == 2 else OrderStatus.PENDING,
                ordered_at=at - dt.timedelta(days=days),
            )
            s.add(order)
            s.flush()
            counts["lab_order"] += 1
            for c in codes:
                item = orderable(c)
                assert item is not None
                s.add(LabOrderTest(order_id=order.id, loinc=c, name=item.name, kind=item.kind))
            if state != 2:
                continue
            order.resulted_at = at - dt.timedelta(days=days - 3)
            resulted.append(pid)
            for n, test in enumerate(t for c in codes for t in resultable(c)):
                value = _value(rng, test, abnormal=n % 3 == 0, critical=i % 9 == 2 and n == 0)
                flag = flag_for(value, test.low, test.high, test.critical_low, test.critical_high)
                lab = LabResult(
                    id=lab_id,
                    patient_id=pid,
                    loinc=test.code,
                    name=test.name,
                    value=value,
                    unit=test.unit,
                    ref_low=test.low,
                    ref_high=test.high,
                    flag=LabFlag(flag),
                    collected_at=at - dt.timedelta(days=days - 2),
                    resulted_at=order.resulted_at,
                )
                s.add(lab)
                s.flush()
                lab_id += 1
                s.add(
                    ResultReview(
                        lab_result_id=lab.id,
                        order_id=order.id,
                        patient_id=pid,
                        physician_id=doc,
                        status=ReviewStatus.TO_REVIEW,
                    )
                )
                counts["result_review"] += 1
        for i in range(8):
            title, role = TASKS[i % len(TASKS)]
            to_doctor = i >= len(TASKS) and role is Role.NURSE  # "call them yourself"
            s.add(
                Task(
                    title=title,
                    assignee_role="" if to_doctor else role.value,
                    assignee_id=docs[i % len(docs)] if to_doctor else None,
                    patient_id=resulted[i % len(resulted)] if resulted else None,
                    due_on=(at + dt.timedelta(days=i - 2)).date(),
                    status=TaskStatus.OPEN,
                    created_by_id=docs[0],
                    created_at=at - dt.timedelta(days=1),
                )
            )
            counts["task"] += 1
        s.flush()
        opened, _ = refresh(s, at.date())
        counts["recall"] = opened
        record(s, None, "demo_worklist", username=users[0].username, details=counts)
    return counts
