"""How numbers, units and times are shown on screen (one place, so screens agree).

The formatting itself lives in ``domain.display`` so printed documents read the same.
"""

from __future__ import annotations

from emr_desktop.domain.chart import LabRow
from emr_desktop.domain.display import date_text, datetime_text, lab_value, num, vitals_line

__all__ = ["date_text", "datetime_text", "lab_name", "lab_value", "num", "vitals_line"]


def lab_name(lab: LabRow) -> str:
    """The short common name of a test ("Hemoglobin A1c"), else the name as recorded."""
    from emr_desktop.reference.loinc import lab_test

    known = lab_test(lab.loinc) if lab.loinc else None
    return known.short_name if known and known.short_name else lab.name
