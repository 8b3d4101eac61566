"""Recalls: care that is due (child and adolescent immunizations, follow-ups set at
signing, annual wellness, switchable screening intervals), the front desk recall list,
contact attempts, booking in one step and recall letters."""
