"""Key store, password hashing, roles and permissions."""
