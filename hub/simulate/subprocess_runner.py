"""Run the simulator in a child process and hand back its URL and a stop function."""

from __future__ import annotations

import subprocess
import sys


def start_in_subprocess(
    networks=None, scale: float = 1.0, port: int = 0, host: str = "127.0.0.1", seed: int = 1, realistic: bool = False, timeout: float = 60.0
):
    """Start `python -m hub.simulate` and return ``(url, stop)``; ``stop()`` ends the child cleanly.

    Faults and mutations go over HTTP: ``POST {url}/_control/{code}/faults`` and ``…/mutate``.
    """
    cmd = [sys.executable, "-m", "hub.simulate", "--host", host, "--port", str(port), "--scale", str(scale), "--seed", str(seed)]
    for code in networks or ():
        cmd += ["--network", code]
    if realistic:
        cmd.append("--realistic-latency")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # "simulator listening on http://host:port"
    if not line.startswith("simulator listening on "):
        proc.kill()
        raise RuntimeError(f"simulator did not start: {line}{proc.stderr.read()}")
    url = line.split()[-1]

    def stop():
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()
        proc.stderr.close()

    return url, stop
