"""Running the practice: creating and opening it, users and logins, practice settings and
details, backups and restore, and the audit report."""
