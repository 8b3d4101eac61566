"""How numbers, units, dates and measurements read, on screen and on paper alike.

One place, so a printed chart and the screen it came from agree to the character.
"""

from __future__ import annotations

import datetime as dt

from emr_desktop.domain.chart import LabRow, VitalsRow
from emr_desktop.domain.schedule import ProviderInfo


def num(value: float | None, places: int = 1) -> str:
    """A number without trailing zeros (98.6, 70, 0.5); '' for None."""
    if value is None:
        return ""
    text = f"{value:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def date_text(day: dt.date | None) -> str:
    """'Jan 2, 1960': the month as a word, so no reader mistakes day for month."""
    if day is None:
        return ""
    return f"{day:%b} {day.day}, {day.year}"


def datetime_text(moment: dt.datetime | None) -> str:
    """'Jan 2, 2026 14:05' (24-hour clock)."""
    if moment is None:
        return ""
    return f"{date_text(moment.date())} {moment:%H:%M}"


def clock(t: dt.datetime | dt.time) -> str:
    """'9:05 AM', as the front desk reads a time."""
    return f"{t.hour % 12 or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


def provider_name(p: ProviderInfo) -> str:
    """'Amara Okafor, MD' (credentials added unless the name already carries them)."""
    if not p.credentials or p.name.rstrip().endswith(p.credentials):
        return p.name
    return f"{p.name}, {p.credentials}"


def vitals_line(v: VitalsRow) -> str:
    """'BP 128/82 mmHg · Pulse 72/min · ...' for the parts that were measured."""
    parts = []
    if v.systolic is not None and v.diastolic is not None:
        parts.append(f"BP {v.systolic}/{v.diastolic} mmHg")
    if v.pulse is not None:
        parts.append(f"Pulse {v.pulse}/min")
    if v.respiration is not None:
        parts.append(f"Resp {v.respiration}/min")
    if v.temperature_c is not None:
        parts.append(f"Temp {num(v.temperature_c)} °C")
    if v.spo2 is not None:
        parts.append(f"SpO2 {v.spo2}%")
    if v.weight_kg is not None:
        parts.append(f"Weight {num(v.weight_kg)} kg")
    if v.height_cm is not None:
        parts.append(f"Height {num(v.height_cm)} cm")
    if v.bmi is not None:
        parts.append(f"BMI {num(v.bmi)}")
    if v.pain is not None:
        parts.append(f"Pain {v.pain}/10")
    return " · ".join(parts)


def lab_value(lab: LabRow) -> str:
    """'7.2 % (4–5.6)': the value with its unit and reference range."""
    value = num(lab.value, 2) if lab.value is not None else lab.value_text
    unit = f" {lab.unit}" if lab.unit else ""
    if lab.ref_low is not None and lab.ref_high is not None:
        ref = f" ({num(lab.ref_low, 2)}–{num(lab.ref_high, 2)})"
    elif lab.ref_text:
        ref = f" ({lab.ref_text})"
    else:
        ref = ""
    return f"{value}{unit}{ref}"
