"""Practice reports: counts over a date range for the manager and physicians (visits and
no-shows per provider, new patients, patients by problem, overdue recalls, immunization
coverage, results awaiting review). Counts only: no patient names leave this room."""
