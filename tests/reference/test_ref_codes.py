"""CVX vaccine codes and LOINC codes: unique, well formed, and the common ones present."""

from __future__ import annotations

import re

import pytest

from emr_desktop.reference.loinc import lab_test, lab_tests, panels
from emr_desktop.reference.vaccines import vaccine, vaccines


def loinc_check_digit(number: str) -> int:
    """The LOINC mod-10 check digit of the part before the hyphen.

    From the right, take every other digit starting with the rightmost, read them as a
    number and double it; add the digits of the result to the remaining digits; the
    check digit brings the sum up to the next multiple of ten.
    """
    reversed_digits = number[::-1]
    odd = reversed_digits[0::2][::-1]
    even = reversed_digits[1::2]
    total = sum(int(d) for d in str(int(odd) * 2)) + sum(int(d) for d in even)
    return (10 - total % 10) % 10


def test_check_digit_algorithm_on_known_codes() -> None:
    assert loinc_check_digit("4548") == 4
    assert loinc_check_digit("2345") == 7
    assert loinc_check_digit("718") == 7
    assert loinc_check_digit("8480") == 6


def test_cvx_codes_are_unique_numeric_and_enough() -> None:
    codes = [v.cvx for v in vaccines()]
    assert len(codes) >= 40
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"\d{2,3}", c) for c in codes)
    assert all(v.short_name and v.full_name for v in vaccines())


COMMON_CVX = [
    "03",
    "08",
    "10",
    "20",
    "21",
    "33",
    "43",
    "49",
    "52",
    "83",
    "106",
    "110",
    "113",
    "115",
    "116",
    "119",
    "120",
    "133",
    "136",
    "140",
    "141",
    "150",
    "158",
    "161",
    "162",
    "163",
    "165",
    "187",
    "197",
    "205",
    "215",
    "216",
    "303",
    "305",
    "309",
    "313",
]
COMMON_LOINC = [
    "85354-9",
    "8480-6",
    "8462-4",
    "8867-4",
    "9279-1",
    "8310-5",
    "59408-5",
    "29463-7",
    "8302-2",
    "39156-5",
    "72514-3",
    "2345-7",
    "2951-2",
    "2823-3",
    "2075-0",
    "2028-9",
    "3094-0",
    "2160-0",
    "17861-6",
    "33914-3",
    "2093-3",
    "2571-8",
    "2085-9",
    "13457-7",
    "4548-4",
    "3016-3",
    "6690-2",
    "789-8",
    "718-7",
    "4544-3",
    "777-3",
    "1742-6",
    "1920-8",
    "6768-6",
    "1975-2",
    "1751-7",
    "6301-6",
    "2857-1",
    "1989-3",
    "9318-7",
]


@pytest.mark.parametrize("cvx", COMMON_CVX)
def test_common_vaccines_are_present(cvx: str) -> None:
    assert vaccine(cvx) is not None


def test_vaccine_lookup_and_status() -> None:
    mmr = vaccine("3")
    assert mmr is not None and mmr.cvx == "03" and mmr.short_name == "MMR" and mmr.active
    shingrix, zostavax = vaccine("187"), vaccine("121")
    assert shingrix is not None and shingrix.active
    assert zostavax is not None and not zostavax.active
    unspecified = vaccine("88")
    assert unspecified is not None and not unspecified.active
    assert vaccine("999") is None


def test_loinc_codes_are_unique_well_formed_and_check_digits_valid() -> None:
    tests = lab_tests()
    assert len(tests) >= 40
    codes = [t.loinc for t in tests]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert re.fullmatch(r"\d{1,7}-\d", code), code
        number, check = code.split("-")
        assert loinc_check_digit(number) == int(check), code


def test_loinc_rows_are_sensible() -> None:
    for test in lab_tests():
        assert test.kind in ("vital", "lab")
        assert test.name and test.short_name
        if test.kind == "lab":
            assert test.unit, test.loinc
        if test.low is not None and test.high is not None:
            assert test.low < test.high, test.loinc


@pytest.mark.parametrize("code", COMMON_LOINC)
def test_common_loinc_codes_are_present(code: str) -> None:
    assert lab_test(code) is not None


def test_units_ranges_and_flags() -> None:
    a1c = lab_test("4548-4")
    assert a1c is not None and a1c.unit == "%" and a1c.kind == "lab"
    assert a1c.flag(7.2) == "H" and a1c.flag(5.1) is None
    systolic = lab_test("8480-6")
    assert systolic is not None and systolic.unit == "mm[Hg]" and systolic.kind == "vital"
    potassium = lab_test(" 2823-3 ")
    assert potassium is not None and potassium.flag(3.1) == "L"


def test_panels_group_their_members() -> None:
    grouped = panels()
    bmp = {t.loinc for t in grouped["BMP"]}
    assert {"2345-7", "2951-2", "2823-3", "2075-0", "2028-9", "3094-0", "2160-0"} <= bmp
    assert "17861-6" in bmp
    assert {t.short_name for t in grouped["Lipid panel"]} >= {
        "Total cholesterol",
        "HDL cholesterol",
    }
    assert "777-3" in {t.loinc for t in grouped["CBC"]}
    assert {t.kind for t in grouped["Vital signs"]} == {"vital"}
    grouped["BMP"] = ()  # a caller's copy; the next call is unaffected
    assert panels()["BMP"]
