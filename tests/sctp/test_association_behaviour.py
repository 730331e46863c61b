"""Behaviour under stress: fairness across streams, hostile input, partial reliability without
FORWARD-TSN ping-pong, a slow receiver, API limits, unknown chunk types."""

from __future__ import annotations

import random
import struct

import crc32c
import pytest

from aiortc_transport.exceptions import InvalidStateError, OperationError
from aiortc_transport.sctp.association import Association, AssociationState
from aiortc_transport.sctp.options import AssociationOptions
from aiortc_transport.sctp.packet.chunk import (
    DataChunk,
    ErrorChunk,
    ForwardTsnChunk,
    InitAckChunk,
    InitChunk,
    SackChunk,
    UnknownChunk,
)
from aiortc_transport.sctp.packet.error_cause import UnrecognizedChunkTypeCause
from aiortc_transport.sctp.packet.packet import SctpPacket, serialize_packet
from aiortc_transport.sctp.packet.parameter import ForwardTsnSupportedParameter, UnknownParameter

from .sim import LinkConfig, Simulation


def chunks(packet: bytes) -> list[object]:
    return list(SctpPacket.parse_untrusted(packet).chunks)


def with_crc(packet: bytes) -> bytes:
    zeroed = packet[:8] + b"\0\0\0\0" + packet[12:]
    return zeroed[:8] + struct.pack("<I", crc32c.crc32c(zeroed)) + zeroed[12:]


# -- fairness ---------------------------------------------------------------------------
def test_small_messages_not_starved_by_large_ones() -> None:
    """DATA chunks force a message's fragments onto consecutive TSNs (RFC 9260 6.9), so the
    scheduler interleaves streams per message: small messages on stream 2 wait for at most
    the one large message of stream 1 already on the wire, not for its whole queue.
    (test_association_idata.py measures the same load with I-DATA.)"""
    sim = Simulation(
        1,
        a_options=AssociationOptions(enable_message_interleaving=False),
        a_to_z=LinkConfig(delay=0.01, bandwidth=2_000_000),
        z_to_a=LinkConfig(delay=0.01),
    )
    sim.keep_trace = False
    sim.establish()
    a = sim.a.association
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
    at = {m.data: t - start for m, t in zip(sim.z.messages, sim.z.received_at, strict=True)}
    first_big, last_big = at[big[0]], at[big[-1]]
    last_small = max(at[s] for s in small)
    # All small messages arrive right after the first large message (round robin per
    # message), long before the large ones complete.
    assert last_small <= first_big + 0.05
    assert last_small < last_big / 2
    print(
        f"first 256 KiB message {first_big:.3f} s, all small ones {last_small:.3f} s, "
        f"last 256 KiB message {last_big:.3f} s"
    )


def test_streams_alternate_per_message() -> None:
    """With DATA chunks (I-DATA off) streams alternate per message."""
    sim = Simulation(2, a_options=AssociationOptions(enable_message_interleaving=False))
    sim.establish()
    a = sim.a.association
    for _ in range(5):
        a.send(1, 53, b"a" * 3000, sim.now)
        a.send(2, 53, b"b" * 3000, sim.now)
    a.send(3, 53, b"c", sim.now)
    sim.flush()
    assert sim.run_until(lambda: len(sim.z.messages) == 11, 10)
    # 3000-byte messages: five fit one 16 KiB turn of a stream.
    assert [m.stream_id for m in sim.z.messages] == [1] * 5 + [2] * 5 + [3]
    sim2 = Simulation(3, a_options=AssociationOptions(enable_message_interleaving=False))
    sim2.establish()
    a = sim2.a.association
    for _ in range(3):
        a.send(1, 53, b"a" * 20000, sim2.now)
        a.send(2, 53, b"b" * 20000, sim2.now)
    sim2.flush()
    assert sim2.run_until(lambda: len(sim2.z.messages) == 6, 10)
    assert [m.stream_id for m in sim2.z.messages] == [1, 2, 1, 2, 1, 2]


# -- hostile input ----------------------------------------------------------------------
def test_garbage_is_dropped_and_counted() -> None:
    sim = Simulation(3)
    sim.establish()
    z = sim.z.association
    valid = [p for _, who, p in sim.trace if who == "A"]
    tag = z.my_tag
    rng = random.Random(3)
    bad: list[bytes] = [
        b"",
        b"\x00",
        bytes(11),
        bytes(16),
        bytes(rng.randrange(256) for _ in range(64)),
    ]
    for packet in valid:
        bad.extend(packet[:n] for n in range(0, len(packet), 3))  # truncations
        bad.append(packet[:8] + b"\xde\xad\xbe\xef" + packet[12:])  # wrong CRC
    data = serialize_packet(
        5000, 5000, tag ^ 1, [DataChunk(1, 0, 0, 53, b"x", False, True, True).serialize()]
    )
    bad.append(data)  # wrong verification tag
    bad.append(serialize_packet(5001, 5000, tag, [SackChunk(0, 0, [], []).serialize()]))  # port
    bad.append(with_crc(serialize_packet(5000, 5000, tag, [b"\x03\x00\x00\x40"])))  # bad length
    before = z.stats.packets_dropped
    state = (z.state, z.my_tag, z.peer_tag, z._tracker.cumulative_tsn)  # type: ignore[union-attr]
    for packet in bad:
        z.receive_packet(packet, sim.now)
    assert z.stats.packets_dropped - before == len(bad)
    assert (z.state, z.my_tag, z.peer_tag, z._tracker.cumulative_tsn) == state  # type: ignore[union-attr]
    assert z.stats.internal_errors == 0
    assert z.next_event() is None
    sim.a.association.send(0, 51, b"still alive", sim.now)
    sim.flush()
    assert sim.run_until(lambda: bool(sim.z.messages), 5)


def test_mutated_valid_packets_never_raise() -> None:
    """Bit flips in real packets, checksum fixed so they reach the association logic."""
    sim = Simulation(4, a_to_z=LinkConfig(loss=0.05))
    sim.establish()
    a = sim.a.association
    for i in range(50):
        a.send(
            i % 3,
            53,
            bytes(i * 97 % 3000 + 1),
            sim.now,
            ordered=i % 2 == 0,
            max_retransmits=1 if i % 5 == 0 else None,
        )
    sim.flush()
    sim.run_until(lambda: len(sim.z.messages) >= 40, 30)
    corpus = [p for _, _, p in sim.trace]
    rng = random.Random(4)
    for round_ in range(3000):
        target = sim.z.association if round_ % 2 else sim.a.association
        packet = bytearray(rng.choice(corpus))
        # Keep the verification tag of the target so the chunks get processed.
        packet[4:8] = struct.pack("!I", target.my_tag)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(12, len(packet))
            packet[pos] = rng.randrange(256)
        target.receive_packet(with_crc(bytes(packet)), sim.now)
        target.packets_to_send(sim.now)
        while target.next_event() is not None:
            pass
        target.handle_timer(sim.now)
    for endpoint in (sim.a, sim.z):
        assert endpoint.association.stats.internal_errors == 0


# -- partial reliability ------------------------------------------------------------------
def test_max_retransmits_zero_under_loss_no_forward_tsn_ping_pong() -> None:
    sim = Simulation(5, a_to_z=LinkConfig(loss=0.2), z_to_a=LinkConfig(loss=0.1))
    sim.establish()
    a = sim.a.association
    for i in range(300):
        a.send(1, 53, i.to_bytes(4, "big") * 100, sim.now, ordered=i % 2 == 0, max_retransmits=0)
    sim.flush()
    assert sim.run_until(lambda: not a._tx.has_outstanding, 120)  # type: ignore[union-attr]
    got = [int.from_bytes(m.data[:4], "big") for m in sim.z.messages]
    assert len(got) == len(set(got))
    ordered = [g for g in got if g % 2 == 0]
    assert ordered == sorted(ordered)
    assert a.stats.messages_abandoned > 0
    assert len(got) + a.stats.messages_abandoned >= 300
    forward_tsns = sum(
        1 for _, who, p in sim.trace if who == "A" for c in chunks(p) if type(c) is ForwardTsnChunk
    )
    sacks = sum(
        1 for _, who, p in sim.trace if who == "Z" for c in chunks(p) if type(c) is SackChunk
    )
    # No FORWARD-TSN per SACK (pion/sctp#505): far fewer FORWARD TSNs than SACKs.
    assert forward_tsns < sacks / 3, (forward_tsns, sacks)
    # Once everything settles, the link is quiet except for heartbeats.
    quiet_from = len(sim.trace)
    sim.run_for(5)
    assert len(sim.trace) == quiet_from


def test_lifetime_abandons_queued_and_outstanding() -> None:
    sim = Simulation(6, a_to_z=LinkConfig(delay=0.05, bandwidth=200_000))
    sim.establish()
    a = sim.a.association
    for i in range(100):
        a.send(0, 53, bytes([i]) * 1000, sim.now, lifetime=0.2)
    sim.flush()
    sim.run_for(5)
    assert 0 < len(sim.z.messages) < 100
    assert a.stats.messages_abandoned == 0 or a.stats.forward_tsns_sent > 0
    assert a.buffered_amount(0) == 0
    first_bytes = [m.data[0] for m in sim.z.messages]
    assert first_bytes == sorted(first_bytes)


# -- slow receiver ------------------------------------------------------------------------
def test_slow_receiver_throttles_sender_and_memory_stays_bounded() -> None:
    window = 128 * 1024
    sim = Simulation(
        7,
        z_options=AssociationOptions(a_rwnd=window),
        z_read_rate=500_000.0,
    )
    sim.keep_trace = False
    sim.establish()
    a, z = sim.a.association, sim.z.association
    total = 0
    for i in range(400):
        a.send(i % 2, 53, bytes([i % 256]) * 5000, sim.now)
        total += 5000
    sim.flush()
    peak = 0
    start = sim.now
    while len(sim.z.messages) < 400 and sim.now - start < 60:
        sim.step()
        held = z._reassembly.queued_bytes + z._undelivered_bytes
        peak = max(peak, held)
    assert len(sim.z.messages) == 400
    assert peak <= window + 2 * a.options.mtu
    # The reader's speed, not the link, set the pace.
    assert sim.now - start == pytest.approx(total / 500_000.0, rel=0.2)
    assert z.stats.data_chunks_dropped < 50


# -- API limits ---------------------------------------------------------------------------
def test_send_limits_and_states() -> None:
    assoc = Association(AssociationOptions(send_buffer_size=100_000), rng=random.Random(1))
    with pytest.raises(InvalidStateError):
        assoc.send(0, 51, b"x", 0.0)
    with pytest.raises(InvalidStateError):
        assoc.reset_streams([0], 0.0)
    sim = Simulation(8, a_options=AssociationOptions(send_buffer_size=100_000))
    sim.establish()
    a = sim.a.association
    with pytest.raises(OperationError, match="limit"):
        a.send(0, 53, bytes(65537), sim.now)
    a.send(0, 53, bytes(65536), sim.now)
    with pytest.raises(OperationError, match="buffer"):
        a.send(0, 53, bytes(40000), sim.now)
    with pytest.raises(OperationError):
        a.send(0, 53, b"", sim.now)
    with pytest.raises(OperationError):
        a.send(70000, 53, b"x", sim.now)
    assert a.buffered_amount(0) == 65536
    a.set_buffered_amount_low_threshold(0, 1000)
    sim.flush()
    sim.run_for(1)
    assert a.buffered_amount(0) == 0
    assert any(type(e).__name__ == "BufferedAmountLow" for e in sim.a.events)


def test_fragment_size_matches_chromium() -> None:
    sim = Simulation(9, a_options=AssociationOptions(enable_message_interleaving=False))
    sim.establish()
    sim.a.association.send(0, 53, bytes(5000), sim.now)
    sim.flush()
    sim.run_for(1)
    sizes = [
        len(c.user_data)
        for _, who, p in sim.trace
        if who == "A"
        for c in chunks(p)
        if type(c) is DataChunk
    ]
    assert sizes == [1160, 1160, 1160, 1160, 360]
    assert max(len(p) for _, _, p in sim.trace) <= 1191


def test_unknown_chunks_follow_upper_bits() -> None:
    sim = Simulation(10, a_options=AssociationOptions(enable_message_interleaving=False))
    sim.establish()
    z = sim.z.association
    tag = z.my_tag

    def send(*raw: bytes) -> list[object]:
        z.receive_packet(serialize_packet(5000, 5000, tag, list(raw)), sim.now)
        return [c for p in z.packets_to_send(sim.now) for c in chunks(p)]

    data = DataChunk(
        sim.a.association._tx.next_tsn & 0xFFFFFFFF,
        0,
        0,
        51,  # type: ignore[union-attr]
        b"after",
        False,
        True,
        True,
    ).serialize()
    # 0b11: skip and report.
    out = send(UnknownChunk(0xC5, 0, b"abcd").serialize(), data)
    errors = [c for c in out if type(c) is ErrorChunk]
    assert errors and type(errors[0].causes[0]) is UnrecognizedChunkTypeCause
    assert any(m.data == b"after" for m in [z.next_event()] if m is not None)  # type: ignore[union-attr]
    # 0b00: stop processing the packet, no report: the DATA behind it is not processed.
    data2 = DataChunk(
        (sim.a.association._tx.next_tsn + 1) & 0xFFFFFFFF,
        0,
        1,
        51,  # type: ignore[union-attr]
        b"never",
        False,
        True,
        True,
    ).serialize()
    out = send(UnknownChunk(0x35, 0, b"").serialize(), data2)
    assert not [c for c in out if type(c) is ErrorChunk]
    assert z.next_event() is None
    assert z.stats.unknown_chunks == 2
    assert z.state == AssociationState.ESTABLISHED


def test_unknown_init_parameters_follow_upper_bits() -> None:
    z = Association(AssociationOptions(), rng=random.Random(11))

    def init_ack_for(*parameters: object) -> InitAckChunk:
        init = InitChunk(0x1234, 100_000, 10, 10, 77, list(parameters))  # type: ignore[arg-type]
        z.receive_packet(serialize_packet(5000, 5000, 0, [init.serialize()]), 0.0)
        (packet,) = z.packets_to_send(0.0)
        chunk = SctpPacket.parse_untrusted(packet).chunks[0]
        assert type(chunk) is InitAckChunk
        return chunk

    def reported(chunk: InitAckChunk) -> list[int]:
        return [
            struct.unpack("!H", p.value[:2])[0]
            for p in chunk.parameters
            if type(p) is UnknownParameter and p.type == 8
        ]

    # 11: skip and report; 10: skip silently; known-but-unused types (IPv4 address) skipped.
    ack = init_ack_for(
        UnknownParameter(0xC123, b"ab"),
        UnknownParameter(0x8123, b""),
        UnknownParameter(5, b"\x7f\x00\x00\x01"),
        ForwardTsnSupportedParameter(),
    )
    assert reported(ack) == [0xC123]
    # 01: stop processing the parameters and report; 00: stop silently.
    assert reported(init_ack_for(UnknownParameter(0x4123, b""), UnknownParameter(0xC001, b""))) == [
        0x4123
    ]
    assert (
        reported(init_ack_for(UnknownParameter(0x0123, b""), UnknownParameter(0xC001, b""))) == []
    )
    assert z.state == AssociationState.CLOSED
