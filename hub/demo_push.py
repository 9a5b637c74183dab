"""The demo's pushing provinces: each gets its own publisher token and sends its catalogue (a
snapshot) and its service statistics through the real feed endpoint, as `hub push` would."""

from __future__ import annotations

import tempfile
from pathlib import Path

import requests

from hub.auth.tokens import create_token
from hub.cli.push_cmd import send, wait_for
from hub.simulate.push_files import catalogue_file, service_file


def push_networks(store, web_url: str, networks, *, scale: float = 1.0, years=(2012,)) -> list[dict]:
    """Each network's catalogue, then its service statistics of every year in `years`."""
    reports = []
    session = requests.Session()
    with tempfile.TemporaryDirectory(prefix="hub-demo-push-") as tmp:
        for network in networks:
            _, token = create_token(store, "publisher", network.code, label="hub demo", created_by="hub demo")
            files = [("instruments", None, catalogue_file(network.code, scale=scale), "snapshot")]
            files += [("service", year, service_file(network.code, year, scale=scale), None) for year in years]
            for kind, year, (body, suffix), mode in files:
                path = Path(tmp) / f"{network.code}-{kind}{year or ''}{suffix}"
                path.write_bytes(body)
                r = send(
                    web_url,
                    network.code,
                    path,
                    token=token,
                    mode=mode,
                    kind="service" if kind == "service" else None,
                    year=year if kind == "service" else None,
                    session=session,
                )
                if r.status_code not in (200, 201, 202):
                    raise RuntimeError(f"push of {network.code} {kind} answered {r.status_code}: {r.text[:500]}")
                report = r.json()
                if r.status_code == 202:
                    report = wait_for(web_url, report["report"], token, session=session)
                reports.append(report)
    return reports
