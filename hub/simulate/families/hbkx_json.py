"""`hbkx-json`: the paged JSON REST API of hbkx-json.md (reference: Hubei 420000).

Token login (codes 40100 / 40101 in HTTP 200 answers), pages of at most 200 (or the network's cap),
``updatedSince`` with ``deleted: true`` rows, originalValue as number or numeric string, 429 over the
rate limit, 500 with an HTML page, paged service records.
"""

from __future__ import annotations

import bisect
import csv
import json
import random
import threading
import time
import uuid
from datetime import datetime, timedelta
from functools import lru_cache

from werkzeug.wrappers import Response

from hub.config import mappings_dir
from hub.simulate.families import register
from hub.simulate.state import CST

APP_KEY, APP_SECRET = "hub", "hub-secret"
ORG_TYPE = {"university": 1, "institute": 2, "enterprise": 3, "other": 4}
STATUS = {"正常": 1, "待机": 1, "故障": 2, "待修": 2, "待报废": 3, "报废": 4}
USER_TYPES = ("企业", "高校", "科研院所", "个人", "其他")
ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>{status} Internal Server Error</title></head><body>"
    "<h1>HTTP Status {status} - Internal Server Error</h1><hr><p>java.lang.NullPointerException</p>"
    "<p>Apache Tomcat/7.0.42</p></body></html>"
)

#: A lone surrogate (a `hostile_value` fault) cannot be UTF-8: it goes out as the JSON escape `\ud800`,
#: as JSON libraries write it; no other character is affected.
_JSON_ESCAPE = "backslashreplace"


@lru_cache(maxsize=1)
def category_names() -> dict[str, str]:
    """6-digit code -> Chinese name, read from the project's copy of the national classification."""
    with open(mappings_dir() / "codes" / "classification.csv", encoding="utf-8", newline="") as fh:
        return {row["code"]: row["name_zh"] for row in csv.DictReader(fh)}


#: 中类 names that several 大类 share ("其他"): a network sending one of them alone sends the 大类
_AMBIGUOUS = frozenset({"其他"})


def epoch_ms(local: datetime) -> int:
    return int(local.replace(tzinfo=CST).timestamp() * 1000)


def to_local(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, CST).replace(tzinfo=None)


def render_instrument(spec, rec, deleted_at: datetime | None = None) -> dict:
    from hub.simulate import catalog

    q = rec.q
    names = category_names()
    code = rec.category
    if code is None:
        category = None
    elif q[1] < 0.1 or code.endswith("0000") or names.get(code) in _AMBIGUOUS:
        # the 大类 instead of the 中类 — also where the 中类 is named "其他", which says nothing alone
        category = names.get(code[:2] + "0000")
    else:
        category = names.get(code)
    country = catalog.MAKERS[rec.maker][2]
    value = rec.written_value("yuan" if spec.value_unit == "yuan" else "wanyuan")
    date = rec.commissioned.isoformat() if rec.date_given else None
    if date and q[2] < spec.purchase_month_share:
        date = date[:7]
    org = {"name": rec.unit.name, "creditCode": rec.unit.credit_code, "type": ORG_TYPE[rec.unit.type]}
    if rec.unit.level != "other" and q[5] >= 0.05:
        org["level"] = rec.unit.level
    return {
        "id": 1001 + rec.index,
        "instrumentName": rec.name,
        "instrumentNameEn": rec.name_en,
        "categoryName": category,
        "modelSpec": rec.model or None,
        "manufacturer": rec.maker_name or None,
        "originCountry": country,
        "originalValue": None if value is None else f"{value:.2f}" if spec.value_as_string else float(value),
        "purchaseDate": date,
        "org": org,
        "location": {"city": rec.unit.city_name, "district": rec.unit.county_name, "address": rec.address},
        "techSpecs": rec.specs or None,
        "mainFunctions": rec.functions or None,
        "serviceItems": list(rec.services),
        "feeStandard": rec.fee or None,
        "bookingUrl": f"http://www.hbkx.example/yy/{1001 + rec.index}" if rec.booking else None,
        "contact": {"name": rec.contact or None, "phone": rec.phone or None, "email": rec.email},
        "status": STATUS[rec.status],
        "shareStatus": 1 if rec.sharing == "外部共享" else 0,
        "cmaCertified": rec.certified,
        "updateTime": epoch_ms(deleted_at or rec.updated),
        "deleted": deleted_at is not None,
    }


@register("hbkx-json")
class HbkxJson:
    def __init__(self, state):
        self.state = state
        self.spec = state.spec
        self._events: dict[int, list[int]] = {}
        self._lock = threading.Lock()

    def error(self, status: int, headers=None) -> Response:
        if status == 429:
            return Response(
                json.dumps({"code": 42900, "msg": "too many requests"}), status=429, headers=headers or {}, mimetype="application/json"
            )
        return Response(ERROR_PAGE.format(status=status), status=status, headers=headers or {}, mimetype="text/html")

    def handle(self, request, path, ctx) -> Response:
        if path == "/api/v3/auth/token" and request.method == "POST":
            return self._login(request)
        routes = {"/api/v3/instruments": self._instruments, "/api/v3/service-records": self._service_records}
        if path not in routes:
            return Response("<html><body><h1>404 Not Found</h1></body></html>", status=404, mimetype="text/html")
        if not self._token_valid(request.headers.get("X-Auth-Token", "")):
            return _ok({"code": 40101, "msg": "token expired"})
        try:
            page_no = max(1, int(request.args.get("pageNo", "1")))
            asked = int(request.args.get("pageSize", "20"))
        except ValueError:
            return _ok({"code": 40000, "msg": "invalid paging parameter"})
        size = max(1, min(asked, self.spec.page_cap or 200))
        return routes[path](request, page_no, size, ctx)

    # -- tokens --------------------------------------------------------------------------------
    def _login(self, request) -> Response:
        body = request.get_json(force=True, silent=True) or {}
        if body.get("appKey") != APP_KEY or body.get("appSecret") != APP_SECRET:
            return _ok({"code": 40100, "msg": "invalid appKey"})
        expiry = self.state.standing("token_expiry")
        lifetime = expiry.options["seconds"] if expiry and expiry.options["seconds"] is not None else self.spec.token_lifetime or 7200
        max_uses = expiry.options["requests"] if expiry else None
        token = uuid.uuid4().hex
        with self.state.lock:
            self.state.tokens[token] = [time.monotonic(), 0, float(lifetime), max_uses]
        return _ok({"code": 0, "msg": "ok", "data": {"token": token, "expiresIn": int(lifetime)}})

    def _token_valid(self, token: str) -> bool:
        with self.state.lock:
            entry = self.state.tokens.get(token)
            if entry is None:
                return False
            issued, uses, lifetime, max_uses = entry
            if time.monotonic() - issued >= lifetime or (max_uses is not None and uses >= max_uses):
                del self.state.tokens[token]
                return False
            entry[1] += 1
            return True

    # -- instruments ---------------------------------------------------------------------------
    def _fragment(self, i: int) -> str:
        key = (i, self.state.version(i))
        text = self.state.cache.get(key)
        if text is None:
            text = json.dumps(render_instrument(self.spec, self.state.record(i)), ensure_ascii=False)
            self.state.cache.put(key, text)
        return text

    def _instruments(self, request, page_no, size, ctx) -> Response:
        since = request.args.get("updatedSince")
        if since:
            try:
                changed, gone = self.state.changed_since(to_local(int(since)))
            except ValueError:
                return _ok({"code": 40000, "msg": "invalid updatedSince"})
            rows = sorted([(i, None) for i in changed] + gone)
        else:
            rows = [(i, None) for i in self.state.live()]
        if ctx.empty:
            rows = []
        page = rows[(page_no - 1) * size : page_no * size]
        if ctx.keep is not None:
            page = page[: int(len(page) * ctx.keep)]
        parts = [
            self._fragment(i)
            if at is None
            else json.dumps(render_instrument(self.spec, self.state.record(i), deleted_at=at), ensure_ascii=False)
            for i, at in page
        ]
        text = (
            f'{{"code": 0, "msg": "ok", "data": {{"total": {len(rows)}, "pageNo": {page_no}, '
            f'"pageSize": {size}, "list": [{", ".join(parts)}]}}}}'
        )
        return Response(text.encode("utf-8", _JSON_ESCAPE), mimetype="application/json")

    # -- service records -----------------------------------------------------------------------
    def _event_table(self, year: int) -> tuple[list, list]:
        """Per used instrument: (index, stats) and the cumulative count of its rows."""
        with self._lock:
            table = self._events.get(year)
            if table is None:
                used, cum, total = [], [], 0
                for i in range(self.state.data.n):
                    s = self.state.data.stats(i, year)
                    if s:
                        total += s.external_services + 4  # external services + one internal row a quarter
                        used.append(s)
                        cum.append(total)
                table = self._events[year] = (used, cum)
            return table

    def _events_of(self, s, first_id: int) -> list[dict]:
        rec = self.state.data.record(s.index)
        rng = random.Random(f"{self.state.seed}:{self.spec.code}:events:{s.year}:{s.index}")
        rows = []
        n = s.external_services
        for k in range(n):
            enterprise = k < s.enterprise_services
            user_type = "企业" if enterprise else rng.choice(USER_TYPES[1:])
            org = (
                f"{rec.unit.city_name.removesuffix('市')}某{rng.choice(('药业', '化工', '材料', '食品', '电子'))}有限公司"
                if enterprise
                else "个人用户"
                if user_type == "个人"
                else f"{rng.choice(('某高校', '某研究所', '某中心'))}"
            )
            day = datetime(s.year, 1, 1) + timedelta(days=rng.randrange(365))
            rows.append(
                {
                    "id": first_id + k,
                    "instrumentId": 1001 + s.index,
                    "serviceDate": day.date().isoformat(),
                    "userOrgName": org,
                    "userType": user_type,
                    "external": True,
                    "hours": round(s.external_hours / n, 1),
                    "samples": s.external_samples // n,
                    "fee": round(s.income / n, 1),
                    "satisfaction": rng.choice((5, 5, 4, 4, 3, None)),
                }
            )
        internal = "高校" if rec.unit.type == "university" else "科研院所" if rec.unit.type == "institute" else "其他"
        for quarter in range(4):
            rows.append(
                {
                    "id": first_id + n + quarter,
                    "instrumentId": 1001 + s.index,
                    "serviceDate": f"{s.year}-{3 * quarter + 3:02d}-28",
                    "userOrgName": rec.unit.name,
                    "userType": internal,
                    "external": False,
                    "hours": round((s.hours - s.external_hours) / 4, 1),
                    "samples": (s.samples - s.external_samples) // 4,
                    "fee": 0.0,
                    "satisfaction": None,
                }
            )
        return rows

    def _service_records(self, request, page_no, size, ctx) -> Response:
        try:
            year = int(request.args.get("year", "2012"))
        except ValueError:
            return _ok({"code": 40000, "msg": "invalid year"})
        used, cum = self._event_table(year)
        total = 0 if ctx.empty else (cum[-1] if cum else 0)
        start, stop = (page_no - 1) * size, min(page_no * size, total)
        rows = []
        k = bisect.bisect_right(cum, start)
        while start < stop and k < len(used):
            first = cum[k - 1] if k else 0
            events = self._events_of(used[k], 88001 + first)
            rows.extend(events[start - first : stop - first])
            start = cum[k]
            k += 1
        return _ok({"code": 0, "msg": "ok", "data": {"total": total, "pageNo": page_no, "pageSize": size, "list": rows}})


def _ok(obj) -> Response:
    return Response(json.dumps(obj, ensure_ascii=False).encode("utf-8", _JSON_ESCAPE), mimetype="application/json")
