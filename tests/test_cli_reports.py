"""emr-admin report ...: the exact TSV forms of issue 20 on a small demo practice, one
sentence on stderr for bad input, and the front desk refused."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import case, func, select

from emr_desktop.cli import main
from emr_desktop.demo.build import DEMO_PASSPHRASE, DEMO_PASSWORD
from emr_desktop.models import Appointment, User
from emr_desktop.services.practice.store import open_practice

TODAY = dt.date.today()
YEAR_AGO = TODAY - dt.timedelta(days=365)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("cli-reports") / "practice"
    with pytest.MonkeyPatch.context() as mp:
        for var in ("EMR_DATA_DIR", "EMR_PASSWORD", "EMR_NEW_PASSWORD", "EMR_DB_PASSPHRASE"):
            mp.delenv(var, raising=False)
        mp.setenv("XDG_STATE_HOME", str(folder.parent / "state"))
        previous = keyring.get_keyring()
        keyring.set_keyring(fail.Keyring())
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(["--data-dir", str(folder), "demo", "--patients", "120"]) == 0
            yield folder
        finally:
            keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def _demo_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EMR_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("EMR_DB_PASSPHRASE", DEMO_PASSPHRASE)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def _run(
    root: Path, capsys: pytest.CaptureFixture[str], *args: str, user: str = "admin"
) -> tuple[int, str, str]:
    code = main(["--data-dir", str(root), "--user", user, "report", *args])
    got = capsys.readouterr()
    return code, got.out, got.err


def test_no_shows_equal_the_appointment_table(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(root, capsys, "no-shows", "--from", str(YEAR_AGO), "--to", str(TODAY))
    assert code == 0, err
    got = {
        f[0]: (int(f[1]), int(f[2]), f[3]) for f in (line.split("\t") for line in out.splitlines())
    }
    db = open_practice(root, lambda: DEMO_PASSPHRASE)
    try:
        with db.reading() as s:
            rows = s.execute(
                select(
                    User.username,
                    func.sum(case((Appointment.status != "cancelled", 1), else_=0)),
                    func.sum(case((Appointment.status == "no_show", 1), else_=0)),
                )
                .join(User, User.id == Appointment.provider_id)
                .where(func.date(Appointment.start_at).between(str(YEAR_AGO), str(TODAY)))
                .group_by(User.username)
            ).all()
    finally:
        db.dispose()
    want = {u: (int(b), int(n), f"{100 * n / b:.1f}") for u, b, n in rows if b}
    assert got == want and want


@pytest.mark.parametrize(
    ("report", "fields"), [("visits", 3), ("recalls-due", 4), ("results-pending", 4)]
)
def test_the_other_reports_are_tsv(
    root: Path, capsys: pytest.CaptureFixture[str], report: str, fields: int
) -> None:
    args = ["--from", str(YEAR_AGO), "--to", str(TODAY)] if report == "visits" else []
    code, out, err = _run(root, capsys, report, *args)
    assert code == 0, err
    lines = out.splitlines()
    assert lines and all(len(line.split("\t")) == fields for line in lines)
    assert all(line.split("\t")[-1].isdigit() for line in lines)


def test_bad_input_is_one_sentence(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(root, capsys, "no-shows", "--from", str(TODAY), "--to", str(YEAR_AGO))
    assert code == 2 and err.count("\n") == 1 and "--to" in err
    with pytest.raises(SystemExit) as info:
        main(
            [
                "--data-dir",
                str(root),
                "report",
                "no-shows",
                "--from",
                "yesterday",
                "--to",
                str(TODAY),
            ]
        )
    assert info.value.code == 2 and "is not a date" in capsys.readouterr().err
    code, _, err = _run(
        root, capsys, "visits", "--from", str(YEAR_AGO), "--to", str(TODAY), user="lnowak"
    )
    assert code == 1 and err.count("\n") == 1 and "not allowed" in err
