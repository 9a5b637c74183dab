"""Simulated provincial networks (`hub simulate`): realistic, deterministic, with switchable faults.

Public API: `SimulatorServer` (in-process, background thread), `start_in_subprocess` (a child process,
for benchmarks that must not count its memory), `network_table` (the data table of networks and
their variants), fault kinds in `hub.simulate.faults.FAULTS`. See docs/simulate.md.
"""

from hub.simulate.network_table import network_table, spec_for
from hub.simulate.server import SimulatorApp, SimulatorServer
from hub.simulate.subprocess_runner import start_in_subprocess

__all__ = ["SimulatorApp", "SimulatorServer", "network_table", "spec_for", "start_in_subprocess"]
