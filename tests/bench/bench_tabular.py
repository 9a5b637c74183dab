"""Peak memory of the spreadsheet reader (`hub.tabular`) on a large CSV and a large XLSX.

    .venv/bin/python tests/bench/bench_tabular.py [--csv-mb 200] [--xlsx-rows 100000]

Each file is written to a temporary directory, then read in a fresh child process that reports its
peak RSS (ru_maxrss), rows and seconds; the child's baseline (interpreter + imports) is printed too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from hub.tabular import TableFile, read_table
import openpyxl  # loaded before the baseline is taken
path, fmt = sys.argv[1], sys.argv[2]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
info = TableFile(fmt)
n = sum(1 for _ in read_table(path, fmt, info, override=None))
print(json.dumps({"rows": n, "seconds": round(time.perf_counter() - t, 1), "baseline_mb": round(base / 1024),
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "complete": info.complete}))
"""

ROW = [
    "Equipment",
    "Scanning Electron Microscope {i}",
    "Zeiss ULTRA 55 field-emission SEM, 1 nm at 15 kV; EDX, EBSD",
    "Zoë Brontë",
    "zoe.{j}@york.example.ac.uk",
    "Chemistry",
    "Heslington West",
    "Dalton Building room {k}",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv-mb", type=int, default=200)
    ap.add_argument("--xlsx-rows", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "big.csv"
        with open(csv_path, "w", encoding="utf-8", newline="") as fh:
            fh.write("Type,Name,Description,Contact Name,Contact Email,Department,Site Location,Building\r\n")
            i = 0
            while fh.tell() < args.csv_mb * 1024 * 1024:
                fh.write(",".join(f'"{c}"'.format(i=i, j=i % 40, k=i % 97) for c in ROW) + "\r\n")
                i += 1
        import xlsxwriter

        xlsx_path = Path(tmp) / "big.xlsx"
        book = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
        ws = book.add_worksheet()
        ws.write_row(0, 0, ["Type", "Name", "Description", "Contact Name", "Contact Email", "Department", "Site Location", "Building"])
        for r in range(1, args.xlsx_rows + 1):
            ws.write_row(r, 0, [c.format(i=r, j=r % 40, k=r % 97) for c in ROW])
        book.close()
        for path, fmt in ((csv_path, "csv"), (xlsx_path, "xlsx")):
            out = subprocess.run([sys.executable, "-c", CHILD, str(path), fmt], capture_output=True, text=True, check=True)
            print(f"{fmt}: {path.stat().st_size / 1e6:.0f} MB file:", json.loads(out.stdout))


if __name__ == "__main__":
    main()
