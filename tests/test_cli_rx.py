"""emr-admin rx check, run as a user would run it: the exact form and output contract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import PASSPHRASE, STAFF_PASSWORD, Practice

from emr_desktop.cli import main
from emr_desktop.domain.clinical import MedicationSource, MedicationStatus, Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Role
from emr_desktop.models import Medication, Patient
from emr_desktop.services.patients.registry import PatientService


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EMR_PASSWORD", STAFF_PASSWORD)
    monkeypatch.setenv("EMR_DB_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _patient_on_simvastatin(practice: Practice) -> str:
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    data = PatientInput("Ada", "Stone", dt.date(1970, 3, 4), Sex.FEMALE)
    pid = PatientService(practice.db).register(desk, data, confirm_not_duplicate=True).id
    with practice.db.unit_of_work() as s:
        patient = s.get(Patient, pid)
        assert patient is not None
        patient.no_known_allergies = True
        s.add(
            Medication(
                patient_id=pid,
                drug_name="Simvistatin 10 MG",
                source=MedicationSource.REPORTED,
                status=MedicationStatus.ACTIVE,
            )
        )
        return patient.mrn


def test_rx_check_prints_one_tsv_line_per_alert(
    practice: Practice, capsys: pytest.CaptureFixture[str]
) -> None:
    practice.add_user("drgrey", Role.PHYSICIAN)
    practice.add_user("nurse", Role.NURSE)
    mrn = _patient_on_simvastatin(practice)
    root = str(practice.root)
    base = ["--data-dir", root, "--user", "drgrey", "rx", "check", "--patient", mrn]
    code, out, err = _run(capsys, *base, "--drug", "clarithromycin 500 mg")
    assert code == 0, err
    lines = [line.split("\t") for line in out.splitlines()]
    assert ["contraindicated", "drug-drug"] in [line[:2] for line in lines]
    assert all(len(line) == 3 for line in lines)

    code, out, err = _run(capsys, *base, "--drug", "lisinopril", "--dose-mg", "10", "--times", "1")
    assert (code, out, err) == (0, "", "")

    code, out, _ = _run(
        capsys, *base, "--drug", "methotrexate", "--dose-mg", "10", "--times", "1", "--per", "day"
    )
    assert out.startswith("contraindicated\tdose\t")
    code, out, _ = _run(
        capsys, *base, "--drug", "methotrexate", "--dose-mg", "10", "--times", "1", "--per", "week"
    )
    assert code == 0 and out == ""


def test_rx_check_refusals_are_one_sentence(
    practice: Practice, capsys: pytest.CaptureFixture[str]
) -> None:
    practice.add_user("drgrey", Role.PHYSICIAN)
    practice.add_user("nurse", Role.NURSE)
    mrn = _patient_on_simvastatin(practice)
    root = str(practice.root)
    code, out, err = _run(
        capsys, "--data-dir", root, "--user", "nurse", "rx", "check", "--patient", mrn,
        "--drug", "warfarin",
    )  # fmt: skip
    assert code == 1 and out == "" and err.count("\n") == 1 and "unexpected" not in err
    code, out, err = _run(
        capsys, "--data-dir", root, "--user", "drgrey", "rx", "check", "--patient", mrn,
        "--drug", "warfarin", "--dose-mg", "lots", "--times", "x",
    )  # fmt: skip
    assert code == 1 and "dose-mg" in err and "times" in err and err.count("\n") == 1
    code, _, err = _run(
        capsys, "--data-dir", root, "--user", "drgrey", "rx", "check", "--patient", "999",
        "--drug", "warfarin",
    )  # fmt: skip
    assert code == 1 and "999" in err
    with pytest.raises(SystemExit) as usage:
        main(["--data-dir", root, "--user", "drgrey", "rx", "check", "--patient", mrn,
              "--drug", "warfarin", "--per", "month"])  # fmt: skip
    assert usage.value.code == 2
