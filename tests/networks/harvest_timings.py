"""Time a full harvest (instruments + 2012 service statistics) of registry networks from the simulator.

    .venv/bin/python tests/networks/harvest_timings.py [CODE ...] [--scale 1] [--realistic-latency]
                                                        [--detail-pages true|false]

The simulator runs in a child process (its CPU is not the harvest's); each network is harvested as
the registry configures it (pacing, page size, CSV directory …) into a fresh SQLite store. Without
codes: two networks of each family. `--detail-pages` overrides the yqlm-html option to compare the
two strategies. Prints one line per network; figures measured are quoted in docs/networks.md.
Not a test (pytest does not collect it): timings belong in rerunnable scripts, not assertions.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hub.config import Registry, Settings  # noqa: E402
from hub.harvest.pipeline import Harvester  # noqa: E402
from hub.simulate import start_in_subprocess  # noqa: E402
from hub.store.db import Store  # noqa: E402
from hub.store.migrate import upgrade  # noqa: E402
from hub.store.networks import sync_networks  # noqa: E402

DEFAULT = ["370000", "410000", "420000", "500000", "130000", "630000", "320000", "310000"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("codes", nargs="*", default=DEFAULT)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--realistic-latency", action="store_true")
    ap.add_argument("--detail-pages", choices=("true", "false"), default=None)
    args = ap.parse_args(argv)

    url, stop = start_in_subprocess(networks=args.codes, scale=args.scale, realistic=args.realistic_latency)
    try:
        os.environ["HUB_SIMULATOR_URL"] = url
        registry = Registry.load()
        settings = Settings.load()
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(f"sqlite:///{tmp}/hub.sqlite")
            upgrade(store)
            sync_networks(store, registry)
            harvester = Harvester(store, settings)
            print(f"{'network':8} {'family':10} {'records':>7} {'rejected':>8} {'requests':>8} {'instr s':>8} {'stats s':>8} {'rec/s':>7}")
            for code in args.codes:
                network = registry.get(code)
                if args.detail_pages and network.family == "yqlm-html" and network.options.get("csv_directory"):
                    network = dataclasses.replace(network, options={**network.options, "detail_pages": args.detail_pages == "true"})
                start = time.perf_counter()
                instruments = harvester.harvest_instruments(network, full=True)
                middle = time.perf_counter()
                service = harvester.harvest_service(network, settings.service_year)
                end = time.perf_counter()
                c = instruments.counts
                secs = middle - start
                print(
                    f"{code:8} {network.family:10} {c.fetched:7d} {c.rejected:8d} {instruments.telemetry['requests']:8d} "
                    f"{secs:8.1f} {end - middle:8.1f} {c.fetched / secs:7.0f}  {instruments.state}/{service.state}"
                )
            store.dispose()
    finally:
        stop()


if __name__ == "__main__":
    main()
