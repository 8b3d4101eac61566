"""Geometry of the appointment grid: columns, time rows, lanes for overlaps (no painting)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.domain.schedule import BlockRow, DayView, HoursRow, WeekView

HEADER_H = 40
GUTTER_W = 58
MIN_COL_W = 120
ROW_PX = 24  # one slot's height at 15-minute slots and longer
DEFAULT_START_H, DEFAULT_END_H = 8, 18


@dataclass(frozen=True, slots=True)
class GridColumn:
    """One column of the grid: a provider on a day (day view) or a day (week view)."""

    provider_id: int
    day: dt.date
    title: str
    subtitle: str
    hours: tuple[tuple[dt.datetime, dt.datetime], ...]  # open spans
    blocks: tuple[BlockRow, ...]
    appointments: tuple[AppointmentRow, ...]


@dataclass(frozen=True, slots=True)
class Placed:
    """An appointment with its lane among the appointments it overlaps."""

    appointment: AppointmentRow
    column: int
    lane: int
    lanes: int


def _open_spans(
    day: dt.date, hours: Sequence[HoursRow], provider_id: int
) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """The provider's open spans that day (a day may be split, e.g. around lunch)."""
    return tuple(
        (dt.datetime.combine(day, h.start), dt.datetime.combine(day, h.end))
        for h in sorted(hours, key=lambda h: h.start)
        if h.provider_id == provider_id and h.weekday == day.weekday()
    )


def _blocks_on(blocks: Sequence[BlockRow], provider_id: int, day: dt.date) -> tuple[BlockRow, ...]:
    start = dt.datetime.combine(day, dt.time())
    end = start + dt.timedelta(days=1)
    return tuple(
        b
        for b in blocks
        if b.provider_id in (None, provider_id) and b.start_at < end and b.end_at > start
    )


def changed_patients(old: DayView | WeekView | None, new: DayView | WeekView) -> set[int]:
    """Patients whose appointments differ between two loads of the same view."""
    if old is None:
        return set()
    before, after = set(old.appointments), set(new.appointments)
    return {a.patient_id for a in before ^ after}


def day_columns(view: DayView) -> list[GridColumn]:
    """One column per provider of a day view."""
    return [
        GridColumn(
            provider_id=p.id,
            day=view.day,
            title=p.name,
            subtitle=p.credentials if p.active else "disabled · rebook these",
            hours=_open_spans(view.day, view.hours, p.id),
            blocks=_blocks_on(view.blocked, p.id, view.day),
            appointments=view.for_provider(p.id),
        )
        for p in view.providers
    ]


def week_columns(view: WeekView) -> list[GridColumn]:
    """One column per day of one provider's week."""
    out = []
    for day in view.days:
        start = dt.datetime.combine(day, dt.time())
        end = start + dt.timedelta(days=1)
        out.append(
            GridColumn(
                provider_id=view.provider.id,
                day=day,
                title=f"{day:%a} {day.month}/{day.day}",
                subtitle="today" if day == dt.date.today() else "",
                hours=_open_spans(day, view.hours, view.provider.id),
                blocks=_blocks_on(view.blocked, view.provider.id, day),
                appointments=tuple(
                    a for a in view.appointments if a.start_at < end and a.end_at > start
                ),
            )
        )
    return out


def place(columns: Sequence[GridColumn], *, show_cancelled: bool) -> list[Placed]:
    """Every shown appointment with a lane, so overlapping ones share their column's width."""
    out: list[Placed] = []
    for index, column in enumerate(columns):
        shown = sorted(
            (
                a
                for a in column.appointments
                if show_cancelled or a.status is not AppointmentStatus.CANCELLED
            ),
            key=lambda a: (a.start_at, a.id),
        )
        cluster: list[tuple[AppointmentRow, int]] = []
        lane_ends: list[dt.datetime] = []
        cluster_end: dt.datetime | None = None
        for a in shown:
            if cluster_end is not None and a.start_at >= cluster_end:
                out.extend(Placed(c, index, lane, len(lane_ends)) for c, lane in cluster)
                cluster, lane_ends = [], []
            lane = next((i for i, end in enumerate(lane_ends) if end <= a.start_at), None)
            if lane is None:
                lane = len(lane_ends)
                lane_ends.append(a.end_at)
            else:
                lane_ends[lane] = a.end_at
            cluster.append((a, lane))
            cluster_end = a.end_at if cluster_end is None else max(cluster_end, a.end_at)
        out.extend(Placed(c, index, lane, len(lane_ends)) for c, lane in cluster)
    return out


@dataclass(frozen=True, slots=True)
class Geometry:
    """Where times and columns are, in content pixels (the body, below the header)."""

    start_min: int  # minutes after midnight at the top of the body
    end_min: int
    slot: int
    px_per_min: float
    columns: int
    col_w: float

    @classmethod
    def fit(cls, columns: Sequence[GridColumn], slot: int, width: int) -> Geometry:
        """A geometry showing every column's hours and appointments, columns filling ``width``."""
        first, last = DEFAULT_START_H * 60, DEFAULT_END_H * 60
        for c in columns:
            midnight = dt.datetime.combine(c.day, dt.time())
            spans = [*c.hours, *((a.start_at, a.end_at) for a in c.appointments)]
            for start, end in spans:
                first = min(first, max(0, int((start - midnight).total_seconds() // 60)))
                last = max(last, min(24 * 60, math.ceil((end - midnight).total_seconds() / 60)))
        first, last = first // 60 * 60, min(24 * 60, math.ceil(last / 60) * 60)
        px = max(ROW_PX / 15, 20 / slot)  # a 15-minute visit always gets room for a line
        n = max(1, len(columns))
        col_w = max(float(MIN_COL_W), (width - GUTTER_W) / n)
        return cls(first, last, slot, px, len(columns), col_w)

    @property
    def body_h(self) -> int:
        """The height of the time rows."""
        return math.ceil((self.end_min - self.start_min) * self.px_per_min)

    @property
    def body_w(self) -> int:
        """The width of the columns together."""
        return math.ceil(self.col_w * self.columns)

    def y(self, minute: float) -> float:
        """Content y of a minute after midnight."""
        return (minute - self.start_min) * self.px_per_min

    def y_of(self, when: dt.datetime, day: dt.date) -> float:
        """Content y of a time, relative to the column's day (clamped to the day)."""
        minutes = (when - dt.datetime.combine(day, dt.time())).total_seconds() / 60
        return self.y(min(max(minutes, self.start_min), self.end_min))

    def minute_at(self, y: float) -> int:
        """The slot start (minutes after midnight) at content y."""
        raw = self.start_min + y / self.px_per_min
        snapped = int(raw // self.slot * self.slot)
        return min(max(snapped, self.start_min), self.end_min - self.slot)

    def snap(self, minutes: float) -> int:
        """A length or offset in minutes rounded to the nearest slot."""
        return int(round(minutes / self.slot) * self.slot)

    def column_at(self, x: float) -> int | None:
        """The column index at content x (None outside)."""
        if x < 0 or self.columns == 0:
            return None
        index = int(x // self.col_w)
        return index if index < self.columns else None

    def column_x(self, index: int) -> float:
        """Content x of a column's left edge."""
        return index * self.col_w

    def block_rect(self, p: Placed, day: dt.date) -> tuple[float, float, float, float]:
        """x, y, w, h of an appointment block in content pixels."""
        a = p.appointment
        lane_w = (self.col_w - 6) / p.lanes
        x = self.column_x(p.column) + 2 + p.lane * lane_w
        top = self.y_of(a.start_at, day)
        bottom = self.y_of(a.end_at, day)
        return x, top + 1, lane_w - 1, max(bottom - top - 2, 8.0)


@dataclass
class Drag:
    """A move or resize in progress: what is dragged and where it would land (snapped)."""

    placed: Placed
    resize: bool
    press: tuple[float, float]  # viewport x, y of the press
    grab_min: float  # minutes between the block's start and the press
    started: bool = False
    column: int = 0
    start: dt.datetime | None = None
    duration: int = 0

    def follow(self, g: Geometry, columns: Sequence[GridColumn], x: float, y: float) -> None:
        """Update the landing place for the mouse at content (x, y), snapped to slots."""
        a = self.placed.appointment
        raw = g.start_min + y / g.px_per_min
        if self.resize:
            start_min = a.start_at.hour * 60 + a.start_at.minute
            end = max(start_min + g.slot, g.snap(raw))
            self.column, self.start = self.placed.column, a.start_at
            self.duration = max(5, min(480, end - start_min))
            return
        col = g.column_at(x)
        self.column = self.column if col is None else col
        start_min = min(max(g.snap(raw - self.grab_min), 0), 24 * 60 - g.slot)
        midnight = dt.datetime.combine(columns[self.column].day, dt.time())
        self.start = midnight + dt.timedelta(minutes=start_min)
        self.duration = a.duration_min
