"""Attached documents inside an export: every page of an attached PDF or image gets a
page of its own, dressed like every other page (identifiers, "Page X of Y").

The layout reserves a full-frame slot per attached page; images are drawn into it right
away, PDF pages are laid into it afterwards (pdf_options.overlay_attachments).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pypdf
from PIL import Image, ImageSequence
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, PageBreak

from emr_desktop.domain.display import date_text
from emr_desktop.domain.exports import Attachment
from emr_desktop.errors import ValidationError
from emr_desktop.reports.fonts import FONT, draw_text

_CAPTION = 14.0  # points above the slot for "Attached: title · page i of n"


@dataclass(frozen=True, slots=True)
class Slot:
    """Where one attached PDF page goes: page index in the export and the box (points)."""

    page_index: int
    x: float
    y: float
    width: float
    height: float
    source: int  # index into the attachments
    source_page: int


@dataclass
class SlotLog:
    """Filled in while the export is laid out: where each attached PDF page landed."""

    slots: list[Slot] = field(default_factory=list)


class AttachmentPage(Flowable):  # type: ignore[misc]
    """A whole-frame slot for one page of an attached document, with a caption on top."""

    def __init__(
        self,
        caption: str,
        log: SlotLog,
        source: int,
        source_page: int,
        size: tuple[float, float],
        image: Image.Image | None = None,
    ) -> None:
        super().__init__()
        self.caption = caption
        self.log = log
        self.source = source
        self.source_page = source_page
        self.size = size  # the attached page upright, in points (an image: in pixels)
        self.image = image

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        """Take the whole frame (less a hair, so it always fits on a fresh page)."""
        self.width, self.height = aw, ah - 1
        return self.width, self.height

    def draw(self) -> None:
        """Caption, a hairline frame where the page goes, then the image (PDF pages are
        laid in after layout)."""
        canvas: Any = self.canv
        canvas.saveState()
        canvas.setFillColorRGB(0.33, 0.33, 0.33)
        draw_text(canvas, 0, self.height - 9, self.caption, FONT, 8)
        box_h = self.height - _CAPTION
        w, h = self.size
        # A page is never enlarged (its print stays its size); a small image may be.
        scale = min(self.width / w, box_h / h, 1.0 if self.image is None else 4.0)
        sw, sh = w * scale, h * scale
        x, y = (self.width - sw) / 2, box_h - sh  # centred, under the caption
        canvas.setStrokeColorRGB(0.7, 0.7, 0.7)
        canvas.setLineWidth(0.5)
        canvas.rect(x - 0.5, y - 0.5, sw + 1, sh + 1, stroke=1, fill=0)
        canvas.restoreState()
        if self.image is not None:
            canvas.drawImage(ImageReader(self.image), x, y, sw, sh)
            return
        ax, ay = canvas.absolutePosition(x, y)
        self.log.slots.append(
            Slot(canvas.getPageNumber() - 1, ax, ay, sw, sh, self.source, self.source_page)
        )


def _upright(page: pypdf.PageObject) -> tuple[float, float]:
    """A PDF page's visible size as it is read (turned pages turned back)."""
    box = page.cropbox
    w, h = float(box.width), float(box.height)
    return (h, w) if page.rotation % 180 == 90 else (w, h)


def _image_pages(content: bytes) -> list[Image.Image]:
    """Every frame of an image (a multi-page TIFF has several), as RGB on white."""
    img = Image.open(io.BytesIO(content))
    frames = []
    for frame in ImageSequence.Iterator(img):
        rgba = frame.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        frames.append(flat)
    return frames


def attachment_pages(attachments: tuple[Attachment, ...], log: SlotLog) -> list[Flowable]:
    """One slot per page of every attachment, each starting on a fresh page."""
    out: list[Flowable] = []
    for index, att in enumerate(attachments):
        when = date_text(att.document_date)
        name = f"{att.title} ({when})" if when else att.title
        try:
            if att.media_type == "application/pdf":
                pages = pypdf.PdfReader(io.BytesIO(att.content)).pages
                sizes = [_upright(p) for p in pages]
                images: list[Image.Image | None] = [None] * len(sizes)
            else:
                frames = _image_pages(att.content)
                sizes = [(float(f.width), float(f.height)) for f in frames]
                images = list(frames)
        except Exception as err:  # a damaged file: say which, not a stack trace
            raise ValidationError(
                "documents", f"the attached document {att.title!r} could not be read"
            ) from err
        for number, (image, size) in enumerate(zip(images, sizes, strict=True), start=1):
            caption = f"Attached document: {name} · page {number} of {len(images)}"
            out += [PageBreak(), AttachmentPage(caption, log, index, number - 1, size, image)]
    return out
