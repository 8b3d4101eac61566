"""A keyed, forward-only audit chain; the wrapped practice key on a server; C-ordered tokens.

- ``audit_head.keyed_from``: rows from this id on are sealed with HMAC-SHA-256 under a key
  derived from the practice key (not stored in the database); earlier rows keep their
  SHA-256 seal, so an existing chain stays verifiable. The boundary is set once.
- Triggers refuse an audit row inserted anywhere but at the end (closing SQLite's
  INSERT OR REPLACE, which fires no delete trigger) and an audit head that moves back.
- ``practice_key`` holds the wrapped key file of a server practice (a workstation unwraps
  it with the passphrase); an embedded practice keeps it in ``practice.key`` instead.
- On PostgreSQL the name-token column sorts in byte order (COLLATE "C"), so a prefix range
  ``token >= 'smi' AND token < 'smj'`` means the same as on SQLite under any locale.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SQLITE = [
    """CREATE TRIGGER audit_log_append_at_end BEFORE INSERT ON audit_log
       WHEN NEW.id <= (SELECT COALESCE(MAX(id), 0) FROM audit_log)
       BEGIN SELECT RAISE(ABORT, 'audit rows are only appended at the end'); END""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
       WHEN NEW.last_id < OLD.last_id
         OR (OLD.keyed_from IS NOT NULL AND NEW.keyed_from IS NOT OLD.keyed_from)
       BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward'); END""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
       BEGIN SELECT RAISE(ABORT, 'the audit chain head cannot be removed'); END""",
]
_PG = [
    """CREATE FUNCTION audit_log_at_end() RETURNS trigger AS $$
       BEGIN
         IF NEW.id <= (SELECT COALESCE(MAX(id), 0) FROM audit_log) THEN
           RAISE EXCEPTION 'audit rows are only appended at the end';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_log_append_at_end BEFORE INSERT ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_at_end()""",
    """CREATE FUNCTION audit_head_forward() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN
           RAISE EXCEPTION 'the audit chain head cannot be removed';
         END IF;
         IF NEW.last_id < OLD.last_id OR (OLD.keyed_from IS NOT NULL
             AND NEW.keyed_from IS DISTINCT FROM OLD.keyed_from) THEN
           RAISE EXCEPTION 'the audit chain head only moves forward';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head
       FOR EACH ROW EXECUTE FUNCTION audit_head_forward()""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
    'ALTER TABLE patient_name_token ALTER COLUMN token TYPE varchar(100) COLLATE "C"',
]


def upgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("keyed_from", sa.Integer(), nullable=True))
    # An existing chain is sealed with HMAC from its next row on; a new one from row 1.
    op.execute("UPDATE audit_head SET keyed_from = last_id + 1")
    op.create_table(
        "practice_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_file", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_key")),
    )
    for ddl in _SQLITE if op.get_bind().dialect.name == "sqlite" else _PG:
        op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("audit_log_append_at_end", "audit_head_forward_only", "audit_head_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_at_end ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_head")
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head")
        op.execute("DROP FUNCTION IF EXISTS audit_log_at_end()")
        op.execute("DROP FUNCTION IF EXISTS audit_head_forward()")
    op.drop_table("practice_key")
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("keyed_from")
