"""The registry holds every network of the roster, each with its own mapping file, configured for its
roster variant — checked from the files alone (no HTTP)."""

from __future__ import annotations

import re

import pytest
import yaml

from hub.config import Registry, conf_dir, expand_env
from hub.mapping import Mapping
from hub.network_codes import is_provincial
from tests.networks.roster_data import ROSTER_PATH, roster, sim_table

REGISTRY = Registry.load()
RAW = {e["code"]: e for e in yaml.safe_load((conf_dir() / "networks.yaml").read_text(encoding="utf-8"))["networks"]}
SIM = sim_table()
CODES = sorted(SIM)
needs_roster = pytest.mark.skipif(not ROSTER_PATH.exists(), reason=f"{ROSTER_PATH} not present")


def test_the_simulated_country_is_thirty_networks_of_about_78000_instruments():
    assert len(SIM) == 30  # 31 provincial divisions, Tibet without a network
    assert 76_000 <= sum(int(r["instruments"]) for r in SIM.values()) <= 80_000


@needs_roster
def test_the_simulator_table_mirrors_the_roster():
    rows = roster()
    assert {c: int(r["instruments_2013"]) for c, r in rows.items()} == {c: int(r["instruments"]) for c, r in SIM.items()}
    assert {c: (r["family"], r["value_unit"]) for c, r in rows.items()} == {c: (r["family"], r["value_unit"]) for c, r in SIM.items()}


@needs_roster
def test_every_network_of_the_roster_is_registered_under_its_own_name():
    want = {c: (r["network"], r["province"], r["family"]) for c, r in roster().items()}
    # The roster is the provinces; registers that are not provinces' (docs/networks.md) come on top.
    assert {n.code: (n.name, n.province, n.family) for n in REGISTRY if is_provincial(n.code)} == want


@pytest.mark.parametrize("code", CODES)
def test_each_network_has_its_own_mapping_file_for_its_family(code):
    network = REGISTRY.get(code)
    assert network.mapping == f"{code}.yaml"
    raw = yaml.safe_load(network.mapping_path.read_text(encoding="utf-8"))
    assert (str(raw["network"]), raw["family"]) == (code, network.family)
    Mapping.load(network.mapping_path)  # compiles: every transform and option known


def _transform_options(spec, name):
    steps = spec["transform"] if isinstance(spec["transform"], list) else [spec["transform"]]
    for step in steps:
        if isinstance(step, dict) and name in step:
            return step[name] or {}
    return None


@pytest.mark.parametrize("code", CODES)
def test_the_mapping_reads_values_in_the_roster_unit_and_regions_in_the_network_province(code):
    raw = yaml.safe_load(REGISTRY.get(code).mapping_path.read_text(encoding="utf-8"))
    money = _transform_options(raw["fields"]["original_value"], "money")
    assert money is not None
    assert money.get("bare_unit", "yuan") == SIM[code]["value_unit"]
    region = raw["fields"]["region"]
    options = (
        _transform_options(region, "region") if isinstance(region, dict) and isinstance(region.get("transform"), (dict, list)) else None
    )
    if options and "default_province" in options:
        assert str(options["default_province"]) == code


@pytest.mark.parametrize("code", [c for c in CODES if SIM[c]["family"] != "push"])
def test_pulled_networks_point_at_the_simulator_with_credentials_from_the_environment(code, monkeypatch):
    entry = RAW[code]
    assert entry["base_url"] == "${HUB_SIMULATOR_URL:-http://127.0.0.1:8790}/" + code
    credentials = entry.get("credentials", {})
    assert all(v.startswith(f"${{HUB_{code}_") for v in credentials.values())  # never a literal secret
    expected_keys = {"sdyq-xml": {"username", "password"}, "hbkx-json": {"app_key", "app_secret"}}.get(entry["family"], set())
    assert set(credentials) == expected_keys
    # the simulator's accounts are the defaults; a deployment sets the variables per network
    assert set(expand_env(credentials, "test", "").values()) <= {"hub", "hub-secret"}
    for key, reference in credentials.items():
        variable = re.match(r"\$\{(\w+):-", reference).group(1)
        monkeypatch.setenv(variable, "from-the-environment")
        assert expand_env(reference, "test", key) == "from-the-environment"


@pytest.mark.parametrize("code", [c for c in CODES if SIM[c]["family"] != "push"])
def test_pulled_networks_are_scheduled(code):
    schedule = REGISTRY.get(code).schedule
    assert schedule["interval_minutes"] or schedule["cron"]
    assert schedule["full_every_days"] >= 1


#: roster variant → what the registry must say about it.
VARIANT_OPTIONS = [
    pytest.param("140000", {"incremental": False}, id="Shanxi: no since= support"),
    pytest.param("500000", {"max_requests_per_second": 4}, id="Chongqing: 429 above 5/s"),
    pytest.param("520000", {"page_size": 50}, id="Guizhou: pageSize capped at 50"),
    pytest.param("630000", {"csv_directory": True, "detail_pages": False}, id="Qinghai: very slow pages"),
]


@pytest.mark.parametrize(("code", "options"), VARIANT_OPTIONS)
def test_roster_variants_are_configured(code, options):
    got = REGISTRY.get(code).options
    assert {k: got.get(k) for k in options} == options


@pytest.mark.parametrize("code", [c for c in CODES if SIM[c]["family"] == "yqlm-html"])
def test_html_sites_use_the_csv_directory_exactly_where_they_offer_one(code):
    assert bool(REGISTRY.get(code).options.get("csv_directory")) == (SIM[code]["csv_download"] == "1")


@pytest.mark.parametrize("code", [c for c in CODES if SIM[c]["family"] != "push"])
def test_no_encoding_override_where_the_decoding_order_already_reads_the_network_right(code):
    """Design rule 7: declared charset, then strict UTF-8, then strict GB18030 reads every variant of
    the roster; an override tried first could turn a later UTF-8 page into silent mojibake."""
    assert "encoding" not in REGISTRY.get(code).options


def test_the_sample_evaluator_inputs_cover_every_registered_network():
    """`conf/evaluation/inputs-2013-sample.csv` (mechanism and survey indicators) has one row per network."""
    import csv

    with open(conf_dir() / "evaluation" / "inputs-2013-sample.csv", encoding="utf-8", newline="") as fh:
        rows = {r["network"]: r for r in csv.DictReader(fh)}
    assert {c: r["province"] for c, r in rows.items()} == {n.code: n.province for n in REGISTRY if is_provincial(n.code)}
    assert all(v not in ("", None) for r in rows.values() for v in r.values())


def test_the_scheduler_turns_every_schedule_into_a_trigger():
    """`hub scheduler` builds its jobs from these entries: one harvest job per pulled network."""
    from hub.config import Settings
    from hub.ops.schedule import job_definitions, trigger_for

    jobs = job_definitions(REGISTRY, Settings.load())
    harvests = {j["network"]: j for j in jobs if j["task"] == "harvest"}
    assert set(harvests) == {n.code for n in REGISTRY if n.pulled}
    for job in jobs:
        trigger_for(job)
    assert harvests["630000"]["cron"] == "30 2 * * *"
    assert harvests["140000"] == {**harvests["140000"], "minutes": 1440, "full_every_days": 1}


@pytest.mark.parametrize("value", ["javascript:alert(1)", "ftp://example.org/portal", "not a url"])
def test_portal_and_apply_urls_are_checked_where_the_registry_is_loaded(tmp_path, value):
    """A network's public pages (shown when a record has no booking link) must be http(s) URLs."""
    from hub.errors import ConfigError

    text = (conf_dir() / "networks.yaml").read_text(encoding="utf-8")
    original = "portal_url: ${HUB_SIMULATOR_URL:-http://127.0.0.1:8790}/140000/portal"
    assert original in text
    bad = tmp_path / "networks.yaml"
    bad.write_text(text.replace(original, f"portal_url: {value!r}"), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        Registry.load(bad)
    assert "portal_url" in str(exc.value) and "networks.yaml" in str(exc.value)
    assert all(n.portal_url.startswith("http") for n in REGISTRY if n.portal_url)
