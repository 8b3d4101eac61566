"""emr-admin billing on the demo practice, in the exact forms the issue gives: `billing
fees`, `billing ledger --patient MRN`, `export pdf --kind statement|superbill`; plus the
statement batch and the reports."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from pypdf import PdfReader

from emr_desktop.cli import main
from emr_desktop.demo.build import DEMO_PASSPHRASE, DEMO_PASSWORD

N = 40


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A small demo practice made by ``emr-admin demo``."""
    folder = tmp_path_factory.mktemp("billing-cli") / "practice"
    with pytest.MonkeyPatch.context() as mp:
        for var in ("EMR_DATA_DIR", "EMR_PASSWORD", "EMR_NEW_PASSWORD", "EMR_DB_PASSPHRASE"):
            mp.delenv(var, raising=False)
        mp.setenv("XDG_STATE_HOME", str(folder.parent / "state"))
        previous = keyring.get_keyring()
        keyring.set_keyring(fail.Keyring())
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(["--data-dir", str(folder), "demo", "--patients", str(N)]) == 0
            yield folder
        finally:
            keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def _demo_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EMR_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("EMR_DB_PASSPHRASE", DEMO_PASSPHRASE)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def _run(
    root: Path, capsys: pytest.CaptureFixture[str], user: str, *args: str
) -> tuple[int, str, str]:
    code = main(["--data-dir", str(root), "--user", user, *args])
    got = capsys.readouterr()
    return code, got.out, got.err


def _mrns(root: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    code, out, _ = _run(root, capsys, "lnowak", "patients", "search", "", "--limit", "0")
    assert code == 0
    return [line.split("\t")[0] for line in out.splitlines()]


def _ledger(root: Path, capsys: pytest.CaptureFixture[str], mrn: str) -> list[list[str]]:
    code, out, err = _run(root, capsys, "lnowak", "billing", "ledger", "--patient", mrn)
    assert code == 0, err
    return [line.split("\t") for line in out.splitlines()]


def _adds_up(rows: list[list[str]]) -> Decimal:
    total = Decimal(0)
    *entries, last = rows
    for day, kind, _code, amount in entries:
        assert len(day) == 10 and kind in ("charge", "payment", "adjustment")
        value = Decimal(amount)
        total += -value if kind == "payment" else value
    assert last[0] == "balance" and Decimal(last[1]) == total
    return total


def test_fees_print_code_description_price(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(root, capsys, "admin", "billing", "fees")
    rows = [line.split("\t") for line in out.splitlines()]
    assert code == 0 and len(rows) >= 5
    assert all(len(r) == 3 and Decimal(r[2]) >= 0 for r in rows)
    assert ["OV-EST", "Established patient office visit", "125.00"] in rows


def test_every_ledger_adds_up_and_the_demo_has_a_mix_of_balances(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    balances = [_adds_up(_ledger(root, capsys, mrn)) for mrn in _mrns(root, capsys)]
    assert any(b == 0 for b in balances) and any(b > 0 for b in balances)


def test_the_statement_shows_the_balance_two_identifiers_and_page_x_of_y(
    root: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mrn = next(m for m in _mrns(root, capsys) if _adds_up(_ledger(root, capsys, m)) > 0)
    balance = _adds_up(_ledger(root, capsys, mrn))
    out = tmp_path / "s.pdf"
    code, _, err = _run(
        root,
        capsys,
        "lnowak",
        "export",
        "pdf",
        "--patient",
        mrn,
        "--kind",
        "statement",
        "--out",
        str(out),
    )
    assert code == 0, err
    reader = PdfReader(out)
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert f"{balance:,.2f}" in text and mrn in text
    assert f"Page 1 of {len(reader.pages)}" in text


def test_superbill_defaults_to_the_latest_coded_visit(
    root: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mrn = next(m for m in _mrns(root, capsys) if len(_ledger(root, capsys, m)) > 1)
    out = tmp_path / "b.pdf"
    args = ["export", "pdf", "--patient", mrn, "--kind", "superbill", "--out", str(out)]
    code, _, err = _run(root, capsys, "drokafor", *args)
    assert code == 0, err
    text = PdfReader(out).pages[0].extract_text()
    assert "Superbill" in text and mrn in text and "Total" in text
    code, _, err = _run(
        root, capsys, "lnowak", *args[:-2], "--visit", "1", "--kind", "statement", "--out", str(out)
    )
    assert code == 2 and err.count("\n") == 1


def test_the_nurse_sees_nothing_of_billing(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mrn = _mrns(root, capsys)[0]
    code, out, err = _run(root, capsys, "nraman", "billing", "ledger", "--patient", mrn)
    assert code == 1 and out == "" and err.count("\n") == 1 and "not allowed" in err


def test_statements_batch_and_reports_as_csv(
    root: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pdf = tmp_path / "all.pdf"
    code, out, err = _run(
        root, capsys, "lnowak", "billing", "statements", "--above", "0", "--out", str(pdf)
    )
    assert code == 0, err
    owing = [m for m in _mrns(root, capsys) if _adds_up(_ledger(root, capsys, m)) > 0]
    assert len(PdfReader(pdf).pages) >= len(owing)
    aging = tmp_path / "aging.csv"
    code, out, err = _run(root, capsys, "lnowak", "billing", "report", "aging", "--csv", str(aging))
    assert code == 0, err
    lines = aging.read_text().splitlines()
    assert lines[0] == "mrn,name,0-30,31-60,61-90,90+,total" and len(lines) == len(owing) + 1
    for report in ("takings", "charges"):
        code, out, err = _run(
            root, capsys, "admin", "billing", "report", report, "--from", "2000-01-01"
        )
        assert code == 0, err
        assert out.splitlines()[0].startswith(("method,", "provider,"))
    code, _, err = _run(
        root, capsys, "lnowak", "billing", "statements", "--above", "abc", "--out", str(pdf)
    )
    assert code == 1 and "threshold" in err
