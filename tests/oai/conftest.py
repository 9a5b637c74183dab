"""What the tests of /oai share: the protocol's schemas to validate answers against."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

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
