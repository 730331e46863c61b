"""ORTC, scripted: two Python peers in one process build the stack object by object.

    python examples/ortc_two_peers.py [--messages N]

No session descriptions: each side hands the other its ICE parameters and candidates, its
DTLS fingerprints and its SCTP capabilities directly, which is what a signalling channel
would carry in an ORTC application. Then "alice" opens a channel, "bob" echoes every
message, and both close. Everything stays on 127.0.0.1 (loopback-only gathering).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

# Run from a source checkout without installation.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiortc_transport.datachannel.channel import RTCDataChannel
from aiortc_transport.datachannel.parameters import RTCDataChannelParameters
from aiortc_transport.dtls.certificate import RTCCertificate
from aiortc_transport.dtls.transport import RTCDtlsParameters, RTCDtlsTransport
from aiortc_transport.ice import RTCIceGatherer, RTCIceTransport
from aiortc_transport.sctp.transport import RTCSctpTransport


class Peer:
    """One side: gatherer -> ICE -> DTLS -> SCTP."""

    def __init__(self, name: str, role: str) -> None:
        self.name = name
        self.gatherer = RTCIceGatherer(loopback=True)
        self.ice = RTCIceTransport(self.gatherer, role=role)
        self.dtls = RTCDtlsTransport(self.ice, [RTCCertificate.generateCertificate()])
        self.sctp = RTCSctpTransport(self.dtls)
        for obj in (self.ice, self.dtls, self.sctp):
            obj.on("statechange", lambda obj=obj: self.log(f"{type(obj).__name__} {obj.state}"))

    def log(self, text: str) -> None:
        print(f"{self.name:>5}: {text}", flush=True)


async def connect(a: Peer, b: Peer) -> None:
    """Exchange parameters both ways (the 'signalling'), then start every transport."""
    await asyncio.gather(a.gatherer.gather(), b.gatherer.gather())
    for src, dst in ((a, b), (b, a)):
        for candidate in src.gatherer.getLocalCandidates():
            dst.ice.addRemoteCandidate(candidate)
        dst.ice.addRemoteCandidate(None)  # end-of-candidates
    # The ICE controlling side (alice) is the DTLS server here, as in aiortc's ORTC API.
    a_dtls = RTCDtlsParameters(a.dtls.getLocalParameters().fingerprints, role="server")
    b_dtls = RTCDtlsParameters(b.dtls.getLocalParameters().fingerprints, role="client")
    caps = RTCSctpTransport.getCapabilities()
    await asyncio.gather(a.sctp.start(caps, 5000), b.sctp.start(caps, 5000))
    await asyncio.gather(
        a.ice.start(b.gatherer.getLocalParameters()),
        b.ice.start(a.gatherer.getLocalParameters()),
        a.dtls.start(b_dtls),
        b.dtls.start(a_dtls),
    )
    await asyncio.gather(a.sctp.wait_connected(), b.sctp.wait_connected())


async def main(messages: int) -> int:
    alice, bob = Peer("alice", "controlling"), Peer("bob", "controlled")

    @bob.sctp.on("datachannel")
    def on_datachannel(channel: RTCDataChannel) -> None:
        bob.log(f"channel {channel.label!r} opened by the peer (id {channel.id})")
        channel.on("message", channel.send)  # echo

    started = time.monotonic()
    await connect(alice, bob)
    channel = RTCDataChannel(alice.sctp, RTCDataChannelParameters(label="echo"))
    await channel.wait_open()
    alice.log(f"channel open after {1000 * (time.monotonic() - started):.1f} ms")

    replies: asyncio.Queue[str | bytes] = asyncio.Queue()
    channel.on("message", replies.put_nowait)
    round_trips = []
    for i in range(messages):
        sent_at = time.monotonic()
        channel.send(f"hello {i}")
        reply = await asyncio.wait_for(replies.get(), 5)
        round_trips.append(time.monotonic() - sent_at)
        assert reply == f"hello {i}", reply
    round_trips.sort()
    median = 1e6 * round_trips[len(round_trips) // 2]
    alice.log(f"{messages} echoes, median round trip {median:.0f} us")

    channel.close()
    await asyncio.wait_for(_closed(channel), 5)
    alice.log("channel closed")
    for peer in (alice, bob):
        await peer.sctp.stop()
        await peer.dtls.stop()
        await peer.ice.stop()
    print("ok")
    return 0


async def _closed(channel: RTCDataChannel) -> None:
    if channel.readyState == "closed":
        return
    done = asyncio.Event()
    channel.on("close", done.set)
    await done.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100, help="echo round trips")
    sys.exit(asyncio.run(main(parser.parse_args().messages)))
