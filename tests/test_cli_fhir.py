"""emr-admin export fhir and emr-admin import fhir, run as a user would run them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PASSPHRASE, STAFF_PASSWORD, Practice, make_practice
from sqlalchemy import select
from test_fhir_export import DOCTOR, Chart, make_rich_chart, resources

from emr_desktop.cli import main
from emr_desktop.domain.security import Role
from emr_desktop.models import Patient


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chart]:
    """A practice holding the rich chart (and its physician and receptionist)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMR_NO_KEYRING", "1")
        practice = make_practice(tmp_path_factory.mktemp("cli-fhir") / "practice")
    yield make_rich_chart(practice)
    practice.db.dispose()


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EMR_PASSWORD", STAFF_PASSWORD)
    monkeypatch.setenv("EMR_DB_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # logs stay in the sandbox


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_export_one_chart_and_import_it_into_another_practice(
    source: Chart, practice: Practice, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"{source.mrn}.json"
    root = str(source.practice.root)
    code, printed, err = _run(
        capsys, "--data-dir", root, "--user", DOCTOR, "export", "fhir", "--patient", source.mrn,
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert f"Wrote {out}" in printed and err == ""  # no progress line off a terminal
    (patient,) = resources(json.loads(out.read_bytes()), "Patient")
    assert patient["identifier"][0]["value"] == source.mrn

    practice.add_user(DOCTOR, Role.PHYSICIAN)
    target = str(practice.root)
    code, printed, err = _run(
        capsys, "--data-dir", target, "import", "fhir", str(out), "--user", DOCTOR
    )
    assert code == 0, err
    lines = printed.splitlines()
    assert lines[0].startswith(f"{out.name}: new patient MRN ")
    assert "4 problems" in lines[0] and "2 visits" in lines[0]
    assert lines[-1] == "1 files: 1 new patients, 0 matched, 0 failed"
    with practice.db.unit_of_work() as s:
        (imported,) = s.scalars(select(Patient)).all()
        assert imported.family_name == "Łukasiewicz-Núñez"

    code, printed, _ = _run(
        capsys, "--data-dir", target, "--user", DOCTOR, "import", "fhir", str(out)
    )
    assert code == 0
    assert f"matched existing patient MRN {imported.mrn}; added nothing" in printed
    assert "already in the chart:" in printed


def test_export_all_writes_one_file_per_patient_named_by_mrn(
    source: Chart, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "bundles"
    root = str(source.practice.root)
    code, printed, err = _run(
        capsys,
        "--data-dir",
        root,
        "--user",
        DOCTOR,
        "export",
        "fhir",
        "--all",
        "--out",
        str(folder),
    )
    assert code == 0, err
    names = sorted(p.name for p in folder.iterdir())
    assert f"{source.mrn}.json" in names
    assert printed.strip() == f"Wrote {len(names)} FHIR bundles to {folder}"


def test_receptionist_cannot_export_and_a_broken_file_fails_the_import(
    source: Chart, practice: Practice, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(source.practice.root)
    code, _, err = _run(
        capsys, "--data-dir", root, "--user", "frontdesk", "export", "fhir", "--patient",
        source.mrn, "--out", str(tmp_path / "x.json"),
    )  # fmt: skip
    assert code == 1 and "not allowed" in err and not (tmp_path / "x.json").exists()

    practice.add_user(DOCTOR, Role.PHYSICIAN)
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle", "entry": []}')
    code, printed, _ = _run(
        capsys, "--data-dir", str(practice.root), "--user", DOCTOR, "import", "fhir", str(bad)
    )
    assert code == 1
    assert "bad.json: FAILED, nothing imported: bundle: holds 0 patients" in printed
    code, _, err = _run(
        capsys, "--data-dir", str(practice.root), "--user", DOCTOR, "import", "fhir",
        str(tmp_path / "missing.json"),
    )  # fmt: skip
    assert code == 2 and "No such file" in err
