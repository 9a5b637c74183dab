"""The national catalogue as an OAI-PMH 2.0 data provider at `/oai` (docs/oai.md).

Verbs: Identify, ListMetadataFormats (`oai_dc`, `nrii`: written by hub.web.oai_formats), ListSets (`network:<code>`,
`category:<2 digits>`, `category:<4 digits>`, and their parents `network`, `category`),
ListIdentifiers, ListRecords, GetRecord. Withdrawn instruments are deleted records
(`deletedRecord` persistent: tombstones are kept forever).

* Identifiers: `oai:<repository id>:<instrument id>` (`oai:hub.nrii.example.cn:370000:YQ000001`), the
  instrument id percent-encoded (UTF-8) wherever it holds a character the oai-identifier syntax does not
  allow in a local identifier (space, `<`, `"`, CJK …) — and `&` and `%` too, so that an identifier
  needs no escaping in a URL and decodes to exactly one id. GetRecord decodes it back.
* An empty argument (`from=`) is badArgument, as the protocol says of an illegal value.
* Datestamp: when the hub last changed the record — its withdrawal time for a withdrawn one, else
  the time its current payload was stored (`raw_records.fetched_at`, written only when the content
  hash changes or a remap rewrites it), else `first_seen`. Granularity seconds, UTC.
* Paging: 100 records a response, keyset on the instrument id (stable while the catalogue changes:
  no record is skipped or repeated within a listing). The resumption token is the query plus the
  last id, cursor and completeListSize, signed (`itsdangerous`, the app's SECRET_KEY) so a forged or
  damaged token is `badResumptionToken`. Tokens do not expire. A resumed page of a list with `until`
  also holds what changed past `until` since the list began (`CHANGED_WHILE_LISTED_MARGIN`); one that
  changes left with nothing repeats the list's last record rather than hold none (`_repeated_last`).
* Errors are answered as the specification words them (HTTP 200, `<error code=…>`; the `request`
  element without attributes for badVerb/badArgument); a body over the app's limit too, as
  badArgument with its 413.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote

from flask import Blueprint, Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from lxml import etree
from sqlalchemy import case, func, or_, select
from werkzeug.exceptions import RequestEntityTooLarge

from hub.clock import now
from hub.auth.web import public
from hub.dedup.tables import CLUSTERS
from hub.oaipmh import FORMATS, GRANULARITY_SECONDS, OAI_NS, VERBS, XSI_NS
from hub.store.models import Instrument, Network, OwnerUnit, RawRecordRow
from hub.search.facets import NOT_SUBDIVIDED
from hub.web import store
from hub.web.oai_formats import WRITERS, category_names, element
from hub.web.public_url import external
from hub.web.urls import ControlCharacters, has_control

bp = Blueprint("oai", __name__)

# The provider disseminates the instrument formats; nrii_service is what networks send, not us.
FORMATS = {prefix: FORMATS[prefix] for prefix in ("oai_dc", "nrii")}
XSI = XSI_NS
GRANULARITY = GRANULARITY_SECONDS
PAGE = 100
#: A resumed page of a list with `until` also holds the records whose datestamp moved past it since
#: the list began (less this margin: a change is stamped shortly before its commit), as the protocol
#: allows (3.5.1: "may contain records with datestamps that either moved into or out of the range"),
#: so that what matched when the list began is still listed, as it is now, and a resumed page is not
#: emptied by changes. The margin lets through a few changes from just before the first page: harmless.
CHANGED_WHILE_LISTED_MARGIN = timedelta(minutes=1)
_I, _O, _R, _N = Instrument.__table__, OwnerUnit.__table__, RawRecordRow.__table__, Network.__table__
CLUSTER_ID = select(CLUSTERS.c.cluster_id).where(CLUSTERS.c.instrument_id == _I.c.id).scalar_subquery()
#: When the set of records in the record's cluster last changed: the record as disseminated (its
#: clusterId, its relation) changed then, so incremental harvesters must see it again.
CLUSTERED_AT = select(CLUSTERS.c.clustered_at).where(CLUSTERS.c.instrument_id == _I.c.id).scalar_subquery()
_FETCHED = func.coalesce(_R.c.fetched_at, _I.c.first_seen)
DATESTAMP = func.coalesce(_I.c.withdrawn_at, case((CLUSTERED_AT > _FETCHED, CLUSTERED_AT), else_=_FETCHED))
SET_SPEC = re.compile(r"^(network(:(\d{6}|[MACF][A-Z0-9]{5}))?|category(:\d{2}|:\d{4})?)$")
# The protocol's syntax of a setSpec and a metadataPrefix (OAI-PMH.xsd): a value outside it is a
# badArgument ("illegal syntax"), not an unknown set or format, whose answer would echo it in the
# request element and so fail the schema.
SET_SPEC_SYNTAX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
PREFIX_SYNTAX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")


class OaiError(Exception):
    def __init__(self, code: str, message: str):
        self.code, self.message = code, message


# ------------------------------------------------------------------------------------ helpers


def _settings():
    cfg = current_app.config
    return (
        cfg.get("OAI_REPOSITORY_ID", "hub.nrii.example.cn"),
        cfg.get("OAI_ADMIN_EMAIL", "hub-admin@nrii.example.cn"),
        cfg.get("OAI_REPOSITORY_NAME", "全国大型科学仪器共享目录 National large scientific instrument sharing catalogue"),
    )


def _serializer() -> URLSafeSerializer:
    # create_app refuses to start without a key (hub.web._secret_key): never a built-in one.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="oai-resumption-token")


def _utc(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def datestamp(value) -> str:
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


_DATESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?")


def parse_datestamp(value: str, *, end: bool) -> tuple[datetime, bool]:
    """An OAI `from`/`until` → (UTC bound, day granularity?). `until` days include the whole day."""
    # strptime's %Y takes any Unicode digits ("２０２６") and %m one digit ("2026-1-1"); the
    # protocol's datestamps are ASCII, every field at its full width.
    for fmt, day in (("%Y-%m-%dT%H:%M:%SZ", False), ("%Y-%m-%d", True)) if _DATESTAMP.fullmatch(value) else ():
        try:
            parsed = datetime.strptime(value, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
        if end:
            try:
                parsed += timedelta(days=1) if day else timedelta(seconds=1)
            except OverflowError:  # until=9999-12-31: the end of time, everything
                parsed = datetime.max.replace(tzinfo=timezone.utc)
        return parsed, day
    raise OaiError("badArgument", f"{value!r} is not a datestamp of granularity YYYY-MM-DD or {GRANULARITY}")


def _q(name):
    return f"{{{OAI_NS}}}{name}"


# ------------------------------------------------------------------------------------ the endpoint


def _envelope():
    root = etree.Element(_q("OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
    element(root, _q("responseDate"), datestamp(datetime.now(timezone.utc)))
    return root, element(root, _q("request"), external("oai.oai"))


def _answer(root) -> Response:
    return Response(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), content_type="text/xml; charset=utf-8")


@bp.errorhandler(ControlCharacters)
def _control_characters(exc):
    # Refused before the view (hub.web.urls); OAI-PMH says how: badArgument, the request element bare.
    root, _ = _envelope()
    element(root, _q("error"), "an argument holds a control character (such as NUL, CR or LF)", code="badArgument")
    return _answer(root)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    # A POSTed form over the app's limit (hub.web.request_body), refused as it is read: an OAI-PMH
    # client parses the body as the protocol's XML, so the refusal is badArgument, keeping the 413
    # that says why (clients that stop at the status, as Sickle does, stop there as before).
    root, _ = _envelope()
    body, field = request.max_content_length, request.max_form_memory_size  # either refuses a form
    limits = " and ".join(f"{what} at most {n:,} bytes" for what, n in (("a body", body), ("a form field", field)) if n)
    element(root, _q("error"), f"the request is too large ({limits}): an OAI-PMH request is a few short arguments", code="badArgument")
    response = _answer(root)
    response.status_code = 413
    return response


# strict_slashes=False: a harvester configured with ".../oai/" is answered too, not sent an HTML 404.
@bp.route("/oai", methods=["GET", "POST"], strict_slashes=False)
@public
def oai():
    args = request.values
    verb = args.get("verb")
    root, req = _envelope()
    try:
        if any(has_control(k) or has_control(v) for k, v in args.items(multi=True)):  # a POSTed form, too
            raise OaiError("badArgument", "an argument holds a control character (such as NUL, CR or LF)")
        if len(args.getlist("verb")) > 1:
            raise OaiError("badVerb", "the verb argument is repeated")
        if verb not in VERBS:
            raise OaiError("badVerb", f"illegal OAI verb {verb!r}" if verb else "missing verb argument")
        repeated = [k for k in args if len(args.getlist(k)) > 1]
        illegal = set(args) - VERBS[verb] - {"verb"}
        if repeated or illegal:
            raise OaiError("badArgument", f"illegal or repeated arguments: {', '.join(sorted(set(repeated) | illegal))}")
        empty = sorted(k for k, v in args.items() if v == "")
        if empty:
            raise OaiError("badArgument", f"empty argument: {', '.join(empty)}")
        if "resumptionToken" in args and len(args) > 2:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument")
        for key, value in args.items():
            req.set(key, value)
        with store().read() as conn:
            VERB_HANDLERS[verb](conn, root, {k: v for k, v in args.items() if k != "verb"}, verb)
    except OaiError as exc:
        if exc.code in ("badVerb", "badArgument"):
            req.attrib.clear()
        for child in root[2:]:
            root.remove(child)
        element(root, _q("error"), exc.message, code=exc.code)
    return _answer(root)


def _identify(conn, root, args, verb):
    repo, email, name = _settings()
    earliest = conn.execute(select(func.min(DATESTAMP)).select_from(_I.outerjoin(_R, _R.c.id == _I.c.id))).scalar()
    node = element(root, _q("Identify"))
    element(node, _q("repositoryName"), name)
    element(node, _q("baseURL"), external("oai.oai"))
    element(node, _q("protocolVersion"), "2.0")
    element(node, _q("adminEmail"), email)
    element(node, _q("earliestDatestamp"), datestamp(earliest) if earliest else "1970-01-01T00:00:00Z")
    element(node, _q("deletedRecord"), "persistent")
    element(node, _q("granularity"), GRANULARITY)
    desc = element(node, _q("description"))
    ns = "http://www.openarchives.org/OAI/2.0/oai-identifier"
    ident = etree.SubElement(desc, f"{{{ns}}}oai-identifier", nsmap={None: ns})
    element(ident, f"{{{ns}}}scheme", "oai")
    element(ident, f"{{{ns}}}repositoryIdentifier", repo)
    element(ident, f"{{{ns}}}delimiter", ":")
    element(ident, f"{{{ns}}}sampleIdentifier", f"oai:{repo}:370000:SD0101-2011-0042")


def _list_metadata_formats(conn, root, args, verb):
    if "identifier" in args:
        _instrument_id(conn, args["identifier"])
    node = element(root, _q("ListMetadataFormats"))
    for prefix, (schema, namespace) in FORMATS.items():
        fmt = element(node, _q("metadataFormat"))
        element(fmt, _q("metadataPrefix"), prefix)
        element(fmt, _q("schema"), schema)
        element(fmt, _q("metadataNamespace"), namespace)


def _category_set_name(prefix: str, names: dict[str, str]) -> str:
    """A category set's name: a 大类's own; a 中类's after its 大类's, so that the ten 中类 named 其他
    say whose they are, and `0100` (records classified at the 大类 only) is 未细分, never the 大类's
    name again (as the search's facets label it, `hub.search.facets.NOT_SUBDIVIDED`)."""
    parent = names.get(prefix[:2].ljust(6, "0"), prefix[:2])
    if len(prefix) == 2:
        return parent
    own = NOT_SUBDIVIDED[0] if prefix.endswith("00") else names.get(prefix.ljust(6, "0"), prefix)
    return f"{parent} · {own}"


def _list_sets(conn, root, args, verb):
    if "resumptionToken" in args:
        raise OaiError("badResumptionToken", "ListSets is answered in one response; there is no token to resume")
    networks = dict(conn.execute(select(_N.c.code, _N.c.name)).all())
    for code in conn.execute(select(_I.c.network).distinct()).scalars():
        networks.setdefault(code, code)
    prefixes = set()
    for code in conn.execute(select(_I.c.category).where(_I.c.category.is_not(None)).distinct()).scalars():
        prefixes.update((code[:2], code[:4]))
    names = category_names()
    node = element(root, _q("ListSets"))
    entries = [("network", "省级共享网络 Provincial networks"), ("category", "仪器分类 Instrument categories")]
    entries += [(f"network:{c}", n) for c, n in sorted(networks.items())]
    entries += [(f"category:{p}", _category_set_name(p, names)) for p in sorted(prefixes)]
    for spec, name in entries:
        s = element(node, _q("set"))
        element(s, _q("setSpec"), spec)
        element(s, _q("setName"), name)


def _get_record(conn, root, args, verb):
    if "identifier" not in args or "metadataPrefix" not in args:
        raise OaiError("badArgument", "GetRecord requires identifier and metadataPrefix")
    prefix = _prefix(args["metadataPrefix"])
    iid = _instrument_id(conn, args["identifier"])
    row = conn.execute(_select().where(_I.c.id == iid)).one()
    _record(element(root, _q("GetRecord")), row, prefix, headers_only=False)


def _list(conn, root, args, verb):
    if "resumptionToken" in args:
        query = _resume(args["resumptionToken"], verb)
    else:
        if "metadataPrefix" not in args:
            raise OaiError("badArgument", f"{verb} requires metadataPrefix (or resumptionToken)")
        query = {
            "p": _prefix(args["metadataPrefix"]),
            "f": args.get("from"),
            "u": args.get("until"),
            "s": args.get("set"),
            "a": None,
            "c": 0,
            "n": None,
            "t": (now() - CHANGED_WHILE_LISTED_MARGIN).isoformat(),  # when the list began, less the margin
        }
    where = _conditions(query, resumed=query["a"] is not None)
    if query["n"] is None:
        query["n"] = conn.execute(select(func.count()).select_from(_I.outerjoin(_R, _R.c.id == _I.c.id)).where(*where)).scalar_one()
    page_where = where + ([_I.c.id > query["a"]] if query["a"] is not None else [])
    rows = conn.execute(_select().where(*page_where).order_by(_I.c.id).limit(PAGE + 1)).all()
    if not rows:
        if query["a"] is None:
            raise OaiError("noRecordsMatch", "no records match the arguments")
        rows = [_repeated_last(conn, where, query["a"])]
    node = element(root, _q(verb))
    for row in rows[:PAGE]:
        _record(node, row, query["p"], headers_only=verb == "ListIdentifiers")
    more = len(rows) > PAGE
    if more or query["a"] is not None:
        token = ""
        if more:
            token = _serializer().dumps({**query, "a": rows[PAGE - 1].id, "c": query["c"] + PAGE, "v": verb})
        element(node, _q("resumptionToken"), token or None, completeListSize=query["n"], cursor=query["c"])


VERB_HANDLERS = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "GetRecord": _get_record,
    "ListIdentifiers": _list,
    "ListRecords": _list,
}


# ------------------------------------------------------------------------------------ queries


def _prefix(prefix: str) -> str:
    if not PREFIX_SYNTAX.fullmatch(prefix):
        raise OaiError("badArgument", f"{prefix!r} is not a metadataPrefix: letters, digits and -_.!~*'() only")
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"metadataPrefix {prefix!r} is not offered; offered: {', '.join(FORMATS)}")
    return prefix


def _resume(token: str, verb: str) -> dict:
    try:
        query = _serializer().loads(token)
    except BadSignature:
        raise OaiError("badResumptionToken", "the resumptionToken is invalid") from None
    if not isinstance(query, dict) or query.pop("v", None) != verb:
        raise OaiError("badResumptionToken", f"the resumptionToken does not belong to {verb}")
    return query


def _conditions(query, *, resumed: bool = False) -> list:
    """The query's `from`, `until` and `set` as conditions. `resumed`: for a page after the first,
    where `until` also lets through what changed since the list began (`CHANGED_WHILE_LISTED_MARGIN`)."""
    where = []
    granularity = set()
    if query.get("f"):
        lo, day = parse_datestamp(query["f"], end=False)
        granularity.add(day)
        where.append(DATESTAMP >= lo)
    if query.get("u"):
        hi, day = parse_datestamp(query["u"], end=True)
        granularity.add(day)
        began = _utc(query.get("t")) if resumed else None  # tokens made before 2026-12-07 carry no "t"
        where.append(DATESTAMP < hi if began is None else or_(DATESTAMP < hi, DATESTAMP >= began))
    if len(granularity) > 1:
        raise OaiError("badArgument", "from and until must have the same granularity")
    if query.get("f") and query.get("u") and parse_datestamp(query["f"], end=False)[0] >= parse_datestamp(query["u"], end=True)[0]:
        raise OaiError("badArgument", "from is later than until")
    spec = query.get("s")
    if spec:
        if not SET_SPEC_SYNTAX.fullmatch(spec):
            raise OaiError("badArgument", f"{spec!r} is not a setSpec: colon-separated parts of letters, digits and -_.!~*'()")
        if not SET_SPEC.match(spec):
            raise OaiError("noRecordsMatch", f"no set {spec!r}")
        kind, _, value = spec.partition(":")
        if kind == "network" and value:
            where.append(_I.c.network == value)
        elif kind == "category":
            where.append(_I.c.category.like(f"{value}%") if value else _I.c.category.is_not(None))
    return where


def _repeated_last(conn, where: list, after: str):
    """The record a resumed page holds when nothing after `after` matches any more: the last one of
    the list up to it, sent again (a list holds at least one record; a harvester takes a record
    twice as it takes a re-issued token's page twice). None left at all: the list must restart."""
    row = conn.execute(_select().where(*where, _I.c.id <= after).order_by(_I.c.id.desc()).limit(1)).first()
    if row is None:
        raise OaiError("badResumptionToken", "no record of this list is left in it; issue the list request again")
    return row


def _select():
    return select(
        _I,
        _O.c.name.label("owner_name"),
        _O.c.credit_code.label("owner_credit_code"),
        _O.c.type.label("owner_type"),
        _O.c.level.label("owner_level"),
        DATESTAMP.label("datestamp"),
        CLUSTER_ID.label("cluster_id"),
    ).select_from(_I.outerjoin(_R, _R.c.id == _I.c.id).outerjoin(_O, _O.c.id == _I.c.owner_id))


#: What a local identifier keeps as it is (RFC 2396 uric, less `&` and `%`); everything else is %XX of UTF-8.
_LOCAL_SAFE = ";/?:@=+$,-_.!~*'()"


def oai_identifier(instrument_id: str) -> str:
    return f"oai:{_settings()[0]}:{quote(instrument_id, safe=_LOCAL_SAFE)}"


def _instrument_id(conn, identifier: str) -> str:
    repo = _settings()[0]
    prefix = f"oai:{repo}:"
    iid = None
    if identifier.startswith(prefix):
        try:
            iid = unquote(identifier[len(prefix) :], errors="strict")
        except UnicodeDecodeError:
            iid = None
    if not iid or conn.execute(select(_I.c.id).where(_I.c.id == iid)).first() is None:
        raise OaiError("idDoesNotExist", f"no record {identifier!r} in this repository")
    return iid


# ------------------------------------------------------------------------------------ records


def _record(parent, row, prefix: str, headers_only: bool):
    deleted = row.withdrawn_at is not None
    target = parent if headers_only else element(parent, _q("record"))
    header = element(target, _q("header"), status="deleted" if deleted else None)
    element(header, _q("identifier"), oai_identifier(row.id))
    element(header, _q("datestamp"), datestamp(row.datestamp))
    element(header, _q("setSpec"), f"network:{row.network}")
    if row.category:
        element(header, _q("setSpec"), f"category:{row.category[:2]}")
        element(header, _q("setSpec"), f"category:{row.category[:4]}")
    if headers_only or deleted:
        return
    metadata = element(target, _q("metadata"))
    WRITERS[prefix](metadata, row)
