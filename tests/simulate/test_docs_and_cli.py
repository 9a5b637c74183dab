"""The docs name every fault kind, family and option; the command starts and stops cleanly."""

import re
from pathlib import Path

import pytest
import requests

from hub.simulate import start_in_subprocess
from hub.simulate.cli import simulate
from hub.simulate.families import FAMILIES, load_all
from hub.simulate.faults import FAULTS
from hub.simulate.network_table import NetworkSpec

DOC = (Path(__file__).parents[2] / "docs" / "simulate.md").read_text(encoding="utf-8")


def test_docs_name_every_fault_family_option_and_column():
    load_all()
    for name in [*FAULTS, *FAMILIES]:
        assert f"`{name}`" in DOC, name
    for option in simulate.params:
        assert option.opts[0] in DOC, option.opts[0]
    for column in (
        "gzip",
        "since",
        "charset_decl",
        "csv_download",
        "token_lifetime",
        "rate_limit",
        "page_cap",
        "value_as_string",
        "qyrq_style",
        "szdq_city_share",
        "hours_median",
        "enterprise_share",
    ):
        assert f"`{column}`" in DOC and column in NetworkSpec.__dataclass_fields__


def test_docs_name_every_vocabulary_file_and_fill_rate_column():
    from hub.simulate.fill_rates import SHARES, fill_table
    from hub.simulate.vocabulary import VOCAB

    for path in VOCAB.glob("*.yaml"):
        assert f"`{path.name}`" in DOC, path.name
    for column in SHARES:
        assert f"`{column}`" in DOC, column
    # the table of fill rates in the docs is the data's, tier by tier
    for tier in {r.tier for r in fill_table().values()}:
        codes = sorted(r.code for r in fill_table().values() if r.tier == tier)
        assert f"| {tier} | {', '.join(codes)} |" in DOC, tier


@pytest.mark.slow
def test_subprocess_runner_serves_and_stops():
    url, stop = start_in_subprocess(networks=["130000"], scale=0.05)
    try:
        r = requests.get(f"{url}/130000/yiqi/list.jsp", timeout=10)
        assert r.status_code == 200 and re.search("共 \\d+ 页", r.content.decode("gbk"))
        assert requests.post(f"{url}/_control/130000/mutate", json={"delete": 1}, timeout=10).json()["deleted"]
    finally:
        stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/130000/yiqi/list.jsp", timeout=2)
