"""docs/catalogue.md names every command, endpoint, search parameter and facet it documents."""

from pathlib import Path

import pytest

from hub.search.facets import FACETS
from hub.search.params import SORTS, SearchParamsSchema

DOC = (Path(__file__).resolve().parents[2] / "docs" / "catalogue.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["hub serve", "hub export", "hub reindex", "hub.web.wsgi:app"])
def test_commands_documented(command):
    assert command in DOC


@pytest.mark.parametrize("name", sorted(SearchParamsSchema().fields))
def test_search_parameters_documented(name):
    assert f"`{name}`" in DOC


@pytest.mark.parametrize("sort", SORTS)
def test_sorts_documented(sort):
    assert f"`{sort}`" in DOC


@pytest.mark.parametrize("facet", [f.name for f in FACETS])
def test_facets_documented(facet):
    assert f"`{facet}`" in DOC


def test_endpoints_documented(sqlite_store):
    from hub.web import create_app

    spec = create_app({"STORE": sqlite_store, "TESTING": True}).test_client().get("/api/openapi.json").json
    for path in spec["paths"]:
        if path.startswith(("/api/v1/instruments", "/api/v1/networks", "/api/v1/stats")):  # this part's endpoints
            assert path.replace("{instrument_id}", "{id}") in DOC or path in DOC, path
