"""`hub simulate` (the command lives in hub.simulate.cli)."""

from hub.simulate.cli import simulate

COMMANDS = [simulate]
