"""The national instrument-sharing hub.

Pulls and receives the provincial catalogues, normalises them into one common schema, serves the
national catalogue and scores the provincial networks. See README.md for the tour.
"""

from pathlib import Path

__version__ = "0.1.0"

#: The project root: where `conf/` and `mappings/` live. HUB_HOME overrides it for deployments that
#: keep their configuration elsewhere.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
