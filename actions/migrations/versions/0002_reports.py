"""reports, their status history and followers

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(20), unique=True),
        sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(32)),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location_text", sa.Text()),
        sa.Column("latitude", sa.Float()),
        sa.Column("longitude", sa.Float()),
        sa.Column("photos", sa.Text()),
        sa.Column("phone", sa.String(20)),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_index("ix_reports_sender_id", "reports", ["sender_id"])
    op.create_index("ix_reports_category", "reports", ["category"])
    op.create_index("ix_reports_status", "reports", ["status"])
    op.create_table(
        "report_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_report_status_changes_report_id", "report_status_changes", ["report_id"])
    op.create_table(
        "report_followers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(32)),
        sa.Column("language", sa.String(8)),
        sa.UniqueConstraint("report_id", "sender_id", name="uq_report_follower"),
    )
    op.create_index("ix_report_followers_report_id", "report_followers", ["report_id"])


def downgrade() -> None:
    op.drop_table("report_followers")
    op.drop_table("report_status_changes")
    op.drop_table("reports")
