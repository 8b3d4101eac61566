"""Leases on both engines: held, renewed, released, expired; one backup lease at a time."""

from __future__ import annotations

import datetime as dt

from conftest import Practice
from sqlalchemy import update

from emr_desktop.models.lease import PracticeLease
from emr_desktop.persistence import leases
from emr_desktop.services.practice import presence


def test_an_open_lease_is_seen_by_others_until_released_or_expired(practice: Practice) -> None:
    token = presence.hold(practice.db, "front-desk")
    with practice.db.reading() as s:
        assert [h.workstation for h in leases.holders(s, leases.OPEN)] == ["front-desk"]
        assert leases.holders(s, leases.OPEN, besides=token) == []
    presence.renew(practice.db)
    presence.release(practice.db)
    with practice.db.reading() as s:
        assert leases.holders(s, leases.OPEN) == []
    presence.hold(practice.db, "exam-room")
    with practice.db.unit_of_work() as s:
        s.execute(update(PracticeLease).values(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    with practice.db.reading() as s:
        assert leases.holders(s, leases.OPEN) == []
    presence.renew(practice.db)  # the PC slept past its lease: a new one is taken
    with practice.db.reading() as s:
        assert len(leases.holders(s, leases.OPEN)) == 1


def test_only_one_workstation_gets_the_backup_lease(practice: Practice) -> None:
    with practice.db.unit_of_work() as s:
        first = leases.take_sole(s, leases.BACKUP, workstation="front-desk")
    with practice.db.unit_of_work() as s:
        assert leases.take_sole(s, leases.BACKUP, workstation="exam-room") is None
    assert first is not None
    with practice.db.unit_of_work() as s:
        leases.release(s, first)
    with practice.db.unit_of_work() as s:
        assert leases.take_sole(s, leases.BACKUP, workstation="exam-room") is not None
