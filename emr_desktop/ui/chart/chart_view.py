"""One patient's chart in one tab: the banner on top, the summary and sections below."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from emr_desktop.domain.chart import ChartSummary
from emr_desktop.domain.security import Actor
from emr_desktop.domain.security import Permission as P
from emr_desktop.ui.chart.banner import BannerWidget
from emr_desktop.ui.chart.summary import SummaryWidget
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations


class Section(Protocol):
    """A chart section widget: knows its title and reloads itself."""

    title: str

    def refresh(self) -> None:
        """Reload from the services."""

    def save_drafts(self) -> None:
        """Save anything typed but not saved yet (before lock, switch user or close)."""


SectionFactory = Callable[[Services, Actor, int, Operations], QWidget]


def section_factories(actor: Actor | None = None) -> list[tuple[str, SectionFactory]]:
    """The chart's section tabs, in order (imported here, so sections never import us);
    given an actor, only those their role may see (Billing is not the nurse's)."""
    from emr_desktop.ui.billing.chart_section import BillingSection
    from emr_desktop.ui.chart.allergies import AllergiesSection
    from emr_desktop.ui.chart.appointments import AppointmentsSection
    from emr_desktop.ui.chart.documents import DocumentsSection
    from emr_desktop.ui.chart.immunizations import ImmunizationsSection
    from emr_desktop.ui.chart.labs import LabsSection
    from emr_desktop.ui.chart.medications import MedicationsSection
    from emr_desktop.ui.chart.problems import ProblemsSection
    from emr_desktop.ui.chart.referrals import ReferralsSection
    from emr_desktop.ui.chart.visits import VisitsSection
    from emr_desktop.ui.chart.vitals import VitalsSection
    from emr_desktop.ui.orders.orders_section import OrdersSection

    sections: list[tuple[str, SectionFactory]] = [
        ("Problems", ProblemsSection),
        ("Allergies", AllergiesSection),
        ("Medications", MedicationsSection),
        ("Immunizations", ImmunizationsSection),
        ("Visits", VisitsSection),
        ("Vitals", VitalsSection),
        ("Labs", LabsSection),
        ("Orders", OrdersSection),
        ("Documents", DocumentsSection),
        ("Referrals", ReferralsSection),
        ("Appointments", AppointmentsSection),
    ]
    if actor is None or actor.can(P.BILLING_VIEW):
        sections.append(("Billing", BillingSection))
    return sections


class ChartView(QWidget):
    """The chart of one patient; the tab title and banner never leave room for doubt.

    Section tabs are built the first time they are shown (a placeholder holds their
    place until then), so opening a chart costs the banner and summary only: a
    900-visit chart opens as fast as a newborn's.
    """

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self.patient_id = patient_id
        self._services = services
        self._actor = actor
        self._ops = ops
        self.summary_data: ChartSummary | None = None
        self.banner = BannerWidget()
        self.summary = SummaryWidget()
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Chart sections")
        self.tabs.addTab(self.summary, "Summary")
        # One entry per section tab: its factory, and the widget once built.
        self._pending: dict[QWidget, SectionFactory] = {}
        self._built: list[QWidget] = []
        for title, factory in section_factories(actor):
            placeholder = QWidget()
            placeholder.setAccessibleName(f"{title} (loads when shown)")
            self._pending[placeholder] = factory
            self.tabs.addTab(placeholder, title)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        ops.data_changed.connect(self._on_ops_data_changed)

    @property
    def sections(self) -> list[QWidget]:
        """Every section widget in tab order (building any not shown yet)."""
        for index in range(self.tabs.count()):
            self._build(index)
        widgets = (self.tabs.widget(i) for i in range(1, self.tabs.count()))
        return [w for w in widgets if w is not None]

    def built_sections(self) -> list[QWidget]:
        """The section widgets built so far (the tabs the user has looked at)."""
        return list(self._built)

    def _build(self, index: int) -> QWidget | None:
        """Swap the placeholder at ``index`` for its section (loaded now); the section."""
        placeholder = self.tabs.widget(index)
        if placeholder is None or placeholder not in self._pending:
            return placeholder
        factory = self._pending.pop(placeholder)
        widget = factory(self._services, self._actor, self.patient_id, self._ops)
        title = self.tabs.tabText(index)
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        try:
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, widget, title)
            self.tabs.setCurrentIndex(current)
        finally:
            self.tabs.blockSignals(False)
        placeholder.deleteLater()
        self._built.append(widget)
        return widget

    def _on_tabs_current_changed(self, index: int) -> None:
        if index > 0:
            self._build(index)

    def load(self) -> bool:
        """Open the chart (one audited service call); False if it could not be opened."""
        data = self._ops.run(lambda: self._services.chart.open(self._actor, self.patient_id))
        if data is None:
            return False
        self.summary_data = data
        self.banner.show_banner(data.banner)
        self.summary.show_summary(data)
        return True

    def tab_title(self) -> str:
        """'Family, Given · MRN' — never ambiguous between two open charts."""
        if self.summary_data is None:
            return "Chart"
        b = self.summary_data.banner
        return f"{b.display_name} · {b.mrn}"

    def refresh(self) -> None:
        """Reload the summary (not audited again) and every section built so far."""
        data = self._ops.run(lambda: self._services.chart.summary(self._actor, self.patient_id))
        if data is not None:
            self.summary_data = data
            self.banner.show_banner(data.banner)
            self.summary.show_summary(data)
        for section in self._built:
            getattr(section, "refresh", lambda: None)()

    def has_unsaved(self) -> bool:
        """Whether any section holds typed text not saved yet."""
        return any(getattr(s, "has_unsaved", lambda: False)() for s in self._built)

    def save_drafts(self) -> None:
        """Save typed-but-unsaved work of every section."""
        for section in self._built:
            getattr(section, "save_drafts", lambda: None)()

    def _on_ops_data_changed(self, what: str) -> None:
        if what.startswith("chart:") and what != f"chart:{self.patient_id}":
            return
        self.refresh()
