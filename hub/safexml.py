"""Parsers for untrusted XML (design rule 6): no entity expansion, no DTD, no network, bounded trees.

lxml's `resolve_entities=False` leaves entity references unexpanded, which defeats both XXE and the
billion-laughs expansion; `no_network` stops any fetch; `huge_tree=False` keeps libxml2's limits on
depth and text size.
"""

from __future__ import annotations

from lxml import etree

PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False)


def parser(**extra) -> etree.XMLParser:
    return etree.XMLParser(remove_comments=True, remove_pis=True, **PARSER_OPTIONS, **extra)


def iterparse(source, tag=None, events=("end",), **extra):
    """Streaming parse of a file object with the safe options; yields (event, element)."""
    return etree.iterparse(source, events=events, tag=tag, remove_comments=True, remove_pis=True, **PARSER_OPTIONS, **extra)


def fromstring(data: bytes):
    return etree.fromstring(data, parser())


def has_doctype(head: bytes) -> bool:
    """A DOCTYPE in a data feed is never needed and is how XXE and entity bombs arrive."""
    return b"<!DOCTYPE" in head[:4096].upper() or b"<!ENTITY" in head[:4096].upper()
