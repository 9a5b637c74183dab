"""listings: a complete listing no longer rewrites `last_seen` on every row it finds unchanged

Revision ID: 0012
Revises: 0011

`network_listings` keeps each network's last settled complete listing; `instruments.absent_since`
marks the few active records a complete listing lacked. A record's last sighting is its own
`last_seen` or its network's `listed_at`, whichever is later, unless it is absent or withdrawn
(`hub.harvest.listing`, docs/operations.md "When a record was last seen"). Existing rows need no
change: without a `network_listings` row, `last_seen` alone counts, as before.
"""

from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "network_listings",
        sa.Column("network", sa.String(6), primary_key=True),
        sa.Column("job_id", sa.Integer()),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
    )
    # A nullable column without a default: an ALTER TABLE on both backends, no row is rewritten.
    op.add_column("instruments", sa.Column("absent_since", sa.DateTime(timezone=True)))


def downgrade():
    # The last sightings that only the listing held are written back before it goes.
    op.execute(
        "UPDATE instruments SET last_seen = (SELECT listed_at FROM network_listings l WHERE l.network = instruments.network) "
        "WHERE withdrawn_at IS NULL AND absent_since IS NULL AND last_seen < "
        "(SELECT listed_at FROM network_listings l WHERE l.network = instruments.network)"
    )
    with op.batch_alter_table("instruments") as batch:
        batch.drop_column("absent_since")
    op.drop_table("network_listings")
