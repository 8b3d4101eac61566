"""A small trend graph over time: one or more line series on a date axis, palette-aware."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCharts import QChart, QChartView, QDateTimeAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QDateTime, QPointF, Qt
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QWidget

Point = tuple[dt.datetime, float]


def value_range(low: float, high: float) -> tuple[float, float]:
    """The value axis for points from ``low`` to ``high``: a little room either side, in
    proportion to the values (creatinine 0.9-1.1 is not drawn from -1), never below zero
    for values that are not."""
    pad = max((high - low) * 0.1, abs(high) * 0.05) or (abs(high) * 0.1 or 1.0)
    bottom = low - pad
    if low >= 0 > bottom:
        bottom = 0.0
    return bottom, high + pad


@dataclass(frozen=True)
class Line:
    """One named series of (time, value) points; dashed lines mark reference limits."""

    name: str
    points: Sequence[Point]
    dashed: bool = False


def _ms(when: dt.datetime) -> float:
    return when.timestamp() * 1000.0


class TrendChart(QChartView):
    """A line chart of values over time; follows the OS palette (light or dark)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(220)
        self.lines: list[QLineSeries] = []
        self._chart = self._new_chart()

    def _new_chart(self) -> QChart:
        # A fresh chart per graph: QChart.removeAxis leaves stale axis items painted behind.
        old = self.chart()
        chart = QChart()
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self._chart = chart
        self.setChart(chart)
        if old is not None:
            old.deleteLater()
        self._apply_palette()
        return chart

    def _apply_palette(self) -> None:
        palette = self.palette()
        dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
        theme = QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight
        self._chart.setTheme(theme)
        # The theme's own background clashes with the window; use the palette's instead.
        self._chart.setBackgroundBrush(palette.color(QPalette.ColorRole.Base))
        self._chart.setBackgroundRoundness(0)
        text = palette.color(QPalette.ColorRole.Text)
        self._chart.setTitleBrush(text)
        self._chart.legend().setLabelColor(text)
        self.setBackgroundBrush(palette.color(QPalette.ColorRole.Window))

    def show_lines(
        self, lines: Sequence[Line], *, y_title: str = "", title: str = "", empty: str = ""
    ) -> None:
        """Replace the graph with ``lines``; shows ``empty`` as the title when no points."""
        chart = self._new_chart()
        self.lines = []
        points = [p for line in lines for p in line.points]
        chart.setTitle(title if points else empty)
        if not points:
            return
        x_axis = QDateTimeAxis()
        first = min(p[0] for p in points)
        last = max(p[0] for p in points)
        if last == first:
            first, last = first - dt.timedelta(days=1), last + dt.timedelta(days=1)
        span_days = (last - first).days
        x_axis.setFormat("MM/yyyy" if span_days > 120 else "MM/dd/yy")
        x_axis.setTickCount(6 if span_days > 1 else 3)
        x_axis.setRange(
            QDateTime.fromMSecsSinceEpoch(int(_ms(first))),
            QDateTime.fromMSecsSinceEpoch(int(_ms(last))),
        )
        y_axis = QValueAxis()
        low = min(p[1] for p in points)
        high = max(p[1] for p in points)
        y_axis.setRange(*value_range(low, high))
        y_axis.applyNiceNumbers()
        if low >= 0 > y_axis.min():  # nice numbers never take a creatinine below zero
            y_axis.setMin(0)
        y_axis.setLabelFormat("%g")
        y_axis.setTitleText(y_title)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        for line in lines:
            series = QLineSeries()
            series.setName(line.name)
            series.replace([QPointF(_ms(when), value) for when, value in line.points])
            chart.addSeries(series)
            series.attachAxis(x_axis)
            series.attachAxis(y_axis)
            if line.dashed:
                # Limits are scenery, not data: thin, dashed, in the palette's muted text.
                pen = QPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
                pen.setStyle(Qt.PenStyle.DashLine)
                pen.setWidthF(1.2)
                series.setPen(pen)
            else:
                series.setPointsVisible(len(line.points) <= 60)
            self.lines.append(series)

    def point_count(self, name: str) -> int:
        """How many points the series called ``name`` shows (0 if none)."""
        return next((s.count() for s in self.lines if s.name() == name), 0)
