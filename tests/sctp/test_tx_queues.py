"""Send queue / scheduler and retransmission queue with congestion control."""

from __future__ import annotations

from aiortc_transport.sctp.tx.retransmission_queue import RetransmissionQueue
from aiortc_transport.sctp.tx.rto import RtoEstimator
from aiortc_transport.sctp.tx.send_queue import OutgoingMessage, SendQueue

MTU = 1191


def msg(stream: int, size: int, **kw: object) -> OutgoingMessage:
    return OutgoingMessage(
        stream,
        53,
        bytes(size),
        bool(kw.get("ordered", True)),
        kw.get("max_retransmits"),
        kw.get("expires_at"),  # type: ignore[arg-type]
    )


def drain(
    queue: SendQueue, room: int = 1000, now: float = 0.0
) -> list[tuple[int, int, bool, bool]]:
    out = []
    while True:
        fragment = queue.next_fragment(room, now)
        if fragment is None:
            return out
        message, data, b, e = fragment
        out.append((message.stream_id, len(data), b, e))


def test_fragments_are_consecutive_and_streams_take_turns() -> None:
    queue = SendQueue()
    queue.add(msg(1, 2500))
    queue.add(msg(1, 10))
    queue.add(msg(2, 10))
    queue.add(msg(2, 10))
    assert queue.buffered_amount(1) == 2510
    out = drain(queue)
    assert out == [
        (1, 1000, True, False),
        (1, 1000, False, False),
        (1, 500, False, True),
        (1, 10, True, True),  # stream 1's turn goes on: 2510 bytes < TURN_QUANTUM
        (2, 10, True, True),
        (2, 10, True, True),
    ]
    # A large message ends the stream's turn.
    queue.add(msg(1, 20000))
    queue.add(msg(1, 10))
    queue.add(msg(2, 10))
    out = drain(queue, room=20000)
    assert [s for s, *_ in out] == [1, 2, 1]
    assert queue.total_buffered == 0


def test_ssn_per_stream_and_unordered_takes_none() -> None:
    queue = SendQueue()
    messages = [msg(1, 5), msg(1, 5, ordered=False), msg(1, 5), msg(2, 5)]
    for m in messages:
        queue.add(m)
    drain(queue)
    assert [m.ssn for m in messages] == [0, 0, 1, 0]


def test_expired_unsent_message_is_dropped_without_ssn() -> None:
    queue = SendQueue()
    expired = msg(1, 5, expires_at=1.0)
    after = msg(1, 5)
    queue.add(expired)
    queue.add(after)
    assert drain(queue, now=2.0) == [(1, 5, True, True)]
    assert expired.abandoned and after.ssn == 0


def test_buffered_amount_low_crossing() -> None:
    queue = SendQueue()
    queue.set_low_threshold(1, 1500)
    queue.add(msg(1, 3000))
    queue.next_fragment(1000, 0.0)
    assert queue.buffered_low == []
    queue.next_fragment(1000, 0.0)
    assert queue.buffered_low == [1]


def test_reset_waits_for_queued_messages_and_holds_later_ones() -> None:
    queue = SendQueue()
    queue.add(msg(1, 5))
    queue.prepare_reset(1)
    queue.add(msg(1, 7))  # sent after the reset asked: held
    assert not queue.ready_to_reset(1)
    assert drain(queue) == [(1, 5, True, True)]
    assert queue.ready_to_reset(1)
    queue.finish_reset(1, performed=True)
    out = drain(queue)
    assert out == [(1, 7, True, True)]
    assert queue.streams[1].next_ssn == 1  # the held message got SSN 0 of the new life


def rtx_queue(peer_rwnd: int = 1 << 20) -> RetransmissionQueue:
    return RetransmissionQueue(1000, MTU, 10, peer_rwnd, RtoEstimator(1.0, 0.2, 60.0))


def send(
    q: RetransmissionQueue, n: int, size: int = 1000, now: float = 0.0, **kw: object
) -> list[int]:
    tsns = []
    for _ in range(n):
        m = msg(0, size, **kw)
        m.first_tsn = q.next_tsn
        m.offset = size
        tsns.append(q.add_sent(m, b"c" * (size + 16), size, now))
    return tsns


def test_slow_start_grows_cwnd_only_when_used() -> None:
    q = rtx_queue()
    cwnd = q.cwnd
    send(q, 12)  # 12000 bytes: the window (11910) is fully used
    r = q.handle_sack(1004, 1 << 20, [], 0.1)
    assert r.cumulative_advanced and r.bytes_acked == 5000
    assert r.rtt_sample is not None and abs(r.rtt_sample - 0.1) < 1e-9
    assert q.cwnd == cwnd + MTU  # min(bytes acked, MTU) per SACK (RFC 9260 7.2.1)
    assert q.flight_size == 7000
    # Window barely used: no growth.
    q2 = rtx_queue()
    send(q2, 1)
    q2.handle_sack(1000, 1 << 20, [], 0.1)
    assert q2.cwnd == 10 * MTU


def test_fast_retransmit_after_three_miss_indications() -> None:
    q = rtx_queue()
    send(q, 8)
    # 1000 lost; 1001.. acked one SACK at a time.
    for i, end in enumerate((1, 2, 3)):
        q.handle_sack(999, 1 << 20, [(2, 1 + end)], 0.1 + i)
    assert q.has_retransmissions and q.fast_retransmit_pending
    cwnd_before = 10 * MTU
    assert q.ssthresh == max(cwnd_before // 2, 4 * MTU)
    item = q.next_retransmission(MTU, True, 1.0)
    assert item is not None and item.tsn == 1000 and item.transmissions == 2
    # Karn: the retransmitted chunk gives no RTT sample.
    r = q.handle_sack(1007, 1 << 20, [], 2.0)
    assert r.cumulative_advanced


def test_t3_expiry_collapses_cwnd_and_marks_all() -> None:
    q = rtx_queue()
    send(q, 5)
    q.handle_t3_expiry()
    assert q.cwnd == MTU
    assert q.flight_size == 0
    assert q.next_retransmission(MTU, False, 1.0) is not None
    # Rule B: sending is allowed while flight < cwnd, so a second chunk fits, not a third.
    assert q.next_retransmission(MTU, False, 1.0) is not None
    assert q.next_retransmission(MTU, False, 1.0) is None


def test_peer_rwnd_honoured_with_zero_window_probe() -> None:
    q = rtx_queue(peer_rwnd=1500)
    assert q.can_send_new(1000)
    send(q, 1)
    assert not q.can_send_new(1000)  # 500 left
    q.handle_sack(1000, 0, [], 0.1)  # acked, but the window is closed
    assert q.peer_rwnd == 0
    assert q.can_send_new(1000)  # nothing in flight: one probe allowed
    send(q, 1)
    assert not q.can_send_new(1000)


def test_abandon_by_max_retransmits_and_forward_tsn() -> None:
    q = rtx_queue()
    tsns = send(q, 3, max_retransmits=0)
    q.handle_t3_expiry()
    assert q.next_retransmission(MTU, False, 1.0) is None  # all abandoned
    assert q.abandoned_messages == 3
    assert q.forward_tsn_needed()
    new_cum, streams = q.make_forward_tsn()
    assert new_cum == tsns[-1]
    assert streams == [(0, 0)]
    # Sent once: a SACK that does not yet reflect it must not trigger another (pion#505).
    q.handle_sack(999, 1 << 20, [], 1.1)
    assert not q.forward_tsn_needed()
    q.handle_sack(tsns[-1], 1 << 20, [], 1.2)
    assert not q.forward_tsn_pending()


def test_abandon_partially_sent_message_gets_placeholder_tsn() -> None:
    q = rtx_queue()
    m = msg(0, 5000, max_retransmits=0)
    m.first_tsn = q.next_tsn
    m.offset = 2000
    q.add_sent(m, b"x", 1000, 0.0)
    q.add_sent(m, b"x", 1000, 0.0)
    q.abandon(m)
    assert q.next_tsn == 1003
    assert q.advanced_peer_ack_point == 1002


def test_stale_and_bogus_sacks_ignored() -> None:
    q = rtx_queue()
    send(q, 3)
    assert q.handle_sack(1001, 1 << 20, [], 0.1).valid
    assert not q.handle_sack(1000, 1 << 20, [], 0.2).valid  # older
    assert not q.handle_sack(5000, 1 << 20, [], 0.2).valid  # never sent
    assert q.handle_sack(1001, 1 << 20, [(5, 70000)], 0.2).valid  # out-of-range block
    assert q.flight_size == 1000


def interleaved_drain(queue: SendQueue, room: int = 1000) -> list[tuple[int, int, int, bool]]:
    """(stream, MID, FSN, E) per fragment."""
    out = []
    while (fragment := queue.next_fragment(room, 0.0)) is not None:
        message, _, _, e = fragment
        out.append((message.stream_id, message.ssn, message.fsn, e))
    return out


def test_interleaving_turns_per_fragment_with_mids_and_fsns() -> None:
    queue = SendQueue()
    queue.interleaving = True
    queue.add(msg(1, 2500))
    queue.add(msg(1, 10))
    queue.add(msg(2, 10))
    queue.add(msg(2, 10, ordered=False))
    queue.add(msg(2, 10))
    assert interleaved_drain(queue) == [
        (1, 0, 0, False),
        (2, 0, 0, True),  # stream 2's first message goes while stream 1's is cut
        (1, 0, 1, False),
        (2, 0, 0, True),  # unordered MIDs are a sequence of their own
        (1, 0, 2, True),
        (2, 1, 0, True),
        (1, 1, 0, True),
    ]
    assert queue.total_buffered == 0 and not queue.has_data


def test_interleaving_drops_abandoned_partial_message_and_resets_mids() -> None:
    queue = SendQueue()
    queue.interleaving = True
    big = msg(1, 3000, max_retransmits=0)
    queue.add(big)
    queue.add(msg(1, 10))
    first = queue.next_fragment(1000, 0.0)
    assert first is not None and first[0] is big
    big.abandoned = True  # the retransmission queue gave it up
    assert interleaved_drain(queue) == [(1, 1, 0, True)]
    assert queue.buffered_amount(1) == 0
    queue.prepare_reset(1)
    assert queue.ready_to_reset(1)
    queue.add(msg(1, 10))  # held for the next life
    assert interleaved_drain(queue) == []
    queue.finish_reset(1, performed=True)
    assert interleaved_drain(queue) == [(1, 0, 0, True)]


def test_interleaved_abandon_covers_scattered_tsns_and_lists_mids() -> None:
    q = rtx_queue()
    q.interleaving = True
    big = msg(1, 5000, max_retransmits=0)
    big.first_tsn = q.next_tsn
    big.offset = 2000
    other = msg(2, 10)  # reliable, between the big message's fragments
    unordered = [msg(3, 10, ordered=False, max_retransmits=0) for _ in range(2)]
    for i, m in enumerate(unordered):
        m.ssn = 4 + i
        m.offset = 10  # fully cut
    q.add_sent(big, b"x", 1000, 0.0)  # 1000
    other.first_tsn = q.add_sent(other, b"x", 10, 0.0)  # 1001
    q.add_sent(big, b"x", 1000, 0.0)  # 1002
    for m in unordered:  # 1003, 1004
        m.first_tsn = q.add_sent(m, b"x", 10, 0.0)
    big.ssn = 7
    q.abandon(big)  # placeholder 1005 for its unsent end
    for m in unordered:
        q.abandon(m)
    assert q.next_tsn == 1006
    assert q.advanced_peer_ack_point == 1000  # 1001 is reliable and not acknowledged
    q.handle_sack(1001 & 0xFFFFFFFF, 1 << 20, [], 0.1)
    assert q.advanced_peer_ack_point == 1005
    assert q.make_iforward_tsn() == (1005, [(1, False, 7), (3, True, 4), (3, True, 5)])


def test_interleaving_starts_messages_within_the_peer_buffer_budget() -> None:
    queue = SendQueue()
    queue.interleaving = True
    queue.start_budget = 2500
    for stream in (1, 2, 3):
        queue.add(msg(stream, 2000))
    queue.add(msg(4, 300))
    # Stream 1 starts; 2 and 3 would exceed the budget and wait; the small one fits.
    assert interleaved_drain(queue) == [
        (1, 0, 0, False),
        (4, 0, 0, True),
        (1, 0, 1, True),
        (2, 0, 0, False),
        (2, 0, 1, True),
        (3, 0, 0, False),
        (3, 0, 1, True),
    ]
    assert queue.in_progress_bytes == 0
