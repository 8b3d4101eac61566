"""CDC CVX vaccine codes (``resources/reference/cvx.csv``): a curated common subset."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from emr_desktop.reference.drugs import read_reference_rows, reference_file

_COLUMNS = ("cvx", "short_name", "full_name", "status")
_STATUSES = {"active": True, "inactive": False}


@dataclass(frozen=True, slots=True)
class Vaccine:
    """A CVX code with CDC's short and full names; ``active`` is False for historical codes."""

    cvx: str
    short_name: str
    full_name: str
    active: bool


def normalize_cvx(code: str) -> str:
    """The canonical spelling of a CVX code: digits, at least two wide ("3" -> "03")."""
    digits = code.strip()
    return digits.zfill(2) if digits.isdigit() else digits


def load_vaccines(path: Path) -> tuple[Vaccine, ...]:
    """Read and validate a CVX CSV (the columns of ``cvx.csv``)."""
    vaccines: list[Vaccine] = []
    for line, row in read_reference_rows(path, _COLUMNS):
        where = f"{path.name}:{line}"
        if not row["cvx"].isdigit():
            raise ValueError(f"{where}: CVX code {row['cvx']!r} is not numeric")
        if row["status"] not in _STATUSES:
            raise ValueError(f"{where}: status must be active or inactive")
        vaccines.append(
            Vaccine(
                cvx=normalize_cvx(row["cvx"]),
                short_name=row["short_name"],
                full_name=row["full_name"],
                active=_STATUSES[row["status"]],
            )
        )
    return tuple(vaccines)


@cache
def vaccines() -> tuple[Vaccine, ...]:
    """The bundled CVX codes in file order, read once on first use."""
    return load_vaccines(reference_file("cvx.csv"))


@cache
def _by_code() -> dict[str, Vaccine]:
    return {v.cvx: v for v in vaccines()}


def vaccine(cvx: str) -> Vaccine | None:
    """The vaccine with this CVX code ("3" and "03" both work), or None."""
    return _by_code().get(normalize_cvx(cvx))
