"""Practice reports: choose a report, a date range and a provider; see the table and a
bar chart (QtCharts); save the table as CSV. Counts only, for physicians and the manager."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.insights import ReportPeriod, ReportTable
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.services.insights.tables import REPORTS, to_csv
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.work_services import WorkServices

PROVIDER_FILTERED = ("visits", "no-shows", "new-patients")
MAX_BARS = 25


class ReportsView(QWidget):
    """One report at a time: controls on top, the table beside its chart."""

    def __init__(self, work: WorkServices, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self.setAccessibleName("Practice reports")
        self._work, self._actor, self._ops = work, actor, ops
        self.table_data: ReportTable | None = None
        self.report = QComboBox()
        self.report.setAccessibleName("Report")
        for name, title in REPORTS.items():
            self.report.addItem(title, name)
        today = QDate.currentDate()
        self.start = QDateEdit(today.addMonths(-12))
        self.start.setAccessibleName("From")
        self.end = QDateEdit(today)
        self.end.setAccessibleName("To")
        for d in (self.start, self.end):
            d.setCalendarPopup(True)
            d.setDisplayFormat("MM/dd/yyyy")
        self.provider = QComboBox()
        self.provider.setAccessibleName("Provider")
        self.provider.addItem("All providers", None)
        if actor.can(Permission.SCHEDULE_VIEW):
            for p in ops.run(lambda: work.app.schedule.providers(actor)) or []:
                self.provider.addItem(p.name, p.id)
        self.run_button = QPushButton("&Run")
        self.run_button.clicked.connect(self.run)
        self.csv_button = QPushButton("Save &CSV…")
        self.csv_button.clicked.connect(self.save_csv)
        self.csv_button.setEnabled(False)
        bar = QHBoxLayout()
        for label, w in (
            ("Report", self.report),
            ("From", self.start),
            ("To", self.end),
            ("Provider", self.provider),
        ):
            bar.addWidget(QLabel(label))
            bar.addWidget(w)
        bar.addWidget(self.run_button)
        bar.addWidget(self.csv_button)
        bar.addStretch()
        self.title = QLabel()
        self.title.setObjectName("reportTitle")
        self.grid = QTableWidget()
        self.grid.setAccessibleName("Report table")
        self.grid.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.grid.verticalHeader().hide()
        self.grid.horizontalHeader().setStretchLastSection(True)
        self.chart_view = QChartView()
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumWidth(380)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.grid)
        split.addWidget(self.chart_view)
        split.setSizes([520, 480])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.title)
        layout.addWidget(split, 1)
        self.report.currentIndexChanged.connect(lambda _i: self._filters())
        self._filters()

    def _filters(self) -> None:
        self.provider.setEnabled(self.report.currentData() in PROVIDER_FILTERED)

    def period(self) -> ReportPeriod:
        """The range and provider chosen."""
        provider = self.provider.currentData() if self.provider.isEnabled() else None
        start: dt.date = self.start.date().toPython()  # type: ignore[assignment]
        end: dt.date = self.end.date().toPython()  # type: ignore[assignment]
        return ReportPeriod(start, end, provider)

    def run(self) -> None:
        """Run the chosen report and show it."""
        name, period = self.report.currentData(), self.period()
        table = self._ops.run(lambda: self._work.reports.table(self._actor, name, period))
        if table is None:
            return
        self.table_data = table
        self.title.setText(
            f"<b>{table.title}</b> · {period.start:%m/%d/%Y} to {period.end:%m/%d/%Y}"
        )
        self.grid.clear()
        self.grid.setColumnCount(len(table.columns))
        self.grid.setRowCount(len(table.rows))
        self.grid.setHorizontalHeaderLabels(list(table.columns))
        for r, row in enumerate(table.rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem(str(value))
                if isinstance(value, int | float):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.grid.setItem(r, c, item)
        self.grid.resizeColumnsToContents()
        self.csv_button.setEnabled(True)
        self._draw(table)

    def _draw(self, table: ReportTable) -> None:
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().hide()
        rows = table.rows[:MAX_BARS]
        col = table.chart_column
        bars = QBarSet(table.columns[col])
        values = [float(r[col]) for r in rows]
        bars.append(values)
        series = QBarSeries()
        series.append(bars)
        chart.addSeries(series)
        axis_x = QBarCategoryAxis()
        axis_x.append([str(r[0])[:18] for r in rows])
        axis_x.setLabelsAngle(-45)
        axis_y = QValueAxis()
        axis_y.setRange(0, max(values, default=0) * 1.1 or 1)
        axis_y.setLabelFormat("%.0f")
        axis_y.setTitleText(table.columns[col])
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)
        chart.setTitle(
            table.title if len(table.rows) <= MAX_BARS else f"{table.title} (first {MAX_BARS})"
        )
        self.chart_view.setChart(chart)

    def save_csv(self) -> None:
        """Save the table shown as CSV (named by report and date, never by patient)."""
        if self.table_data is None:
            return
        name = f"report-{self.report.currentData()}-{dt.date.today():%Y-%m-%d}.csv"
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the report", str(Path.home() / name), "CSV (*.csv)"
        )
        if not chosen:
            return
        try:
            Path(chosen).write_text(to_csv(self.table_data), encoding="utf-8")
        except OSError as err:
            QMessageBox.warning(
                self, "Not saved", f"The file could not be written ({err.strerror})."
            )
