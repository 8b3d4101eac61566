"""Use cases, one room per capability a user would name.

Every public method is one user action: it takes the acting user, checks a permission,
opens one unit of work, writes its audit row in the same transaction and returns frozen
DTOs. The rooms import downwards only (see docs/ARCHITECTURE.md): exchange above the
clinical rooms, those above patients, patients above practice, and everything above
``common``.
"""
