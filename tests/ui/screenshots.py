"""Screenshots of the catalogue's main pages at a phone's and a desktop's size, for docs/ui.md.

    .venv/bin/hub demo --scale 0.1 --no-serve && .venv/bin/hub serve --port 8000 &
    .venv/bin/python -m tests.ui.screenshots --url http://127.0.0.1:8000 --out docs/img

Each page is captured as the first screen a person sees (the viewport, not the whole page), in
Debian's headless Chromium with the viewport emulated exactly, and saved as a 64-colour PNG so the
files stay small. Not a test: run by hand when the pages change.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import quote

from PIL import Image

from tests.ui.conftest import start_chromium

SIZES = {"phone": (390, 844, True), "desktop": (1366, 900, False)}
#: What a phone's Chromium says it is (the hub keeps the filters shut for it).
PHONE_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36"


def emulate(driver, size: str) -> None:
    """The viewport of `size`, exactly (a headless window's size is not its viewport), and for the
    phone a phone's User-Agent and client hint."""
    width, height, mobile = SIZES[size]
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
    )
    if mobile:
        driver.execute_cdp_cmd(
            "Emulation.setUserAgentOverride",
            {
                "userAgent": PHONE_UA,
                "userAgentMetadata": {
                    "mobile": True,
                    "platform": "Android",
                    "platformVersion": "14",
                    "architecture": "",
                    "model": "Pixel 8",
                },
            },
        )
    else:
        driver.execute_cdp_cmd(
            "Emulation.setUserAgentOverride", {"userAgent": driver.execute_script("return navigator.userAgent").replace(" Mobile", "")}
        )


def pages(driver, base: str) -> list[tuple[str, str]]:
    """(name, URL) of the pages to show; the instrument is the first liquid chromatograph found."""
    driver.get(f"{base}/?q={quote('液相色谱')}")
    first = driver.find_element("css selector", ".result-list .result h3 a").get_attribute("href")
    # A Hubei instrument without a booking link: the network's portal and the province's subsidy.
    with urllib.request.urlopen(f"{base}/api/v1/instruments?network=420000&page_size=100") as response:
        hubei = next((i["id"] for i in json.load(response)["items"] if not i["booking_url"]), None)
    extra = [("instrument-hubei", f"{base}/instruments/{quote(hubei)}?lang=zh")] if hubei else []
    return extra + [
        ("search", f"{base}/?q={quote('液相色谱')}&lang=zh"),
        ("search-en", f"{base}/?q=liquid+chromatograph&lang=en"),
        ("instrument", f"{first}?lang=zh"),
        ("instrument-en", f"{first}?lang=en"),
        ("stats", f"{base}/stats?lang=zh"),
        ("networks", f"{base}/networks?lang=zh"),
    ]


def save_small(png: bytes, path: Path) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=64)
    image.save(path, optimize=True)
    return path.stat().st_size


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a running hub (hub serve)")
    parser.add_argument("--out", default="docs/img", type=Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    driver, profile = start_chromium()
    try:
        todo = pages(driver, args.url.rstrip("/"))
        for size in SIZES:
            emulate(driver, size)
            for name, url in todo:
                driver.get(url)
                path = args.out / f"{name}-{size}.png"
                print(f"{path}  {save_small(driver.get_screenshot_as_png(), path):,} bytes")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
