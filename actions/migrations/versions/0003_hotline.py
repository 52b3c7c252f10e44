"""hotline console: question log, calls with their summaries, suggestion feedback

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("channel", sa.String(32)),
        sa.Column("language", sa.String(8)),
        sa.Column("entry_id", sa.String(96)),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
    )
    op.create_index("ix_question_log_created_at", "question_log", ["created_at"])
    op.create_table(
        "hotline_calls",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(64), nullable=False, unique=True),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("utterances", sa.Integer(), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("entries_used", sa.Text(), nullable=False),
        sa.Column("report_codes", sa.Text(), nullable=False),
    )
    op.create_index("ix_hotline_calls_agent", "hotline_calls", ["agent"])
    op.create_table(
        "suggestion_feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("entry_id", sa.String(96), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
    )
    op.create_index("ix_suggestion_feedback_call_id", "suggestion_feedback", ["call_id"])
    op.create_index("ix_suggestion_feedback_entry_id", "suggestion_feedback", ["entry_id"])


def downgrade() -> None:
    op.drop_table("suggestion_feedback")
    op.drop_table("hotline_calls")
    op.drop_table("question_log")
