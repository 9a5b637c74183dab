"""GET /api/v1/instruments/export?format=csv|xlsx|jsonl&<the search parameters>."""

from __future__ import annotations

from datetime import date

from flask import Response, current_app
from werkzeug.exceptions import ServiceUnavailable

from hub.exports.formats import FORMATS
from hub.auth.web import public
from hub.exports.stream import records
from hub.search import SearchParams
from hub.web import store
from hub.web.api import Blueprint
from hub.web.api.schemas import ExportParams
from hub.web.slots import RETRY_AFTER, export_slots

blp = Blueprint("exports", __name__, url_prefix="/api/v1/instruments", description="Exports of any search")


@blp.route("/export")
@blp.arguments(ExportParams, location="query", as_kwargs=False)
@blp.response(200, description="The file, streamed", content_type="text/csv")
@blp.alt_response(200, description="XLSX", content_type=FORMATS["xlsx"][1])
@blp.alt_response(503, description="This process sends as many exports as it may at once; try again after Retry-After seconds")
@public
def export(args):
    """Every instrument a search selects (paging is ignored): CSV (UTF-8 with BOM), XLSX or JSON Lines.

    Streamed in constant memory however large the result; text cells a spreadsheet would run as a
    formula (= + - @ tab CR) are prefixed with an apostrophe in CSV and XLSX. A web process sends a
    few exports at once (hub.web.slots); beyond them the answer is 503 with Retry-After.
    """
    slots = export_slots(current_app)
    if not slots.take():
        raise ServiceUnavailable(
            f"this server is sending {slots.size} exports already; try again in {RETRY_AFTER} seconds", retry_after=RETRY_AFTER
        )
    try:
        fmt = args.pop("format")
        args.pop("page", None), args.pop("page_size", None)
        writer, media_type, ext = FORMATS[fmt]
        body = slots.holding(writer(records(store(), SearchParams(**args))))
    except BaseException:
        slots.give()  # no body holds the slot yet, so nothing else would give it back
        raise
    name = f"instruments-{date.today():%Y%m%d}.{ext}"
    return Response(
        body,
        mimetype=media_type.split(";")[0],
        content_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
        direct_passthrough=True,
    )
