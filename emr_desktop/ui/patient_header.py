"""The one patient header of every window that shows or changes one patient's data: the
chart banner (name, date of birth with age, sex, MRN, allergies) at the top of the dialog.

The banner comes from the chart the dialog was opened from when that chart is about the
same patient (no query), and is loaded otherwise.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QBoxLayout, QFormLayout, QWidget

from emr_desktop.domain.chart import Banner
from emr_desktop.domain.security import Actor
from emr_desktop.ui.chart.banner import BannerWidget
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations


class PatientHeader(BannerWidget):
    """The banner as a dialog's header; ``patient_id`` says whose it is."""

    def __init__(self, banner: Banner | None) -> None:
        super().__init__()
        self.setObjectName("patientHeader")
        self.setAccessibleName("Patient")
        self.patient_id = banner.patient_id if banner is not None else None
        if banner is not None:
            self.show_banner(banner)


def banner_near(widget: QObject | None, patient_id: int) -> Banner | None:
    """The banner of ``patient_id`` already shown by ``widget`` or a window around it."""
    while widget is not None:
        summary = getattr(widget, "summary_data", None)
        banner = getattr(summary, "banner", None) or getattr(widget, "header_banner", None)
        if isinstance(banner, Banner) and banner.patient_id == patient_id:
            return banner
        widget = widget.parent()
    return None


def patient_header(
    parent: QWidget | None,
    patient_id: int,
    services: Services | None = None,
    actor: Actor | None = None,
    ops: Operations | None = None,
) -> PatientHeader:
    """The header of ``patient_id`` for a dialog opened from ``parent``."""
    banner = banner_near(parent, patient_id)
    if banner is None and services is not None and actor is not None and ops is not None:
        summary = ops.run(lambda: services.chart.summary(actor, patient_id))
        banner = summary.banner if summary is not None else None
    return PatientHeader(banner)


def put_on_top(dialog: QWidget, header: QWidget) -> None:
    """Place ``header`` above everything else in ``dialog``'s layout."""
    layout = dialog.layout()
    if isinstance(layout, QFormLayout):
        layout.insertRow(0, header)
    elif isinstance(layout, QBoxLayout):
        layout.insertWidget(0, header)
    else:  # pragma: no cover - every patient dialog has a box or form layout
        raise TypeError(f"cannot place a header in {type(layout).__name__}")
