"""Run the simulator in a child process and hand back its URL and a stop function."""

from __future__ import annotations

import subprocess
import sys
import threading


def start_in_subprocess(
    networks=None,
    scale: float = 1.0,
    port: int = 0,
    host: str = "127.0.0.1",
    seed: int = 1,
    realistic: bool = False,
    timeout: float = 60.0,
    warm: bool = False,
):
    """Start `python -m hub.simulate` and return ``(url, stop)``; ``stop()`` ends the child cleanly.

    Faults and mutations go over HTTP: ``POST {url}/_control/{code}/faults`` and ``…/mutate``.
    """
    cmd = [sys.executable, "-m", "hub.simulate", "--host", host, "--port", str(port), "--scale", str(scale), "--seed", str(seed)]
    for code in networks or ():
        cmd += ["--network", code]
    if realistic:
        cmd.append("--realistic-latency")
    if warm:
        cmd.append("--warm")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first: list[str] = []  # "simulator listening on http://host:port", read aside so that `timeout` holds
    reader = threading.Thread(target=lambda: first.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    timed_out = reader.is_alive()
    line = "" if timed_out else first[0]
    if not line.startswith("simulator listening on "):
        proc.kill()
        proc.wait()
        raise RuntimeError(f"simulator did not start{f' within {timeout:g} s' if timed_out else ''}: {line}{proc.stderr.read()}")
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
