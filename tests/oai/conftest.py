"""What the tests of /oai share: the protocol's schemas to validate answers against, and the app over
the test's store on a real server (a module that serves its own store defines its own `server`)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from lxml import etree
from werkzeug.serving import WSGIRequestHandler, make_server

from hub.web import create_app

XSD = Path(__file__).parent / "xsd"


@pytest.fixture(scope="module")
def schemas():
    """(strict, lax): the OAI-PMH schema with oai_dc and oai-identifier, and one that takes any
    well-formed metadata (nrii has no published schema)."""
    imports = {
        "http://www.openarchives.org/OAI/2.0/": "OAI-PMH.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/": "oai_dc.xsd",
        "http://www.openarchives.org/OAI/2.0/oai-identifier": "oai-identifier.xsd",
    }
    lines = "".join(f'<import namespace="{ns}" schemaLocation="{(XSD / name).as_uri()}"/>' for ns, name in imports.items())
    strict = etree.XMLSchema(
        etree.XML(f'<schema xmlns="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:tests:oai">{lines}</schema>')
    )
    lax = etree.parse(str(XSD / "OAI-PMH.xsd"))
    for any_ in lax.iter("{http://www.w3.org/2001/XMLSchema}any"):
        any_.set("processContents", "lax")
    return strict, etree.XMLSchema(lax)


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture
def server(store):
    """The app over the test's `store` on a real threaded server: its /oai address."""
    app = create_app({"STORE": store, "TESTING": True})
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}/oai"
    httpd.shutdown()
    httpd.server_close()
