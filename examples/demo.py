"""Two peers in one process, connected over loopback, layer by layer.

Run with ``make demo`` (or ``.venv/bin/python examples/demo.py``). Each stage builds on the
previous one and prints every state change as it happens:

1. ICE: two ``RTCIceTransport`` over loopback-only gatherers, candidates trickled through
   the ``icecandidate`` event, then a datagram ping-pong over the selected pair.
2. DTLS: an ``RTCDtlsTransport`` on each ICE transport, fingerprints exchanged, the
   handshake (version, cipher, roles), then an encrypted ping-pong.

Later layers (DTLS, SCTP, data channels, throughput) add their stage to ``STAGES``; each
stage receives the ``Peer`` objects and the transports of the stages before it.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Let the demo run from a source checkout without installation.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiortc_transport.datachannel.channel import RTCDataChannel
from aiortc_transport.datachannel.parameters import RTCDataChannelParameters
from aiortc_transport.dtls.certificate import RTCCertificate
from aiortc_transport.dtls.transport import RTCDtlsTransport
from aiortc_transport.ice import RTCIceGatherer, RTCIceTransport
from aiortc_transport.sctp.transport import RTCSctpTransport

STARTED_AT = time.monotonic()


def log(who: str, what: str) -> None:
    """Print one line with the time since the demo started."""
    print(f"{time.monotonic() - STARTED_AT:7.3f}s  {who:<6} {what}", flush=True)


def follow_states(who: str, obj: Any) -> None:
    """Print every ``statechange`` of ``obj`` as it happens."""
    obj.on("statechange", lambda: log(who, f"{type(obj).__name__} -> {obj.state}"))


@dataclass
class Peer:
    """One side of the demo and the objects each stage adds to it."""

    name: str
    role: str
    gatherer: RTCIceGatherer = field(init=False)
    ice: RTCIceTransport = field(init=False)
    layers: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Loopback only: the demo never touches another interface or a public server.
        self.gatherer = RTCIceGatherer(loopback="ipv4")
        self.ice = RTCIceTransport(self.gatherer, role=self.role)
        follow_states(self.name, self.gatherer)
        follow_states(self.name, self.ice)


async def stage_ice(a: Peer, b: Peer) -> None:
    """Stage 1: connect ICE with trickled candidates, then ping-pong datagrams."""
    for local, remote in ((a, b), (b, a)):

        def trickle(candidate: Any, local: Peer = local, remote: Peer = remote) -> None:
            log(local.name, f"candidate {candidate.candidate if candidate else 'end'}")
            remote.ice.addRemoteCandidate(candidate)

        local.gatherer.on("icecandidate", trickle)

    await asyncio.gather(
        a.ice.start(b.gatherer.getLocalParameters()),
        b.ice.start(a.gatherer.getLocalParameters()),
    )
    log("both", f"ICE up: {a.name} is {a.ice.role}, {b.name} is {b.ice.role}")

    # A datagram ping-pong over the selected pair, through the synchronous seam the DTLS
    # layer uses (first byte 23 = a DTLS application_data record, RFC 7983).
    rounds = 1000
    done = asyncio.get_running_loop().create_future()
    count = 0

    def on_a(data: bytes) -> None:
        nonlocal count
        count += 1
        if count < rounds:
            a.ice._send_datagram(data)
        elif not done.done():
            done.set_result(None)

    a.ice._set_datagram_receiver(on_a)
    b.ice._set_datagram_receiver(b.ice._send_datagram)  # echo
    started = time.perf_counter()
    a.ice._send_datagram(b"\x17" + b"x" * 99)
    await asyncio.wait_for(done, 10)
    elapsed = time.perf_counter() - started
    log("both", f"{rounds} datagram round trips in {elapsed * 1000:.0f} ms")


async def stage_dtls(a: Peer, b: Peer) -> None:
    """Stage 2: DTLS over the ICE transports, then an encrypted ping-pong."""
    for peer in (a, b):
        dtls = RTCDtlsTransport(peer.ice, [RTCCertificate.generateCertificate()])
        peer.layers["dtls"] = dtls
        follow_states(peer.name, dtls)
        log(peer.name, f"fingerprint {dtls.getLocalParameters().fingerprints[0]}")
    dtls_a: RTCDtlsTransport = a.layers["dtls"]
    dtls_b: RTCDtlsTransport = b.layers["dtls"]
    started = time.perf_counter()
    await asyncio.gather(
        dtls_a.start(dtls_b.getLocalParameters()), dtls_b.start(dtls_a.getLocalParameters())
    )
    elapsed = time.perf_counter() - started
    info = dtls_a.handshake
    assert info is not None
    log(
        "both",
        f"DTLS up in {elapsed * 1000:.1f} ms: {info.version} {info.cipher}, "
        f"{a.name} is {dtls_a.role}, {b.name} is {dtls_b.role}, SRTP {info.srtp_profile}",
    )

    rounds = 1000
    done = asyncio.get_running_loop().create_future()
    count = 0

    def on_a(data: bytes) -> None:
        nonlocal count
        count += 1
        if count < rounds:
            dtls_a._send_datagram(data)
        elif not done.done():
            done.set_result(None)

    dtls_a._set_datagram_receiver(on_a)
    dtls_b._set_datagram_receiver(dtls_b._send_datagram)  # echo
    started = time.perf_counter()
    dtls_a._send_datagram(b"y" * 100)
    await asyncio.wait_for(done, 10)
    elapsed = time.perf_counter() - started
    log("both", f"{rounds} encrypted round trips in {elapsed * 1000:.0f} ms")


STREAM_SECONDS = float(__import__("os").environ.get("DEMO_SECONDS", "3"))
MESSAGE_SIZE = 16 * 1024


async def stage_sctp(a: Peer, b: Peer) -> None:
    """Stage 3: SCTP over DTLS, a data channel each way, then a live bulk stream."""
    for peer in (a, b):
        sctp = RTCSctpTransport(peer.layers["dtls"])
        peer.layers["sctp"] = sctp
        follow_states(peer.name, sctp)
        sctp.on(
            "datachannel",
            lambda ch, who=peer.name: log(
                who, f"datachannel {ch.label!r} id={ch.id} opened by peer"
            ),
        )
    sctp_a: RTCSctpTransport = a.layers["sctp"]
    sctp_b: RTCSctpTransport = b.layers["sctp"]
    started = time.perf_counter()
    caps = RTCSctpTransport.getCapabilities()
    await asyncio.gather(sctp_a.start(caps, sctp_b.port), sctp_b.start(caps, sctp_a.port))
    await asyncio.gather(sctp_a.wait_connected(), sctp_b.wait_connected())
    log("both", f"SCTP up in {(time.perf_counter() - started) * 1000:.1f} ms")

    # Bob (the DTLS client) opens the channel: even stream id (RFC 8832 section 6).
    arrived: asyncio.Future[RTCDataChannel] = asyncio.get_running_loop().create_future()
    sctp_a.once("datachannel", arrived.set_result)
    sender = RTCDataChannel(sctp_b, RTCDataChannelParameters(label="bulk"))
    sender.on("open", lambda: log(b.name, f"channel {sender.label!r} id={sender.id} open"))
    await sender.wait_open()
    receiver = await asyncio.wait_for(arrived, 10)
    log("both", f"channel open {(time.perf_counter() - started) * 1000:.1f} ms after SCTP start")

    received = 0
    last_report = [time.perf_counter(), 0]

    def on_message(message: str | bytes) -> None:
        nonlocal received
        received += len(message)
        now = time.perf_counter()
        if now - last_report[0] >= 0.5:
            rate = (received - last_report[1]) / (now - last_report[0]) / 1e6
            log(a.name, f"receiving {rate:6.1f} MB/s   total {received / 1e6:7.1f} MB")
            last_report[0], last_report[1] = now, received

    receiver.on("message", on_message)
    payload = bytes(MESSAGE_SIZE)
    sender.bufferedAmountLowThreshold = 512 * 1024
    started = time.perf_counter()
    sent = 0
    while time.perf_counter() - started < STREAM_SECONDS:
        sender.send(payload)
        sent += len(payload)
        await sender.drain()
    progressed = asyncio.Event()
    receiver.on("message", lambda _message: progressed.set())
    while received < sent:
        progressed.clear()
        await asyncio.wait_for(progressed.wait(), 10)
    elapsed = time.perf_counter() - started
    log("both", f"streamed {sent / 1e6:.1f} MB in {elapsed:.2f} s: {sent / elapsed / 1e6:.1f} MB/s")

    closed = asyncio.get_running_loop().create_future()
    receiver.on("close", lambda: closed.done() or closed.set_result(None))
    sender.close()
    await asyncio.wait_for(closed, 10)
    log("both", f"channel closed: bob sees {sender.readyState}, alice sees {receiver.readyState}")


Stage = Callable[[Peer, Peer], Awaitable[None]]
STAGES: list[Stage] = [stage_ice, stage_dtls, stage_sctp]


async def main() -> None:
    """Run every stage, then close everything."""
    a = Peer("alice", "controlling")
    b = Peer("bob", "controlled")
    try:
        for stage in STAGES:
            await stage(a, b)
    finally:
        for peer in (a, b):
            if "sctp" in peer.layers:
                await peer.layers["sctp"].stop()
        for peer in (a, b):
            if "dtls" in peer.layers:
                await peer.layers["dtls"].stop()
        await a.ice.stop()
        await b.ice.stop()
    log("both", "done")


if __name__ == "__main__":
    asyncio.run(main())
