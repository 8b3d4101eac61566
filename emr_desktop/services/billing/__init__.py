"""The practice's own billing: the fee schedule and its prices, a signed visit's charges
(linked to its diagnoses) and the "to be coded" list, payments, refunds, write-offs and
reversals on the append-only patient ledger, superbills, receipts and statements, and the
billing reports (close-out, charges by provider, unpaid balances by age). Claims to
insurers are out of scope. Receptionists see descriptions and amounts, never notes."""
