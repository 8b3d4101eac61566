"""Lab orders for an outside lab (LOINC coded, with a reason), the requisition PDF,
pending and overdue orders; results entered against them with ranges and flags, review,
comment, sign-off, the result letter and follow-up."""
