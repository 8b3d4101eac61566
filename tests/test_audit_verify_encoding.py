"""Audit verify builds each row's canonical text in SQLite for speed: whatever the text
in a row (accents, emoji, quotes, control characters), an intact chain verifies and an
edited row is still named."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import Practice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from emr_desktop.persistence import audit_chain

# No NUL: no text field anywhere may hold one (PostgreSQL cannot store it; input refuses it).
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    username=TEXT,
    workstation=TEXT,
    details=TEXT,
    entity_id=st.none() | TEXT,
    patient_id=st.none() | st.integers(0, 2**31 - 1),  # an INTEGER column on both engines
)
def test_any_text_in_an_audit_row_verifies(
    practice: Practice,
    username: str,
    workstation: str,
    details: str,
    entity_id: str | None,
    patient_id: int | None,
) -> None:
    entry = audit_chain.AuditEntry(
        user_id=None,
        username=username,
        workstation=workstation,
        action="chart_open",
        entity="patient",
        entity_id=entity_id,
        patient_id=patient_id,
        details=details,
    )
    with practice.db.unit_of_work() as s:
        audit_chain.append_many(s, [(dt.datetime.now(dt.UTC), entry)])
    report = practice.db.verify_audit()
    assert report.ok, report.problem


@pytest.mark.sqlcipher_only(reason="the fast path builds the canonical text with json_array()")
def test_an_edited_row_is_named_by_the_fast_path(practice: Practice) -> None:
    with practice.db.unit_of_work() as s:
        last = audit_chain.append_many(
            s,
            [
                (dt.datetime.now(dt.UTC), audit_chain.AuditEntry(None, f"u{i}", "ws", "login"))
                for i in range(5)
            ],
        )
    with practice.db.engine.connect() as conn:
        triggers = conn.execute(
            text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name IN ('audit_log', 'audit_head')"
            )
        ).scalars()
        for name in list(triggers):
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        conn.execute(
            text("UPDATE audit_log SET username = 'mallory' WHERE id = :i"), {"i": last - 2}
        )
        conn.commit()
    report = practice.db.verify_audit()
    assert not report.ok
    assert report.first_bad_id == last - 2
    assert "changed" in report.problem
