"""emr-admin demo and emr-admin patients search, run as a user would run them."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import select

from emr_desktop.cli import main
from emr_desktop.demo.build import DEMO_PASSPHRASE, DEMO_PASSWORD, DEMO_USERS
from emr_desktop.domain.security import Permission, Role
from emr_desktop.models import Patient
from emr_desktop.security.permissions import ROLE_PERMISSIONS
from emr_desktop.services.common.validation import luhn_digit
from emr_desktop.services.patients.search import fold
from emr_desktop.services.practice.store import open_practice

N = 300


@dataclass
class Made:
    """The demo practice ``emr-admin demo`` made, and what the command printed."""

    root: Path
    out: str


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Made]:
    """A demo practice made by ``emr-admin demo`` (environment and keyring kept clean)."""
    folder = tmp_path_factory.mktemp("cli") / "practice"
    with pytest.MonkeyPatch.context() as mp:
        for var in ("EMR_DATA_DIR", "EMR_PASSWORD", "EMR_NEW_PASSWORD", "EMR_DB_PASSPHRASE"):
            mp.delenv(var, raising=False)
        mp.setenv("XDG_STATE_HOME", str(folder.parent / "state"))  # logs stay in the sandbox
        previous = keyring.get_keyring()
        keyring.set_keyring(fail.Keyring())
        try:
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                code = main(
                    ["--data-dir", str(folder), "demo", "--patients", str(N), "--seed", "11"]
                )
            assert code == 0
            yield Made(folder, printed.getvalue())
        finally:
            keyring.set_keyring(previous)


@pytest.fixture
def root(made: Made) -> Path:
    """The demo practice's data folder."""
    return made.root


@pytest.fixture(autouse=True)
def _demo_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EMR_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("EMR_DB_PASSPHRASE", DEMO_PASSPHRASE)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def _search(
    root: Path, capsys: pytest.CaptureFixture[str], *args: str, user: str = "lnowak"
) -> list[list[str]]:
    code = main(["--data-dir", str(root), "--user", user, "patients", "search", *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return [line.split("\t") for line in captured.out.splitlines()]


def _active_patients(root: Path) -> list[Patient]:
    db = open_practice(root, lambda: DEMO_PASSPHRASE)
    try:
        with db.unit_of_work() as s:
            return list(s.scalars(select(Patient).where(Patient.active.is_(True))))
    finally:
        db.dispose()


def test_demo_prints_the_users_and_where_the_secrets_are_documented(made: Made) -> None:
    out = made.out
    assert f"{N} patients" in out and "README.md" in out
    for user in DEMO_USERS:
        assert user.username in out
    assert "EMR_PASSWORD" in out and DEMO_PASSWORD not in out


def test_demo_refuses_an_existing_practice_with_one_line(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in root.iterdir())
    code = main(["--data-dir", str(root), "demo", "--patients", "5"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "already holds a practice" in err
    assert sorted(p.name for p in root.iterdir()) == before


def test_demo_refuses_a_patient_count_below_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--data-dir", str(tmp_path / "none"), "demo", "--patients", "0"])
    assert code == 2 and "--patients" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()


def test_search_prints_four_tab_separated_columns(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _search(root, capsys, "a")
    assert rows
    for mrn, family, given, born in rows:
        assert mrn.isdigit() and luhn_digit(mrn[:-1]) == mrn[-1]
        assert family and given
        assert dt.date.fromisoformat(born).isoformat() == born


def test_the_best_match_comes_first(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = next(p for p in _active_patients(root) if not p.family_name.isascii())
    query = f"{fold(target.family_name)} {fold(target.given_name)}"
    rows = _search(root, capsys, query)
    names = [target.family_name, target.given_name]
    assert rows[0][1:3] == names  # accents folded: "muller" finds "Müller"
    twins = [row for row in rows if row[1:3] == names]
    assert [target.mrn, *names, target.birth_date.isoformat()] in twins
    by_mrn = _search(root, capsys, target.mrn)
    assert by_mrn[0][0] == target.mrn


def test_limit_defaults_to_50_and_0_means_all(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    active = _active_patients(root)
    assert len(active) > 50
    assert len(_search(root, capsys, "")) == 50
    assert len(_search(root, capsys, "", "--limit", "7")) == 7
    everyone = _search(root, capsys, "", "--limit", "0")
    assert sorted(r[0] for r in everyone) == sorted(p.mrn for p in active)


def test_an_empty_query_lists_patients_alphabetically(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _search(root, capsys, "--limit", "0")
    names = [(family, given) for _, family, given, _ in rows]
    assert names == sorted(names)


def test_a_negative_limit_is_a_usage_error(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--data-dir", str(root), "--user", "lnowak", "patients", "search", "x"]
    code = main([*args, "--limit", "-1"])
    assert code == 2 and "--limit" in capsys.readouterr().err


ONE_PER_ROLE = {u.role: u.username for u in reversed(DEMO_USERS)}


@pytest.mark.parametrize("role", sorted(ONE_PER_ROLE, key=lambda r: r.value))
def test_search_is_refused_exactly_to_roles_without_patient_view(
    root: Path, capsys: pytest.CaptureFixture[str], role: Role
) -> None:
    """Finding a patient is front-desk work; whoever may not see patients gets one line."""
    args = ["--data-dir", str(root), "--user", ONE_PER_ROLE[role], "patients", "search", ""]
    code = main([*args, "--limit", "3"])
    captured = capsys.readouterr()
    if Permission.PATIENT_VIEW in ROLE_PERMISSIONS[role]:
        assert code == 0 and len(captured.out.splitlines()) == 3
    else:
        assert code == 1 and captured.out == "" and captured.err.count("\n") == 1


def test_include_inactive_lists_inactive_records_marked(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    active = _search(root, capsys, "", "--limit", "0")
    everyone = _search(root, capsys, "", "--limit", "0", "--include-inactive")
    assert len(everyone) == N > len(active)
    marked = [row for row in everyone if len(row) == 5]
    assert marked and {row[4] for row in marked} == {"inactive"}
    assert {row[0] for row in everyone} - {row[0] for row in active} == {r[0] for r in marked}
    assert all(len(row) == 4 for row in active)
