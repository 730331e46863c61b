"""Replay what real peers sent (Chromium, Firefox, werift, node-wrtc; /work/shared/captures)
into our association, standing in for the captured Python endpoint.

The peer's INIT is answered by our INIT ACK; our own cookie is echoed back (as the peer would
have done with it); from then on every packet the peer sent, with its verification tag
rewritten to ours, is fed in at its captured time.  The peer's messages must come out whole
and in order, its stream reset and its close must be understood, and nothing may be dropped
as undecodable or raise.
"""

from __future__ import annotations

import lzma
import random
import struct
from pathlib import Path

import crc32c
import pytest

from aiortc_transport.sctp.association import Association, AssociationState
from aiortc_transport.sctp.events import (
    AssociationClosed,
    AssociationEstablished,
    DataReceived,
    StreamsResetIncoming,
)
from aiortc_transport.sctp.options import AssociationOptions
from aiortc_transport.sctp.packet.chunk import (
    CookieAckChunk,
    CookieEchoChunk,
    InitAckChunk,
    InitChunk,
)
from aiortc_transport.sctp.packet.packet import SctpPacket, serialize_packet
from aiortc_transport.sctp.packet.parameter import StateCookieParameter

from .packet_vectors import load_vectors

# Whole captured sessions (shared/captures/<peer>/sctp-full.txt.xz), kept with the tests.
CAPTURES = Path(__file__).resolve().parent.parent / "vectors" / "sctp" / "full"
PEERS = ["chromium", "firefox", "werift", "wrtc"]


def with_tag(packet: bytes, tag: int) -> bytes:
    body = packet[:4] + struct.pack("!I", tag) + b"\0\0\0\0" + packet[12:]
    return body[:8] + struct.pack("<I", crc32c.crc32c(body)) + body[12:]


@pytest.mark.parametrize("peer", PEERS)
def test_replay_peer_session(peer: str, tmp_path: Path) -> None:
    source = CAPTURES / f"{peer}.txt.xz"
    text = tmp_path / "sctp-full.txt"
    text.write_bytes(lzma.decompress(source.read_bytes()))
    vectors = [
        v
        for v in load_vectors(text)
        if v.direction == "I" and not (v.note or "").startswith("DROPPED")
    ]
    # Firefox offers I-DATA, but its captured session ran DATA (its peer did not offer it):
    # replaying it needs an association that does not offer I-DATA either.
    options = AssociationOptions(enable_message_interleaving=peer != "firefox")
    assoc = Association(options, rng=random.Random(1))
    now = 1.0
    first = SctpPacket.parse_untrusted(vectors[0].data).chunks[0]
    if type(first) is InitChunk:
        # The peer initiated: answer, and echo our own cookie as the peer would.
        assoc.receive_packet(vectors[0].data, now)
        (init_ack_packet,) = assoc.packets_to_send(now)
        chunk = SctpPacket.parse_untrusted(init_ack_packet).chunks[0]
        assert type(chunk) is InitAckChunk
        assert assoc.state == AssociationState.CLOSED  # nothing kept for an INIT
        cookie = next(p.cookie for p in chunk.parameters if type(p) is StateCookieParameter)
        my_tag = chunk.initiate_tag
        echo = serialize_packet(5000, 5000, my_tag, [CookieEchoChunk(cookie).serialize()])
        assoc.receive_packet(echo, now)
        reply = [
            type(c)
            for p in assoc.packets_to_send(now)
            for c in SctpPacket.parse_untrusted(p).chunks
        ]
        assert CookieAckChunk in reply
        skip_types: tuple[type, ...] = (InitChunk, InitAckChunk, CookieEchoChunk, CookieAckChunk)
    else:
        # We initiated (the captured Python endpoint did): the peer's INIT ACK answers us.
        assert type(first) is InitAckChunk
        assoc.connect(now)
        assoc.packets_to_send(now)
        my_tag = assoc.my_tag
        assoc.receive_packet(with_tag(vectors[0].data, my_tag), now)
        assoc.packets_to_send(now)
        assert assoc.state == AssociationState.COOKIE_ECHOED
        skip_types = (InitChunk, InitAckChunk, CookieEchoChunk)
    events = []
    for vector in vectors[1:]:
        first = SctpPacket.parse_untrusted(vector.data).chunks[0]
        if type(first) in skip_types:
            continue
        assoc.receive_packet(with_tag(vector.data, my_tag), now)
        now += 0.001
        assoc.handle_timer(now)
        assoc.packets_to_send(now)
        while (event := assoc.next_event()) is not None:
            events.append(event)
    assert assoc.stats.internal_errors == 0
    assert assoc.stats.packets_dropped == 0
    assert sum(1 for e in events if type(e) is AssociationEstablished) <= 1
    messages = [e for e in events if type(e) is DataReceived]
    opens = [m for m in messages if m.ppid == 50 and m.data[:1] == b"\x03"]
    assert len(opens) >= 3
    labels = {m.data[12:].split(b"x-capture")[0].decode(errors="replace") for m in opens}
    assert any("from-peer" in label for label in labels)
    # The reliable ordered channel opened first by the peer: all its messages, in order.
    stream = opens[0].stream_id
    on_stream = [m for m in messages if m.stream_id == stream and m.ppid != 50]
    sizes = [len(m.data) for m in on_stream]
    assert sizes[:4] == [1, 1, 1024, 1024]
    assert 65536 in sizes
    big = next(m.data for m in on_stream if len(m.data) == 65536)
    assert big == bytes(i % 251 for i in range(65536))
    if peer != "werift":
        assert sizes[5] == 262144
    empties = [m.ppid for m in on_stream if m.ppid in (56, 57)]
    if peer == "werift":
        # werift cannot send empty messages, yet consumes their SSNs (6 and 7 never appear
        # on the wire): an ordered stream must then wait, and does.
        assert empties == []
        assert [len(m.data) for m in on_stream][-1] == 65536
    else:
        assert empties == [56, 57]  # empty messages as one zero byte (RFC 8831 6.6)
        assert sum(1 for m in on_stream if len(m.data) == 100) == 20  # the loss phase burst
    assert any(type(e) is StreamsResetIncoming and stream in e.stream_ids for e in events)
    closed = [e for e in events if type(e) is AssociationClosed]
    if peer != "werift":  # werift's pc.close() sends nothing at the SCTP level
        assert closed, "the peer's close was not understood"
