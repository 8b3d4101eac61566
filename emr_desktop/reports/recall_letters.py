"""Recall letters: one page per patient telling them what care is due, as one PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import groupby

from reportlab.platypus import Flowable, PageBreak, Spacer

from emr_desktop.domain.orders import RecallRow
from emr_desktop.reports.base import (
    Letterhead,
    PageSetup,
    fmt_date,
    letterhead_block,
    para,
    render,
    styles,
)


def recall_letters_pdf(recalls: Sequence[RecallRow], head: Letterhead, phone: str) -> bytes:
    """A letter per patient listing each recall due, with the practice's phone number.

    The pages carry no running patient header (the PDF holds several patients); each
    letter names its patient with two identifiers (name and date of birth) and the MRN."""
    s = styles()
    setup = PageSetup("Recall letters", head, dt.datetime.now(), None)
    story: list[Flowable] = []
    ordered = sorted(recalls, key=lambda r: (r.patient_name, r.patient_id, r.due_on))
    for index, (_pid, group) in enumerate(groupby(ordered, key=lambda r: r.patient_id)):
        items = list(group)
        first = items[0]
        if index:
            story.append(PageBreak())
        story += letterhead_block(head)
        story.append(Spacer(1, 18))
        story.append(para(fmt_date(dt.date.today())))
        story.append(
            para(f"{first.patient_name} · DOB {fmt_date(first.birth_date)} · MRN {first.mrn}")
        )
        story.append(Spacer(1, 12))
        story.append(para(f"Dear {first.patient_name},", s.body))
        story.append(para("Our records show that the following care is due:", s.body))
        for r in items:
            story.append(para(f"• {r.what} (due {fmt_date(r.due_on)})", s.body))
        call = f" on {phone}" if phone else ""
        story.append(para(f"Please call us{call} to book an appointment.", s.body))
        story.append(
            para("If you have already had this care elsewhere, please let us know.", s.body)
        )
        story.append(para(head.practice_name, s.sig_line))
    return render(story, setup)
