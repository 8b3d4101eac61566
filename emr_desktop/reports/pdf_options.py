"""What happens to an export after layout: attached PDF pages laid in (pypdf), PDF/A-2b
for archiving or a password for e-mail (pikepdf), and counting pages.

PDF/A forbids encryption, so an export is one or the other, never both.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Sequence
from functools import cache

import pikepdf
import pypdf
from PIL import ImageCms

from emr_desktop.domain.exports import Attachment
from emr_desktop.errors import ValidationError
from emr_desktop.reports.attachments import Slot

PDF_A_PART = "2"
PDF_A_CONFORMANCE = "B"
MIN_PASSWORD = 8


def page_count(pdf: bytes) -> int:
    """How many pages a PDF has (an encrypted one too: counting needs no password)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def overlay_attachments(
    pdf: bytes, slots: Sequence[Slot], attachments: Sequence[Attachment]
) -> bytes:
    """Lay each attached PDF page into the frame reserved for it during layout."""
    if not slots:
        return pdf
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf))
    # Each attachment opened in a writer of its own: turning a rotated page upright
    # rewrites its content, which pypdf does only on a writer's pages.
    sources: dict[int, pypdf.PdfWriter] = {}
    for slot in slots:
        opened = sources.get(slot.source)
        if opened is None:
            opened = pypdf.PdfWriter(clone_from=io.BytesIO(attachments[slot.source].content))
            sources[slot.source] = opened
        source = opened.pages[slot.source_page]
        source.transfer_rotation_to_content()
        box = source.cropbox
        w, h = float(box.width), float(box.height)
        scale = min(slot.width / w, slot.height / h)  # the slot was sized for this page
        move = (
            pypdf.Transformation()
            .translate(-float(box.left), -float(box.bottom))
            .scale(scale, scale)
            .translate(slot.x, slot.y)
        )
        writer.pages[slot.page_index].merge_transformed_page(source, move, over=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile (made by Little CMS through Pillow) for the PDF/A OutputIntent."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    data: bytes = profile.tobytes()
    return data


def to_pdf_a(pdf: bytes) -> bytes:
    """The PDF as PDF/A-2b: XMP identification, an sRGB OutputIntent, no encryption.

    Our own pages embed every font (DejaVu, Droid Sans Fallback); an attached PDF's pages
    are copied as they are, so their fonts are only as embedded as the sender made them.
    """
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        if "/Trapped" in doc.docinfo:
            del doc.docinfo["/Trapped"]  # has no XMP equivalent; PDF/A wants the two to agree
        with doc.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.load_from_docinfo(doc.docinfo)
            meta["pdfaid:part"] = PDF_A_PART
            meta["pdfaid:conformance"] = PDF_A_CONFORMANCE
        icc = doc.make_stream(srgb_profile())
        icc["/N"] = 3
        intent = pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent,
            S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
            Info=pikepdf.String("sRGB IEC61966-2.1"),
            RegistryName=pikepdf.String("http://www.color.org"),
            DestOutputProfile=icc,
        )
        doc.Root.OutputIntents = pikepdf.Array([intent])
        out = io.BytesIO()
        doc.save(out, fix_metadata_version=True)
        return out.getvalue()


def check_password(password: str) -> str:
    """The password, if long enough to be worth anything; ValidationError otherwise."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError("password", f"must be at least {MIN_PASSWORD} characters")
    return password


def encrypt(pdf: bytes, password: str) -> bytes:
    """The PDF locked with AES-256: it opens only with ``password``."""
    check_password(password)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        out = io.BytesIO()
        # A random owner password: no one can lift the restrictions without the user one.
        owner = secrets.token_urlsafe(24)
        doc.save(out, encryption=pikepdf.Encryption(user=password, owner=owner, R=6))
        return out.getvalue()
