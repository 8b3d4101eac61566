"""Practice report rows: counts only, no patient identifiers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """A report's date range (both days included) and an optional provider filter."""

    start: dt.date
    end: dt.date
    provider_id: int | None = None


@dataclass(frozen=True, slots=True)
class NoShowRow:
    """One provider's booked (not cancelled) appointments and no-shows in the period."""

    username: str
    full_name: str
    booked: int
    no_shows: int

    @property
    def rate(self) -> float:
        """100 x no_shows / booked, rounded to one decimal (0.0 with nothing booked)."""
        return round(100 * self.no_shows / self.booked, 1) if self.booked else 0.0


@dataclass(frozen=True, slots=True)
class VisitRow:
    """One provider's visits (appointments attended) and distinct patients in the period."""

    username: str
    full_name: str
    visits: int
    patients: int


@dataclass(frozen=True, slots=True)
class CountRow:
    """A labelled count (a problem prefix, a vaccine, a recall kind, a physician)."""

    label: str
    count: int
    detail: str = ""
    second: int = 0


@dataclass(frozen=True, slots=True)
class ReportTable:
    """A report ready for a table, a chart and CSV: column titles and rows of cells."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str | int | float, ...], ...]
    chart_column: int = 1  # which column the chart draws
