"""search model parts: the model field holds each model's number and letters apart

Revision ID: 0021
Revises: 0020

A number inside a model ("2695" for the e2695, "8010" for the SU8010) was out of reach: models are
indexed as whole tokens, and FTS5 and tsquery match prefixes only. The analyser now also indexes a
model's runs of digits and letters, marked (hub.search.model_numbers). No table changes: after this
revision the search package writes again the documents whose model has parts (its `after_upgrade`
hook), so that documents written before it hold them too. A migration never imports live code.
"""

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    pass  # the documents are the search package's to write (hub.search.index._EXTRAS_INDEXED_AFTER)


def downgrade():
    pass  # documents with parts answer the older analyser's questions as before
