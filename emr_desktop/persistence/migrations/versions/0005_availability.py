"""Appointment types kept by the practice manager, a patient's date of death, and the
practice's country (postal codes are checked as that country writes them).

Working hours already allow several rows per provider and weekday (provider_hours has no
unique weekday key), so a day split around lunch needs no data change: the services now
read every range of a day instead of the first.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The visit kinds the booking form offered before types were kept in the database.
_SEED = (
    ("Follow-up", 15, "#4E79A7"),
    ("New patient", 30, "#E8871E"),
    ("Physical", 30, "#4E9A3F"),
    ("Sick visit", 15, "#D64550"),
    ("Procedure", 30, "#9C6ADE"),
    ("Telehealth", 15, "#2A9D8F"),
)


def upgrade() -> None:
    types = op.create_table(
        "appointment_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("color", sa.String(length=9), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_type")),
        sa.UniqueConstraint("name", name=op.f("uq_appointment_type_name")),
    )
    op.bulk_insert(
        types,
        [
            {"name": n, "duration_min": m, "color": c, "active": True, "sort_order": i}
            for i, (n, m, c) in enumerate(_SEED)
        ],
    )
    with op.batch_alter_table("patient") as batch:
        batch.add_column(sa.Column("deceased_on", sa.Date(), nullable=True))
    with op.batch_alter_table("practice") as batch:  # postal codes are checked per country
        batch.add_column(
            sa.Column("country", sa.String(length=2), nullable=False, server_default="US")
        )


def downgrade() -> None:
    with op.batch_alter_table("practice") as batch:
        batch.drop_column("country")
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("deceased_on")
    op.drop_table("appointment_type")
