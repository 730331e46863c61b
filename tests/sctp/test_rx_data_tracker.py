"""Receive-side TSN tracking and the delayed-SACK decision."""

from __future__ import annotations

from aiortc_transport.sctp.rx.data_tracker import DataTracker


def test_in_order_moves_cumulative_tsn_and_delays_sack() -> None:
    tracker = DataTracker(100)
    assert tracker.observe(100)
    tracker.packet_end(10.0, True, 0.2)
    assert tracker.cumulative_tsn == 100
    assert not tracker.sack_due(10.0)
    assert tracker.delayed_ack_at == 10.2
    assert tracker.sack_due(10.2)
    # Second packet with data: SACK at once (RFC 9260 section 6.2).
    assert tracker.observe(101)
    tracker.packet_end(10.1, True, 0.2)
    assert tracker.sack_due(10.1)
    cum, gaps, dups = tracker.take_sack(16)
    assert (cum, gaps, dups) == (101, [], [])
    assert tracker.delayed_ack_at is None and not tracker.sack_pending


def test_gaps_reported_as_offsets_and_sack_immediate() -> None:
    tracker = DataTracker(1)
    for tsn in (1, 2, 4, 5, 7, 9, 10):
        tracker.observe(tsn)
    tracker.packet_end(0.0, True, 0.2)
    assert tracker.sack_due(0.0)
    cum, gaps, _dups = tracker.take_sack(16)
    assert cum == 2
    assert gaps == [(2, 3), (5, 5), (7, 8)]
    # Filling the first hole merges the block into the cumulative point.
    tracker.observe(3)
    assert tracker.cumulative_tsn == 5
    assert tracker.gap_ack_blocks(16) == [(2, 2), (4, 5)]
    tracker.observe(6)
    tracker.observe(8)
    assert tracker.cumulative_tsn == 10
    assert not tracker.has_gaps


def test_duplicates_reported_once_and_limited() -> None:
    tracker = DataTracker(1, max_duplicates=3)
    tracker.observe(1)
    tracker.observe(3)
    assert not tracker.observe(1)
    assert not tracker.observe(3)
    for _ in range(5):
        tracker.observe(1)
    _, _, dups = tracker.take_sack(16)
    assert dups == [1, 3, 1]
    assert tracker.take_sack(16)[2] == []


def test_gap_block_limit() -> None:
    tracker = DataTracker(0)
    for tsn in range(2, 200, 2):
        tracker.observe(tsn)
    assert len(tracker.take_sack(10)[1]) == 10


def test_forward_tsn_skips_and_merges() -> None:
    tracker = DataTracker(1)
    tracker.observe(1)
    tracker.observe(5)
    tracker.observe(6)
    tracker.observe(9)
    assert tracker.forward_to(4)
    # 5 and 6 were received: the point jumps over them.
    assert tracker.cumulative_tsn == 6
    assert tracker.gap_ack_blocks(16) == [(3, 3)]
    assert not tracker.forward_to(3)
    assert tracker.sack_due_now
    assert tracker.is_received(9) and not tracker.is_received(8)


def test_random_order_matches_set_model() -> None:
    import random

    rng = random.Random(7)
    tracker = DataTracker(1000)
    seen: set[int] = set()
    tsns = list(range(1000, 1400)) * 2
    rng.shuffle(tsns)
    for tsn in tsns:
        assert tracker.observe(tsn) == (tsn not in seen)
        seen.add(tsn)
        cum = 999
        while cum + 1 in seen:
            cum += 1
        assert tracker.cumulative_tsn == cum
        blocks = [(cum + s, cum + e) for s, e in tracker.gap_ack_blocks(1000)]
        covered = {t for s, e in blocks for t in range(s, e + 1)}
        assert covered == {t for t in seen if t > cum}
    assert tracker.cumulative_tsn == 1399
