"""Chromium against a Python peer in the test process: aiortc 1.16 stands in for now.

This is the shape the tests of this library's RTCPeerConnection will take (issue 6): the
Python peer runs in the pytest event loop, inside the same private network namespace as
Chromium, and every description and candidate goes through the harness as W3C JSON. It
also shows that such a peer reaches Chromium over 127.0.0.1 from inside the namespace.

aioice leaves 127.0.0.1 out of its host candidates, so the tests hand it the loopback
address; and aiortc must be given ``iceServers=[]`` or it asks Google's STUN server.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from typing import Any

import aioice.ice
import pytest
from aiortc import RTCConfiguration, RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp
from playwright.async_api import Page

from tests.browser.harness import BrowserPeer, sha256_hex

pytestmark = [
    pytest.mark.browser,
    pytest.mark.interop,
    pytest.mark.asyncio(loop_scope="package"),
]

TIMEOUT = 10.0
MiB = 1024 * 1024


@pytest.fixture
def loopback_aioice(monkeypatch: pytest.MonkeyPatch, browser_network: str) -> None:
    """Make aioice gather exactly one host candidate: 127.0.0.1."""

    def loopback_only(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return ["127.0.0.1"] if use_ipv4 else []

    monkeypatch.setattr(aioice.ice, "get_host_addresses", loopback_only)


class PythonPeer:
    """An aiortc RTCPeerConnection whose events land in asyncio queues."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.channels: asyncio.Queue[RTCDataChannel] = asyncio.Queue()
        self.messages: dict[str, asyncio.Queue[str | bytes]] = {}
        self.pc.on("datachannel", self._on_datachannel)

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        self.watch(channel)
        self.channels.put_nowait(channel)

    def watch(self, channel: RTCDataChannel) -> asyncio.Queue[str | bytes]:
        """Queue every message of ``channel``."""
        queue: asyncio.Queue[str | bytes] = asyncio.Queue()
        self.messages[channel.label] = queue
        channel.on("message", queue.put_nowait)
        return queue

    async def add_browser_candidate(self, init: dict[str, Any] | None) -> None:
        """addIceCandidate from the browser's JSON form (None: end-of-candidates)."""
        if init is None or not init["candidate"]:
            await self.pc.addIceCandidate(None)
            return
        candidate = candidate_from_sdp(init["candidate"].removeprefix("candidate:"))
        candidate.sdpMid = init["sdpMid"]
        candidate.sdpMLineIndex = init["sdpMLineIndex"]
        await self.pc.addIceCandidate(candidate)

    async def next_message(self, label: str) -> str | bytes:
        return await asyncio.wait_for(self.messages[label].get(), TIMEOUT)


async def wait_open(channel: RTCDataChannel) -> None:
    if channel.readyState == "open":
        return
    opened = asyncio.get_running_loop().create_future()
    channel.once("open", lambda: opened.set_result(None))
    await asyncio.wait_for(opened, TIMEOUT)


def as_description(value: dict[str, str]) -> RTCSessionDescription:
    return RTCSessionDescription(sdp=value["sdp"], type=value["type"])


@pytest.mark.usefixtures("loopback_aioice")
async def test_chromium_offers_with_trickle_and_aiortc_answers(page: Page) -> None:
    browser = await BrowserPeer.create(page)
    python = PythonPeer()
    try:
        channel = await browser.create_data_channel("from-chromium")
        offer = await browser.set_local_description()
        assert "a=candidate:" not in offer["sdp"]  # trickle: candidates follow one by one
        await python.pc.setRemoteDescription(as_description(offer))
        await python.pc.setLocalDescription(await python.pc.createAnswer())
        answer = python.pc.localDescription
        assert "a=candidate:" in answer.sdp and "127.0.0.1" in answer.sdp
        await browser.set_remote_description({"type": answer.type, "sdp": answer.sdp})
        while (init := await browser.next_candidate()) is not None:
            await python.add_browser_candidate(init)
        await python.add_browser_candidate(None)

        await browser.wait_state("connected")
        await channel.wait_state("open")
        remote = await asyncio.wait_for(python.channels.get(), TIMEOUT)
        assert remote.label == "from-chromium"
        pair = await browser.selected_candidate_pair()
        assert pair is not None
        assert pair["local"]["address"] == pair["remote"]["address"] == "127.0.0.1"

        await channel.send_text("hello from chromium")
        await channel.send_binary(b"\x00\x01\x02")
        assert await python.next_message("from-chromium") == "hello from chromium"
        assert await python.next_message("from-chromium") == b"\x00\x01\x02"

        payload = os.urandom(64 * 1024)
        remote.send(payload)
        remote.send("hello from python")
        message = await channel.next_message()
        assert message.data == payload
        assert (await channel.next_message()).text == "hello from python"

        # Streamed both ways, checked by hash.
        sent = await channel.stream_send(MiB, chunk_size=16 * 1024)
        received = bytearray()
        while len(received) < MiB:
            chunk = await python.next_message("from-chromium")
            assert isinstance(chunk, bytes)
            received += chunk
        assert sha256_hex(bytes(received)) == sent.sha256

        digest = hashlib.sha256()
        for _ in range(64):
            block = os.urandom(16 * 1024)
            digest.update(block)
            remote.send(block)
        result = await channel.stream_receive(MiB)
        assert result.sha256 == digest.hexdigest()

        # The Python side closing the connection is seen by the browser.
        await python.pc.close()
        await channel.wait_state("closed")
    finally:
        await python.pc.close()


@pytest.mark.usefixtures("loopback_aioice")
async def test_aiortc_offers_and_chromium_answers(page: Page) -> None:
    browser = await BrowserPeer.create(page)
    python = PythonPeer()
    try:
        local = python.pc.createDataChannel("from-python")
        queue = python.watch(local)
        await python.pc.setLocalDescription(await python.pc.createOffer())
        offer = python.pc.localDescription
        await browser.set_remote_description({"type": offer.type, "sdp": offer.sdp})
        await browser.set_local_description()
        answer = (await browser.wait_gathering_complete())["localDescription"]
        assert "a=setup:active" in answer["sdp"]
        await python.pc.setRemoteDescription(as_description(answer))

        channel = await browser.next_data_channel()
        assert channel.label == "from-python"
        await asyncio.gather(channel.wait_state("open"), wait_open(local))
        await browser.wait_state("connected")

        local.send("ping")
        assert (await channel.next_message()).text == "ping"
        await channel.send_text("pong")
        assert await asyncio.wait_for(queue.get(), TIMEOUT) == "pong"

        # Closing the channel from the browser reaches the Python side.
        closed = asyncio.get_running_loop().create_future()
        local.once("close", lambda: closed.set_result(None))
        await channel.close()
        await asyncio.wait_for(closed, TIMEOUT)
        await channel.wait_state("closed")
        assert local.readyState == "closed"
    finally:
        await python.pc.close()
