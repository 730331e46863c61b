"""RFC 6525 stream reset through the association: both directions, "in progress" deferral,
retransmission on the reconfig timer, and stream reuse."""

from __future__ import annotations

import pytest

from aiortc_transport.sctp.events import (
    DataReceived,
    Event,
    StreamsResetIncoming,
    StreamsResetOutgoing,
)
from aiortc_transport.sctp.options import AssociationOptions
from aiortc_transport.sctp.packet.chunk import (
    DataChunk,
    ForwardTsnChunk,
    IDataChunk,
    IForwardTsnChunk,
    ReConfigChunk,
)
from aiortc_transport.sctp.packet.packet import SctpPacket, serialize_packet
from aiortc_transport.sctp.packet.parameter import (
    RESULT_IN_PROGRESS,
    RESULT_SUCCESS_PERFORMED,
    OutgoingSsnResetRequestParameter,
)

from .sim import Endpoint, LinkConfig, Simulation


def chunks(packet: bytes) -> list[object]:
    return list(SctpPacket.parse_untrusted(packet).chunks)


def answer_resets(endpoint: Endpoint, event: Event, now: float) -> None:
    """What the DCEP layer does: an incoming reset is answered by our own outgoing one."""
    if type(event) is StreamsResetIncoming:
        endpoint.association.reset_streams(list(event.stream_ids), now)


def test_close_both_directions_then_reuse_stream() -> None:
    sim = Simulation(1)
    sim.z.on_event = answer_resets
    sim.establish()
    a = sim.a.association
    a.send(1, 51, b"before", sim.now)
    a.reset_streams([1], sim.now)
    sim.flush()
    assert sim.run_until(
        lambda: (
            any(type(e) is StreamsResetIncoming for e in sim.a.events)
            and any(type(e) is StreamsResetOutgoing for e in sim.z.events)
        ),
        5,
    )
    z_events = [e for e in sim.z.events if type(e) is not DataReceived or e.stream_id == 1]
    kinds = [type(e).__name__ for e in z_events[1:]]
    assert kinds == ["DataReceived", "StreamsResetIncoming", "StreamsResetOutgoing"]
    assert StreamsResetOutgoing((1,)) in sim.a.events
    # The stream is reusable: SSNs start again at 0 on both sides.
    a.send(1, 51, b"after", sim.now)
    sim.z.association.send(1, 51, b"z-after", sim.now)
    sim.flush()
    assert sim.run_until(lambda: len(sim.z.messages) == 2 and len(sim.a.messages) == 1, 5)
    assert [m.data for m in sim.z.messages] == [b"before", b"after"]


def test_reset_in_progress_until_last_data_arrives() -> None:
    # A -> DATA "old" /lost/ (twice); A -> RE-CONFIG -> Z: in progress; DATA arrives; Z performs.
    lost = {"n": 0}

    def drop(index: int, packet: bytes) -> bool:
        if any(type(c) is DataChunk for c in chunks(packet)) and lost["n"] < 2:
            lost["n"] += 1
            return True
        return False

    sim = Simulation(
        2,
        a_options=AssociationOptions(enable_message_interleaving=False),
        a_to_z=LinkConfig(drop=drop),
    )
    sim.establish()
    a = sim.a.association
    a.send(3, 51, b"old", sim.now)
    sim.flush()
    a.reset_streams([3], sim.now)
    a.send(3, 51, b"new life", sim.now)  # held until the reset is done
    sim.flush()
    assert sim.run_until(lambda: len(sim.z.messages) == 2, 20)
    events = [type(e).__name__ for e in sim.z.events[1:]]
    assert events == ["DataReceived", "StreamsResetIncoming", "DataReceived"]
    assert [m.data for m in sim.z.messages] == [b"old", b"new life"]
    responses = [
        p.result
        for _, who, packet in sim.trace
        if who == "Z"
        for c in chunks(packet)
        if type(c) is ReConfigChunk
        for p in c.parameters
    ]
    assert RESULT_IN_PROGRESS in responses
    assert StreamsResetOutgoing((3,)) in sim.a.events


def test_lost_reconfig_is_retransmitted() -> None:
    dropped: list[int] = []

    def drop(index: int, packet: bytes) -> bool:
        if not dropped and any(type(c) is ReConfigChunk for c in chunks(packet)):
            dropped.append(index)
            return True
        return False

    sim = Simulation(3, a_to_z=LinkConfig(drop=drop))
    sim.establish()
    a = sim.a.association
    a.reset_streams([5], sim.now)
    sim.flush()
    start = sim.now
    assert sim.run_until(lambda: StreamsResetOutgoing((5,)) in sim.a.events, 10)
    times = [
        at
        for at, who, p in sim.trace
        if who == "A" and any(type(c) is ReConfigChunk for c in chunks(p))
    ]
    assert len(times) == 2
    assert times[1] - times[0] >= a.options.rto_min
    assert sim.now - start < 3


def test_several_streams_batched_while_one_request_outstanding() -> None:
    sim = Simulation(4, a_to_z=LinkConfig(delay=0.05), z_to_a=LinkConfig(delay=0.05))
    sim.establish()
    a = sim.a.association
    a.reset_streams([1], sim.now)
    sim.flush()
    a.reset_streams([2, 3], sim.now)
    sim.flush()
    assert sim.run_until(lambda: StreamsResetOutgoing((2, 3)) in sim.a.events, 5), sim.a.events
    assert StreamsResetOutgoing((1,)) in sim.a.events
    incoming = [e for e in sim.z.events if type(e) is StreamsResetIncoming]
    assert incoming == [StreamsResetIncoming((1,)), StreamsResetIncoming((2, 3))]


def test_data_of_the_next_life_is_held_until_the_deferred_reset() -> None:
    """Hand-made peer packets: the reset request overtakes the stream's last old-life DATA,
    and new-life DATA (SSN 0 again) arrives before the old one too."""
    sim = Simulation(5, a_options=AssociationOptions(enable_message_interleaving=False))
    sim.establish()
    z = sim.z.association
    a = sim.a.association
    tag = z.my_tag
    base = a._tx.next_tsn  # type: ignore[union-attr]

    def packet(*chunks: bytes) -> bytes:
        return serialize_packet(5000, 5000, tag, list(chunks))

    def data(offset: int, ssn: int, payload: bytes) -> bytes:
        return DataChunk(
            (base + offset) & 0xFFFFFFFF, 7, ssn, 51, payload, False, True, True
        ).serialize()

    request = ReConfigChunk(
        [
            OutgoingSsnResetRequestParameter(
                a._reset._next_request_sequence,
                0,  # type: ignore[attr-defined]
                (base + 1) & 0xFFFFFFFF,
                [7],
            )
        ]
    ).serialize()
    now = sim.now
    z.receive_packet(packet(data(0, 0, b"old-0")), now)
    z.receive_packet(packet(request), now)  # last TSN base+1 not yet received: in progress
    z.receive_packet(packet(data(2, 0, b"new-0")), now)  # next life, SSN 0: held
    z.receive_packet(packet(data(3, 1, b"new-1")), now)
    events = []
    while (event := z.next_event()) is not None:
        events.append(event)
    assert [getattr(e, "data", None) for e in events] == [b"old-0"]
    replies = [c for p in z.packets_to_send(now) for c in chunks(p)]
    results = [p.result for c in replies if type(c) is ReConfigChunk for p in c.parameters]
    assert results == [RESULT_IN_PROGRESS]
    z.receive_packet(packet(data(1, 1, b"old-1")), now)  # the gap fills: reset performed
    while (event := z.next_event()) is not None:
        events.append(event)
    assert [type(e).__name__ for e in events] == [
        "DataReceived",
        "DataReceived",
        "StreamsResetIncoming",
        "DataReceived",
        "DataReceived",
    ]
    assert [e.data for e in events if type(e) is DataReceived] == [
        b"old-0",
        b"old-1",
        b"new-0",
        b"new-1",
    ]
    # The peer's retry of the same request now hears "performed".
    z.receive_packet(packet(request), now)
    replies = [c for p in z.packets_to_send(now) for c in chunks(p)]
    results = [p.result for c in replies if type(c) is ReConfigChunk for p in c.parameters]
    assert results == [RESULT_SUCCESS_PERFORMED]
    assert z.stats.internal_errors == 0


@pytest.mark.parametrize("interleaving", [False, True], ids=["DATA", "I-DATA"])
def test_reset_waits_until_no_abandoned_ssn_of_the_stream_can_be_forwarded(
    interleaving: bool,
) -> None:
    # A -> DATA(stream 1, SSN 0, max_retransmits=0) /lost/; A abandons it. A FORWARD TSN
    # naming "stream 1 SSN 0" sent after the reset could be mistaken by Z for the stream's
    # new numbering, so the RE-CONFIG request waits until the FORWARD TSN was acknowledged.
    # (Found by tests/datachannel/test_simulation.py, seed 838.) Same with I-DATA's MIDs.
    data_kind = IDataChunk if interleaving else DataChunk
    forward_kind = IForwardTsnChunk if interleaving else ForwardTsnChunk

    def drop(index: int, packet: bytes) -> bool:
        return any(type(c) is data_kind and c.stream_id == 1 for c in chunks(packet))

    options = AssociationOptions(enable_message_interleaving=interleaving)
    sim = Simulation(3, a_options=options, z_options=options, a_to_z=LinkConfig(drop=drop))
    sim.z.on_event = answer_resets
    sim.establish()
    a = sim.a.association
    a.send(1, 53, b"partial", sim.now, max_retransmits=0)
    a.send(2, 53, b"other", sim.now)
    a.reset_streams([1], sim.now)
    sim.flush()
    assert sim.run_until(lambda: StreamsResetOutgoing((1,)) in sim.a.events, 10)
    sent_by_a = [(at, chunks(p)) for at, name, p in sim.trace if name == "A"]
    forward_at = min(at for at, cs in sent_by_a if any(type(c) is forward_kind for c in cs))
    request_at = min(at for at, cs in sent_by_a if any(type(c) is ReConfigChunk for c in cs))
    assert forward_at < request_at
    # The stream starts afresh: SSN 0 again, delivered.
    sim.links["A"].config.drop = None
    a.send(1, 53, b"new", sim.now)
    sim.flush()
    assert sim.run_until(lambda: any(m.data == b"new" for m in sim.z.messages), 10)
    assert [m.data for m in sim.z.messages if m.stream_id == 1] == [b"new"]
