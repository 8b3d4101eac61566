"""Repeat rules and the schedule's input checks, without a database."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emr_desktop.domain.schedule import (
    MAX_OCCURRENCES,
    ConflictKind,
    ConflictWarning,
    Frequency,
    Recurrence,
    SchedulingConflict,
)
from emr_desktop.errors import ValidationError
from emr_desktop.services.schedule import rules

starts = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)
frequencies = st.sampled_from(list(Frequency))


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    first = dt.datetime(2027, 1, 31, 9, 30)
    got = Recurrence("monthly", count=6).occurrences(first)
    assert [d.date() for d in got] == [
        dt.date(2027, 1, 31),
        dt.date(2027, 2, 28),
        dt.date(2027, 3, 31),  # back to the 31st: counted from the first date
        dt.date(2027, 4, 30),
        dt.date(2027, 5, 31),
        dt.date(2027, 6, 30),
    ]
    assert {d.time() for d in got} == {dt.time(9, 30)}
    leap = Recurrence("monthly", interval=12, count=2).occurrences(dt.datetime(2028, 2, 29, 9))
    assert leap[1].date() == dt.date(2029, 2, 28)


def test_until_includes_its_own_day_and_count_and_until_are_exclusive() -> None:
    first = dt.datetime(2027, 3, 1, 9)
    got = Recurrence("weekly", until=dt.date(2027, 3, 15)).occurrences(first)
    assert [d.day for d in got] == [1, 8, 15]
    assert Recurrence("daily", interval=3, count=3).occurrences(first)[-1].day == 7
    refusals = {
        "ends": [Recurrence("weekly"), Recurrence("weekly", count=2, until=dt.date(2027, 4, 1))],
        "number of appointments": [Recurrence("weekly", count=0), Recurrence("daily", count=105)],
        "repeat every": [Recurrence("weekly", interval=0, count=2)],
        "repeat": [Recurrence("yearly", count=2)],
        "end date": [
            Recurrence("weekly", until=dt.date(2027, 2, 28)),  # before the first
            Recurrence("daily", until=dt.date(2027, 8, 1)),  # more than 104 days
        ],
    }
    for field, bad in refusals.items():
        for rule in bad:
            with pytest.raises(ValidationError) as err:
                rule.occurrences(first)
            assert err.value.field == field
    assert len(Recurrence("daily", until=first.date() + dt.timedelta(103)).occurrences(first)) == (
        MAX_OCCURRENCES
    )


@given(starts, frequencies, st.integers(1, 99), st.integers(1, MAX_OCCURRENCES))
def test_count_rules_make_exactly_count_evenly_spaced_occurrences(
    first: dt.datetime, frequency: Frequency, interval: int, count: int
) -> None:
    got = Recurrence(frequency, interval, count=count).occurrences(first)
    assert len(got) == count and got[0] == first
    assert all(b > a for a, b in itertools.pairwise(got))
    assert {d.time() for d in got} == {first.time()}  # 9:00 stays 9:00 (wall clock)
    for i, when in enumerate(got):
        if frequency is Frequency.MONTHLY:
            months = (when.year - first.year) * 12 + when.month - first.month
            last = calendar.monthrange(when.year, when.month)[1]
            assert months == i * interval and when.day == min(first.day, last)
        else:
            step = 1 if frequency is Frequency.DAILY else 7
            assert (when - first).days == i * interval * step


@given(starts, frequencies, st.integers(1, 30), st.integers(0, 800))
def test_until_rules_stop_on_or_before_the_end_date(
    first: dt.datetime, frequency: Frequency, interval: int, days: int
) -> None:
    until = first.date() + dt.timedelta(days=days)
    rule = Recurrence(frequency, interval, until=until)
    try:
        got = rule.occurrences(first)
    except ValidationError as err:  # too many: the rule is refused, never cut short
        assert err.field == "end date"
        return
    assert 1 <= len(got) <= MAX_OCCURRENCES and got[0] == first
    assert all(d.date() <= until for d in got)
    if len(got) < MAX_OCCURRENCES:  # the next occurrence would fall after the end date
        following = Recurrence(frequency, interval, count=len(got) + 1).occurrences(first)[-1]
        assert following.date() > until


@given(st.integers(-1000, 1000))
def test_lengths_are_5_to_480_minutes_in_steps_of_5(minutes: int) -> None:
    if 5 <= minutes <= 480 and minutes % 5 == 0:
        assert rules.duration(minutes) == minutes
    else:
        with pytest.raises(ValidationError) as err:
            rules.duration(minutes)
        assert err.value.field == "length"


def test_start_times_are_local_recent_and_not_absurdly_far_ahead() -> None:
    now = dt.datetime(2026, 3, 2, 10, 0)
    assert rules.start_time("start", dt.datetime(2026, 3, 1, 10, 30, 15), now=now) == (
        dt.datetime(2026, 3, 1, 10, 30)
    )
    for bad in (
        dt.datetime(2026, 3, 1, 9, 59),  # more than a day ago
        dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC),  # not a wall-clock time
        dt.datetime(2032, 1, 1, 9),  # a mistyped year
    ):
        with pytest.raises(ValidationError) as err:
            rules.start_time("start", bad, now=now)
        assert err.value.field == "start"


def test_conflict_words() -> None:
    start = dt.datetime(2026, 3, 2, 13, 5)
    assert rules.clock(start) == "1:05 PM" and rules.clock(dt.time(0, 0)) == "12:00 AM"
    assert rules.span_words(start, start + dt.timedelta(minutes=25)) == (
        "on Mon Mar 2, 2026 from 1:05 PM to 1:30 PM"
    )
    warnings = [
        ConflictWarning(ConflictKind.BLOCKED, "Blocked.", start, block_id=1),
        ConflictWarning(ConflictKind.BLOCKED, "Blocked too.", start + dt.timedelta(days=7)),
    ]
    err = SchedulingConflict(warnings)
    assert err.dates == (start.date(), start.date() + dt.timedelta(days=7))
    assert err.message.startswith("Blocked. (and 1 more conflict)")
