"""Shared helpers for the ICE tests: state recorders and connected loopback pairs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiortc_transport.ice import RTCIceCandidate, RTCIceGatherer, RTCIceTransport

TIMEOUT = 10.0


class StateRecorder:
    """Records every ``statechange`` of an object and lets a test wait for a state."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        self.states: list[str] = []
        self._changed = asyncio.Event()
        obj.on("statechange", self._on_change)

    def _on_change(self) -> None:
        self.states.append(self.obj.state)
        self._changed.set()

    async def wait_for(self, state: str, timeout: float = TIMEOUT) -> None:
        """Return once the object is in ``state``; fail after ``timeout`` seconds."""

        async def wait() -> None:
            while self.obj.state != state:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(wait(), timeout)


@dataclass
class Side:
    """One end of a test link: gatherer, transport and their recorders."""

    gatherer: RTCIceGatherer
    transport: RTCIceTransport
    states: StateRecorder
    received: list[bytes] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def receive(self, data: bytes) -> None:
        self.received.append(data)
        self.arrived.set()

    async def wait_received(self, count: int, timeout: float = TIMEOUT) -> None:
        async def wait() -> None:
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(wait(), timeout)


def make_side(
    role: str = "controlling", *, loopback: Any = "ipv4", **transport_kwargs: Any
) -> Side:
    gatherer = RTCIceGatherer(loopback=loopback)
    transport = RTCIceTransport(gatherer, role=role, **transport_kwargs)
    return Side(gatherer, transport, StateRecorder(transport))


async def exchange_candidates(a: Side, b: Side, *, end: bool = True) -> None:
    """Gather both sides and give each the other's candidates (and end-of-candidates)."""
    await asyncio.gather(a.gatherer.gather(), b.gatherer.gather())
    for c in a.gatherer.getLocalCandidates():
        b.transport.addRemoteCandidate(c)
    for c in b.gatherer.getLocalCandidates():
        a.transport.addRemoteCandidate(c)
    if end:
        a.transport.addRemoteCandidate(None)
        b.transport.addRemoteCandidate(None)


async def connect(a: Side, b: Side) -> None:
    """Run both ``start()`` calls to completion."""
    await asyncio.wait_for(
        asyncio.gather(
            a.transport.start(b.gatherer.getLocalParameters()),
            b.transport.start(a.gatherer.getLocalParameters()),
        ),
        TIMEOUT,
    )


def closed_port_candidate() -> RTCIceCandidate:
    """A loopback host candidate on a port nothing listens on (bound then released)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return RTCIceCandidate(
        component=1,
        foundation="1",
        ip="127.0.0.1",
        port=port,
        priority=2130706431,
        protocol="udp",
        type="host",
    )
