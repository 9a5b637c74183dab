"""Framework files (`conf/evaluation/*.yaml`): load, check, and resolve into a `Framework`.

A framework is a tree: the `index` node, aggregate nodes listing their `children`, and indicators
naming their `source` (a hub metric or a column of an evaluator's input table). Methods are chosen per
node or under `defaults` and inherited down the tree. Everything is checked here, at load: an unknown
method or parameter, a cycle, a node in two places, a node without indicators, an unknown metric, a
bad weight or a missing input column fails with the file, the node and the problem (ConfigError).
See docs/evaluation.md for the format.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

from hub.config import load_yaml
from hub.errors import ConfigError
from hub.network_codes import network_code_problem
from hub.evaluation.aggregate import AGGREGATIONS
from hub.evaluation.impute import IMPUTATIONS
from hub.evaluation.metrics import METRICS
from hub.evaluation.normalise import NORMALISATIONS
from hub.evaluation.outliers import OUTLIERS
from hub.evaluation.registry import MethodSpec
from hub.evaluation import texts
from hub.evaluation.transforms import TRANSFORMS

#: Inheritable method slots: framework key -> (registry, built-in default).
SLOTS = {
    "normalise": (NORMALISATIONS, {"method": "minmax", "range": [0, 100]}),
    "outliers": (OUTLIERS, "none"),
    "missing": (IMPUTATIONS, "drop"),
    "aggregate": (AGGREGATIONS, "arithmetic"),
}
UNIT_KINDS = ("networks", "inputs", "owners")
#: Unit kinds whose metrics are computed from the store (owners: from service statistics only).
STORE_UNITS = ("networks", "owners")
SOURCE_KINDS = ("metric", "column")
TOP_KEYS = {
    "title",
    "description",
    "units",
    "unit_id",
    "unit_label",
    "inputs",
    "defaults",
    "screening",
    "uncertainty",
    "index",
    "nodes",
    "metrics",
    "network",
    "awards",
    "include_networks",
    "rank_decimals",
}
NODE_KEYS = {"name", "weight", "rationale", "description", "children", "source", "denominator", "direction", "transform", *SLOTS}
INDICATOR_ONLY = {"source", "denominator", "direction", "transform"}


@dataclass(frozen=True)
class Source:
    kind: str  # metric | column
    name: str

    def describe(self) -> dict:
        return {self.kind: self.name}


@dataclass
class Node:
    id: str
    name: str
    weight: float
    parent: str | None
    level: int  # 1 for indicators, parents one above their highest child (COINr's levels)
    children: tuple[str, ...] = ()
    rationale: str | None = None
    description: str | None = None
    #: {field: {lang: text}} for the name, rationale or description given per language (hub.evaluation.texts)
    texts: dict = field(default_factory=dict)
    # indicators
    source: Source | None = None
    denominator: Source | None = None
    direction: int = 1
    transform: str | None = None
    # effective methods (after inheritance)
    normalise: MethodSpec | None = None
    outliers: MethodSpec | None = None
    missing: MethodSpec | None = None
    aggregate: MethodSpec | None = None

    @property
    def is_indicator(self) -> bool:
        return self.source is not None


@dataclass
class Uncertainty:
    runs: int = 0
    weight_noise: float = 0.0
    normalise: list[MethodSpec] = field(default_factory=list)
    aggregate: list[MethodSpec] = field(default_factory=list)


@dataclass
class Framework:
    path: Path
    sha256: str
    title: str
    description: str | None
    units: str
    unit_id: str | None
    unit_label: str | None
    default_inputs: list[Path]
    index: str
    nodes: dict[str, Node]  # in tree (pre-)order
    min_availability: float
    uncertainty: Uncertainty
    metric_options: dict
    network: str | None = None  # units: owners — the network whose owner units are appraised
    awards: object = None  # hub.evaluation.awards.AwardRule, when the framework names an award table
    #: Non-provincial networks this framework ranks besides the provinces (`units: networks` only).
    include_networks: tuple = ()
    #: {field: {lang: text}} for the title or description given per language (hub.evaluation.texts)
    texts: dict = field(default_factory=dict)
    #: Rank on scores rounded to this many decimals (UNDP ranks the published 3-decimal HDI); None: full precision.
    rank_decimals: int | None = None

    @property
    def indicators(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.is_indicator]

    @property
    def aggregates(self) -> list[Node]:
        """Aggregate nodes, children before parents (the order they are computed in)."""
        return sorted((n for n in self.nodes.values() if not n.is_indicator), key=lambda n: n.level)

    def columns_needed(self) -> dict[str, str]:
        """Input columns the framework reads -> the first node that reads it."""
        needed = {}
        for n in self.indicators:
            for src in (n.source, n.denominator):
                if src is not None and src.kind == "column":
                    needed.setdefault(src.name, n.id)
        return needed

    def metrics_needed(self) -> list[str]:
        names = []
        for n in self.indicators:
            for src in (n.source, n.denominator):
                if src is not None and src.kind == "metric" and src.name not in names:
                    names.append(src.name)
        return names

    def check_columns(self, columns, inputs_described: str):
        """A column named by a node must be in the inputs: ConfigError naming the node otherwise."""
        for column, node in self.columns_needed().items():
            if column not in columns:
                raise ConfigError(
                    self.path,
                    f"nodes.{node}",
                    f"input column {column!r} not found in {inputs_described} (columns: {', '.join(sorted(columns)) or 'none'})",
                )


def load_framework(path, input_columns=None, inputs_described="the inputs") -> Framework:
    """Load and check a framework file; with `input_columns`, also check every column it reads."""
    path = Path(path)
    raw_bytes = _read_bytes(path)
    raw = load_yaml(path)
    fw = _Loader(path, raw).build(hashlib.sha256(raw_bytes).hexdigest())
    if input_columns is not None:
        fw.check_columns(set(input_columns), inputs_described)
    return fw


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None


class _Loader:
    def __init__(self, path: Path, raw):
        self.path = path
        self.raw = raw

    def fail(self, key, problem):
        raise ConfigError(self.path, key, problem)

    def method(self, slot, spec, key):
        registry = SLOTS[slot][0]
        try:
            return registry.resolve(spec, key)
        except ValueError as exc:
            # the registry names the key first; keep the key separate for ConfigError
            self.fail(key, str(exc).split(": ", 1)[1])

    def build(self, sha256) -> Framework:
        raw = self.raw
        if not isinstance(raw, dict):
            self.fail(None, "expected a mapping with 'index' and 'nodes'")
        unknown = sorted(set(raw) - TOP_KEYS)
        if unknown:
            self.fail(unknown[0], f"unknown key, expected one of {sorted(TOP_KEYS)}")
        self._texts(raw, ("title", "description"), "")
        units = raw.get("units", "inputs")
        if units not in UNIT_KINDS:
            self.fail("units", f"expected one of {list(UNIT_KINDS)}, got {units!r}")
        defaults = raw.get("defaults") or {}
        if not isinstance(defaults, dict):
            self.fail("defaults", "expected a mapping of method slots")
        for key in defaults:
            if key not in SLOTS:
                self.fail(f"defaults.{key}", f"unknown method slot, expected one of {sorted(SLOTS)}")
        base = {slot: self.method(slot, defaults.get(slot, default), f"defaults.{slot}") for slot, (_r, default) in SLOTS.items()}

        nodes_raw = raw.get("nodes")
        if not isinstance(nodes_raw, dict) or not nodes_raw:
            self.fail("nodes", "expected a mapping of node id -> node")
        index = raw.get("index")
        if not isinstance(index, str):
            self.fail("index", "expected the id of the root node")
        if index not in nodes_raw:
            self.fail("index", f"node {index!r} is not defined under nodes")

        nodes: dict[str, Node] = {}
        self._walk(index, None, nodes_raw, nodes, base, [], units)
        unreachable = [k for k in nodes_raw if k not in nodes]
        if unreachable:
            self.fail(f"nodes.{unreachable[0]}", f"not reachable from the index {index!r} (no parent lists it)")
        if nodes[index].is_indicator:
            self.fail(f"nodes.{index}", "the index must aggregate indicators, not be one")

        screening = raw.get("screening") or {}
        min_av = screening.get("min_availability", 0.0) if isinstance(screening, dict) else None
        if not isinstance(min_av, (int, float)) or isinstance(min_av, bool) or not 0 <= min_av <= 1:
            self.fail("screening.min_availability", f"expected a share between 0 and 1, got {min_av!r}")
        inputs = raw.get("inputs") or []
        if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
            self.fail("inputs", "expected a list of CSV file names (relative to the framework file)")
        default_inputs = [(self.path.parent / i) for i in inputs]
        for i, p in enumerate(default_inputs):
            if not p.exists():
                self.fail(f"inputs[{i}]", f"input table {p} not found")
        metric_options = raw.get("metrics") or {}
        if not isinstance(metric_options, dict):
            self.fail("metrics", "expected a mapping of metric options")
        days = metric_options.get("harvest_window_days", 365)
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            self.fail("metrics.harvest_window_days", f"expected a number of days >= 1, got {days!r}")
        metric_options = {"harvest_window_days": days}
        include = raw.get("include_networks") or []
        if not isinstance(include, list):
            self.fail("include_networks", f"expected a list of network codes (quoted), got {include!r}")
        for i, code in enumerate(include):
            # the element named, and why: ['FGBUK1', 'FOO'] was "expected a list of network codes (quoted)"
            if not isinstance(code, str):
                self.fail(f"include_networks[{i}]", f"expected a network code in quotes, got {code!r}")
            if problem := network_code_problem(code):
                self.fail(f"include_networks[{i}]", f"{code!r}: {problem}")
        rank_decimals = raw.get("rank_decimals")
        if rank_decimals is not None and (
            isinstance(rank_decimals, bool) or not isinstance(rank_decimals, int) or not 0 <= rank_decimals <= 12
        ):
            self.fail("rank_decimals", f"expected a whole number of decimals from 0 to 12, got {rank_decimals!r}")
        unit_id, unit_label = raw.get("unit_id"), raw.get("unit_label")
        for k, v in (("unit_id", unit_id), ("unit_label", unit_label)):
            if v is not None and not isinstance(v, str):
                self.fail(k, "expected the name of an input column")
        network = raw.get("network")
        if units == "owners" and (not isinstance(network, str) or not network):
            self.fail("network", 'a `units: owners` framework names the network whose owner units it appraises (e.g. network: "370000")')
        if units != "owners" and network is not None:
            self.fail("network", "only a `units: owners` framework takes a network")
        awards = None
        if raw.get("awards") is not None:
            from hub.evaluation.awards import load_awards

            if not isinstance(raw["awards"], str):
                self.fail("awards", "expected the file name of an award table (relative to the framework file)")
            awards = load_awards(self.path.parent / raw["awards"])
        return Framework(
            path=self.path,
            sha256=sha256,
            title=texts.flat(raw.get("title")) or self.path.stem,
            description=texts.flat(raw.get("description")),
            texts=texts.texts_of({k: raw.get(k) for k in ("title", "description")}),
            units=units,
            unit_id=unit_id,
            unit_label=unit_label,
            default_inputs=default_inputs,
            index=index,
            nodes=nodes,
            min_availability=float(min_av),
            include_networks=tuple(include),
            uncertainty=self._uncertainty(raw.get("uncertainty")),
            metric_options=metric_options,
            network=network,
            awards=awards,
            rank_decimals=rank_decimals,
        )

    def _walk(self, node_id, parent, nodes_raw, nodes, inherited, stack, units):
        key = f"nodes.{node_id}"
        if node_id in stack:
            cycle = " -> ".join(stack[stack.index(node_id) :] + [node_id])
            self.fail(key, f"cycle in the tree: {cycle}")
        if node_id in nodes:
            self.fail(key, f"listed as a child of both {nodes[node_id].parent!r} and {parent!r}; a node has one parent")
        if node_id not in nodes_raw:
            self.fail(f"nodes.{parent}.children", f"unknown node {node_id!r}")
        spec = nodes_raw[node_id]
        if not isinstance(spec, dict):
            self.fail(key, "expected a mapping")
        unknown = sorted(set(spec) - NODE_KEYS)
        if unknown:
            self.fail(f"{key}.{unknown[0]}", f"unknown key, expected one of {sorted(NODE_KEYS)}")
        weight = spec.get("weight", 1)
        # YAML reads `.inf` and `1e400` as infinity: a weight that swallows its siblings' (inf / inf)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
            self.fail(f"{key}.weight", f"expected a finite number >= 0, got {weight!r}")
        self._texts(spec, ("name", "rationale", "description"), f"{key}.")
        slots = dict(inherited)
        for slot in SLOTS:
            if slot in spec:
                slots[slot] = self.method(slot, spec[slot], f"{key}.{slot}")
        node = Node(
            id=node_id,
            name=texts.flat(spec.get("name")) or node_id,
            weight=float(weight),
            parent=parent,
            level=1,
            rationale=texts.flat(spec.get("rationale")),
            description=texts.flat(spec.get("description")),
            texts=texts.texts_of({k: spec.get(k) for k in ("name", "rationale", "description")}),
        )
        has_children, has_source = "children" in spec, "source" in spec
        if has_children and has_source:
            self.fail(key, "a node either aggregates children or reads a source, not both")
        if not has_children and not has_source:
            self.fail(key, "has no indicators: give it children, or a source to make it an indicator")
        nodes[node_id] = node
        if has_source:
            self._indicator(node, spec, key, units)
            node.normalise, node.outliers, node.missing = slots["normalise"], slots["outliers"], slots["missing"]
            return node
        extra = sorted(set(spec) & INDICATOR_ONLY)
        if extra:
            self.fail(f"{key}.{extra[0]}", "only an indicator (a node with a source) takes this key")
        children = spec["children"]
        if not isinstance(children, list) or not all(isinstance(c, str) for c in children):
            self.fail(f"{key}.children", "expected a list of node ids")
        if not children:
            self.fail(key, "has no indicators: its children list is empty")
        if len(set(children)) != len(children):
            self.fail(f"{key}.children", "a child is listed twice")
        node.children = tuple(children)
        node.aggregate = slots["aggregate"]
        stack = stack + [node_id]
        levels = [self._walk(c, node_id, nodes_raw, nodes, slots, stack, units).level for c in children]
        node.level = max(levels) + 1
        weights = [nodes[c].weight for c in children]
        if sum(weights) <= 0:
            self.fail(f"{key}.children", "the weights of the children sum to zero")
        return node

    def _texts(self, spec: dict, fields, prefix: str):
        """Words for people are a string or one per language: anything else fails here, not in a page."""
        for name in fields:
            problem = texts.problem(spec.get(name))
            if problem:
                self.fail(f"{prefix}{name}", problem)

    def _indicator(self, node, spec, key, units):
        node.source = self._source(spec["source"], f"{key}.source", units)
        if "denominator" in spec:
            node.denominator = self._source(spec["denominator"], f"{key}.denominator", units)
        direction = spec.get("direction", 1)
        if direction not in (1, -1) or isinstance(direction, bool):
            self.fail(f"{key}.direction", f"expected 1 (more is better) or -1 (less is better), got {direction!r}")
        node.direction = int(direction)
        transform = spec.get("transform")
        if transform is not None and transform not in TRANSFORMS:
            self.fail(f"{key}.transform", f"unknown transform {transform!r}, expected one of {list(TRANSFORMS)}")
        node.transform = transform

    def _source(self, spec, key, units):
        if (
            not isinstance(spec, dict)
            or len(spec) != 1
            or next(iter(spec)) not in SOURCE_KINDS
            or not isinstance(next(iter(spec.values())), str)
        ):
            self.fail(key, f"expected {{metric: NAME}} or {{column: NAME}}, got {spec!r}")
        kind, name = next(iter(spec.items()))
        if kind == "metric":
            if units not in STORE_UNITS:
                self.fail(key, f"metric {name!r} needs `units: networks` or `units: owners` (metrics are computed from the store)")
            if name not in METRICS:
                self.fail(key, f"unknown metric {name!r}, expected one of {list(METRICS)}")
            if units == "owners" and METRICS.get(name).meta["uses"] != "stats":
                stats_metrics = [m.name for m in METRICS.entries() if m.meta["uses"] == "stats"]
                self.fail(key, f"metric {name!r} is not computed from service statistics; an owner unit has {stats_metrics}")
        return Source(kind, name)

    def _uncertainty(self, spec) -> Uncertainty:
        if spec is None:
            return Uncertainty()
        if not isinstance(spec, dict):
            self.fail("uncertainty", "expected a mapping with runs, weights, normalise, aggregate")
        allowed = {"runs", "weights", "normalise", "aggregate"}
        unknown = sorted(set(spec) - allowed)
        if unknown:
            self.fail(f"uncertainty.{unknown[0]}", f"unknown key, expected one of {sorted(allowed)}")
        runs = spec.get("runs", 1000)
        if isinstance(runs, bool) or not isinstance(runs, int) or runs < 0:
            self.fail("uncertainty.runs", f"expected a number of runs >= 0, got {runs!r}")
        weights = spec.get("weights") or {}
        noise = weights.get("noise", 0.0) if isinstance(weights, dict) else None
        if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise < 1:
            self.fail("uncertainty.weights.noise", f"expected a share in [0, 1), got {noise!r}")
        alternatives = {}
        for slot in ("normalise", "aggregate"):
            listed = spec.get(slot) or []
            if not isinstance(listed, list):
                self.fail(f"uncertainty.{slot}", "expected a list of alternative methods")
            alternatives[slot] = [self.method(slot, s, f"uncertainty.{slot}[{i}]") for i, s in enumerate(listed)]
        return Uncertainty(runs=runs, weight_noise=float(noise), **alternatives)
