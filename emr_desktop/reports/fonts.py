"""The fonts embedded in every PDF, and drawing text in them whatever its script.

DejaVu Sans covers Latin, Greek, Cyrillic and more; characters it lacks (Chinese,
Japanese, Korean) are set in Droid Sans Fallback, run by run.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from emr_desktop.paths import resource_path

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
FONT_BOLD_ITALIC = "DejaVuSans-BoldOblique"
FONT_FALLBACK = "DroidSansFallback"


@cache
def register_fonts() -> None:
    """Register the embedded fonts with reportlab (once per process)."""
    files = {
        FONT: "DejaVuSans.ttf",
        FONT_BOLD: "DejaVuSans-Bold.ttf",
        FONT_ITALIC: "DejaVuSans-Oblique.ttf",
        FONT_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
        FONT_FALLBACK: "DroidSansFallbackFull.ttf",
    }
    for name, file in files.items():
        pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file))))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
    )
    # The fallback has no bold face: bold CJK text prints regular rather than not at all.
    pdfmetrics.registerFontFamily(
        FONT_FALLBACK,
        normal=FONT_FALLBACK,
        bold=FONT_FALLBACK,
        italic=FONT_FALLBACK,
        boldItalic=FONT_FALLBACK,
    )


@cache
def _covered() -> frozenset[int]:
    """Code points the main font draws."""
    register_fonts()
    font = pdfmetrics.getFont(FONT)
    return frozenset(font.face.charToGlyph)


@cache
def _fallback_covered() -> frozenset[int]:
    register_fonts()
    font = pdfmetrics.getFont(FONT_FALLBACK)
    return frozenset(font.face.charToGlyph)


def markup(text: str) -> str:
    """``text`` as safe paragraph markup: escaped, line breaks kept, and characters the
    main font lacks (Chinese, Japanese, Korean) set in the fallback font."""
    main, extra = _covered(), _fallback_covered()
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(f'<font name="{FONT_FALLBACK}">{escape("".join(run))}</font>')
            run.clear()

    for ch in text:
        code = ord(ch)
        if code not in main and code in extra:
            run.append(ch)
            continue
        flush()
        out.append("<br/>" if ch == "\n" else escape(ch))
    flush()
    return "".join(out)


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """``text`` cut into (face, run) pieces: the fallback face where the main one lacks a glyph."""
    main, extra = _covered(), _fallback_covered()
    pieces: list[tuple[str, str]] = []
    for ch in text:
        face = FONT_FALLBACK if ord(ch) not in main and ord(ch) in extra else font
        if pieces and pieces[-1][0] == face:
            pieces[-1] = (face, pieces[-1][1] + ch)
        else:
            pieces.append((face, ch))
    return pieces


def text_width(text: str, font: str, size: float) -> float:
    """The width of ``text`` in points, fallback runs included."""
    return sum(float(pdfmetrics.stringWidth(run, face, size)) for face, run in runs(text, font))


def draw_text(canvas: Any, x: float, y: float, text: str, font: str, size: float) -> None:
    """Draw one line, switching to the fallback font for characters the main one lacks."""
    for face, run in runs(text, font):
        canvas.setFont(face, size)
        canvas.drawString(x, y, run)
        x += float(pdfmetrics.stringWidth(run, face, size))
