"""Crash safety: a workstation killed mid-work leaves a practice that opens, checks clean,
and still holds every change it had confirmed as saved."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ADMIN_PASSWORD, PASSPHRASE, Practice
from test_foundation_support import audit_ids, run_cli

from emr_desktop.services.practice.audit_report import AuditService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.backups import BackupService
from emr_desktop.services.practice.store import open_practice

ROUNDS = 8

# One unit of work per loop: a lock (audit row) or a settings change (setting row plus its
# audit row). The audit head id is printed only after the unit of work has committed.
CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from emr_desktop.models.audit import AuditHead
    from emr_desktop.services.practice.auth import AuthService
    from emr_desktop.services.practice.settings import SettingsService
    from emr_desktop.services.practice.store import open_practice

    db = open_practice(Path(sys.argv[1]), lambda: os.environ["EMR_DB_PASSPHRASE"])
    auth = AuthService(db, workstation="crashing-pc")
    actor = auth.login("admin", os.environ["EMR_PASSWORD"])
    settings = SettingsService(db)
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        if i % 3:
            auth.lock(actor)
        else:
            settings.update(actor, practice_name=f"Crash round {sys.argv[2]} unit {i}")
        with db.unit_of_work() as s:
            head = s.get(AuditHead, 1).last_id
        print(head, flush=True)
    """
)


def _run_and_kill(root: Path, round_no: int, delay: float) -> list[int]:
    env = {
        **os.environ,
        "EMR_DB_PASSPHRASE": PASSPHRASE,
        "EMR_PASSWORD": ADMIN_PASSWORD,
        "EMR_NO_KEYRING": "1",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root), str(round_no)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        if first.strip() != "ready":
            child.kill()
            _, err = child.communicate(timeout=30)
            pytest.fail(f"round {round_no}: the child did not start: {first!r} {err[-2000:]}")
        time.sleep(delay)
        assert child.poll() is None, f"round {round_no}: the child died on its own"
        os.kill(child.pid, signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    return [int(line) for line in out.split()]


@pytest.mark.slow
def test_killed_workstation_loses_nothing_it_confirmed(
    practice: Practice, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = practice.root
    practice.db.dispose()  # the killed child is the only one writing
    rng = random.Random(20261123)
    for round_no in range(1, ROUNDS + 1):
        committed = _run_and_kill(root, round_no, rng.uniform(0.3, 1.5))
        assert committed, f"round {round_no}: the child committed nothing before the kill"
        assert committed == sorted(committed)

        db = open_practice(root, lambda: PASSPHRASE)
        try:
            ids = audit_ids(db)
            missing = sorted(set(committed) - set(ids))
            assert missing == [], f"round {round_no}: committed audit rows lost: {missing}"
            assert ids == list(range(1, len(ids) + 1))
            admin = AuthService(db).login("admin", ADMIN_PASSWORD)
            assert BackupService(db, practice.paths).check(admin) == []
            report = AuditService(db).verify(admin)
            assert report.ok, f"round {round_no}: {report.problem}"
        finally:
            db.dispose()

        code = run_cli(monkeypatch, root, "--user", "admin", "check")
        captured = capsys.readouterr()
        assert code == 0, f"round {round_no}: {captured.out}{captured.err}"
        assert "Database OK" in captured.out
