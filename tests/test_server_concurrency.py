"""A receptionist, a physician and a nurse on three workstations (three processes) working
on one practice server at once: no errors, no deadlocks, and an audit chain that verifies.

The throughput (operations per second) is measured by the benchmark suite, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PASSPHRASE, STAFF_PASSWORD, dispose_practice, make_practice, pg_server
from pg_support import PG_URL

from emr_desktop.domain.security import Role
from emr_desktop.persistence.server import ServerProfile
from emr_desktop.services.practice.audit_report import AuditService

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL, reason="needs the suite's PostgreSQL (EMR_TEST_PG_URL)"),
]
HERE = Path(__file__).resolve().parent
WORKER = HERE.parent / "benchmarks" / "workstation.py"  # the benchmark runs the same worker


def test_three_workstations_for_thirty_seconds_meet_no_error(tmp_path: Path) -> None:
    practice = make_practice(tmp_path / "server-pc", engine="pg")
    try:
        users = {
            "receptionist": practice.add_user("desk", Role.RECEPTIONIST),
            "physician": practice.add_user("drbusy", Role.PHYSICIAN),
            "nurse": practice.add_user("nursebusy", Role.NURSE),
        }
        profile = ServerProfile.read(practice.root)
        procs = []
        for role, actor in users.items():
            folder = tmp_path / f"ws-{role}"
            profile.write(folder)
            env = {
                **os.environ,
                "WS_DIR": str(folder),
                "WS_USER": actor.username,
                "DOCTOR_ID": str(users["physician"].user_id),
                "EMR_PASSWORD": STAFF_PASSWORD,
                "EMR_SERVER_PASSWORD": pg_server().app_password,
                "EMR_DB_PASSPHRASE": PASSPHRASE,
                "EMR_NO_KEYRING": "1",
                "WORK_SECONDS": "30",
            }
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(WORKER), role],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        results = []
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=180)
            assert proc.returncode == 0, stderr
            results.append(json.loads(stdout.strip().splitlines()[-1]))
        assert all(r["errors"] == {} for r in results), results
        assert all(r["ops"] > 0 for r in results), results
        report = AuditService(practice.db).verify(practice.admin)
        assert report.ok, report.problem
    finally:
        dispose_practice(practice)
