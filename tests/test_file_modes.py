"""Files only their user may read (data folder 0700, files 0600, backups and logs too), and
a demo build that a kill leaves restartable."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ADMIN_PASSWORD
from test_foundation_support import log_home, run_cli

from emr_desktop.demo import build
from emr_desktop.services.practice.folder import PracticePaths

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX mode bits")


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual 022 umask, as a user's shell has it."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_practice_folder_its_files_backups_and_logs_are_private(
    loose_umask: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "practice"
    init = ("init", "--practice-name", "Private Clinic", "--admin-user", "admin")
    monkeypatch.setenv("EMR_NEW_PASSWORD", ADMIN_PASSWORD)
    assert run_cli(monkeypatch, root, *init, password=None) == 0
    backup = tmp_path / "b.emrbak"
    pw = ADMIN_PASSWORD
    assert (
        run_cli(monkeypatch, root, "--user", "admin", "backup", "--out", str(backup), password=pw)
        == 0
    )
    assert _mode(root) == 0o700
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files and all(_mode(p) == 0o600 for p in files), {p.name: oct(_mode(p)) for p in files}
    assert _mode(backup) == 0o600
    logs = list(log_home(root).rglob("*.log"))
    assert logs and all(_mode(p) == 0o600 for p in logs)


def test_an_older_folder_is_tightened_when_opened(
    loose_umask: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "practice"
    monkeypatch.setenv("EMR_NEW_PASSWORD", ADMIN_PASSWORD)
    init = ("init", "--practice-name", "Old Clinic", "--admin-user", "admin")
    assert run_cli(monkeypatch, root, *init, password=None) == 0
    os.umask(0o022)
    root.chmod(0o755)
    PracticePaths(root).key.chmod(0o644)
    assert (
        run_cli(monkeypatch, root, "--user", "admin", "users", "list", password=ADMIN_PASSWORD) == 0
    )
    assert _mode(root) == 0o700 and _mode(PracticePaths(root).key) == 0o600


def test_a_demo_killed_while_generating_leaves_no_practice_and_runs_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMR_NO_KEYRING", "1")
    root = tmp_path / "demo"
    import emr_desktop.demo.populate as populate

    real = populate.populate

    def killed(*args: object, **kw: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(populate, "populate", killed)
    with pytest.raises(KeyboardInterrupt):
        build.create_demo_practice(root, patients=3)
    assert not PracticePaths(root).exists() and not PracticePaths(root).db.exists()
    monkeypatch.setattr(populate, "populate", real)
    db = build.create_demo_practice(root, patients=3)
    try:
        assert PracticePaths(root).exists()
        assert not list(tmp_path.glob(".*demo-building"))
    finally:
        db.dispose()
