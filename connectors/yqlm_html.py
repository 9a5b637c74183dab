"""Family `yqlm-html`: the public website only (reference: Hebei 130000).

Listing `GET {base}/yiqi/list.jsp?page=N` (20 rows, pager `共 N 页`), detail
`GET {base}/yiqi/detail.jsp?id=…` (a label/value table), optionally the monthly directory
`GET {base}/download/yiqi_mulu.csv`, and service statistics `GET {base}/download/fwtj_{year}.csv`.
Pages are GBK, declared in the header, in a `<meta>`, not at all, or wrongly as ISO-8859-1; they are
decoded by `hub.decoding` (the `encoding` option overrides).

Completeness. The page count comes from the pager; a page number past the end returns the last
page again, so a page that repeats its predecessor's rows (or is empty) before the pager's count is
reached fails the listing, and without a pager it marks the end. Each page must also prove itself
whole: its `yq-list` table closed in the raw markup (a page without the table: its `</body>` or
`</html>`), since the HTML parser silently closes a page that was cut after its seventh row; and
every page but the last must hold as many rows as the fullest page (the site's 20). A cut page
yields its rows but the last (which the cut may have damaged), then fails the listing. There is no
incremental listing: withdrawals are visible only by absence, so every run is a full listing.

Politeness. At most `concurrency` (≤ 4) requests are in flight at any moment: listing pages and
detail pages go through one bounded thread pool, and listing pages are requested ahead only once
the pager has said how many there are. 502s are retried by `HttpClient`.

Payload: detail-table label (colons and whitespace stripped) → text (`<br>` kept as newlines,
entities decoded, trimmed); listing cells under `listing.<label>`. With the CSV directory, a
directory row fills the labels the detail page does not show; the page wins wherever it has a label
(see docs/connectors.md for the combination rules).
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from marshmallow import Schema, fields, validate

from connectors import register
from connectors._csvstream import iter_csv
from connectors._diskrows import DiskRows
from connectors._html import cell_text, closes, decode_page, find_table, label_value_pairs, listing_rows, normalise_label, page_count, parse
from connectors._options import encoding_field
from connectors.base import Connector, RawRecord, ServiceRow
from hub.decoding import DecodingError, utf8_inside_gb18030
from hub.errors import ConnectorError

LIST_PATH = "/yiqi/list.jsp"
DETAIL_PATH = "/yiqi/detail.jsp"
DIRECTORY_PATH = "/download/yiqi_mulu.csv"
STATS_PATH = "/download/fwtj_{year}.csv"
ID_LABEL = "仪器编号"
GONE_MARKERS = ("该仪器不存在", "已下架")
#: Listing page limit when a site shows no pager: a safety stop, far above any province (≈500 pages).
MAX_PAGES_WITHOUT_PAGER = 5000
PAGE_CAP = 16 * 1024 * 1024
UPDATED_LABEL = "最后更新"


#: Columns that number a listing's rows (序号 1, 2, 3 …): where a row stands, not what it says. Kept in
#: the payload, they changed every later record's content hash whenever a row above was removed: a
#: deletion of 2 records re-stamped 1,687 unchanged ones as updated (design rule 4).
ORDINAL_LABELS = frozenset({"序号", "行号", "No.", "#"})


class YqlmOptions(Schema):
    #: The site offers `download/yiqi_mulu.csv` (Tianjin, Hebei); others have none.
    csv_directory = fields.Boolean(load_default=False)
    #: Fetch every detail page even when the directory has the instrument. False: only instruments
    #: missing from the directory or whose listing cells disagree with it get a detail page.
    detail_pages = fields.Boolean(load_default=True)
    #: Requests in flight at once; the sites ask for at most 4.
    concurrency = fields.Integer(load_default=4, validate=validate.Range(1, 4))
    encoding = encoding_field()


@dataclass
class ListingPage:
    number: int
    rows: list = field(default_factory=list)  # [(cells, source_id)]
    pages: int | None = None
    #: Whether the raw page was whole (`connectors._html.closes`); a cut page fails the listing.
    closed: bool = True

    @property
    def ids(self) -> tuple:
        return tuple(source_id for _, source_id in self.rows)


def detail_payload(text: str) -> tuple[dict, str | None]:
    """(label → value, problem) of a decoded detail page; pure."""
    doc = parse(text)
    table = find_table(doc, "yq-detail")
    if not closes(text, "yq-detail"):
        # The parser would close the table and the labels after the cut would just be missing.
        return {}, "detail page is cut short (its yq-detail table is not closed): not used"
    if table is None:
        body = cell_text(doc.body) if doc.body is not None else ""
        for marker in GONE_MARKERS:
            if marker in body:
                return {}, f"detail page says {body[:60]!r}: the instrument is listed but gone"
        return {}, "detail page has no yq-detail table"
    pairs = label_value_pairs(table)
    if not pairs:
        return {}, "detail table has no label/value rows"
    return pairs, None


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


@register("yqlm-html")
class YqlmHtmlConnector(Connector):
    supports_incremental = False
    options_schema = YqlmOptions

    def __init__(self, network, http):
        super().__init__(network, http)
        #: Messages about rows dropped or information not used (directory rows, stats rows).
        self.skipped: list[str] = []
        #: Fields of GB18030 pages whose bytes were UTF-8 (`detail page HE-1: 仪器类别`), read as UTF-8.
        self.mixed: list[str] = []

    # ------------------------------------------------------------------ transport

    def _url(self, path: str) -> str:
        return self.network.base_url.rstrip("/") + path

    def _page(self, path: str, params: dict) -> tuple[str, str, str]:
        """(decoded text, encoding, url) of one page; DecodingError passes through to the caller."""
        response = self.http.get(self._url(path), params=params)
        body = self.http.read(response, PAGE_CAP)
        text, encoding = decode_page(body, response.headers.get("Content-Type"), self.options["encoding"])
        return text, encoding, response.url

    def _unmixed(self, fields: dict, encoding: str, where: str) -> dict:
        """`fields` (label → text) of a page read as GB18030 with the labels and values whose bytes
        were UTF-8 read as UTF-8 (design rule 7: no silent mojibake), each noted."""
        if encoding != "gb18030":
            return fields
        clean = {}
        for label, value in fields.items():
            label = utf8_inside_gb18030(label) or label
            repaired = utf8_inside_gb18030(value)
            if repaired is not None:
                self.mixed.append(f"{where}: {label}")
                value = repaired
            clean[label] = value
        return clean

    def _listing_page(self, number: int) -> ListingPage:
        try:
            text, encoding, url = self._page(LIST_PATH, {"page": number})
        except DecodingError as exc:
            raise ConnectorError(self.network.code, f"listing page {number}: {exc}", "decoding") from None
        doc = parse(text)
        page = ListingPage(number, pages=page_count(doc), closed=closes(text, "yq-list"))
        table = find_table(doc, "yq-list")
        if table is not None:
            where = f"listing page {number}"
            page.rows = [(self._unmixed(cells, encoding, where), source_id) for cells, source_id in listing_rows(table, url)]
        return page

    def _detail(self, source_id: str) -> tuple[dict, str | None]:
        try:
            text, encoding, _ = self._page(DETAIL_PATH, {"id": source_id})
        except DecodingError as exc:
            return {}, f"detail page: {exc}"
        pairs, problem = detail_payload(text)
        return self._unmixed(pairs, encoding, f"detail page {source_id}"), problem

    # ------------------------------------------------------------------ listing

    def _pages(self, pool):
        """Yield listing pages in order. Once the pager has given the page count, up to
        `concurrency` later pages are requested ahead (in the pool, so never more requests in flight
        than allowed); without a pager, one page ahead, since only a repeat shows the end."""
        pending = deque([pool.submit(self._listing_page, 1)])
        following = 2
        previous: ListingPage | None = None
        bound = None
        sizes: list[tuple[int, int]] = []  # (page number, rows) of the pages yielded
        while pending:
            page = pending.popleft().result()
            if not page.closed:
                # Rows before the cut are whole and still land; the last one may be damaged.
                page.rows = page.rows[:-1]
                yield page
                raise ConnectorError(
                    self.network.code,
                    f"listing page {page.number} is cut short: its yq-list table is not closed "
                    f"({len(page.rows) + 1} rows arrived, the rest are missing)",
                    "truncated",
                )
            if page.pages is not None:
                bound = page.pages
            past_end = not page.rows or (previous is not None and page.ids == previous.ids)
            if past_end:
                if bound is not None and page.number <= bound:
                    what = "is empty" if not page.rows else f"repeats page {page.number - 1}"
                    raise ConnectorError(
                        self.network.code, f"listing page {page.number} {what} although the pager says {bound} pages", "incomplete"
                    )
                self._check_sizes(sizes)
                return
            if bound is None and page.number >= MAX_PAGES_WITHOUT_PAGER:
                raise ConnectorError(self.network.code, f"listing has no pager and no end after {page.number} pages", "incomplete")
            ahead = self.options["concurrency"] if bound is not None else 1
            while len(pending) < ahead and (bound is None or following <= bound):
                pending.append(pool.submit(self._listing_page, following))
                following += 1
            yield page
            sizes.append((page.number, len(page.rows)))
            previous = page
        self._check_sizes(sizes)

    def _check_sizes(self, sizes):
        """Every page but the last holds as many rows as the fullest one: a short page in the middle
        lost rows (cut at a row boundary, or a half-rendered page) that the listing would not see."""
        if len(sizes) < 2:
            return
        widest = max(rows for _, rows in sizes)
        short = [(number, rows) for number, rows in sizes[:-1] if rows < widest]
        if short:
            number, rows = short[0]
            raise ConnectorError(
                self.network.code,
                f"listing page {number} has {rows} rows where every page but the last has {widest}: rows are missing",
                "incomplete",
            )

    def list_records(self, since=None):
        # `since` is ignored: this family has no incremental listing (supports_incremental False).
        with self._directory() as directory:
            yield from self._walk(directory)

    def _walk(self, directory: DiskRows):
        listed: set[str] = set()
        pool = ThreadPoolExecutor(max_workers=self.options["concurrency"], thread_name_prefix=f"yqlm-{self.network.code}")
        try:
            for page in self._pages(pool):
                work = []
                for index, (cells, source_id) in enumerate(page.rows, 1):
                    if source_id is not None and source_id in listed:
                        # Passed on, not dropped: the writer reports it as a repeat naming the first
                        # (a register listing one id twice lost rows silently). No detail page for it.
                        work.append((index, cells, source_id, None, None))
                        continue
                    if source_id is not None:
                        listed.add(source_id)
                    row = directory.get(source_id) if source_id is not None else None
                    fetch = source_id is not None and (row is None or self.options["detail_pages"] or not self._agrees(cells, row))
                    work.append((index, cells, source_id, row, pool.submit(self._detail, source_id) if fetch else None))
                for index, cells, source_id, row, future in work:
                    yield self._record(page.number, index, cells, source_id, row, future.result() if future else None)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if self.mixed:
            shown = "; ".join(self.mixed[:5]) + (f"; and {len(self.mixed) - 5} more" if len(self.mixed) > 5 else "")
            self.notes.append(f"{len(self.mixed)} fields of GBK pages were UTF-8 bytes, read as UTF-8: {shown}")
        unlisted = sum(1 for source_id in directory if source_id not in listed)
        if unlisted:
            self.skipped.append(f"{unlisted} directory rows are not in the listing (withdrawn since the CSV was made); ignored")

    @staticmethod
    def _agrees(cells: dict, row: dict) -> bool:
        """Whether the listing cells match the directory row on every label both have."""
        return all(_same(value, row[label]) for label, value in cells.items() if label in row)

    def _record(self, page_no, index, cells, source_id, row, detail) -> RawRecord:
        payload = {label: value for label, value in (row or {}).items() if label not in ORDINAL_LABELS}
        problem = None
        if detail is not None:
            pairs, problem = detail
            payload.update(pairs)
        payload.update({f"listing.{label}": value for label, value in cells.items() if label not in ORDINAL_LABELS})
        if source_id is None:
            return RawRecord(
                f"(listing page {page_no} row {index})",
                payload,
                problem=f"listing page {page_no} row {index} has no detail link with an id",
            )
        updated = payload.get(UPDATED_LABEL) or None
        return RawRecord(
            source_id,
            payload,
            source_updated=updated,
            problem=f"record {source_id}: {problem}" if problem else None,
            where=f"listing page {page_no}, row {index}",
        )

    def _directory(self) -> DiskRows:
        """The CSV directory by id (empty without `csv_directory`); an unusable directory is reported
        and the pages used alone."""
        rows = DiskRows()
        if not self.options["csv_directory"]:
            return rows
        try:
            response = self.http.get(self._url(DIRECTORY_PATH))
            for line, row in iter_csv(self.http, response, what="directory yiqi_mulu.csv", override=self.options["encoding"]):
                row = {normalise_label(k): v for k, v in row.items()}
                source_id = row.get(ID_LABEL)
                if not source_id:
                    self.skipped.append(f"directory yiqi_mulu.csv line {line}: no {ID_LABEL}; ignored")
                    continue
                rows.add(source_id, row)
        except ConnectorError as exc:
            # The pages are authoritative and complete on their own; the directory only saves requests.
            self.skipped.append(f"directory yiqi_mulu.csv unusable, detail pages used instead: {exc}")
            rows.close()
            return DiskRows()
        except BaseException:
            rows.close()
            raise
        return rows

    # ------------------------------------------------------------------ the rest

    def service_stats(self, year: int):
        path = STATS_PATH.format(year=int(year))
        response = self.http.get(self._url(path))
        for line, row in iter_csv(self.http, response, what=f"service statistics fwtj_{year}.csv", override=self.options["encoding"]):
            row = {normalise_label(k): v for k, v in row.items()}
            source_id = row.get(ID_LABEL)
            if not source_id:
                self.skipped.append(f"fwtj_{year}.csv line {line}: no {ID_LABEL}; dropped")
                continue
            yield ServiceRow(source_id, year, row)

    def probe(self) -> None:
        """One request: the first listing page, which must decode."""
        try:
            self._page(LIST_PATH, {"page": 1})
        except DecodingError as exc:
            raise ConnectorError(self.network.code, f"listing page 1: {exc}", "decoding") from None
