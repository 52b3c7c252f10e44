"""conversation ids qualified by channel: `telegram:<chat id>`, `zalo:<user id>`, `rest:<sender>`,
`hotline:<call id>` (bot/identity.py), so one channel's sender can never own another's reports

Rows of a conversation channel get the channel as prefix; rows without a channel (or of a system
channel such as open311) keep their id: no chat conversation can match them any more. The columns
grow to 160 characters (a 128-character REST sender plus its prefix).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("reports", "report_followers", "report_notifications", "answer_feedback")
CHANNELS = ("rest", "telegram", "zalo", "hotline")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":  # SQLite does not enforce VARCHAR lengths
        for table in TABLES:
            op.alter_column(table, "sender_id", type_=sa.String(160), existing_type=sa.String(128))
    for table in TABLES:
        rows = sa.table(table, sa.column("sender_id", sa.String), sa.column("channel", sa.String))
        op.execute(rows.update().where(rows.c.channel.in_(CHANNELS))
                   .values(sender_id=rows.c.channel + ":" + rows.c.sender_id))


def downgrade() -> None:
    for table in TABLES:
        rows = sa.table(table, sa.column("sender_id", sa.String), sa.column("channel", sa.String))
        prefix_length = sa.func.length(rows.c.channel) + 2
        op.execute(rows.update().where(rows.c.channel.in_(CHANNELS))
                   .where(rows.c.sender_id.like(rows.c.channel + ":%"))
                   .values(sender_id=sa.func.substr(rows.c.sender_id, prefix_length)))
    if op.get_bind().dialect.name != "sqlite":
        for table in TABLES:
            op.alter_column(table, "sender_id", type_=sa.String(128), existing_type=sa.String(160))
