"""Our association against aiortc 1.16's RTCSctpTransport (the interop reference peer),
over an in-memory datagram link in asyncio, in both DTLS roles.

aiortc sees a stand-in for its RTCDtlsTransport (state, _role, _send_data, data receiver);
our side is driven like the real driver will drive it: after every input, drain events, send
packets, re-arm one timer.  A minimal DCEP responder on our side answers aiortc's
DATA_CHANNEL_OPEN and the stream resets of its channel close.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from aiortc import RTCDataChannel, RTCDataChannelParameters
from aiortc.rtcsctptransport import RTCSctpTransport

from aiortc_transport.sctp.association import Association, AssociationState
from aiortc_transport.sctp.events import (
    AssociationClosed,
    AssociationEstablished,
    DataReceived,
    Event,
    StreamsResetIncoming,
)
from aiortc_transport.sctp.options import AssociationOptions

pytestmark = pytest.mark.interop


class FakeDtls:
    """What aiortc's RTCSctpTransport uses of its RTCDtlsTransport."""

    def __init__(self, role: str, deliver: Any) -> None:
        self._role = role
        self.state = "connected"
        self._deliver = deliver
        self._receiver: Any = None

    def _register_data_receiver(self, receiver: Any) -> None:
        self._receiver = receiver

    def _unregister_data_receiver(self, receiver: Any) -> None:
        self._receiver = None

    async def _send_data(self, data: bytes) -> None:
        self._deliver(data)


class OurSide:
    """A tiny asyncio driver over the sans-I/O association."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.association = Association(AssociationOptions(), rng=random.Random(7))
        self.events: list[Event] = []
        self.peer: FakeDtls | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.changed = asyncio.Event()

    def receive(self, data: bytes) -> None:
        self.association.receive_packet(data, self.loop.time())
        self.flush()

    def flush(self) -> None:
        association = self.association
        now = self.loop.time()
        while (event := association.next_event()) is not None:
            self.events.append(event)
            self.on_event(event)
        for packet in association.packets_to_send(now):
            assert self.peer is not None and self.peer._receiver is not None
            self.loop.create_task(self.peer._receiver._handle_data(packet))
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        at = association.get_timer()
        if at is not None:
            self._timer = self.loop.call_at(at, self._on_timer)
        self.changed.set()

    def _on_timer(self) -> None:
        self._timer = None
        self.association.handle_timer(self.loop.time())
        self.flush()

    def on_event(self, event: Event) -> None:
        now = self.loop.time()
        if type(event) is DataReceived and event.ppid == 50 and event.data[:1] == b"\x03":
            # DCEP DATA_CHANNEL_OPEN -> DATA_CHANNEL_ACK on the same stream (RFC 8832 5.2).
            self.association.send(event.stream_id, 50, b"\x02", now)
        elif type(event) is StreamsResetIncoming:
            # Answer the peer's close with our own outgoing reset (RFC 8831 6.7).
            self.association.reset_streams(list(event.stream_ids), now)

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        async def waiter() -> None:
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(waiter(), timeout)


@pytest.mark.parametrize("our_role", ["client", "server"])
async def test_against_aiortc(our_role: str) -> None:
    loop = asyncio.get_running_loop()
    ours = OurSide(loop)
    theirs_dtls = FakeDtls("server" if our_role == "client" else "client", ours.receive)
    ours.peer = theirs_dtls
    theirs = RTCSctpTransport(theirs_dtls)  # type: ignore[arg-type]
    # Both ends initiate (RFC 8841 section 9.3): INIT collision handled on our side.
    await theirs.start(RTCSctpTransport.getCapabilities(), 5000)
    ours.association.connect(loop.time())
    ours.flush()
    await ours.wait_for(lambda: ours.association.state == AssociationState.ESTABLISHED)
    assert any(type(e) is AssociationEstablished for e in ours.events)
    for _ in range(50):
        if theirs.state == "connected":
            break
        await asyncio.sleep(0)  # let aiortc's tasks run; bounded, no wall-clock wait
    assert theirs.state == "connected"

    # aiortc opens a channel; our DCEP stand-in acknowledges it.
    channel = RTCDataChannel(theirs, RTCDataChannelParameters(label="chat"))  # type: ignore[arg-type]
    opened = asyncio.Event()
    channel.on("open", opened.set)
    await asyncio.wait_for(opened.wait(), 5)
    stream = channel.id
    assert stream is not None

    # aiortc -> us: small and large messages, in order.
    big = bytes(i % 251 for i in range(200_000))
    channel.send("hello")
    channel.send(b"\x01" * 3000)
    channel.send(big)
    await ours.wait_for(
        lambda: sum(1 for e in ours.events if type(e) is DataReceived and e.ppid != 50) == 3
    )
    got = [e for e in ours.events if type(e) is DataReceived and e.ppid != 50]
    assert [(e.stream_id, e.ppid, e.data) for e in got] == [
        (stream, 51, b"hello"),
        (stream, 53, b"\x01" * 3000),
        (stream, 53, big),
    ]

    # us -> aiortc.
    received: list[Any] = []
    done = asyncio.Event()

    def on_message(message: Any) -> None:
        received.append(message)
        if len(received) == 3:
            done.set()

    channel.on("message", on_message)
    now = loop.time()
    ours.association.options.remote_max_message_size = 262144
    ours.association.send(stream, 51, "héllo".encode(), now)
    ours.association.send(stream, 53, big, now)
    ours.association.send(stream, 53, b"x", now)
    ours.flush()
    await asyncio.wait_for(done.wait(), 10)
    assert received == ["héllo", big, b"x"]

    # aiortc closes the channel: stream reset both ways.
    closed = asyncio.Event()
    channel.on("close", closed.set)
    channel.close()
    await asyncio.wait_for(closed.wait(), 5)
    assert any(type(e) is StreamsResetIncoming and stream in e.stream_ids for e in ours.events)

    # Graceful shutdown from our side; aiortc goes to "closed".
    ours.association.shutdown(loop.time())
    ours.flush()
    await ours.wait_for(lambda: ours.association.state == AssociationState.CLOSED)
    closed_events = [e for e in ours.events if type(e) is AssociationClosed]
    assert closed_events and not closed_events[0].aborted
    assert ours.association.stats.internal_errors == 0
    await theirs.stop()


async def test_against_aiortc_with_loss() -> None:
    """Both directions lose 3% of packets (seeded); reliable data still arrives in order,
    and a maxRetransmits=0 channel from us does not upset aiortc (FORWARD TSN)."""
    loop = asyncio.get_running_loop()
    rng = random.Random(3)
    ours = OurSide(loop)

    def lossy_receive(data: bytes) -> None:
        if rng.random() >= 0.03:
            ours.receive(data)

    theirs_dtls = FakeDtls("server", lossy_receive)
    ours.peer = theirs_dtls
    original_flush = ours.flush

    def lossy_flush() -> None:
        # Drop 3% of what we send, too.
        association = ours.association
        send = association.packets_to_send

        def filtered(now: float) -> list[bytes]:
            return [p for p in send(now) if rng.random() >= 0.03]

        association.packets_to_send = filtered  # type: ignore[method-assign]
        try:
            original_flush()
        finally:
            association.packets_to_send = send  # type: ignore[method-assign]

    ours.flush = lossy_flush  # type: ignore[method-assign]
    theirs = RTCSctpTransport(theirs_dtls)  # type: ignore[arg-type]
    await theirs.start(RTCSctpTransport.getCapabilities(), 5000)
    ours.association.connect(loop.time())
    ours.flush()
    await ours.wait_for(lambda: ours.association.state == AssociationState.ESTABLISHED, 20)
    channel = RTCDataChannel(theirs, RTCDataChannelParameters(label="bulk"))  # type: ignore[arg-type]
    opened = asyncio.Event()
    channel.on("open", opened.set)
    await asyncio.wait_for(opened.wait(), 20)
    stream = channel.id
    assert stream is not None
    received: list[Any] = []
    done = asyncio.Event()

    def on_message(message: Any) -> None:
        received.append(message)
        if len(received) == 60:
            done.set()

    channel.on("message", on_message)
    payloads = [bytes([i]) * (500 + 97 * i) for i in range(60)]
    for p in payloads:
        channel.send(p)
    now = loop.time()
    for p in payloads:
        ours.association.send(stream, 53, p, now)
    # Unreliable unordered messages on another stream: delivered or abandoned, never stuck.
    for i in range(30):
        ours.association.send(stream + 2, 53, b"u%d" % i, now, ordered=False, max_retransmits=0)
    ours.flush()
    await ours.wait_for(
        lambda: sum(1 for e in ours.events if type(e) is DataReceived and e.ppid == 53) == 60,
        30,
    )
    assert [e.data for e in ours.events if type(e) is DataReceived and e.ppid == 53] == payloads
    await asyncio.wait_for(done.wait(), 30)
    assert received == payloads
    assert ours.association.stats.internal_errors == 0
    await ours.wait_for(lambda: not ours.association._tx.has_outstanding, 30)  # type: ignore[union-attr]
    await theirs.stop()
