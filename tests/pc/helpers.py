"""Helpers for the RTCPeerConnection tests: peers of either implementation, negotiation,
channel pairs, waiting on events, and a backpressured bulk transfer with a hash.

A *kind* is "ours" (aiortc_transport's RTCPeerConnection, loopback-only gathering) or
"aiortc" (aiortc 1.16's, whose gatherer is made loopback-only the way tests/ice does it:
its aioice connection is replaced by our ``IceConnection(loopback="ipv4")`` and
``iceServers=[]`` keeps it from ever contacting a STUN server). Both expose the same
W3C surface, so the scenario tests run unchanged over every pairing.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable
from typing import Any

import aiortc
import aiortc.rtcpeerconnection

from aiortc_transport.ice import IceConnection
from aiortc_transport.peerconnection import RTCConfiguration, RTCPeerConnection

TIMEOUT = 10.0
KiB = 1024
MiB = 1024 * KiB

Peer = Any  # ours or aiortc's RTCPeerConnection
Channel = Any  # ours or aiortc's RTCDataChannel


class _LoopbackGatherer(aiortc.RTCIceGatherer):
    """aiortc's gatherer with our loopback-only aioice connection in place of its own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        old = self._connection
        self._connection = IceConnection(
            ice_controlling=old.ice_controlling,
            loopback="ipv4",
            local_username=old.local_username,
            local_password=old.local_password,
        )


def patch_aiortc_gathering(monkeypatch: Any) -> None:
    """Make every aiortc RTCPeerConnection built afterwards gather 127.0.0.1 only."""
    monkeypatch.setattr(aiortc.rtcpeerconnection, "RTCIceGatherer", _LoopbackGatherer)


def make_peer(kind: str) -> Peer:
    """A new peer connection of the given kind, loopback only."""
    if kind == "ours":
        return RTCPeerConnection(RTCConfiguration(loopback=True))
    if kind == "aiortc":
        if aiortc.rtcpeerconnection.RTCIceGatherer is not _LoopbackGatherer:
            raise RuntimeError("call patch_aiortc_gathering() first: aiortc must stay on lo")
        return aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    raise ValueError(kind)


def expect(
    emitter: Any, event: str, predicate: Callable[..., bool] = lambda *args: True
) -> asyncio.Future[tuple[Any, ...]]:
    """A future for the next ``event`` whose arguments satisfy ``predicate``; the listener
    is registered before this returns, so nothing emitted afterwards can be missed."""
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def handler(*args: Any) -> None:
        if not future.done() and predicate(*args):
            future.set_result(args)
            emitter.remove_listener(event, handler)

    emitter.on(event, handler)
    return future


async def wait_event(
    emitter: Any,
    event: str,
    predicate: Callable[..., bool] = lambda *args: True,
    timeout: float = TIMEOUT,
) -> tuple[Any, ...]:
    """Wait for the next ``event`` whose arguments satisfy ``predicate``."""
    return await asyncio.wait_for(expect(emitter, event, predicate), timeout)


async def wait_state(
    obj: Any, attribute: str, value: str, event: str, timeout: float = TIMEOUT
) -> None:
    """Wait until ``obj.<attribute> == value``, woken by ``event``."""
    if getattr(obj, attribute) == value:
        return
    await wait_event(obj, event, lambda *a: getattr(obj, attribute) == value, timeout)


async def wait_connected(pc: Peer, timeout: float = TIMEOUT) -> None:
    """Wait for connectionState "connected"."""
    await wait_state(pc, "connectionState", "connected", "connectionstatechange", timeout)


async def wait_channel(channel: Channel, state: str, timeout: float = TIMEOUT) -> None:
    """Wait until a channel's readyState is ``state`` ("open" or "closed")."""
    if channel.readyState == state:
        return
    event = {"open": "open", "closed": "close", "closing": "closing"}[state]
    await wait_event(channel, event, lambda *a: channel.readyState == state, timeout)


async def negotiate(offerer: Peer, answerer: Peer) -> None:
    """Non-trickle offer/answer: each side sends its localDescription after gathering."""
    await offerer.setLocalDescription(await offerer.createOffer())
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await offerer.setRemoteDescription(answerer.localDescription)


async def negotiate_trickle(offerer: RTCPeerConnection, answerer: RTCPeerConnection) -> int:
    """Trickle offer/answer between two of ours: descriptions without candidates, then
    every ``icecandidate`` event relayed in order (as a signalling server would).
    Returns how many candidates were relayed (end-of-candidates not counted)."""
    relayed = 0
    done = {id(offerer): asyncio.Event(), id(answerer): asyncio.Event()}
    queue: asyncio.Queue[tuple[Peer, Any]] = asyncio.Queue()

    def relay_from(source: Peer, destination: Peer) -> None:
        def on_candidate(candidate: Any) -> None:
            queue.put_nowait((destination, candidate))
            if candidate is None:
                done[id(source)].set()

        source.on("icecandidate", on_candidate)

    relay_from(offerer, answerer)
    relay_from(answerer, offerer)
    offer = await offerer.createOffer()
    await offerer.setLocalDescription(offer)
    assert "a=candidate" not in offer.sdp
    await answerer.setRemoteDescription(offer)
    answer = await answerer.createAnswer()
    await answerer.setLocalDescription(answer)
    await offerer.setRemoteDescription(answer)
    assert "a=candidate" not in answer.sdp

    async def pump() -> None:
        nonlocal relayed
        ends = 0
        while ends < 2:
            destination, candidate = await queue.get()
            if candidate is None:
                ends += 1
            else:
                relayed += 1
            await destination.addIceCandidate(candidate)

    await asyncio.wait_for(pump(), TIMEOUT)
    return relayed


async def open_channel(
    creator: Peer, receiver: Peer, label: str, **options: Any
) -> tuple[Channel, Channel]:
    """Create a channel on ``creator`` (connection already negotiated) and return it with
    the peer's side, both open."""
    announced = expect(receiver, "datachannel", lambda c: c.label == label)
    channel = creator.createDataChannel(label, **options)
    (remote,) = await asyncio.wait_for(announced, TIMEOUT)
    await wait_channel(channel, "open")
    await wait_channel(remote, "open")
    return channel, remote


class Inbox:
    """Collects a channel's messages; ``get()`` waits for the next one."""

    def __init__(self, channel: Channel) -> None:
        self.queue: asyncio.Queue[str | bytes] = asyncio.Queue()
        channel.on("message", self.queue.put_nowait)

    async def get(self, timeout: float = TIMEOUT) -> str | bytes:
        return await asyncio.wait_for(self.queue.get(), timeout)


async def send_bulk(
    channel: Channel,
    total: int,
    *,
    chunk: int = 64 * KiB,
    high_water: int = 1 * MiB,
    low_water: int = 256 * KiB,
) -> tuple[str, int]:
    """Send ``total`` random bytes in ``chunk``-sized messages, never letting more than
    ``high_water`` wait in ``bufferedAmount`` (resume at ``bufferedamountlow``).
    Returns (sha256 hex, the highest bufferedAmount seen)."""
    channel.bufferedAmountLowThreshold = low_water
    digest = hashlib.sha256()
    low = asyncio.Event()
    channel.on("bufferedamountlow", low.set)
    sent = 0
    highest = 0
    while sent < total:
        if channel.bufferedAmount > high_water:
            low.clear()
            if channel.bufferedAmount > low_water:
                await asyncio.wait_for(low.wait(), 30)
            continue
        data = os.urandom(min(chunk, total - sent))
        digest.update(data)
        channel.send(data)
        sent += len(data)
        highest = max(highest, channel.bufferedAmount)
    return digest.hexdigest(), highest


async def receive_bulk(channel: Channel, total: int, timeout: float = 120.0) -> str:
    """Hash messages until ``total`` bytes arrived; returns the sha256 hex."""
    digest = hashlib.sha256()
    received = 0
    complete = asyncio.Event()

    def on_message(message: str | bytes) -> None:
        nonlocal received
        assert isinstance(message, bytes)
        digest.update(message)
        received += len(message)
        if received >= total:
            complete.set()

    channel.on("message", on_message)
    await asyncio.wait_for(complete.wait(), timeout)
    assert received == total
    return digest.hexdigest()
