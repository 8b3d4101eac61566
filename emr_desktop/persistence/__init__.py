"""Engine and key handling, unit of work, migrations and backup.

The only package that knows whether the database is SQLCipher or PostgreSQL.
"""
