"""Shaping orders and reviewed results into DTOs, a fixed number of queries per list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.orders import (
    OrderRow,
    OrderStatus,
    OrderTestRow,
    ResultRow,
)
from emr_desktop.models import LabOrder, LabOrderTest, LabResult, Patient, Problem, ResultReview
from emr_desktop.services.common.records import summary, user_names
from emr_desktop.services.practice.settings import load_settings

OPEN = (OrderStatus.PENDING, OrderStatus.PARTIAL)


def overdue_cutoff(s: Session, now: dt.datetime | None = None) -> dt.datetime:
    """Orders placed before this time without (all) results are overdue."""
    days = load_settings(s).order_overdue_days
    return (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)


def _patients(s: Session, ids: set[int]) -> dict[int, Patient]:
    if not ids:
        return {}
    return {p.id: p for p in s.scalars(select(Patient).where(Patient.id.in_(ids)))}


def order_rows(s: Session, orders: Sequence[LabOrder]) -> list[OrderRow]:
    """DTOs of ``orders`` (four queries, whatever their number)."""
    if not orders:
        return []
    ids = [o.id for o in orders]
    tests: dict[int, list[OrderTestRow]] = {i: [] for i in ids}
    for t in s.scalars(
        select(LabOrderTest).where(LabOrderTest.order_id.in_(ids)).order_by(LabOrderTest.id)
    ):
        tests[t.order_id].append(OrderTestRow(t.loinc, t.name, t.kind))
    problem_ids = {o.problem_id for o in orders if o.problem_id is not None}
    problems = (
        {
            p.id: f"{p.code} {p.description}"
            for p in s.scalars(select(Problem).where(Problem.id.in_(problem_ids)))
        }
        if problem_ids
        else {}
    )
    patients = _patients(s, {o.patient_id for o in orders})
    names = user_names(s, {o.ordering_provider_id for o in orders})
    cutoff = overdue_cutoff(s)
    out = []
    for o in orders:
        p = summary(patients[o.patient_id])
        out.append(
            OrderRow(
                id=o.id,
                patient_id=o.patient_id,
                mrn=p.mrn,
                patient_name=p.display_name,
                ordering_provider_id=o.ordering_provider_id,
                ordering_provider=names.get(o.ordering_provider_id, ""),
                ordered_at=o.ordered_at,
                status=o.status,
                tests=tuple(tests[o.id]),
                diagnosis_codes=tuple(c for c in o.diagnosis_codes.split(";") if c),
                problem=problems.get(o.problem_id, "") if o.problem_id else "",
                specimen_notes=o.specimen_notes,
                lab_name=o.lab_name,
                overdue=o.status in OPEN and o.ordered_at < cutoff,
            )
        )
    return out


def result_rows(s: Session, reviews: Sequence[ResultReview]) -> list[ResultRow]:
    """DTOs of reviewed results (three queries, whatever their number)."""
    if not reviews:
        return []
    labs = {
        r.id: r
        for r in s.scalars(
            select(LabResult).where(LabResult.id.in_([v.lab_result_id for v in reviews]))
        )
    }
    patients = _patients(s, {v.patient_id for v in reviews})
    names = user_names(s, {v.signed_by_id for v in reviews})
    out = []
    for v in reviews:
        lab, p = labs[v.lab_result_id], summary(patients[v.patient_id])
        out.append(
            ResultRow(
                review_id=v.id,
                lab_result_id=lab.id,
                order_id=v.order_id,
                patient_id=v.patient_id,
                mrn=p.mrn,
                patient_name=p.display_name,
                loinc=lab.loinc,
                name=lab.name,
                value=lab.value,
                value_text=lab.value_text,
                unit=lab.unit,
                ref_low=lab.ref_low,
                ref_high=lab.ref_high,
                flag=lab.flag,
                collected_at=lab.collected_at,
                physician_id=v.physician_id,
                status=v.status,
                comment=v.comment,
                signed_by=names.get(v.signed_by_id, "") if v.signed_by_id else "",
                signed_at=v.signed_at,
            )
        )
    return out
