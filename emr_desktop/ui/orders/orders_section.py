"""The chart's Orders tab: the patient's lab orders (pending, overdue, resulted), their
results with review state, and the history of tasks and recalls (done ones included)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.orders import OrderRow, OrderStatus, RecallRow, ResultRow, TaskRow
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.ui.chart.section_kit import make_table, selected
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel
from emr_desktop.ui.work_services import WorkServices, save_pdf

ORDER_COLUMNS: tuple[Column[OrderRow], ...] = (
    Column("Ordered", lambda o: f"{o.ordered_at.astimezone():%m/%d/%Y}", lambda o: o.ordered_at),
    Column("Tests", lambda o: ", ".join(t.name for t in o.tests)),
    Column("Diagnosis", lambda o: ", ".join(o.diagnosis_codes)),
    Column("Ordered by", lambda o: o.ordering_provider),
    Column(
        "Status",
        lambda o: "overdue" if o.overdue else o.status.value,
        warn=lambda o: o.overdue,
        strike=lambda o: o.status is OrderStatus.CANCELLED,
    ),
)
RESULT_COLUMNS: tuple[Column[ResultRow], ...] = (
    Column("Collected", lambda r: f"{r.collected_at.astimezone():%m/%d/%Y}"),
    Column("Test", lambda r: r.name),
    Column(
        "Result", lambda r: f"{r.shown_value} {r.unit}".strip(), warn=lambda r: r.flag.value != "N"
    ),
    Column("Range", lambda r: r.range_text),
    Column(
        "Flag",
        lambda r: "" if r.flag.value == "N" else r.flag.value,
        warn=lambda r: r.flag.value != "N",
    ),
    Column("Review", lambda r: f"signed by {r.signed_by}" if r.signed_by else "waiting"),
    Column("Comment", lambda r: r.comment),
)
TASK_COLUMNS: tuple[Column[TaskRow], ...] = (
    Column("Task", lambda t: t.title),
    Column("For", lambda t: t.assignee),
    Column("Status", lambda t: t.status.value, strike=lambda t: t.status.value != "open"),
)
RECALL_COLUMNS: tuple[Column[RecallRow], ...] = (
    Column("Due for", lambda r: r.what),
    Column("Due", lambda r: f"{r.due_on:%m/%d/%Y}"),
    Column("Status", lambda r: r.status.value, strike=lambda r: r.status.value != "open"),
)


class OrdersSection(QWidget):
    """Orders and results of one patient (the chart's banner names them above)."""

    title = "Orders"

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self._services, self._actor, self.patient_id, self._ops = services, actor, patient_id, ops
        self.work = WorkServices(services)
        self.orders: DtoTableModel[OrderRow] = DtoTableModel(ORDER_COLUMNS)
        self.order_table = make_table(self.orders, "Lab orders", 1)
        self.results: DtoTableModel[ResultRow] = DtoTableModel(RESULT_COLUMNS)
        self.result_table = make_table(self.results, "Results of orders", 6)
        self.tasks: DtoTableModel[TaskRow] = DtoTableModel(TASK_COLUMNS)
        self.recalls: DtoTableModel[RecallRow] = DtoTableModel(RECALL_COLUMNS)
        self.buttons = {
            "order": QPushButton("&Order labs…"),
            "requisition": QPushButton("&Requisition PDF…"),
            "results": QPushButton("&Enter results…"),
            "cancel": QPushButton("Ca&ncel order…"),
        }
        self.buttons["order"].clicked.connect(self.order_labs)
        self.buttons["requisition"].clicked.connect(self.requisition)
        self.buttons["results"].clicked.connect(self.enter_results)
        self.buttons["cancel"].clicked.connect(self.cancel)
        self.buttons["order"].setVisible(actor.can(Permission.ORDER_PLACE))
        self.buttons["requisition"].setVisible(actor.can(Permission.ORDER_PLACE))
        self.buttons["cancel"].setVisible(actor.can(Permission.ORDER_PLACE))
        self.buttons["results"].setVisible(actor.can(Permission.RESULT_RECORD))
        bar = QHBoxLayout()
        for b in self.buttons.values():
            bar.addWidget(b)
        bar.addStretch()
        history = QWidget()
        h = QHBoxLayout(history)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(make_table(self.tasks, "Tasks about this patient", 0))
        h.addWidget(make_table(self.recalls, "Recalls of this patient", 0))
        split = QSplitter(Qt.Orientation.Vertical)
        for label, widget in (
            ("Lab orders", self.order_table),
            ("Results", self.result_table),
            ("Tasks and recalls (history)", history),
        ):
            box = QWidget()
            v = QVBoxLayout(box)
            v.setContentsMargins(0, 0, 0, 0)
            v.addWidget(QLabel(f"<b>{label}</b>"))
            v.addWidget(widget)
            split.addWidget(box)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.order_table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        ops.data_changed.connect(self._on_changed)
        self.refresh()

    def _on_changed(self, what: str) -> None:
        if what in (f"chart:{self.patient_id}", "results", "tasks", "recalls", "schedule"):
            self.refresh()

    def refresh(self) -> None:
        """Reload orders, results (audited as viewed) and the history."""
        w, a, pid = self.work, self._actor, self.patient_id
        self.orders.set_rows(self._ops.run(lambda: w.orders.for_patient(a, pid)) or [])
        self.results.set_rows(self._ops.run(lambda: w.results.for_patient(a, pid)) or [])
        if a.can(Permission.TASK_MANAGE):
            self.tasks.set_rows(self._ops.run(lambda: w.tasks.for_patient(a, pid)) or [])
        if a.can(Permission.RECALL_WORK):
            self.recalls.set_rows(self._ops.run(lambda: w.recalls.for_patient(a, pid)) or [])
        self._enable()

    def _enable(self) -> None:
        order = selected(self.order_table, self.orders)
        open_ = order is not None and order.status in (OrderStatus.PENDING, OrderStatus.PARTIAL)
        self.buttons["requisition"].setEnabled(order is not None)
        self.buttons["results"].setEnabled(open_)
        self.buttons["cancel"].setEnabled(order is not None and order.status is OrderStatus.PENDING)

    def order_labs(self) -> None:
        """Open the order form."""
        from emr_desktop.ui.orders.order_dialogs import OrderDialog

        problems = self._ops.run(
            lambda: self._services.problems.list(
                self._actor, self.patient_id, include_resolved=False
            )
        )
        OrderDialog(self.work, self._actor, self._ops, self.patient_id, problems or [], self).open()

    def enter_results(self) -> None:
        """Open the results form of the selected order."""
        from emr_desktop.ui.orders.order_dialogs import ResultsDialog

        order = selected(self.order_table, self.orders)
        if order is not None:
            ResultsDialog(self.work, self._actor, self._ops, order, self).open()

    def requisition(self) -> None:
        """Make the requisition PDF (audited) and save it, named by MRN and order."""
        order = selected(self.order_table, self.orders)
        if order is None:
            return
        data = self._ops.run(lambda: self.work.orders.requisition(self._actor, order.id))
        if data is not None:
            save_pdf(self, "Save the requisition", f"requisition-{order.mrn}-{order.id}.pdf", data)

    def cancel(self) -> None:
        """Cancel the selected order, with a reason."""
        order = selected(self.order_table, self.orders)
        if order is None:
            return
        reason, ok = QInputDialog.getText(self, "Cancel order", "Why is the order cancelled?")
        if ok:
            self._ops.run(
                lambda: self.work.orders.cancel(self._actor, order.id, reason),
                changes=f"chart:{self.patient_id}",
            )
