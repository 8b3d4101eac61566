"""The services of issue 20's screens (orders, results, inbox, tasks, recalls, reports),
made once per workspace over the practice's database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emr_desktop.services.insights.tables import PracticeReports
from emr_desktop.services.orders.orders import OrderService
from emr_desktop.services.orders.results import ResultService
from emr_desktop.services.recalls.service import RecallService
from emr_desktop.services.worklist.inbox import InboxService
from emr_desktop.services.worklist.tasks import TaskService
from emr_desktop.ui.context import Services


@dataclass
class WorkServices:
    """Orders, results, inbox, tasks, recalls and reports, beside the app's Services."""

    app: Services = field(repr=False)
    orders: OrderService = field(init=False)
    results: ResultService = field(init=False)
    inbox: InboxService = field(init=False)
    tasks: TaskService = field(init=False)
    recalls: RecallService = field(init=False)
    reports: PracticeReports = field(init=False)

    def __post_init__(self) -> None:
        db: Any = self.app.db
        self.orders = OrderService(db)
        self.results = ResultService(db)
        self.inbox = InboxService(db)
        self.tasks = TaskService(db)
        self.recalls = RecallService(db)
        self.reports = PracticeReports(db)


def patient_line(name: str, birth: object, mrn: str) -> str:
    """The two identifiers every one-patient window shows: name, date of birth, MRN."""
    from emr_desktop.domain.display import date_text

    return f"{name} · DOB {date_text(birth)} · MRN {mrn}"  # type: ignore[arg-type]


def save_pdf(parent: object, title: str, default_name: str, data: bytes) -> bool:
    """Ask where to save a PDF (named by MRN or date, never by patient name) and write it."""
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

    assert isinstance(parent, QWidget)
    chosen, _ = QFileDialog.getSaveFileName(
        parent, title, str(Path.home() / default_name), "PDF documents (*.pdf)"
    )
    if not chosen:
        return False
    path = Path(chosen)
    if path.suffix.lower() != ".pdf":
        path = path.with_name(path.name + ".pdf")
    try:
        path.write_bytes(data)
    except OSError as err:
        QMessageBox.warning(parent, "Not saved", f"The file could not be written ({err.strerror}).")
        return False
    return True
