"""Read-only units of work: a screen's refresh never waits for (or blocks) a writer."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import Practice
from sqlalchemy import select, text

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Role
from emr_desktop.models import Patient
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.schedule.service import ScheduleService


def test_reads_go_on_while_another_workstation_holds_the_write_lock(practice: Practice) -> None:
    db = practice.db
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    PatientService(db).register(
        desk, PatientInput("Ada", "Lovelace", dt.date(1970, 1, 2), Sex.FEMALE)
    )
    with db.unit_of_work() as writer:  # BEGIN IMMEDIATE: this connection holds the write lock
        writer.execute(text("UPDATE patient SET phone_mobile = phone_mobile"))
        with db.reading() as reader:
            assert reader.scalar(select(Patient.family_name)) == "Lovelace"
        day = ScheduleService(db).day(desk, dt.date.today())
        assert day.appointments == ()


@pytest.mark.sqlcipher_only(reason="SQLite's BEGIN and BEGIN IMMEDIATE")
def test_a_reading_unit_starts_deferred_and_a_unit_of_work_immediate(practice: Practice) -> None:
    seen: list[str] = []
    from sqlalchemy import event

    def on_sql(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(practice.db.engine, "before_cursor_execute", on_sql)
    try:
        with practice.db.reading() as s:
            s.execute(text("SELECT 1"))
        with practice.db.unit_of_work() as s:
            s.execute(text("SELECT 1"))
    finally:
        event.remove(practice.db.engine, "before_cursor_execute", on_sql)
    assert seen == ["BEGIN", "BEGIN IMMEDIATE"]
