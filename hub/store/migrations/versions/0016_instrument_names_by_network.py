"""instruments: the network index also holds the name, so one network's names are counted from it

Revision ID: 0016
Revises: 0015

The search's lexicon (hub.search.lexicon) counts the active instruments' names per network and reads
again only the networks a write changed. Through (network, withdrawn_at) each of a network's rows was
fetched from the wide table (~90 ms a network at a million, 2.8 s for all); with the name in the
index the count reads the index alone, already grouped. It replaces the old index, which served
the same equality lookups.
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_instruments_network_withdrawn_name", "instruments", ["network", "withdrawn_at", "name"])
    op.drop_index("ix_instruments_network_withdrawn", table_name="instruments")


def downgrade():
    op.create_index("ix_instruments_network_withdrawn", "instruments", ["network", "withdrawn_at"])
    op.drop_index("ix_instruments_network_withdrawn_name", table_name="instruments")
