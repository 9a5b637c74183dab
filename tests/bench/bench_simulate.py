"""How fast the simulator serves, and that a 10x export streams with flat memory.

    .venv/bin/python tests/bench/bench_simulate.py [--scale 10]

Targets (issue part 7): the full Shandong export (4,117 records) well under 1 s; >= 15,000 records/s
for XML and JSON; a 10x export streamed without the simulator's memory growing with it.
"""

from __future__ import annotations

import argparse
import time

import psutil
import requests
from lxml import etree

from hub.simulate import start_in_subprocess

AUTH = ("hub", "hub-secret")


def xml_export(url, code):
    start = time.perf_counter()
    count = 0
    with requests.get(f"{url}/{code}/exchange/instruments.xml", auth=AUTH, stream=True, timeout=300) as r:
        r.raw.decode_content = True
        for _, el in etree.iterparse(r.raw, tag="Instrument"):
            count += 1
            el.clear()
    return count, time.perf_counter() - start


def json_listing(url, code):
    base = f"{url}/{code}/api/v3"
    token = requests.post(f"{base}/auth/token", json={"appKey": "hub", "appSecret": "hub-secret"}).json()["data"]["token"]
    requests.post(f"{url}/_control/{code}/faults", json={"kind": "rate_limit", "per_second": None})
    start, page, count = time.perf_counter(), 1, 0
    with requests.Session() as s:
        while True:
            data = s.get(f"{base}/instruments", params={"pageNo": page, "pageSize": 200}, headers={"X-Auth-Token": token}).json()["data"]
            count += len(data["list"])
            if page * data["pageSize"] >= data["total"]:
                break
            page += 1
    return count, time.perf_counter() - start


def rss_of_children():
    return sum(c.memory_info().rss for c in psutil.Process().children(recursive=True)) / 2**20


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=10.0)
    args = parser.parse_args()

    url, stop = start_in_subprocess(networks=["370000", "420000"], scale=1.0)
    try:
        for attempt in ("cold", "warm"):
            n, secs = xml_export(url, "370000")
            print(f"sdyq-xml Shandong export ({attempt}): {n} records in {secs:.2f} s = {n / secs:,.0f} records/s")
        for attempt in ("cold", "warm"):
            n, secs = json_listing(url, "420000")
            print(f"hbkx-json Hubei listing ({attempt}): {n} records in {secs:.2f} s = {n / secs:,.0f} records/s")
    finally:
        stop()

    url, stop = start_in_subprocess(networks=["370000"], scale=args.scale)
    try:
        before = rss_of_children()
        peak = before
        start = time.perf_counter()
        count = 0
        with requests.get(f"{url}/370000/exchange/instruments.xml", auth=AUTH, stream=True, timeout=600) as r:
            for _, el in etree.iterparse(r.raw, tag="Instrument"):
                count += 1
                el.clear()
                if count % 5000 == 0:
                    peak = max(peak, rss_of_children())
        secs = time.perf_counter() - start
        print(
            f"sdyq-xml export at scale {args.scale}: {count} records in {secs:.2f} s = {count / secs:,.0f} records/s; "
            f"simulator RSS {before:.0f} MiB before, peak {peak:.0f} MiB"
        )
    finally:
        stop()


if __name__ == "__main__":
    main()
