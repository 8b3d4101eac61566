"""The practice recovery sheet: what a new PC needs, with a box to write the passphrase by hand.

The passphrase itself is never put in the PDF: a file on disk is not a safe place for it.
"""

from __future__ import annotations

import datetime as dt
import io

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def recovery_sheet_pdf(
    *, practice_name: str, practice_id: str, data_dir: str, admin_username: str
) -> bytes:
    """A one-page PDF to print and keep with the practice's important papers."""
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        title="emr-desktop recovery sheet",
        leftMargin=inch,
        rightMargin=inch,
        topMargin=inch,
    )
    facts = Table(
        [
            ["Practice", practice_name],
            ["Practice id", practice_id],
            ["Data folder (this PC)", data_dir],
            ["First administrator", admin_username],
            ["Prepared", dt.date.today().isoformat()],
        ],
        colWidths=[2 * inch, 4.5 * inch],
    )
    facts.setStyle(
        TableStyle(
            [("GRID", (0, 0), (-1, -1), 0.5, "#888888"), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        )
    )
    box = Table(
        [["Practice passphrase (write it by hand):"], [""]],
        colWidths=[6.5 * inch],
        rowHeights=[0.3 * inch, 0.8 * inch],
    )
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.5, "#000000")]))
    text = [
        Paragraph("emr-desktop — practice recovery sheet", styles["Title"]),
        Paragraph(
            "Keep this sheet in a safe place. The practice passphrase protects the key of the "
            "encrypted patient database and of every backup. A new computer, or one without "
            "a system keyring, asks for it once. <b>Without the passphrase, neither the "
            "database nor its backups can be opened by anyone</b>, including us.",
            styles["BodyText"],
        ),
        Spacer(1, 12),
        facts,
        Spacer(1, 18),
        box,
        Spacer(1, 18),
        Paragraph(
            "To restore on a new computer: install emr-desktop, then run "
            "<font face='Courier'>emr-admin restore BACKUP-FILE</font> with an administrator "
            "of the backup and this passphrase.",
            styles["BodyText"],
        ),
    ]
    doc.build(text)
    return buffer.getvalue()
