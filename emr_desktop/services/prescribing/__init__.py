"""Prescriptions: the sig in plain words, safety checks before signing, signing, renewals
and printed prescriptions."""
