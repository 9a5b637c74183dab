"""Deterministic instruments: record i of network N is a pure function of (seed, N, i, version).

Nothing here holds records: a `NetworkData` keeps only per-network tables of numbers (the value of
each rank, three permutations, unit weights) so that record i can be built on demand and a 10× export
streams with flat memory. Figures the seed document states (Shandong: count, total value, number
above 300,000 yuan, number certified, units by level) are hit exactly by construction:

* values are drawn by stratified quantiles of a log-normal — the value of rank r is fixed, a shuffle
  assigns ranks to records — so the count above 300,000 yuan is exact, and the values above it are
  stretched linearly until the sum is the target;
* certification and "owns at least one instrument" for every unit come from the same kind of shuffle.

What a record *says* is messier than what it *is*: its name, model and maker are drawn from the
vocabularies (`hub.simulate.spelling`), and its optional fields are given or left empty at the
network's rates (`fill_rates.csv`), drawn after its other draws. The truth (kind, maker key, value,
date) stays on the record beside the spelling; `kind_of` returns it without building the record.
"""

from __future__ import annotations

import bisect
import math
import random
from array import array
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from statistics import NormalDist

from hub.simulate import calibration, catalog, spelling
from hub.simulate.fill_rates import fill_rates
from hub.simulate.units import UnitTable, unit_table

#: The simulated networks' "now": the export timestamp of the docs' example.
AS_OF = datetime(2013, 10, 27, 2, 0, 0)
UPDATED_FROM = datetime(2012, 1, 1, 8, 0, 0)
THRESHOLD = 100_000
OVER = 300_000
SIGMA = 1.05

AREA_CODES = {
    "370100": "0531",
    "370200": "0532",
    "370300": "0533",
    "370400": "0632",
    "370500": "0546",
    "370600": "0535",
    "370700": "0536",
    "370800": "0537",
    "370900": "0538",
    "371000": "0631",
    "371100": "0633",
    "371200": "0634",
    "371300": "0539",
    "371400": "0534",
    "371500": "0635",
    "371600": "0543",
    "371700": "0530",
    "420100": "027",
    "420200": "0714",
    "420300": "0719",
    "420500": "0717",
    "420600": "0710",
    "420700": "0711",
    "420800": "0724",
    "420900": "0712",
    "421000": "0716",
    "421100": "0713",
    "421200": "0715",
    "421300": "0722",
    "130100": "0311",
    "130200": "0315",
    "130300": "0335",
    "130400": "0310",
    "130500": "0319",
    "130600": "0312",
    "130700": "0313",
    "130800": "0314",
    "130900": "0317",
    "131000": "0316",
    "131100": "0318",
}


@dataclass
class Instrument:
    """One instrument in canonical, family-neutral form; family renderers turn it into wire format.

    `kind`, `maker`, `base_model`, `value_yuan` and `commissioned` are the truth; `name`, `model` and
    `maker_name` are how this record spells them; a field the network leaves empty is "" (texts), () (services),
    None (email) or False (`booking`, `value_given`, `date_given`) — see `fill_rates.csv`.
    """

    index: int
    version: int
    kind: catalog.Kind
    name: str  # the spelling this record uses; the kind's canonical name is kind.name
    name_en: str
    model: str
    maker: str  # maker key of catalog.MAKERS (the truth)
    value_yuan: int  # the truth, also when the record does not give it or gives it in the wrong unit
    commissioned: date
    unit: object  # units.Unit
    county: str
    address: str  # street address within the county
    specs: str
    functions: str
    services: tuple
    fee: str
    booking: bool
    contact: str
    phone: str
    email: str | None
    status: str  # catalog.STATUS_NATIONAL
    sharing: str  # catalog.SHARING
    certified: bool
    cert: str  # CMA | CNAS | CMA,CNAS (when certified)
    updated: datetime
    #: uniform draws the family renderers use for their quirks (which QYRQ form, which rows missing …)
    q: tuple = field(default=())
    maker_name: str = ""  # the maker as this record writes it; "" when not given
    category: str | None = None  # the code the unit filed: the kind's 中类, its 大类 by mistake, or None
    value_given: bool = True
    value_slip: bool = False  # typed in the other unit (yuan in a 万元 field or the reverse)
    date_given: bool = True
    base_model: str = ""  # the model as its maker prints it (the truth behind `model`)

    def written_value(self, unit: str):
        """The number this record writes in a value field of `unit` (yuan | wanyuan), or None.

        A slipped value is the right number in the wrong unit: the yuan figure in a 万元 field
        (10⁴ too large once read) or the 万元 figure in a yuan field (10⁴ too small)."""
        if not self.value_given:
            return None
        in_wanyuan = (unit == "wanyuan") != self.value_slip
        return self.value_yuan / 10000 if in_wanyuan else self.value_yuan


@dataclass(frozen=True)
class ServiceStats:
    index: int
    year: int
    hours: int
    external_hours: int
    external_services: int
    enterprise_services: int
    samples: int
    external_samples: int
    income: int


def _stratified(dist: NormalDist, lo: float, hi: float, n: int) -> list[float]:
    """n values whose empirical distribution is the log-normal restricted to [lo, hi]."""
    a, b = dist.cdf(math.log(lo)), dist.cdf(math.log(hi)) if hi else 1.0
    return [math.exp(dist.inv_cdf(a + (b - a) * (k + 0.5) / n)) for k in range(n)]


def _permutation(n: int, key: str) -> array:
    perm = array("l", range(n))
    random.Random(key).shuffle(perm)  # a permutation of numbers, not of records
    return perm


class NetworkData:
    """Everything needed to build any record of one network on demand."""

    def __init__(self, spec, seed: int = 1, scale: float = 1.0):
        self.spec, self.seed, self.scale = spec, seed, scale
        self.n = max(1, round(spec.instruments * scale))
        self.units: UnitTable = unit_table(spec, seed, scale)
        key = f"{seed}:{spec.code}"
        # integer seeds (cheaper than string seeds): one 40-bit namespace per purpose, plus the index
        self._key = {p: random.Random(f"{key}:{p}").getrandbits(40) << 24 for p in ("rec", "upd", "svc", "ver")}
        self.fill = fill_rates(spec.code)
        self._dist = NormalDist(math.log(spec.value_median), SIGMA)
        self._values = self._value_table()
        self._value_rank = _permutation(self.n, key + ":value")
        self._cert_rank = _permutation(self.n, key + ":cert")
        self._unit_rank = _permutation(self.n, key + ":unit")
        n_cert = round(spec.certified * scale) if spec.certified is not None else round(self.n * 0.25)
        self.n_certified = min(n_cert, self.n)
        weights = [self.units[u].weight for u in range(len(self.units))]
        self._unit_cum = list(_accumulate(weights))
        self._copies: dict | None = None
        self._calibrated: dict[int, dict] = {}  # year -> index -> ServiceStats (hub.simulate.calibration)

    # -- value table ---------------------------------------------------------------------------
    def _value_table(self) -> array:
        spec, n, dist = self.spec, self.n, self._dist
        if spec.over_300k is not None:
            over = min(n, round(spec.over_300k * self.scale))
        else:
            p_lo, p_mid = dist.cdf(math.log(THRESHOLD)), dist.cdf(math.log(OVER))
            over = round(n * (1 - p_mid) / (1 - p_lo))
        lower = _stratified(dist, THRESHOLD, OVER, n - over)
        upper = _stratified(dist, OVER + 100, 0, over)
        if spec.total_value_yuan is not None and over:
            target_upper = spec.total_value_yuan * self.scale - sum(lower)
            base = OVER + 100
            c = (target_upper - base * over) / sum(v - base for v in upper)
            upper = [base + c * (v - base) for v in upper]
        # whole hundreds of yuan: 万元 with two decimals is exact
        return array(
            "q", [max(THRESHOLD, round(v / 100) * 100) if v <= OVER else max(OVER + 100, round(v / 100) * 100) for v in lower + upper]
        )

    def value(self, i: int, rng: random.Random) -> int:
        if i < self.n:
            return self._values[self._value_rank[i]]
        v = math.exp(self._dist.inv_cdf(rng.uniform(self._dist.cdf(math.log(THRESHOLD)), 0.999)))
        return round(v / 100) * 100

    def certified(self, i: int, rng: random.Random) -> bool:
        return self._cert_rank[i] < self.n_certified if i < self.n else rng.random() < 0.25

    def unit_of(self, i: int, rng: random.Random):
        rank = self._unit_rank[i] if i < self.n else self.n
        if rank < len(self.units):  # every unit owns at least one instrument
            return self.units[rank]
        x = rng.random() * self._unit_cum[-1]
        return self.units[bisect.bisect_right(self._unit_cum, x)]

    # -- records -------------------------------------------------------------------------------
    def updated_at(self, i: int) -> datetime:
        """The base (unmutated) update time; cheap, so `since` filters need not build records."""
        r = random.Random(self._key["upd"] + i)
        span = (AS_OF - UPDATED_FROM).total_seconds()
        # more recent updates are more frequent: a network is kept up to date unevenly
        return UPDATED_FROM + timedelta(seconds=int(span * r.random() ** 0.6))

    @property
    def copies(self) -> dict:
        """Records of this network that are another record's instrument (`hub.simulate.crosslist`)."""
        if self._copies is None:
            from hub.simulate.crosslist import plan

            self._copies = plan(self.spec.code, self.seed, self.scale)
        return self._copies

    def own_unit(self, i: int):
        """The owner unit of this network's own record i (before any cross-listing), cheaply."""
        rng = random.Random(self._key["rec"] + i)
        self.value(i, rng)
        rng.random(), rng.random()  # the kind and model draws record() makes before the unit
        return self.unit_of(i, rng)

    def kind_of(self, i: int) -> catalog.Kind:
        """The truth behind record i's spelling: its kind (canonical name, category), cheaply."""
        if i in self.copies:
            return self._source_data(i).kind_of(self.copies[i][1])
        rng = random.Random(self._key["rec"] + i)
        return _kind_for(self.value(i, rng), rng.random())

    def _source_data(self, i: int) -> NetworkData:
        from hub.simulate.network_table import spec_for

        return network_data(spec_for(self.copies[i][0]), self.seed, self.scale)

    def record(self, i: int, version: int = 0, updated: datetime | None = None) -> Instrument:
        if i in self.copies:  # a copy of an instrument another record (maybe of another network) holds
            from hub.simulate.crosslist import copy_of

            source, k, kind = self.copies[i]
            return copy_of(self, i, version, updated, self._source_data(i).record(k, version), kind)
        rng = random.Random(self._key["rec"] + i)
        value = self.value(i, rng)
        kind = _kind_for(value, rng.random())
        maker, model = kind.models[int(rng.random() * len(kind.models))]
        unit = self.unit_of(i, rng)
        year = min(2013, max(1995, 2013 - int(rng.expovariate(1 / 4.5))))
        commissioned = date(year, _randint(rng, 1, 12), _randint(rng, 1, 28))
        base_updated = self.updated_at(i)
        if base_updated.date() < commissioned:
            commissioned = base_updated.date() - timedelta(days=_randint(rng, 30, 400))
        county = unit.county
        phone = f"{AREA_CODES.get(unit.city, '0' + unit.city[1:4])}-{_randint(rng, 2000_0000, 8999_9999)}"
        abbr = "".join(w[0] for w in kind.name_en.replace("-", " ").split()).lower()
        specs = kind.specs
        if rng.random() < 0.3:
            specs += "；配套：" + _choice(rng, ("自动进样器", "能谱仪", "工作站软件", "低温附件", "数据处理系统"))
        status = _pick(catalog.STATUS_NATIONAL, _STATUS_CUM, rng.random())
        sharing = _pick(catalog.SHARING, _SHARING_CUM, rng.random())
        fee = _choice(rng, catalog.FEES)
        contact = _choice(rng, catalog.SURNAMES) + _choice(rng, catalog.TITLES)
        certified = self.certified(i, rng)
        cert = _pick(_CERTS, _CERT_CUM, rng.random())
        q = tuple(rng.random() for _ in range(12))
        booking = rng.random() < self.fill.booking
        address = unit.street + (f"{_randint(rng, 101, 520)}室" if rng.random() < 0.6 else "")
        email = None if rng.random() < 0.3 else f"{abbr}{_randint(rng, 1, 99)}@unit{unit.number:03d}.example.cn"
        # How the unit spelled things and what it left out, drawn after everything above, so a change
        # to the vocabularies or fill rates leaves the values, units and dates as they were.
        fill = self.fill
        maker_row = catalog.MAKERS[maker]
        written_model = spelling.model_text(maker_row, model, rng)
        name = spelling.name_text(kind, maker_row, model, rng)
        given = {f: rng.random() < getattr(fill, f) for f in _OPTIONAL}
        u_cat = rng.random()
        category = (
            None
            if u_cat < fill.category_missing
            else kind.code[:2] + "0000"
            if u_cat < fill.category_missing + fill.category_wrong_level
            else kind.code
        )
        slip = rng.random() < fill.value_unit_slip
        maker_name = spelling.maker_text(maker_row, rng) if given["maker"] else ""
        if version:  # a later edit: the unit changed its fee, status or contact
            vr = random.Random(self._key["ver"] + i * 1000 + version)
            fee = _choice(vr, catalog.FEES)
            status = _pick(catalog.STATUS_NATIONAL, _STATUS_CUM, vr.random())
            contact = _choice(vr, catalog.SURNAMES) + _choice(vr, catalog.TITLES)
        if not given["contact"]:
            contact, phone = "", ""
        return Instrument(
            index=i,
            version=version,
            kind=kind,
            name=name,
            name_en=kind.name_en if given["name_en"] else "",
            model=written_model if given["model"] else "",
            maker=maker,
            value_yuan=value,
            commissioned=commissioned,
            unit=unit,
            county=county,
            address=address,
            specs=specs if given["specs"] else "",
            functions=kind.functions if given["functions"] else "",
            services=kind.services if given["services"] else (),
            fee=fee if given["fee"] else "",
            booking=booking,
            contact=contact,
            phone=phone,
            email=email if given["contact"] else None,
            status=status,
            sharing=sharing,
            certified=certified,
            cert=cert,
            updated=updated or base_updated,
            q=q,
            maker_name=maker_name,
            category=category,
            value_given=given["value"],
            value_slip=slip and given["value"],
            date_given=given["date"],
            base_model=model,
        )

    # -- service statistics --------------------------------------------------------------------
    def stats(self, i: int, year: int) -> ServiceStats | None:
        """Use of instrument i in a year, or None when it was not used (or not yet bought).

        A network and year with published totals (hub.simulate.calibration) get statistics that add
        up to exactly those totals; every other year is drawn instrument by instrument."""
        target = calibration.scaled(self.spec.code, year, self.scale)
        if target is not None:
            if year not in self._calibrated:
                self._calibrated[year] = calibration.calibrate(self, year, target)
            return self._calibrated[year].get(i)
        spec = self.spec
        r = random.Random(self._key["svc"] + year * 10_000_000 + i)
        if r.random() >= spec.used_share:
            return None
        if self.record(i).commissioned.year > year:
            return None
        return self._draw_stats(i, year, r)

    def raw_stats(self, i: int, year: int) -> ServiceStats:
        """The instrument's usual random profile for the year, as if it was used (calibration's input)."""
        r = random.Random(self._key["svc"] + year * 10_000_000 + i)
        r.random()  # the same stream as `stats`: the draw that decides whether it was used
        return self._draw_stats(i, year, r)

    def _draw_stats(self, i: int, year: int, r: random.Random) -> ServiceStats:
        spec = self.spec
        hours = min(8000, max(4, round(spec.hours_median * math.exp(r.gauss(0, spec.hours_sigma)))))
        share = min(0.95, spec.external_share * math.exp(r.gauss(0, 0.7)))
        ext_hours = round(hours * share)
        services = max(1, round(ext_hours * spec.services_per_100h / 100 * math.exp(r.gauss(0, 0.4)))) if ext_hours else 0
        enterprise = round(services * min(1.0, max(0.0, r.gauss(spec.enterprise_share, 0.12))))
        samples = max(1, round(hours * spec.samples_per_hour * math.exp(r.gauss(0, 0.8))))
        ext_samples = round(samples * min(1.0, max(0.0, r.gauss(spec.external_sample_share, 0.12)))) if ext_hours else 0
        income = round(ext_hours * spec.income_per_ext_hour * math.exp(r.gauss(0, 0.5)), -1)
        return ServiceStats(i, year, hours, ext_hours, services, enterprise, samples, ext_samples, int(income))


def _randint(rng, a: int, b: int) -> int:
    return a + int(rng.random() * (b - a + 1))


def _choice(rng, seq):
    return seq[int(rng.random() * len(seq))]


def _accumulate(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


def _pick(items, cum, u):
    return items[bisect.bisect_right(cum, u * cum[-1])]


_STATUS_CUM = tuple(_accumulate(catalog.STATUS_WEIGHTS))
_SHARING_CUM = tuple(_accumulate(catalog.SHARING_WEIGHTS))
_CERTS = ("CMA", "CNAS", "CMA,CNAS")
#: fields a network may leave empty, each drawn against its column of fill_rates.csv
_OPTIONAL = ("model", "maker", "specs", "functions", "services", "fee", "contact", "name_en", "value", "date")
_CERT_CUM = (60, 75, 100)


@lru_cache(maxsize=4096)
def _candidates(bucket: int) -> tuple:
    """Kinds whose price band holds a value of this bucket (values grouped by 1/20 of a decade)."""
    value = 10 ** (bucket / 20)
    kinds = tuple(k for k in catalog.KINDS if k.low <= value <= k.high)
    if not kinds:  # above every band: the most expensive kinds
        kinds = tuple(sorted(catalog.KINDS, key=lambda k: -k.high)[:4])
    cum = tuple(_accumulate(k.weight for k in kinds))
    return kinds, cum


def _kind_for(value: int, u: float) -> catalog.Kind:
    kinds, cum = _candidates(int(math.log10(value) * 20))
    return kinds[min(len(kinds) - 1, bisect.bisect_right(cum, u * cum[-1]))]


def kind_of(code: str, i: int, seed: int = 1, scale: float = 1.0) -> catalog.Kind:
    """The kind (canonical name, category code) of record i of network `code`: the truth beside the
    spelling the network serves, for measuring search relevance and duplicate resolution."""
    from hub.simulate.network_table import spec_for

    return network_data(spec_for(code), seed, scale).kind_of(i)


@lru_cache(maxsize=64)
def network_data(spec, seed: int = 1, scale: float = 1.0) -> NetworkData:
    return NetworkData(spec, seed, scale)
