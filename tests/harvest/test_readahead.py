"""read_ahead: the network is read while the store writes, in order, bounded, failures in place."""

from __future__ import annotations

import threading

import pytest

from hub.errors import ConnectorError
from hub.harvest.readahead import read_ahead


def test_items_come_out_in_order_and_complete():
    assert list(read_ahead(iter(range(1000)), depth=2)) == list(range(1000))


def test_the_source_is_read_while_the_consumer_works():
    second_read = threading.Event()

    def source():
        yield "batch 1"
        second_read.set()  # reached only when someone asks for batch 2
        yield "batch 2"

    batches = read_ahead(source())
    assert next(batches) == "batch 1"
    # The consumer is busy with batch 1 (writing it); the source must already be reading batch 2.
    assert second_read.wait(timeout=10)
    assert list(batches) == ["batch 2"]


def test_the_source_runs_at_most_depth_items_ahead():
    produced = []
    release = threading.Event()

    def source():
        for n in range(100):
            produced.append(n)
            yield n

    batches = read_ahead(source(), depth=2)
    assert next(batches) == 0
    release.wait(0.3)  # give the reader every chance to run ahead
    # Item 0 consumed, two queued, one more produced and waiting for room: memory stays bounded.
    assert len(produced) <= 4
    batches.close()


def test_a_failure_comes_after_what_was_read_before_it():
    def source():
        yield "batch 1"
        yield "batch 2"
        raise ConnectorError("370000", "body broken off while reading", "truncated")

    seen = []
    with pytest.raises(ConnectorError, match="broken off"):
        for batch in read_ahead(source()):
            seen.append(batch)
    assert seen == ["batch 1", "batch 2"]


def test_stopping_early_closes_the_source_in_its_thread():
    closed = threading.Event()

    def source():
        try:
            for n in range(10_000):
                yield n
        finally:
            closed.set()  # a connector shuts its thread pool / response here

    batches = read_ahead(source(), depth=2)
    assert next(batches) == 0
    batches.close()
    assert closed.is_set()
