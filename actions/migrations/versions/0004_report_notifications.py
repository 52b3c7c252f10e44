"""report status notifications kept until delivered (outbox)

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_notifications",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("change_id", sa.Integer(), sa.ForeignKey("report_status_changes.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(32)),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("change_id", "sender_id", name="uq_report_notification"),
    )
    op.create_index("ix_report_notifications_report_id", "report_notifications", ["report_id"])
    op.create_index("ix_report_notifications_next_attempt_at", "report_notifications", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_report_notifications_next_attempt_at", "report_notifications")
    op.drop_index("ix_report_notifications_report_id", "report_notifications")
    op.drop_table("report_notifications")
