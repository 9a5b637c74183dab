"""OAI identifiers follow the oai-identifier syntax whatever a source id holds, and round-trip through
GetRecord; an empty argument is badArgument (issue 12, defect 12). Harvested by Sickle from a real
server on each backend."""

from __future__ import annotations

import re

import pytest
from lxml import etree
from sickle import Sickle, oaiexceptions

from tests.conftest import BACKENDS, make_store, upgrade
from tests.factories import make_instruments
from tests.oai.test_provider import REPO, _serve

#: oai-identifier (http://www.openarchives.org/OAI/2.0/guidelines-oai-identifier.htm): scheme,
#: namespace (a domain name) and a local identifier of RFC 2396 uric characters.
OAI_IDENTIFIER = re.compile(
    r"^oai:[A-Za-z][A-Za-z0-9\-]*(\.[A-Za-z][A-Za-z0-9\-]*)+:"
    r"([A-Za-z0-9;/?:@&=+$,\-_.!~*'()]|%[0-9A-Fa-f]{2})+$"
)
SOURCE_IDS = ["YQ 0001", "<x>", 'q"uote', "a&b", "仪器-1", "50%", "plain-ID_1.2"]


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory):
    store, cleanup = make_store(request.param, tmp_path_factory.mktemp("oai-ids"))
    upgrade(store)
    ids = make_instruments(store, [dict(source_id=s) for s in SOURCE_IDS])
    httpd = _serve(store)
    yield f"http://127.0.0.1:{httpd.server_port}/oai", ids
    httpd.shutdown()
    httpd.server_close()
    cleanup()


def test_identifiers_follow_the_syntax_and_round_trip(server):
    url, ids = server
    sickle = Sickle(url)
    headers = list(sickle.ListIdentifiers(metadataPrefix="oai_dc"))
    assert len(headers) == len(ids)
    for header in headers:
        assert OAI_IDENTIFIER.match(header.identifier), header.identifier
    assert "oai:%s:370000:YQ%%200001" % REPO in {h.identifier for h in headers}
    assert "oai:%s:370000:plain-ID_1.2" % REPO in {h.identifier for h in headers}, "ids that need no escaping keep their form"
    for header in headers:
        record = sickle.GetRecord(identifier=header.identifier, metadataPrefix="oai_dc")
        assert record.header.identifier == header.identifier
        dc_id = record.xml.find(".//{http://purl.org/dc/elements/1.1/}identifier").text
        assert dc_id in ids
    assert {sickle.GetRecord(identifier=h.identifier, metadataPrefix="oai_dc").metadata["identifier"][0] for h in headers} == set(ids)


@pytest.mark.parametrize(
    "query",
    [
        "verb=ListRecords&metadataPrefix=oai_dc&from=",
        "verb=ListRecords&metadataPrefix=oai_dc&until=",
        "verb=ListIdentifiers&metadataPrefix=oai_dc&set=",
    ],
)
def test_an_empty_argument_is_bad(server, query):
    import requests

    url, _ = server
    body = requests.get(f"{url}?{query}", timeout=10).content
    error = etree.fromstring(body).find("{http://www.openarchives.org/OAI/2.0/}error")
    assert error is not None and error.get("code") == "badArgument"


def test_an_identifier_that_decodes_to_nothing_is_id_does_not_exist(server):
    url, _ = server
    with pytest.raises(oaiexceptions.IdDoesNotExist):
        Sickle(url).GetRecord(identifier=f"oai:{REPO}:370000:%FF%FE", metadataPrefix="oai_dc")
