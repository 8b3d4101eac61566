"""The floors: the same rows and columns the services return, fetched by hand-written SQL
on a raw DB-API connection (no ORM, no DTOs). Our code is judged as a ratio to these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from emr_desktop.services.patients.search import parse_query

Conn = Any  # a DB-API connection (sqlcipher3 or sqlite3)

_SUMMARY_COLS = (
    "p.id, p.mrn, p.family_name, p.given_name, p.middle_name, p.preferred_name, p.birth_date,"
    " p.sex_at_birth, p.phone_mobile, p.phone_home, p.active"
)
# Same ranks as the search service: family 0, given/preferred 2, middle 4; +1 if not exact.
_RANK_SQL = (
    "min(CASE kind WHEN 'f' THEN 0 WHEN 'g' THEN 2 WHEN 'p' THEN 2 WHEN 'm' THEN 4 ELSE 6 END"
    " + (CASE WHEN kind IN ('f', 'g', 'p', 'm') THEN token != :w{i} ELSE 0 END))"
)


def search(conn: Conn, text: str, limit: int = 50) -> list[Any]:
    """Patients whose name tokens start with every word: ranked, with the list columns."""
    words = parse_query(text).names
    params: dict[str, str] = {}
    ctes = []
    for i, word in enumerate(words):
        params |= {f"w{i}": word, f"hi{i}": word[:-1] + chr(ord(word[-1]) + 1)}
        ctes.append(
            f"t{i} AS (SELECT patient_id AS pid, {_RANK_SQL.format(i=i)} AS r"
            f" FROM patient_name_token WHERE token >= :w{i} AND token < :hi{i}"
            " GROUP BY patient_id)"
        )
    joins = "".join(f" JOIN t{i} ON t{i}.pid = t0.pid" for i in range(1, len(words)))
    rank = " + ".join(f"t{i}.r" for i in range(len(words)))
    sql = (
        f"WITH {', '.join(ctes)} SELECT {_SUMMARY_COLS} FROM t0{joins}"
        " JOIN patient p ON p.id = t0.pid WHERE p.merged_into_id IS NULL AND p.active = 1"
        f" ORDER BY {rank}, p.family_name, p.given_name, p.id LIMIT {int(limit)}"
    )
    rows: list[Any] = conn.execute(sql, params).fetchall()
    return rows


_APPT_COLS = (
    "a.*, p.family_name, p.given_name, p.middle_name, p.preferred_name, p.mrn, p.birth_date,"
    " p.phone_mobile, p.phone_home, u.full_name"
)


def chart_summary(conn: Conn, pid: int) -> list[Any]:
    """Everything the chart summary shows, one indexed query per list."""
    one = (pid,)
    out: list[Any] = [
        conn.execute(
            "SELECT id, mrn, family_name, given_name, middle_name, preferred_name, birth_date,"
            " sex_at_birth, alerts, active, merged_into_id, no_known_allergies"
            " FROM patient WHERE id = ?",
            one,
        ).fetchone()
    ]
    for sql in (
        "SELECT * FROM allergy WHERE patient_id = ? AND status = 'active' ORDER BY substance",
        "SELECT * FROM problem WHERE patient_id = ? AND status = 'active'"
        " ORDER BY onset_date DESC, id DESC",
        "SELECT * FROM medication WHERE patient_id = ? AND status = 'active' ORDER BY drug_name",
        "SELECT * FROM vital_signs WHERE patient_id = ? ORDER BY measured_at DESC LIMIT 1",
        "SELECT * FROM lab_result WHERE patient_id = ? ORDER BY collected_at DESC LIMIT 30",
        "SELECT * FROM immunization WHERE patient_id = ? AND status = 'active'"
        " ORDER BY given_on DESC",
        "SELECT count(*) FROM encounter WHERE patient_id = ?",
        "SELECT id, patient_id, occurred_at, kind, reason, provider_id, status, signed_at"
        " FROM encounter WHERE patient_id = ? ORDER BY occurred_at DESC LIMIT 5",
    ):
        out.append(conn.execute(sql, one).fetchall())
    since = (dt.datetime.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S.%f")
    out.append(
        conn.execute(
            f"SELECT {_APPT_COLS} FROM appointment a JOIN patient p ON p.id = a.patient_id"
            " JOIN app_user u ON u.id = a.provider_id WHERE a.patient_id = ? AND a.start_at >= ?"
            " AND a.status IN ('booked', 'arrived', 'in_room') ORDER BY a.start_at LIMIT 5",
            (pid, since),
        ).fetchall()
    )
    # The staff list is a few dozen rows: fetching all of it is cheaper than collecting ids.
    out.append(conn.execute("SELECT id, full_name FROM app_user").fetchall())
    return out


def day_view(conn: Conn, day: dt.date, provider_ids: list[int]) -> list[Any]:
    """One day of appointments for these providers, with their hours and blocked time."""
    start = dt.datetime.combine(day, dt.time())
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    lo = (start - dt.timedelta(minutes=480)).strftime(fmt)
    hi = (start + dt.timedelta(days=1)).strftime(fmt)
    ids = tuple(provider_ids)
    marks = ",".join("?" * len(ids))
    return [
        conn.execute(
            "SELECT u.id, u.full_name, pp.credentials, pp.color FROM app_user u"
            f" LEFT JOIN provider_profile pp ON pp.user_id = u.id WHERE u.id IN ({marks})"
            " ORDER BY u.full_name, u.id",
            ids,
        ).fetchall(),
        conn.execute(
            f"SELECT {_APPT_COLS} FROM appointment a JOIN patient p ON p.id = a.patient_id"
            " JOIN app_user u ON u.id = a.provider_id"
            f" WHERE a.provider_id IN ({marks}) AND a.start_at >= ? AND a.start_at < ?"
            " AND a.status != 'cancelled' ORDER BY a.start_at, a.id",
            (*ids, lo, hi),
        ).fetchall(),
        conn.execute(
            f"SELECT * FROM provider_hours WHERE provider_id IN ({marks}) AND weekday = ?",
            (*ids, day.weekday()),
        ).fetchall(),
        conn.execute(
            "SELECT * FROM blocked_time WHERE start_at < ? AND end_at > ?"
            f" AND (provider_id IN ({marks}) OR provider_id IS NULL)",
            (hi, start.strftime(fmt), *ids),
        ).fetchall(),
        conn.execute("SELECT slot_minutes FROM practice WHERE id = 1").fetchall(),
    ]
