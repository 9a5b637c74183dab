"""The plugin loader under threads: a registry asked from a second thread while the first thread is
still importing the extension modules waits for them, never answering from a half-filled registry
(parallel harvests load the mapping transforms at the same moment)."""

from __future__ import annotations

import importlib
import sys
import threading

import pytest

from hub import plugins
from hub.errors import ConfigError
from hub.mapping import registry as transforms
from tests.extension import race_gate

MODULE = '''\
from tests.extension import race_gate
from hub.mapping.registry import transform

race_gate.importing.set()
assert race_gate.go.wait(60), "the test never let the import finish"


@transform("slow_to_load")
def slow_to_load(value):
    """A transform whose module takes its time to import."""
    return value
'''


@pytest.fixture
def slow_extension(tmp_path):
    (tmp_path / "slow_extension.py").write_text(MODULE, encoding="utf-8")
    dist = tmp_path / "slow_extension-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: slow-extension\nVersion: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[instrument_hub.transforms]\nslow = slow_extension\n", encoding="utf-8")
    transforms.names()  # the built-ins are in
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    plugins._loaded.discard("transforms")  # as in a fresh process, with the slow module installed
    race_gate.importing.clear()
    race_gate.go.clear()
    try:
        yield
    finally:
        race_gate.go.set()
        sys.path.remove(str(tmp_path))
        sys.modules.pop("slow_extension", None)
        transforms.TRANSFORMS.pop("slow_to_load", None)
        plugins._loaded.add("transforms")
        importlib.invalidate_caches()


def test_a_second_thread_waits_for_the_registry_to_be_complete(slow_extension):
    seen: dict[str, list[str]] = {}

    def ask(name):
        seen[name] = transforms.names()

    first = threading.Thread(target=ask, args=("first",))
    first.start()
    assert race_gate.importing.wait(60), "the slow module was never imported"
    second = threading.Thread(target=ask, args=("second",))
    second.start()
    second.join(0.5)  # with the bug it has answered by now, without the slow transform
    race_gate.go.set()
    first.join(60)
    second.join(60)
    assert "slow_to_load" in seen["first"]
    assert "slow_to_load" in seen["second"], "a thread saw the registry before its modules were loaded"


def test_an_extension_that_cannot_be_imported_stops_start_up_naming_it(tmp_path):
    dist = tmp_path / "broken_extension-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-extension\nVersion: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[instrument_hub.evaluation]\nbroken = broken_extension_absent\n", encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        with pytest.raises(ConfigError, match=r"instrument_hub.evaluation:broken.*broken-extension"):
            plugins.reload("evaluation")
        assert not plugins.loaded("evaluation")  # asked again, it fails again: never silently half-loaded
    finally:
        sys.path.remove(str(tmp_path))
        importlib.invalidate_caches()
        plugins.reload("evaluation")
