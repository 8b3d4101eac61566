"""Access: TOTP second factor and recovery codes, login throttling per workstation,
restricted charts and emergency access.

Revision ID: 0009
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "user_mfa",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_sealed", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=False),
        _fk("user_mfa", "user_id", "app_user"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_mfa")),
    )
    op.create_table(
        "mfa_recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        _fk("mfa_recovery_code", "user_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_recovery_code")),
    )
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("workstation", sa.String(length=128), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("wait_until", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle")),
        sa.UniqueConstraint(
            "username", "workstation", name=op.f("uq_login_throttle_username_workstation")
        ),
    )
    op.create_table(
        "chart_restriction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        _fk("chart_restriction", "patient_id", "patient"),
        _fk("chart_restriction", "user_id", "app_user"),
        _fk("chart_restriction", "added_by", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chart_restriction")),
        sa.UniqueConstraint(
            "patient_id", "user_id", name=op.f("uq_chart_restriction_patient_id_user_id")
        ),
    )
    op.create_table(
        "emergency_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        _fk("emergency_access", "patient_id", "patient"),
        _fk("emergency_access", "user_id", "app_user"),
        _fk("emergency_access", "acknowledged_by", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_access")),
    )
    for table, column in (
        ("mfa_recovery_code", "user_id"),
        ("chart_restriction", "patient_id"),
        ("emergency_access", "patient_id"),
        ("emergency_access", "user_id"),
    ):
        with op.batch_alter_table(table) as batch:
            batch.create_index(batch.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade() -> None:
    for table in (
        "emergency_access",
        "chart_restriction",
        "login_throttle",
        "mfa_recovery_code",
        "user_mfa",
    ):
        op.drop_table(table)
