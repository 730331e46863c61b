"""Reassembly of ordered and unordered messages, FORWARD TSN skipping, stream reset."""

from __future__ import annotations

import random

from aiortc_transport.sctp.rx.reassembly import ReassemblyQueue


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[int, int, bytes, bool]] = []

    def __call__(self, stream_id: int, ppid: int, data: bytes, unordered: bool) -> None:
        self.messages.append((stream_id, ppid, data, unordered))


def fragments(first_tsn: int, data: bytes, size: int) -> list[tuple[int, bytes, bool, bool]]:
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    return [(first_tsn + i, part, i == 0, i == len(parts) - 1) for i, part in enumerate(parts)]


def test_ordered_delivery_waits_for_the_missing_ssn() -> None:
    sink = Sink()
    queue = ReassemblyQueue(sink)
    queue.add(11, 1, 1, 51, b"second", False, True, True)
    assert sink.messages == []
    assert queue.queued_bytes == 6
    queue.add(10, 1, 0, 51, b"first", False, True, True)
    assert [m[2] for m in sink.messages] == [b"first", b"second"]
    assert queue.queued_bytes == 0


def test_fragmented_ordered_message_in_any_order() -> None:
    sink = Sink()
    queue = ReassemblyQueue(sink)
    data = bytes(range(256)) * 20
    frags = fragments(100, data, 1000)
    random.Random(1).shuffle(frags)
    for tsn, part, b, e in frags:
        queue.add(tsn, 2, 0, 53, part, False, b, e)
    assert sink.messages == [(2, 53, data, False)]
    assert queue.queued_bytes == 0


def test_unordered_messages_interleaved_with_holes() -> None:
    sink = Sink()
    queue = ReassemblyQueue(sink)
    one = b"a" * 2500
    two = b"b" * 1500
    f1 = fragments(10, one, 1000)  # 10, 11, 12
    f2 = fragments(13, two, 1000)  # 13, 14
    # Everything but the middle of the first message.
    for tsn, part, b, e in [f2[1], f1[2], f1[0], f2[0]]:
        queue.add(tsn, 0, 0, 53, part, True, b, e)
    assert [m[2] for m in sink.messages] == [two]
    tsn, part, b, e = f1[1]
    queue.add(tsn, 0, 0, 53, part, True, b, e)
    assert [m[2] for m in sink.messages] == [two, one]
    assert queue.queued_bytes == 0


def test_unordered_does_not_merge_two_messages_missing_an_end() -> None:
    sink = Sink()
    queue = ReassemblyQueue(sink)
    queue.add(1, 0, 0, 53, b"B1", True, True, False)  # message 1, E (tsn 2) lost
    queue.add(3, 0, 0, 53, b"B2", True, True, False)
    queue.add(4, 0, 0, 53, b"E2", True, False, True)
    assert sink.messages == [(0, 53, b"B2E2", True)]


def test_forward_tsn_skips_abandoned_ssn_and_drops_partials() -> None:
    sink = Sink()
    queue = ReassemblyQueue(sink)
    queue.add(1, 5, 0, 53, b"part", False, True, False)  # ssn 0, abandoned later
    queue.add(4, 5, 1, 53, b"next", False, True, True)  # ssn 1, complete, blocked
    queue.add(2, 6, 0, 53, b"u-part", True, True, False)  # unordered partial
    queue.forward_tsn(3, [(5, 0)])
    assert sink.messages == [(5, 53, b"next", False)]
    assert queue.queued_bytes == 0
    # A late fragment of the skipped message is ignored.
    queue.add(3, 5, 0, 53, b"late", False, False, True)
    assert queue.queued_bytes == 0


def test_ssn_wraps() -> None:
    sink = Sink()
    queue = ReassemblyQueue(sink)
    for ssn in range(70_000):
        queue.add(ssn, 0, ssn & 0xFFFF, 53, b"x", False, True, True)
    assert len(sink.messages) == 70_000


def test_forward_tsn_from_before_a_reset_does_not_skip_the_new_ssns() -> None:
    # Stream 3's old life: SSN 0 delivered, SSN 1 (TSN 2) abandoned and skipped by a
    # FORWARD TSN (new cumulative TSN 2, stream 3 SSN 1). The stream is reset after TSN 2.
    # A duplicate of that FORWARD TSN arriving after the reset must not skip SSNs 0-1 of
    # the stream's new life (found by tests/datachannel/test_simulation.py, seed 33).
    sink = Sink()
    queue = ReassemblyQueue(sink)
    queue.add(1, 3, 0, 51, b"old", False, True, True)
    queue.forward_tsn(2, [(3, 1)])
    queue.reset_streams([3], 2)
    queue.forward_tsn(2, [(3, 1)])
    queue.add(3, 3, 0, 50, b"open", False, True, True)
    queue.add(4, 3, 1, 51, b"new", False, True, True)
    assert [m[2] for m in sink.messages] == [b"old", b"open", b"new"]
    # A FORWARD TSN beyond the reset still skips SSNs of the new life.
    queue.forward_tsn(6, [(3, 3)])
    queue.add(7, 3, 4, 51, b"after skip", False, True, True)
    assert sink.messages[-1][2] == b"after skip"


def test_stream_reset_restarts_ssn() -> None:
    sink = Sink()
    queue = ReassemblyQueue(sink)
    queue.add(1, 3, 0, 51, b"a", False, True, True)
    queue.add(2, 3, 1, 51, b"b", False, True, True)
    queue.reset_streams([3])
    queue.add(3, 3, 0, 51, b"c", False, True, True)
    assert [m[2] for m in sink.messages] == [b"a", b"b", b"c"]
