"""I-DATA / I-FORWARD-TSN (RFC 8260) in the association: negotiation, protocol violations,
fragment-level interleaving (measured), partial reliability and stream reset with MIDs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from aiortc_transport.sctp.association import Association, AssociationState
from aiortc_transport.sctp.events import DataReceived, StreamsResetOutgoing
from aiortc_transport.sctp.options import AssociationOptions
from aiortc_transport.sctp.packet.chunk import (
    AbortChunk,
    CookieEchoChunk,
    DataChunk,
    ForwardTsnChunk,
    IDataChunk,
    IForwardTsnChunk,
    InitAckChunk,
    InitChunk,
)
from aiortc_transport.sctp.packet.error_cause import ProtocolViolationCause
from aiortc_transport.sctp.packet.packet import SctpPacket, serialize_packet
from aiortc_transport.sctp.packet.parameter import (
    StateCookieParameter,
    SupportedExtensionsParameter,
)

from .packet_vectors import load_vectors
from .sim import LinkConfig, Simulation

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "sctp"


def options(interleaving: bool) -> AssociationOptions:
    return AssociationOptions(enable_message_interleaving=interleaving)


def chunks_sent(sim: Simulation, name: str) -> list[object]:
    return [
        c for _, who, p in sim.trace if who == name for c in SctpPacket.parse_untrusted(p).chunks
    ]


def extensions(chunk: InitChunk | InitAckChunk) -> list[int]:
    return next(p.chunk_types for p in chunk.parameters if type(p) is SupportedExtensionsParameter)


@pytest.mark.parametrize(
    ("a_offers", "z_offers"), [(True, True), (True, False), (False, True), (False, False)]
)
@pytest.mark.parametrize("both_connect", [False, True])
def test_negotiation_matrix(a_offers: bool, z_offers: bool, both_connect: bool) -> None:
    sim = Simulation(1, a_options=options(a_offers), z_options=options(z_offers))
    sim.establish(both=both_connect)
    expected = a_offers and z_offers
    assert sim.a.association._interleaving is expected
    assert sim.z.association._interleaving is expected
    for name, offers in (("A", a_offers), ("Z", z_offers)):
        for chunk in chunks_sent(sim, name):
            if type(chunk) in (InitChunk, InitAckChunk):
                has = {64, 194} <= set(extensions(chunk))  # type: ignore[arg-type]
                assert has is offers
    sim.a.association.send(1, 53, bytes(range(256)) * 12, sim.now)
    sim.z.association.send(2, 51, b"back", sim.now, ordered=False)
    sim.flush()
    assert sim.run_until(lambda: bool(sim.z.messages and sim.a.messages), 5)
    assert sim.z.messages[0].data == bytes(range(256)) * 12
    assert sim.a.messages[0].data == b"back" and sim.a.messages[0].unordered
    kinds = {type(c) for name in ("A", "Z") for c in chunks_sent(sim, name)}
    assert (IDataChunk in kinds) is expected
    assert (DataChunk in kinds) is not expected


def _firefox_handshake(interleaving: bool) -> tuple[Association, int]:
    """Answer Firefox's captured INIT (it offers I-DATA and I-FORWARD-TSN) and echo the
    cookie as Firefox would; returns the association and its verification tag."""
    init_packet = next(
        v.data
        for v in load_vectors(VECTORS / "firefox.txt")
        if v.direction == "I" and v.summary.startswith("INIT ")
    )
    init = SctpPacket.parse_untrusted(init_packet).chunks[0]
    assert type(init) is InitChunk and {64, 194} <= set(extensions(init))
    assoc = Association(options(interleaving), rng=random.Random(1))
    assoc.receive_packet(init_packet, 1.0)
    (init_ack_packet,) = assoc.packets_to_send(1.0)
    init_ack = SctpPacket.parse_untrusted(init_ack_packet).chunks[0]
    assert type(init_ack) is InitAckChunk
    assert ({64, 194} <= set(extensions(init_ack))) is interleaving
    cookie = next(p.cookie for p in init_ack.parameters if type(p) is StateCookieParameter)
    tag = init_ack.initiate_tag
    assoc.receive_packet(
        serialize_packet(5000, 5000, tag, [CookieEchoChunk(cookie).serialize()]), 1.0
    )
    assoc.packets_to_send(1.0)
    assert assoc.state == AssociationState.ESTABLISHED
    return assoc, tag


def _abort_cause(assoc: Association) -> str:
    (packet,) = assoc.packets_to_send(2.0)
    (abort,) = SctpPacket.parse_untrusted(packet).chunks
    assert type(abort) is AbortChunk
    (cause,) = abort.causes
    assert type(cause) is ProtocolViolationCause
    return str(cause)


@pytest.mark.parametrize(
    ("interleaving", "chunk"),
    [
        (True, DataChunk(405392754, 0, 0, 51, b"x", beginning=True, end=True)),
        (True, ForwardTsnChunk(405392754, [])),
        (False, IDataChunk(405392754, 0, 0, 51, b"x", beginning=True, end=True)),
        (False, IForwardTsnChunk(405392754, [])),
    ],
    ids=str,
)
def test_wrong_data_chunk_kind_aborts(interleaving: bool, chunk: object) -> None:
    """RFC 8260 2.2.1 / 2.3.1: DATA (FORWARD-TSN) once I-DATA is negotiated, or I-DATA
    (I-FORWARD-TSN) when it is not, is a protocol violation."""
    assoc, tag = _firefox_handshake(interleaving)
    assert assoc._interleaving is interleaving
    assoc.receive_packet(
        serialize_packet(5000, 5000, tag, [chunk.serialize()]),  # type: ignore[attr-defined]
        2.0,
    )
    assert "negotiated" in _abort_cause(assoc)
    assert assoc.state == AssociationState.CLOSED
    assert assoc.stats.internal_errors == 0


def test_firefox_i_data_is_accepted() -> None:
    assoc, tag = _firefox_handshake(True)
    fragments = [
        IDataChunk(405392754, 3, 0, 53, b"hel", beginning=True),
        IDataChunk(405392755, 4, 0, 51, b"other", beginning=True, end=True, unordered=True),
        IDataChunk(405392756, 3, 0, 1, b"lo", end=True),
    ]
    packet = serialize_packet(5000, 5000, tag, [c.serialize() for c in fragments])
    assoc.receive_packet(packet, 2.0)
    events = []
    while (event := assoc.next_event()) is not None:
        if type(event) is DataReceived:
            events.append((event.stream_id, event.data))
    assert events == [(4, b"other"), (3, b"hello")]


def test_small_messages_complete_while_a_large_one_is_in_flight() -> None:
    """The fairness measurement of test_small_messages_not_starved_by_large_ones, with I-DATA:
    fragments interleave, so small messages on stream 2 complete long before the first
    256 KiB message on stream 1, not after it."""
    sim = Simulation(
        1, a_to_z=LinkConfig(delay=0.01, bandwidth=2_000_000), z_to_a=LinkConfig(delay=0.01)
    )
    sim.keep_trace = False
    sim.establish()
    a = sim.a.association
    assert a._interleaving
    a.options.remote_max_message_size = 262144
    big = [bytes([i]) * 262144 for i in range(4)]
    for data in big:
        a.send(1, 53, data, sim.now)
    small = [b"small %d" % i for i in range(10)]
    for data in small:
        a.send(2, 51, data, sim.now)
    sim.flush()
    start = sim.now
    assert sim.run_until(lambda: len(sim.z.messages) == len(big) + len(small), 60)
    order = [m.data for m in sim.z.messages]
    # Event order: every small message before the first large one.
    assert order == small + big
    at = {m.data: t - start for m, t in zip(sim.z.messages, sim.z.received_at, strict=True)}
    first_big, last_small = at[big[0]], max(at[s] for s in small)
    assert last_small < first_big / 5
    print(
        f"I-DATA: all small ones {last_small:.3f} s, first 256 KiB message {first_big:.3f} s, "
        f"last {at[big[-1]]:.3f} s"
    )


def test_abandoned_partially_sent_message_is_skipped_by_mid() -> None:
    """A large unordered and a large ordered message expire while being cut; their MIDs go
    in an I-FORWARD-TSN, later messages of both streams are delivered, nothing leaks."""
    sim = Simulation(
        2, a_to_z=LinkConfig(delay=0.01, bandwidth=500_000), z_to_a=LinkConfig(delay=0.01)
    )
    sim.establish()
    a = sim.a.association
    z = sim.z.association
    a.options.remote_max_message_size = 262144
    a.send(1, 53, bytes(200_000), sim.now, lifetime=0.05)
    a.send(2, 53, bytes(200_000), sim.now, ordered=False, lifetime=0.05)
    a.send(1, 51, b"after-ordered", sim.now)
    a.send(2, 51, b"after-unordered", sim.now, ordered=False)
    sim.flush()
    assert sim.run_until(lambda: len(sim.z.messages) == 2, 20)
    assert {m.data for m in sim.z.messages} == {b"after-ordered", b"after-unordered"}
    forwards = [c for c in chunks_sent(sim, "A") if type(c) is IForwardTsnChunk]
    assert forwards
    assert {(s, u, m) for f in forwards for s, u, m in f.streams} >= {(1, False, 0), (2, True, 0)}
    sim.run_for(2)
    assert z._reassembly.queued_bytes == 0
    assert a.stats.messages_abandoned == 2
    assert not [c for c in chunks_sent(sim, "A") if type(c) is ForwardTsnChunk]
    for endpoint in (sim.a, sim.z):
        assert endpoint.association.stats.internal_errors == 0


def test_stream_reset_restarts_mids() -> None:
    sim = Simulation(3)
    sim.establish()
    a = sim.a.association
    for text in (b"one", b"two"):
        a.send(5, 51, text, sim.now)
    a.reset_streams([5], sim.now)
    a.send(5, 51, b"next life", sim.now)
    sim.flush()
    assert sim.run_until(lambda: len(sim.z.messages) == 3, 10)
    assert StreamsResetOutgoing((5,)) in sim.a.events
    assert [m.data for m in sim.z.messages] == [b"one", b"two", b"next life"]
    mids = [c.mid for c in chunks_sent(sim, "A") if type(c) is IDataChunk]
    assert mids == [0, 1, 0]


def test_small_peer_buffer_is_not_filled_with_partial_messages() -> None:
    """Interleaving many large messages into a small receive buffer would fill it with
    fragments of messages none of which can complete; new messages only start within half
    the peer's buffer, so the receiver stays within its window and the transfer runs at the
    speed of DATA."""
    window = 64 * 1024
    sim = Simulation(
        4,
        a_to_z=LinkConfig(delay=0.01, bandwidth=5_000_000),
        z_to_a=LinkConfig(delay=0.01),
        z_options=AssociationOptions(a_rwnd=window),
    )
    sim.keep_trace = False
    sim.establish()
    a = sim.a.association
    z = sim.z.association
    assert a._interleaving
    for _ in range(4):
        for stream in range(8):
            a.send(stream, 53, bytes(20_000), sim.now)
    sim.flush()
    start = sim.now
    peak = 0

    def done() -> bool:
        nonlocal peak
        peak = max(peak, z._reassembly.queued_bytes)
        return len(sim.z.messages) == 32

    assert sim.run_until(done, 30)
    assert peak <= window
    assert sim.now - start < 3
