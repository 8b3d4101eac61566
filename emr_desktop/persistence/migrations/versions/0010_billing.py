"""Billing: the fee schedule with its price history, and the append-only patient ledger.

Triggers refuse DELETE of ledger entries, their diagnoses and fee prices, and any UPDATE
but a merge moving an entry to the kept patient record (``patient_id``): a correction is
a reversing entry, never an edit.

Revision ID: 0010
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Table -> the columns an UPDATE may never touch (everything but a merge's patient_id).
_GUARDED = {
    "billing_entry": (
        "id, kind, entry_date, encounter_id, provider_id, fee_id, code, description, quantity, "
        "unit_cents, amount_cents, method, reference, reason, reverses_id, recorded_by_id, "
        "recorded_at"
    ),
    "billing_entry_diagnosis": "id, entry_id, position, code, description",
    "billing_fee_price": "id, fee_id, effective_from, price_cents, set_by_id, set_at",
}


def _sqlite_guards(table: str, columns: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE OF {columns} ON {table}
           BEGIN SELECT RAISE(ABORT, '{table} is append-only: add a reversing entry'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
           BEGIN SELECT RAISE(ABORT, '{table} is append-only: add a reversing entry'); END""",
    ]


_PG_FUNCTION = """CREATE FUNCTION billing_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION '% is append-only: add a reversing entry', TG_TABLE_NAME; END;
       $$ LANGUAGE plpgsql"""


def _pg_guards(table: str, columns: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE OF {columns} ON {table}
           FOR EACH ROW EXECUTE FUNCTION billing_append_only()""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
           FOR EACH ROW EXECUTE FUNCTION billing_append_only()""",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
           FOR EACH STATEMENT EXECUTE FUNCTION billing_append_only()""",
    ]


def upgrade() -> None:
    op.create_table(
        "billing_fee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_fee")),
        sa.UniqueConstraint("code", name=op.f("uq_billing_fee_code")),
    )
    op.create_table(
        "billing_fee_price",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fee_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fee_id"], ["billing_fee.id"], name=op.f("fk_billing_fee_price_fee_id_billing_fee")
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["app_user.id"], name=op.f("fk_billing_fee_price_set_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_fee_price")),
    )
    op.create_index(
        "ix_billing_fee_price_fee_id_effective_from",
        "billing_fee_price",
        ["fee_id", "effective_from"],
    )
    op.create_table(
        "billing_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("fee_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_billing_entry_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["encounter_id"], ["encounter.id"], name=op.f("fk_billing_entry_encounter_id_encounter")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["app_user.id"], name=op.f("fk_billing_entry_provider_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["fee_id"], ["billing_fee.id"], name=op.f("fk_billing_entry_fee_id_billing_fee")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["billing_entry.id"],
            name=op.f("fk_billing_entry_reverses_id_billing_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["app_user.id"],
            name=op.f("fk_billing_entry_recorded_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_entry")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_billing_entry_reverses_id")),
    )
    op.create_index(
        "ix_billing_entry_patient_id_entry_date", "billing_entry", ["patient_id", "entry_date"]
    )
    op.create_index("ix_billing_entry_encounter_id", "billing_entry", ["encounter_id"])
    op.create_index("ix_billing_entry_recorded_at", "billing_entry", ["recorded_at"])
    op.create_table(
        "billing_entry_diagnosis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["billing_entry.id"],
            name=op.f("fk_billing_entry_diagnosis_entry_id_billing_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_entry_diagnosis")),
    )
    op.create_index("ix_billing_entry_diagnosis_entry_id", "billing_entry_diagnosis", ["entry_id"])
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        op.execute(_PG_FUNCTION)
    for table, columns in _GUARDED.items():
        for ddl in _sqlite_guards(table, columns) if sqlite else _pg_guards(table, columns):
            op.execute(ddl)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in _GUARDED:
        for suffix in (
            ("no_update", "no_delete") if sqlite else ("no_update", "no_delete", "no_truncate")
        ):
            op.execute(
                f"DROP TRIGGER IF EXISTS {table}_{suffix}" + ("" if sqlite else f" ON {table}")
            )
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS billing_append_only()")
    for table in ("billing_entry_diagnosis", "billing_entry", "billing_fee_price", "billing_fee"):
        op.drop_table(table)
