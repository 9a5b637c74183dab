"""store_identity: one random id per store, written when the store is created (or first upgraded)

Revision ID: 0017
Revises: 0016

Kept search answers are filed under the catalogue's state, which is made of counters (index
versions) that start over in a store removed and created again at the same URL: a demo store built
anew could be served the old one's answers from the host's shared answers directory. The id is part
of that state (hub.web.api.answers).
"""

import uuid
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    identity = op.create_table(
        "store_identity",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.bulk_insert(identity, [{"id": str(uuid.uuid4()), "created_at": datetime.now(timezone.utc)}])


def downgrade():
    op.drop_table("store_identity")
