"""Lab orders and their tests, the review of each result, tasks, recalls and contact attempts.

Revision ID: 0011
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TABLES = ("recall_contact", "result_review", "recall", "lab_order_test", "lab_order", "task")


def upgrade() -> None:
    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("assignee_role", sa.String(length=20), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "done", "cancelled", name="taskstatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["app_user.id"], name=op.f("fk_task_assignee_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_task_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["app_user.id"], name=op.f("fk_task_done_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_task_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
    )
    op.create_index("ix_task_patient", "task", ["patient_id"], unique=False)
    op.create_index("ix_task_status_assignee", "task", ["status", "assignee_id"], unique=False)
    op.create_table(
        "lab_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("ordering_provider_id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=True),
        sa.Column("diagnosis_codes", sa.String(length=200), nullable=False),
        sa.Column("specimen_notes", sa.String(length=500), nullable=False),
        sa.Column("lab_name", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "partial",
                "resulted",
                "cancelled",
                name="orderstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("ordered_at", sa.DateTime(), nullable=False),
        sa.Column("resulted_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ordering_provider_id"],
            ["app_user.id"],
            name=op.f("fk_lab_order_ordering_provider_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_lab_order_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["problem.id"], name=op.f("fk_lab_order_problem_id_problem")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_order")),
    )
    op.create_index("ix_lab_order_patient", "lab_order", ["patient_id"], unique=False)
    op.create_index(
        "ix_lab_order_status_ordered", "lab_order", ["status", "ordered_at"], unique=False
    )
    op.create_table(
        "lab_order_test",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("loinc", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["lab_order.id"], name=op.f("fk_lab_order_test_order_id_lab_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_order_test")),
    )
    op.create_index(
        op.f("ix_lab_order_test_order_id"), "lab_order_test", ["order_id"], unique=False
    )
    op.create_table(
        "recall",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "immunization",
                "follow_up",
                "wellness",
                "screening",
                name="recallkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("rule_id", sa.String(length=60), nullable=False),
        sa.Column("what", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "booked",
                "done",
                "cancelled",
                name="recallstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_recall_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_recall_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_recall_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recall")),
    )
    op.create_index("ix_recall_patient", "recall", ["patient_id"], unique=False)
    op.create_index("ix_recall_status_due", "recall", ["status", "due_on"], unique=False)
    op.create_table(
        "result_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lab_result_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("physician_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("to_review", "signed", name="reviewstatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lab_result_id"],
            ["lab_result.id"],
            name=op.f("fk_result_review_lab_result_id_lab_result"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["lab_order.id"], name=op.f("fk_result_review_order_id_lab_order")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_result_review_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["physician_id"], ["app_user.id"], name=op.f("fk_result_review_physician_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"], ["app_user.id"], name=op.f("fk_result_review_signed_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_review")),
        sa.UniqueConstraint("lab_result_id", name=op.f("uq_result_review_lab_result_id")),
    )
    op.create_index(op.f("ix_result_review_order_id"), "result_review", ["order_id"], unique=False)
    op.create_index(
        op.f("ix_result_review_patient_id"), "result_review", ["patient_id"], unique=False
    )
    op.create_index(
        "ix_result_review_physician_status",
        "result_review",
        ["physician_id", "status"],
        unique=False,
    )
    op.create_table(
        "recall_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recall_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["app_user.id"], name=op.f("fk_recall_contact_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["recall_id"], ["recall.id"], name=op.f("fk_recall_contact_recall_id_recall")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recall_contact")),
    )
    op.create_index(
        op.f("ix_recall_contact_recall_id"), "recall_contact", ["recall_id"], unique=False
    )


def downgrade() -> None:
    for name in _TABLES:
        op.drop_table(name)
