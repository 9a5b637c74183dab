"""search capitalised parts: the model field holds the parts a model's capitals mark

Revision ID: 0023
Revises: 0022

"Exactive" found the records writing "Q Exactive" but not those writing "QExactive": the analyser
lower-cases a model into one token, and a query word is matched as a whole token or a prefix. The
model field now also holds the parts its capitals mark, marked as a model's parts are (`§mexactive`,
hub.search.model_numbers). No table changes: after this revision the search package writes again the
documents whose model or maker has such a word (its `after_upgrade` hook). A migration never imports
live code.
"""

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    pass  # the documents are the search package's to write (hub.search.index._EXTRAS_INDEXED_AFTER)


def downgrade():
    pass  # documents with these parts answer the older analyser's questions as before
