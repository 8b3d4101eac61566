"""The referral letter asks for the report "to the address above" only when the letterhead
prints an address (issue 19, item 9); otherwise it names the practice and its fax."""

from __future__ import annotations

from emr_desktop.domain.practice import PracticeDetails
from emr_desktop.reports.referral_letter import reply_to


def test_the_reply_goes_to_an_address_that_is_printed() -> None:
    with_address = PracticeDetails("Elm Street Family Practice", "12 Elm Street", city="Salem")
    assert reply_to(with_address) == "to the address above"
    bare = PracticeDetails("Elm Street Family Practice", fax="555-0100")
    assert reply_to(bare) == "to Elm Street Family Practice (fax 555-0100)"
    assert reply_to(PracticeDetails("Elm")) == "to Elm"
