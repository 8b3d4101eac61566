"""Vital signs and lab results: recording them with plausibility checks, lists and trends."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import LabRow, Page, VitalsRow
from emr_desktop.domain.clinical import LabFlag
from emr_desktop.domain.sections import LabInput, VitalsInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ValidationError
from emr_desktop.models import LabResult, Patient, VitalSigns
from emr_desktop.models.base import utcnow
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.chart_access import chart_read
from emr_desktop.services.common.records import get_patient, user_names
from emr_desktop.services.common.rows import lab_row, vitals_row
from emr_desktop.services.common.validation import luhn_digit

VitalsField = Literal[
    "systolic", "diastolic", "pulse", "weight_kg", "bmi", "temperature_c", "spo2", "respiration"
]
SERIES_FIELDS: tuple[str, ...] = get_args(VitalsField)


@dataclass(frozen=True, slots=True)
class Range:
    """The plausible range of one vital sign; anything outside is a typing error."""

    label: str
    low: float
    high: float
    unit: str
    whole: bool  # stored as an integer


# Wide enough for every real patient (neonates to adults, sick or well), narrow enough
# to catch a slipped digit or a unit mix-up (pounds in the kilogram box, Fahrenheit).
VITAL_RANGES: dict[str, Range] = {
    "systolic": Range("systolic blood pressure", 50, 300, "mm[Hg]", True),
    "diastolic": Range("diastolic blood pressure", 20, 200, "mm[Hg]", True),
    "pulse": Range("pulse", 20, 250, "/min", True),
    "respiration": Range("respiratory rate", 4, 80, "/min", True),
    "temperature_c": Range("temperature", 30, 45, "°C", False),
    "spo2": Range("oxygen saturation (SpO2)", 50, 100, "%", True),
    "weight_kg": Range("weight", 0.3, 400, "kg", False),
    "height_cm": Range("height", 30, 250, "cm", False),
    "pain": Range("pain score", 0, 10, "", True),
}
_LOINC_FORMAT = re.compile(r"(\d{1,5})-(\d)")


def _measurement(r: Range, value: object) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(r.label, "must be a number")
    # refuses NaN and infinities too; the unit in words ("mmHg", not UCUM's "mm[Hg]")
    v.number(r.label, value, r.low, r.high, unit_words(r.unit))
    if r.whole:
        if value != int(value):
            raise ValidationError(r.label, "must be a whole number")
        return int(value)
    return float(value)


def unit_words(unit: str) -> str:
    """A UCUM unit as people write it: "mm[Hg]" is "mmHg"."""
    return unit.replace("mm[Hg]", "mmHg")


def check_vital(name: str, value: object) -> int | float | None:
    """One vital sign (by its input name) checked against its plausible range."""
    return _measurement(VITAL_RANGES[name], value)


def clean_vitals(data: VitalsInput) -> tuple[dt.datetime, dict[str, int | float]]:
    """Validated vitals: the time measured (now if not given) and the values entered.

    Raises ValidationError naming the field, and nothing else, for any input.
    """
    values: dict[str, int | float] = {}
    for name, r in VITAL_RANGES.items():
        checked = _measurement(r, getattr(data, name))
        if checked is not None:
            values[name] = checked
    if not values:
        raise ValidationError("vital signs", "enter at least one measurement")
    if "diastolic" in values:
        if "systolic" not in values:
            raise ValidationError("systolic blood pressure", "is needed with the diastolic")
        if values["diastolic"] >= values["systolic"]:
            raise ValidationError("diastolic blood pressure", "must be lower than the systolic")
    when = data.measured_at or utcnow()
    if not isinstance(when, dt.datetime):
        raise ValidationError("time measured", "is not a date and time")
    v.not_future_time("time measured", when)
    return when, values


def bmi(weight_kg: float, height_cm: float) -> float:
    """Body mass index in kg/m2, to one decimal."""
    return round(weight_kg / (height_cm / 100) ** 2, 1)


def _not_before_birth(field: str, patient: Patient, when: dt.datetime) -> None:
    if when.astimezone().date() < patient.birth_date:
        raise ValidationError(field, "cannot be before the patient's date of birth")


def loinc_check_ok(code: str) -> bool:
    """Whether ``code`` has the LOINC form (up to 5 digits, '-', check digit) and a valid digit.

    LOINC's mod-10 check digit is the Luhn digit of the part before the hyphen.
    """
    m = _LOINC_FORMAT.fullmatch(code)
    return m is not None and luhn_digit(m.group(1)) == m.group(2)


def _finite(field: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(field, "must be a number")
    return float(value)


def clean_lab(data: LabInput) -> dict[str, Any]:
    """Validated lab result columns; name, unit and range default from the LOINC table."""
    code = v.text("LOINC code", data.loinc, max_len=10)
    test = None
    if code:
        from emr_desktop.reference import loinc

        test = loinc.lab_test(code)
        if test is None and not loinc_check_ok(code):
            raise ValidationError(
                "LOINC code", f"{code} is not a LOINC code (the form is 2345-7, check digit last)"
            )
    name = v.text("test name", data.name, max_len=200) or (test.name if test else "")
    if not name:
        raise ValidationError("test name", "is required when there is no known LOINC code")
    unit = v.text("unit", data.unit, max_len=40) or (test.unit if test else "") or ""
    value = _finite("value", data.value)
    value_text = v.text("text result", data.value_text, max_len=200)
    if value is None and not value_text:
        raise ValidationError("value", "enter a numeric value or a text result")
    low = _finite("reference range low", data.ref_low)
    high = _finite("reference range high", data.ref_high)
    ref_text = v.text("reference range", data.ref_text, max_len=100)
    if low is not None and high is not None and low > high:
        raise ValidationError("reference range", "the low limit is above the high limit")
    # A lab's own range wins; the table's adult range fills in only for the same unit.
    if test and low is None and high is None and not ref_text and unit == (test.unit or ""):
        low, high = test.low, test.high
    if data.flag is not None:
        flag = v.choice("flag", LabFlag, data.flag)
    elif value is not None and low is not None and value < low:
        flag = LabFlag.LOW
    elif value is not None and high is not None and value > high:
        flag = LabFlag.HIGH
    else:
        flag = LabFlag.NORMAL
    if not isinstance(data.collected_at, dt.datetime):
        raise ValidationError("collection time", "is required")
    v.not_future_time("collection time", data.collected_at)
    if data.resulted_at is not None:
        v.not_future_time("result time", data.resulted_at)
        if data.resulted_at < data.collected_at:
            raise ValidationError("result time", "cannot be before the collection time")
    return {
        "loinc": code,
        "name": name[:200],
        "value": value,
        "value_text": value_text,
        "unit": unit[:40],
        "ref_low": low,
        "ref_high": high,
        "ref_text": ref_text,
        "flag": flag,
        "collected_at": data.collected_at,
        "resulted_at": data.resulted_at,
    }


def _latest_height(s: Session, patient_id: int) -> float | None:
    return s.scalar(
        select(VitalSigns.height_cm)
        .where(VitalSigns.patient_id == patient_id, VitalSigns.height_cm.is_not(None))
        .order_by(VitalSigns.measured_at.desc(), VitalSigns.id.desc())
        .limit(1)
    )


class ObservationService:
    """Vital signs and lab results. Nurses and physicians record them; clinicians read them."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record_vitals(self, actor: Actor, patient_id: int, data: VitalsInput) -> VitalsRow:
        """Record one set of vitals; BMI comes from this weight and this or the last height."""
        require(actor, Permission.VITALS_RECORD)
        when, values = clean_vitals(data)
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            _not_before_birth("time measured", patient, when)
            row = VitalSigns(
                patient_id=patient.id, measured_at=when, recorded_by_id=actor.user_id, **values
            )
            if "weight_kg" in values:
                height = values.get("height_cm") or _latest_height(s, patient.id)
                if height:
                    row.bmi = bmi(values["weight_kg"], height)
            s.add(row)
            s.flush()
            record(
                s,
                actor,
                "vitals_record",
                entity="vital_signs",
                entity_id=row.id,
                patient_id=patient.id,
                details={"fields": sorted(values)},
            )
            return vitals_row(row, user_names(s, {actor.user_id}))

    def vitals(
        self, actor: Actor, patient_id: int, *, offset: int = 0, limit: int = 100
    ) -> Page[VitalsRow]:
        """A page of the patient's vital signs, newest first."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            get_patient(s, patient_id)
            where = VitalSigns.patient_id == patient_id
            total = s.scalar(select(func.count()).select_from(VitalSigns).where(where)) or 0
            rows = list(
                s.scalars(
                    select(VitalSigns)
                    .where(where)
                    .order_by(VitalSigns.measured_at.desc(), VitalSigns.id.desc())
                    .offset(offset)
                    .limit(limit)
                )
            )
            names = user_names(s, {r.recorded_by_id for r in rows})
            page = Page(tuple(vitals_row(r, names) for r in rows), total, offset, limit)
            return chart_read(s, actor, patient_id, "vitals", page)

    def vitals_series(
        self,
        actor: Actor,
        patient_id: int,
        field: VitalsField,
        *,
        since: dt.datetime | None = None,
    ) -> list[tuple[dt.datetime, float]]:
        """(time, value) pairs of one vital sign, oldest first, for a trend graph (one query)."""
        require(actor, Permission.CHART_VIEW)
        if field not in SERIES_FIELDS:
            raise ValidationError("measurement", f"must be one of: {', '.join(SERIES_FIELDS)}")
        column = getattr(VitalSigns, field)
        stmt = select(VitalSigns.measured_at, column).where(
            VitalSigns.patient_id == patient_id, column.is_not(None)
        )
        if since is not None:
            stmt = stmt.where(VitalSigns.measured_at >= since)
        stmt = stmt.order_by(VitalSigns.measured_at, VitalSigns.id)
        with self._db.unit_of_work(actor) as s:
            points = [(when, float(value)) for when, value in s.execute(stmt)]
            return chart_read(s, actor, patient_id, f"vitals trend {field}", points)

    def record_lab(self, actor: Actor, patient_id: int, data: LabInput) -> LabRow:
        """Record a lab result; the flag is computed from the range unless given."""
        require(actor, Permission.LAB_RECORD)
        columns = clean_lab(data)
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            _not_before_birth("collection time", patient, columns["collected_at"])
            row = LabResult(patient_id=patient.id, recorded_by_id=actor.user_id, **columns)
            s.add(row)
            s.flush()
            record(
                s, actor, "lab_record", entity="lab_result", entity_id=row.id, patient_id=patient.id
            )
            return lab_row(row)

    def labs(
        self,
        actor: Actor,
        patient_id: int,
        *,
        offset: int = 0,
        limit: int = 100,
        abnormal_only: bool = False,
    ) -> Page[LabRow]:
        """A page of the patient's lab results, newest collected first."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            get_patient(s, patient_id)
            where = [LabResult.patient_id == patient_id]
            if abnormal_only:
                where.append(LabResult.flag != LabFlag.NORMAL)
            total = s.scalar(select(func.count()).select_from(LabResult).where(*where)) or 0
            rows = s.scalars(
                select(LabResult)
                .where(*where)
                .order_by(LabResult.collected_at.desc(), LabResult.id.desc())
                .offset(offset)
                .limit(limit)
            )
            return chart_read(
                s,
                actor,
                patient_id,
                "labs",
                Page(tuple(lab_row(r) for r in rows), total, offset, limit),
            )

    def lab_series(self, actor: Actor, patient_id: int, loinc: str) -> list[LabRow]:
        """Every result of one test (by LOINC code), oldest first, for a trend."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            get_patient(s, patient_id)
            rows = s.scalars(
                select(LabResult)
                .where(LabResult.patient_id == patient_id, LabResult.loinc == loinc.strip())
                .order_by(LabResult.collected_at, LabResult.id)
            )
            return chart_read(
                s, actor, patient_id, f"lab trend {loinc}", [lab_row(r) for r in rows]
            )

    def lab_tests_for(self, actor: Actor, patient_id: int) -> list[tuple[str, str, int]]:
        """(LOINC, name, number of results) of each coded test the patient has, by name."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            get_patient(s, patient_id)
            rows = s.execute(
                select(LabResult.loinc, func.max(LabResult.name), func.count(LabResult.id))
                .where(LabResult.patient_id == patient_id, LabResult.loinc != "")
                .group_by(LabResult.loinc)
            )
            tests = [(code, name, count) for code, name, count in rows]
            ordered = sorted(tests, key=lambda t: (t[1].casefold(), t[0]))
            return chart_read(s, actor, patient_id, "lab tests", ordered)
