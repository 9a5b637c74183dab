"""Events shared between tests/extension/test_plugins.py and the slow module it installs."""

import threading

importing = threading.Event()
go = threading.Event()
