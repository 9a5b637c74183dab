"""The OAI-PMH 2.0 protocol's names, in one place for the connector, the provider and the simulator.

https://www.openarchives.org/OAI/openarchivesprotocol.html — namespaces, the verbs with the
arguments each accepts besides `verb` (spec 3.1.1), and the metadata formats of the national
reporting model (`nrii`, see ../shared/networks/oai-pmh.md).
"""

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
NRII_NS = "http://nrii.example.cn/schema/instrument/1.0"

#: metadataPrefix → (schema location, namespace)
FORMATS = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS),
    "nrii": ("http://nrii.example.cn/schema/instrument/1.0/instrument.xsd", NRII_NS),
    "nrii_service": ("http://nrii.example.cn/schema/instrument/1.0/service.xsd", NRII_NS),
}

VERBS = {
    "Identify": set(),
    "ListMetadataFormats": {"identifier"},
    "ListSets": {"resumptionToken"},
    "ListIdentifiers": {"metadataPrefix", "from", "until", "set", "resumptionToken"},
    "ListRecords": {"metadataPrefix", "from", "until", "set", "resumptionToken"},
    "GetRecord": {"identifier", "metadataPrefix"},
}

GRANULARITY_DAY = "YYYY-MM-DD"
GRANULARITY_SECONDS = "YYYY-MM-DDThh:mm:ssZ"
