"""Vital signs and lab results: plausible values only, BMI worked out, trends and flags."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from conftest import Practice
from hypothesis import given, settings
from hypothesis import strategies as st
from test_foundation_support import audit_head_id
from test_problems_allergies import (
    ALL_ROLES,
    CLINICIANS,
    Case,
    audit_details,
    captured_sql,
    check_roles,
    count,
    field_of,
    make_world,
)

from emr_desktop.domain.clinical import LabFlag
from emr_desktop.domain.sections import LabInput, VitalsInput
from emr_desktop.domain.security import Role
from emr_desktop.errors import ValidationError
from emr_desktop.models import LabResult, VitalSigns
from emr_desktop.services.chart.observations import (
    VITAL_RANGES,
    ObservationService,
    clean_lab,
    clean_vitals,
    loinc_check_ok,
    unit_words,
)

pytest.importorskip("emr_desktop.reference.loinc")

UTC = dt.UTC
NOW = dt.datetime.now(UTC)
HOUR = dt.timedelta(hours=1)


# --- role matrix ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES, ids=[r.value for r in ALL_ROLES])
def test_who_may_record_and_read_observations(practice: Practice, role: Role) -> None:
    w = make_world(practice)
    svc, pid = ObservationService(w.db), w.patient_id
    lab = LabInput(loinc="2345-7", value=110, collected_at=NOW - HOUR)
    cases = [
        Case(
            "record_vitals",
            CLINICIANS,
            lambda a, _: svc.record_vitals(a, pid, VitalsInput(pulse=70)),
        ),
        Case("vitals", CLINICIANS, lambda a, _: svc.vitals(a, pid)),
        Case("vitals_series", CLINICIANS, lambda a, _: svc.vitals_series(a, pid, "pulse")),
        Case("record_lab", CLINICIANS, lambda a, _: svc.record_lab(a, pid, lab)),
        Case("labs", CLINICIANS, lambda a, _: svc.labs(a, pid)),
        Case("lab_series", CLINICIANS, lambda a, _: svc.lab_series(a, pid, "2345-7")),
        Case("lab_tests_for", CLINICIANS, lambda a, _: svc.lab_tests_for(a, pid)),
    ]
    check_roles(w, role, cases)


# --- vitals validation (no database needed) ---------------------------------------------


@pytest.mark.parametrize("name", list(VITAL_RANGES))
def test_each_vital_sign_out_of_range_names_its_field_and_unit(name: str) -> None:
    r = VITAL_RANGES[name]
    extra: dict[str, Any] = {"systolic": 300} if name == "diastolic" else {}
    for wrong in (r.low - 1, r.high + 0.5, math.nan, math.inf, -math.inf):
        with pytest.raises(ValidationError) as err:
            clean_vitals(VitalsInput(**{name: wrong, **extra}))
        assert field_of(err) == r.label
        assert f"between {r.low:g} and {r.high:g}" in err.value.reason
        assert unit_words(r.unit) in err.value.reason  # "mmHg", not UCUM's "mm[Hg]"
    if r.whole:
        with pytest.raises(ValidationError, match="whole number"):
            clean_vitals(VitalsInput(**{name: r.low + 0.5, **extra}))


def test_vitals_rules_that_span_fields() -> None:
    cases: list[tuple[VitalsInput, str, str]] = [
        (VitalsInput(), "vital signs", "at least one"),
        (VitalsInput(systolic=120, diastolic=120), "diastolic blood pressure", "lower than"),
        (VitalsInput(systolic=90, diastolic=140), "diastolic blood pressure", "lower than"),
        (VitalsInput(diastolic=80), "systolic blood pressure", "needed"),
        (VitalsInput(pulse=70, measured_at=NOW + HOUR), "time measured", "future"),
        (VitalsInput(pulse=70, measured_at=dt.datetime(2024, 1, 1)), "time measured", "time zone"),
        (VitalsInput(pulse="70"), "pulse", "number"),  # type: ignore[arg-type]
    ]
    for data, field_name, words in cases:
        with pytest.raises(ValidationError) as err:
            clean_vitals(data)
        assert field_of(err) == field_name and words in err.value.reason, data
    when, values = clean_vitals(VitalsInput(systolic=80))  # a palpated pressure is allowed
    assert values == {"systolic": 80} and abs(when - dt.datetime.now(UTC)) < HOUR
    # A whole-valued float from a spin box is stored as the integer it is.
    _, values = clean_vitals(VitalsInput(pulse=72.0, temperature_c=37))  # type: ignore[arg-type]
    assert values == {"pulse": 72, "temperature_c": 37.0}
    assert isinstance(values["pulse"], int) and isinstance(values["temperature_c"], float)


_ANY_NUMBER = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({name: _ANY_NUMBER for name in VITAL_RANGES}))
def test_vitals_validation_only_ever_raises_validation_error(values: dict[str, Any]) -> None:
    try:
        clean_vitals(VitalsInput(**values))
    except ValidationError as err:
        assert err.field and err.reason


def _in_range(name: str) -> st.SearchStrategy[Any]:
    r = VITAL_RANGES[name]
    if r.whole:
        return st.integers(math.ceil(r.low), math.floor(r.high))
    return st.floats(r.low, r.high)


@st.composite
def _plausible(draw: st.DrawFn) -> dict[str, Any]:
    values = {
        name: draw(st.none() | _in_range(name)) for name in VITAL_RANGES if name != "diastolic"
    }
    if values["systolic"] is not None and draw(st.booleans()):
        values["diastolic"] = draw(st.integers(20, min(200, values["systolic"] - 1)))
    if all(v is None for v in values.values()):
        values["pulse"] = draw(_in_range("pulse"))
    return values


@settings(max_examples=300, deadline=None)
@given(_plausible())
def test_every_plausible_set_of_vitals_is_accepted(values: dict[str, Any]) -> None:
    _, cleaned = clean_vitals(VitalsInput(**values))
    assert cleaned == {k: v for k, v in values.items() if v is not None}


# --- vitals in the chart ----------------------------------------------------------------


def test_vitals_are_recorded_with_bmi_paged_and_trended(practice: Practice) -> None:
    w = make_world(practice)
    svc, pid = ObservationService(w.db), w.patient_id
    nurse = w.actor(Role.NURSE)
    head = audit_head_id(w.db)

    first = svc.record_vitals(
        nurse,
        pid,
        VitalsInput(NOW - 48 * HOUR, 128, 82, 72, weight_kg=70, height_cm=175, temperature_c=36.8),
    )
    assert first.bmi == 22.9 and first.recorded_by == "Nurse1"  # 70 / 1.75**2 = 22.86
    # Weight alone: BMI from the most recent height, which is not copied into this set.
    second = svc.record_vitals(nurse, pid, VitalsInput(NOW - 24 * HOUR, weight_kg=80.5))
    assert second.bmi == 26.3 and second.height_cm is None
    third = svc.record_vitals(nurse, pid, VitalsInput(systolic=141, diastolic=91, pulse=88))
    assert third.bmi is None and third.measured_at <= dt.datetime.now(UTC)
    newborn = w.new_patient("Baby", dt.date.today())
    assert svc.record_vitals(nurse, newborn, VitalsInput(weight_kg=3.4)).bmi is None  # no height

    with pytest.raises(ValidationError) as err:
        svc.record_vitals(nurse, newborn, VitalsInput(NOW - 72 * HOUR, pulse=140))
    assert field_of(err) == "time measured" and "date of birth" in err.value.reason
    with pytest.raises(ValidationError):
        svc.record_vitals(nurse, pid, VitalsInput(pulse=300))
    assert count(w, VitalSigns) == 4

    page = svc.vitals(nurse, pid, limit=2)
    assert page.total == 3 and (page.offset, page.limit) == (0, 2)
    assert [v.id for v in page.items] == [third.id, second.id]  # newest first
    assert [v.id for v in svc.vitals(nurse, pid, offset=2).items] == [first.id]

    with captured_sql(w) as sql:
        weights = svc.vitals_series(nurse, pid, "weight_kg")
    assert [value for _, value in weights] == [70.0, 80.5]  # oldest first, gaps skipped
    [query] = [q for q in sql if q.lstrip().upper().startswith("SELECT") and "vital_signs" in q]
    selected = query.upper().split("FROM")[0]
    assert "MEASURED_AT" in selected and "WEIGHT_KG" in selected and "SYSTOLIC" not in selected
    assert svc.vitals_series(nurse, pid, "bmi") == [
        (first.measured_at, 22.9),
        (second.measured_at, 26.3),
    ]
    assert [v for _, v in svc.vitals_series(nurse, pid, "systolic", since=NOW - HOUR)] == [141.0]
    with pytest.raises(ValidationError) as err:
        svc.vitals_series(nurse, pid, "height_cm; DROP TABLE x")  # type: ignore[arg-type]
    assert field_of(err) == "measurement"

    rows = [r for r in audit_details(w, head) if r[0] != "patient_register"]
    assert [a for a, _, _ in rows] == ["vitals_record"] * 4
    assert rows[0] == (
        "vitals_record",
        pid,
        {
            "fields": sorted(
                ["systolic", "diastolic", "pulse", "weight_kg", "height_cm", "temperature_c"]
            )
        },
    )


# --- labs -------------------------------------------------------------------------------


def test_loinc_check_digit() -> None:
    assert loinc_check_ok("2345-7") and loinc_check_ok("8480-6") and loinc_check_ok("12345-5")
    for wrong in ("2345-8", "12345-6", "123456-1", "2345", "ABCD-1", "-1", ""):
        assert not loinc_check_ok(wrong), wrong


def test_lab_input_rules_name_the_field() -> None:
    t = NOW - HOUR
    bad: list[tuple[LabInput, str, str]] = [
        (LabInput(loinc="2345-8", value=1, collected_at=t), "LOINC code", "not a LOINC code"),
        (LabInput(loinc="glucose", value=1, collected_at=t), "LOINC code", "not a LOINC code"),
        (LabInput(value=1, collected_at=t), "test name", "required"),
        (LabInput(loinc="2345-7", collected_at=t), "value", "text result"),
        (LabInput(loinc="2345-7", value=math.nan, collected_at=t), "value", "number"),
        (LabInput(loinc="2345-7", value=math.inf, collected_at=t), "value", "number"),
        (
            LabInput(loinc="2345-7", value=1, ref_low=10, ref_high=5, collected_at=t),
            "reference range",
            "above the high",
        ),
        (LabInput(loinc="2345-7", value=1, flag="X", collected_at=t), "flag", "one of"),  # type: ignore[arg-type]
        (LabInput(loinc="2345-7", value=1, collected_at=NOW + HOUR), "collection time", "future"),
        (
            LabInput(loinc="2345-7", value=1, collected_at=t, resulted_at=t - HOUR),
            "result time",
            "before the collection",
        ),
        (
            LabInput(loinc="2345-7", value=1, collected_at=t, resulted_at=NOW + HOUR),
            "result time",
            "future",
        ),
    ]
    for data, field_name, words in bad:
        with pytest.raises(ValidationError) as err:
            clean_lab(data)
        assert field_of(err) == field_name and words in err.value.reason, data


def test_labs_default_from_loinc_flag_themselves_and_trend(practice: Practice) -> None:
    w = make_world(practice)
    svc, pid = ObservationService(w.db), w.patient_id
    nurse = w.actor(Role.NURSE)
    head = audit_head_id(w.db)
    day = dt.timedelta(days=1)

    high = svc.record_lab(
        nurse, pid, LabInput(loinc="2345-7", value=182, collected_at=NOW - 30 * day)
    )
    assert high.name == "Glucose [Mass/volume] in Serum or Plasma" and high.unit == "mg/dL"
    assert (high.ref_low, high.ref_high, high.flag) == (70, 99, LabFlag.HIGH)
    low = svc.record_lab(
        nurse,
        pid,
        LabInput(
            loinc="2345-7",
            value=3.1,
            unit="mmol/L",
            ref_low=3.9,
            ref_high=5.5,
            collected_at=NOW - 2 * day,
            resulted_at=NOW - day,
        ),
    )
    assert (low.unit, low.flag, low.resulted_at) == ("mmol/L", LabFlag.LOW, NOW - day)
    # A different unit than the table's: its adult range would be wrong, so none is assumed.
    other_unit = svc.record_lab(
        nurse, pid, LabInput(loinc="2345-7", value=5.0, unit="mmol/L", collected_at=NOW - day)
    )
    assert (other_unit.ref_low, other_unit.flag) == (None, LabFlag.NORMAL)
    # A test outside the curated table: accepted with a valid check digit, name required.
    outside = svc.record_lab(
        nurse,
        pid,
        LabInput(
            loinc="12345-5",
            name="Special assay",
            value_text="Positive",
            flag=LabFlag.ABNORMAL,
            collected_at=NOW - 3 * day,
        ),
    )
    assert (outside.name, outside.value, outside.flag) == ("Special assay", None, LabFlag.ABNORMAL)
    a1c = svc.record_lab(
        nurse, pid, LabInput(loinc="4548-4", value=5.2, collected_at=NOW - 4 * day)
    )
    assert a1c.flag is LabFlag.NORMAL and a1c.unit == "%"
    uncoded = svc.record_lab(
        nurse, pid, LabInput(name="Stool guaiac", value_text="Negative", collected_at=NOW - 5 * day)
    )
    assert (uncoded.loinc, uncoded.flag) == ("", LabFlag.NORMAL)

    with pytest.raises(ValidationError) as err:
        svc.record_lab(
            nurse,
            pid,
            LabInput(loinc="2345-7", value=90, collected_at=dt.datetime(1959, 1, 1, tzinfo=UTC)),
        )
    assert field_of(err) == "collection time" and "date of birth" in err.value.reason
    assert count(w, LabResult) == 6

    page = svc.labs(nurse, pid, limit=3)
    assert page.total == 6
    assert [r.id for r in page.items] == [other_unit.id, low.id, outside.id]  # newest first
    abnormal = svc.labs(nurse, pid, abnormal_only=True)
    assert abnormal.total == 3 and {r.id for r in abnormal.items} == {high.id, low.id, outside.id}

    series = svc.lab_series(nurse, pid, "2345-7")
    assert [r.id for r in series] == [high.id, low.id, other_unit.id]  # oldest first
    assert svc.lab_tests_for(nurse, pid) == [
        ("2345-7", "Glucose [Mass/volume] in Serum or Plasma", 3),
        ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 1),
        ("12345-5", "Special assay", 1),
    ]

    rows = audit_details(w, head)
    assert rows == [("lab_record", pid, {})] * 6  # no codes, values or flags in the log
