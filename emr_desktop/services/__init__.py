"""Use cases: one function per user action; permission check, unit of work, audit, DTOs."""
