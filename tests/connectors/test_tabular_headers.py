"""A harvested register whose file repeats its header (two exports joined into one, a concatenated
export) is harvested as its rows alone, as a pushed table is (`Mapping.table_records`): the header met
again is no record. Served by a real local HTTP server, harvested through the `tabular` family."""

from __future__ import annotations

import csv
import dataclasses
import io
from http.server import BaseHTTPRequestHandler

import pytest
import xlsxwriter
from sqlalchemy import func, select

from hub.harvest.pipeline import Harvester
from hub.simulate import SimulatorServer
from hub.simulate.families.tabular import TEMPLATES
from hub.simulate.registers import REGISTERS
from hub.store.models import Instrument, RecordErrorRow
from hub.store.networks import sync_networks
from tests.conftest import fail_fast_settings
from tests.local_http import serving

I, E = Instrument.__table__, RecordErrorRow.__table__
CODES = ["FGBUK1", "ACAS01"]
#: Rows of the first export before the second one's header.
FIRST = 5


@pytest.fixture(scope="module")
def sim():
    # Only for the registers' generated rows (the files are served by the test's own server).
    with SimulatorServer(networks=CODES, scale=0.05, port=0) as server:
        yield server


@pytest.fixture
def harvester(store, registry):
    sync_networks(store, registry)
    return Harvester(store, fail_fast_settings(max_retries=0))


def _csv(lines, encoding) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(lines)
    return out.getvalue().encode(encoding, errors="replace")


def _xlsx(lines) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("Register")
    for r, line in enumerate(lines):
        sheet.write_row(r, 0, line)
    book.close()
    return out.getvalue()


def _files(files: dict[str, bytes]) -> type[BaseHTTPRequestHandler]:
    class Files(BaseHTTPRequestHandler):
        def do_GET(self):
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Files


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_register_that_repeats_its_header_is_harvested_as_its_rows_alone(sim, registry, store, harvester, code, fmt):
    """Reproduced with a real register: the Uniquip file with its header again after five rows
    became an instrument named "Name" (id `Department | Name | Building`), created and searchable;
    the Chinese template's became a record `单位内部编号` rejected for its 原值. Pushed, the same file
    reports the row under `repeated_headers`; harvested, the run's message names it, uncounted."""
    register = REGISTERS[code]
    columns, make_rows = TEMPLATES[register.template]
    rows = [list(r) for r in make_rows(sim.state(code))]
    whole, joined = [columns, *rows], [columns, *rows[:FIRST], columns, *rows[FIRST:]]
    if fmt == "csv":
        bodies = {"/whole.csv": _csv(whole, register.encoding), "/joined.csv": _csv(joined, register.encoding)}
        # Where the second header starts, counting line breaks inside quoted cells as the reader does.
        line = _csv(joined[: FIRST + 1], register.encoding).count(b"\n") + 1
        place = f"joined.csv line {line}"
    else:
        bodies = {"/whole.xlsx": _xlsx(whole), "/joined.xlsx": _xlsx(joined)}
        place = f"joined.xlsx row {FIRST + 2}"

    with serving(_files(bodies)) as url:
        network = dataclasses.replace(registry.get(code), base_url=url)
        first = harvester.harvest_instruments(dataclasses.replace(network, options=dict(network.options, files=[f"whole.{fmt}"])))
        again = harvester.harvest_instruments(dataclasses.replace(network, options=dict(network.options, files=[f"joined.{fmt}"])))

    assert first.state == again.state == "succeeded", (first.message, again.message)
    c, before_c = again.counts, first.counts
    # The same rows, found unchanged: the header row is neither fetched, created nor rejected.
    assert (c.fetched, c.created, c.updated, c.rejected, c.withdrawn) == (before_c.fetched, 0, 0, before_c.rejected, 0), c
    assert f"1 row repeats the header (not a record, not counted): {place}" in (again.message or ""), again.message
    with store.read() as conn:
        listed = conn.execute(select(func.count()).select_from(I).where(I.c.network == code)).scalar_one()
        errors = conn.execute(select(func.count()).select_from(E).where(E.c.job_id == again.job_id, E.c.severity == "error")).scalar_one()
    assert listed == first.counts.created, "the header became an instrument"
    assert errors == before_c.rejected + before_c.repeated, "the header was rejected as a record"
