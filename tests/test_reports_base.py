"""The shared PDF base: every page dressed, identifiers and page numbers right, any script."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
from hypothesis import given, settings
from hypothesis import strategies as st

from emr_desktop.domain.practice import PracticeDetails
from emr_desktop.reports.base import (
    Letterhead,
    PageSetup,
    PatientIdentity,
    content_width,
    para,
    render,
    styles,
    table,
)
from emr_desktop.reports.fonts import markup

NAME = "Zoë Ångström-Øyelaran"


def _setup(**kw: object) -> PageSetup:
    details = PracticeDetails("Riverside Family Medicine", "12 Main St", city="Springfield")
    values: dict[str, object] = {
        "title": "Chart export",
        "letterhead": Letterhead.from_details(details),
        "generated_at": dt.datetime(2026, 11, 23, 14, 5),
        "patient": PatientIdentity(NAME, dt.date(1960, 1, 2), "1234567-8"),
    }
    values.update(kw)
    return PageSetup(**values)  # type: ignore[arg-type]


def _pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_every_page_carries_identifiers_and_page_x_of_y() -> None:
    rows = [[f"Row {i}", "some text that wraps " * 3, "x"] for i in range(200)]
    setup = _setup()
    w = content_width(setup)
    pdf = render(
        [
            para("Labs", styles().h1),
            table(["Test", "Value", "Flag"], rows, [w * 0.3, w * 0.6, w * 0.1]),
        ],
        setup,
    )
    pages = _pages(pdf)
    assert len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert NAME in text
        assert "DOB Jan 2, 1960 · MRN 1234567-8" in text
        assert f"Page {number} of {len(pages)}" in text
        assert "Confidential" in text
        assert "Printed Nov 23, 2026 14:05" in text
        assert "Riverside Family Medicine" in text
        assert "Test" in text and "Value" in text  # the table header repeats


def test_a_document_about_no_patient_has_no_identity_line_and_can_drop_the_notice() -> None:
    pdf = render([para("Hello")], _setup(patient=None, confidential=False, landscape=True))
    (text,) = _pages(pdf)
    assert "MRN" not in text and "Confidential" not in text
    assert "Page 1 of 1" in text
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert page.mediabox.width > page.mediabox.height


def test_markup_is_escaped_and_cyrillic_and_chinese_print() -> None:
    text = "Дарья <b>not bold</b> & 陳大文\nsecond line"
    (page,) = _pages(render([para(text)], _setup()))
    assert "Дарья <b>not bold</b> & " in page
    assert "陳大文" in page
    assert "second line" in page


def test_progress_reaches_100_and_never_goes_back() -> None:
    seen: list[int] = []
    render([para(f"line {i}") for i in range(400)], _setup(), progress=seen.append)
    assert seen[-1] == 100
    assert seen == sorted(seen)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_any_text_lays_out(text: str) -> None:
    # Whatever a user typed, the paragraph builds (no markup injection, no crash).
    p = para(text)
    p.wrap(300, 1000)
    assert "<script" not in markup("<script>")


def test_only_embedded_fonts_are_used() -> None:
    # Helvetica (reportlab's default) is not embedded: PDF/A and some printers reject it.
    pdf = render([para("x"), table(["a"], [["b"]])], _setup())
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"]["/Font"]
        names = [str(fonts[k].get_object()["/BaseFont"]) for k in fonts]
        assert names and all("DejaVu" in n or "Droid" in n for n in names), names
