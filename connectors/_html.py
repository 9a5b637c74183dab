"""Reading the tables of vendor HTML pages: decoding (design rule 7), labels, cell text.

Pure functions over bytes and lxml trees; the `yqlm-html` connector does the fetching.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlparse

import lxml.html
from lxml import etree

from hub.decoding import declared_charset, decode, trusted_charset as trusted

#: Marks a `<br>` while whitespace is collapsed; a character no page uses as text.
_BR = "\u2029"
_PAGE_COUNT = re.compile(r"共\s*(\d+)\s*页")
_LABEL_JUNK = re.compile(r"[\s:：]+")


def decode_page(body: bytes, content_type: str | None, override: str | None = None) -> tuple[str, str]:
    """Text of a page and the encoding used: override, then the HTTP or `<meta>` charset (GBK read
    as GB18030; a Latin-1 declaration is not trusted), then strict UTF-8, then strict GB18030."""
    declared = trusted(declared_charset(content_type, body))
    if declared is None and content_type:
        # An untrusted HTTP charset must not hide a believable <meta> one.
        declared = trusted(declared_charset(None, body))
    return decode(body, declared, override)


def parse(text: str):
    """An lxml HTML tree; an empty page gives an empty document instead of an error."""
    if not text.strip():
        return lxml.html.document_fromstring("<html><body></body></html>")
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html><body></body></html>")


def cell_text(cell) -> str:
    """Visible text of a cell: `<br>` becomes a newline, other whitespace runs one space, trimmed.
    Entities are already decoded by the parser."""
    for br in cell.iter("br"):
        br.tail = _BR + (br.tail or "")
    lines = (" ".join(part.split()) for part in cell.text_content().split(_BR))
    return "\n".join(lines).strip()


def normalise_label(text: str) -> str:
    """`仪器名称：`, ` 联 系 人: ` → `仪器名称`, `联系人`: colons (ASCII or full-width) and all
    whitespace removed; Chinese labels never carry meaningful spaces, sites pad them for alignment."""
    return _LABEL_JUNK.sub("", text)


def closes(text: str, css_class: str) -> bool:
    """Whether the raw markup of a page is whole where it matters: the table with `css_class` has its
    closing `</table>`, or, on a page without that table, the document has its `</body>` or `</html>`.

    lxml closes whatever a cut page left open without a word, so a listing page broken off after its
    seventh row parses as a listing of seven; only the raw text shows the cut."""
    opening = re.search(rf"""<table\b[^>]*\bclass\s*=\s*["']?[^"'>]*\b{re.escape(css_class)}\b""", text, re.I)
    if opening is None:
        return re.search(r"</(body|html)\s*>", text, re.I) is not None
    return re.search(r"</table\s*>", text[opening.end() :], re.I) is not None


def find_table(doc, css_class: str):
    """The table with `css_class`; failing that, None (the caller decides what that means)."""
    tables = doc.xpath(f'//table[contains(concat(" ", normalize-space(@class), " "), " {css_class} ")]')
    return tables[0] if tables else None


def _cells(row):
    return [c for c in row if isinstance(c.tag, str) and c.tag in ("th", "td")]


def _rows(table):
    # Rows of this table only, whether or not the parser added a <tbody>; nested tables excluded.
    return table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")


def label_value_pairs(table) -> dict[str, str]:
    """A detail table as label → value. Rows hold one pair (`<th>` label, `<td>` value) or several
    side by side; a label seen twice keeps its first non-empty value."""
    pairs: dict[str, str] = {}
    for row in _rows(table):
        cells = _cells(row)
        for i in range(0, len(cells) - 1, 2):
            label = normalise_label(cell_text(cells[i]))
            if not label:
                continue
            value = cell_text(cells[i + 1])
            if not pairs.get(label):
                pairs[label] = value
    return pairs


def listing_rows(table, page_url: str, id_param: str = "id"):
    """Rows of a listing table: yields `(cells, source_id)` with cells as label → text (column
    `colN` where the header has no label) and the `id` parameter of the row's first link that has one."""
    labels: list[str] = []
    for row in _rows(table):
        cells = _cells(row)
        if cells and all(c.tag == "th" for c in cells):
            labels = [normalise_label(cell_text(c)) for c in cells]
            continue
        if not cells:
            continue
        values = {}
        for i, cell in enumerate(cells):
            label = labels[i] if i < len(labels) and labels[i] else f"col{i + 1}"
            values[label] = cell_text(cell)
        yield values, _link_id(row, page_url, id_param)


def _link_id(row, page_url: str, id_param: str) -> str | None:
    for href in row.xpath(".//a/@href"):
        query = parse_qs(urlparse(urljoin(page_url, href.strip())).query)
        ids = [v.strip() for v in query.get(id_param, []) if v.strip()]
        if ids:
            return ids[0]
    return None


def page_count(doc) -> int | None:
    """`共 37 页` from the pager (or anywhere on the page when the pager has another class)."""
    pagers = doc.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " pager ")]')
    for node in pagers + [doc]:
        m = _PAGE_COUNT.search(node.text_content())
        if m:
            return int(m.group(1))
    return None
