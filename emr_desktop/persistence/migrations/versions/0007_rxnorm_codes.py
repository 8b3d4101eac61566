"""RxNorm codes on medication-list entries and prescriptions (medication safety).

The FHIR importer keeps the code it reads, so an imported medication resolves to its
ingredients by code even when its display text is unusual; exports carry it back out.

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TABLES = ("medication", "prescription")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("rxnorm_code", sa.String(length=20), nullable=False, server_default="")
            )


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("rxnorm_code")
