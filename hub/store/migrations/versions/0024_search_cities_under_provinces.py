"""search cities under provinces: a county its province governs itself is the city facet's city

Revision ID: 0024
Revises: 0023

GB/T 2260 numbers the county-level divisions a province governs itself xx90xx (仙桃市 429004, 琼海市
469002), under a grouping row rather than a city: records of them have no city, and the city facet
filed Hainan's 121 and Hubei's 78 as unknown beside 海口市. The search documents now take such a county
as their city (hub.search.index.directly_under_province). No table changes: after this revision the
search package writes those documents again (its `after_upgrade` hook). A migration never imports
live code.
"""

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    pass  # the documents are the search package's to write (hub.search.index._CITIES_INDEXED_AFTER)


def downgrade():
    pass  # documents with these cities answer the older code's questions as before
