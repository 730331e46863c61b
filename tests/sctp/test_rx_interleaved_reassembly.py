"""Reassembly of I-DATA fragments (RFC 8260): (stream, U, MID) keys, FSN order, MID order,
I-FORWARD-TSN skipping, stream reset, malformed fragments, memory accounting."""

from __future__ import annotations

import random

from aiortc_transport.sctp.rx.interleaved_reassembly import InterleavedReassemblyQueue

from .test_rx_reassembly import Sink

Fragment = tuple[int, int, int, int, bytes, bool, bool, bool]


def fragments(
    tsns: list[int], stream: int, mid: int, data: bytes, size: int, *, unordered: bool = False
) -> list[Fragment]:
    """(tsn, stream, mid, ppid_or_fsn, data, unordered, B, E) for one message (PPID 51)."""
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    assert len(parts) == len(tsns)
    return [
        (tsn, stream, mid, 51 if i == 0 else i, part, unordered, i == 0, i == len(parts) - 1)
        for i, (tsn, part) in enumerate(zip(tsns, parts, strict=True))
    ]


def test_interleaved_messages_in_any_order() -> None:
    sink = Sink()
    queue = InterleavedReassemblyQueue(sink)
    big = bytes(range(256)) * 20  # 5120 bytes, 6 fragments
    small = b"small"
    # The big message's fragments take TSNs 10, 12, 14...; small messages sit in between.
    frags = fragments([10, 12, 14, 16, 18, 20], 1, 0, big, 1000)
    frags += fragments([11], 2, 0, small, 1000)
    frags += fragments([13], 2, 1, small + b"1", 1000)
    frags += fragments([15, 17], 3, 7, big[:1500], 1000, unordered=True)
    random.Random(2).shuffle(frags)
    for fragment in frags:
        queue.add(*fragment)
    got = {(m[0], m[2]) for m in sink.messages}
    assert got == {(1, big), (2, small), (2, small + b"1"), (3, big[:1500])}
    assert all(m[1] == 51 for m in sink.messages)
    assert [m[2] for m in sink.messages if m[0] == 2] == [small, small + b"1"]
    assert [m[3] for m in sink.messages if m[0] == 3] == [True]
    assert queue.queued_bytes == 0


def test_ordered_delivery_waits_for_the_missing_mid() -> None:
    sink = Sink()
    queue = InterleavedReassemblyQueue(sink)
    queue.add(21, 1, 1, 51, b"second", False, True, True)
    queue.add(22, 1, 2, 51, b"th", False, True, False)
    queue.add(23, 1, 2, 1, b"ird", False, False, True)
    assert sink.messages == []
    assert queue.queued_bytes == 11
    queue.add(20, 1, 0, 51, b"first", False, True, True)
    assert [m[2] for m in sink.messages] == [b"first", b"second", b"third"]
    assert queue.queued_bytes == 0
    queue.add(24, 1, 1, 51, b"stale", False, True, True)  # MID 1 again: already delivered
    assert len(sink.messages) == 3


def test_mid_wraps_around_32_bits() -> None:
    sink = Sink()
    queue = InterleavedReassemblyQueue(sink)
    queue.forward_tsn(0, [(4, False, 0x7FFFFFFE)])  # skips are serial: two half steps
    queue.forward_tsn(0, [(4, False, 0xFFFFFFFD)])  # next MID 0xFFFFFFFE
    queue.add(1, 4, 0, 51, b"c", False, True, True)
    queue.add(2, 4, 0xFFFFFFFF, 51, b"b", False, True, True)
    queue.add(3, 4, 0xFFFFFFFE, 51, b"a", False, True, True)
    assert [m[2] for m in sink.messages] == [b"a", b"b", b"c"]


def test_forward_tsn_skips_ordered_and_drops_unordered_partials() -> None:
    sink = Sink()
    queue = InterleavedReassemblyQueue(sink)
    queue.add(1, 1, 0, 51, b"abandoned-", False, True, False)  # MID 0: never completes
    queue.add(3, 1, 1, 51, b"kept", False, True, True)  # MID 1: waits for MID 0
    queue.add(4, 2, 5, 51, b"partial-", True, True, False)  # unordered MID 5
    queue.add(5, 2, 6, 51, b"later-", True, True, False)  # unordered MID 6 (not skipped)
    assert queue.queued_bytes == 10 + 4 + 8 + 6
    queue.forward_tsn(5, [(1, False, 0), (2, True, 5)])
    assert [m[2] for m in sink.messages] == [b"kept"]
    assert queue.queued_bytes == 6
    queue.add(6, 2, 6, 1, b"done", True, False, True)
    assert sink.messages[-1] == (2, 51, b"later-done", True)
    assert queue.queued_bytes == 0
    queue.add(7, 1, 0, 1, b"late", False, False, True)  # a late fragment of the skipped MID
    assert queue.queued_bytes == 0


def test_forward_tsn_delivers_complete_messages_it_passes() -> None:
    sink = Sink()
    queue = InterleavedReassemblyQueue(sink)
    queue.add(2, 1, 1, 51, b"one", False, True, True)
    queue.add(3, 1, 2, 51, b"two", False, True, True)
    queue.forward_tsn(3, [(1, False, 1)])
    assert [m[2] for m in sink.messages] == [b"one", b"two"]
    assert queue.queued_bytes == 0


def test_reset_streams_restarts_mids_and_drops_partials() -> None:
    sink = Sink()
    queue = InterleavedReassemblyQueue(sink)
    queue.add(1, 1, 0, 51, b"a", False, True, True)
    queue.add(2, 1, 1, 51, b"part", False, True, False)
    queue.add(3, 1, 0, 51, b"u-part", True, True, False)
    queue.reset_streams([1])
    assert queue.queued_bytes == 0
    queue.add(4, 1, 0, 51, b"new life", False, True, True)
    assert [m[2] for m in sink.messages] == [b"a", b"new life"]


def test_malformed_fragments_never_deliver_garbage() -> None:
    sink = Sink()
    queue = InterleavedReassemblyQueue(sink)
    queue.add(1, 1, 0, 0, b"fsn0-not-B", False, False, False)  # FSN 0 without B: dropped
    assert queue.queued_bytes == 0
    # E at FSN 1 but a fragment at FSN 5: 2 fragments, never a complete 0..1 message.
    queue.add(2, 1, 0, 5, b"x", False, False, False)
    queue.add(3, 1, 0, 1, b"y", False, False, True)
    assert sink.messages == []
    queue.add(4, 1, 0, 1, b"dup", False, False, True)  # duplicate FSN: ignored
    assert queue.queued_bytes == 2
    queue.add(5, 1, 0, 51, b"B", False, True, False)
    assert sink.messages == []  # FSNs {0, 1, 5} with E at 1: inconsistent, not delivered
    queue.clear()
    assert queue.queued_bytes == 0
