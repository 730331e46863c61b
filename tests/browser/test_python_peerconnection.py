"""Headless Chromium against aiortc_transport's RTCPeerConnection (issue 6).

The browser side is one RTCPeerConnection in the harness page (tests/browser/harness.py);
the Python side is ours, gathering 127.0.0.1 only, in the same private network namespace
(conftest.py). Descriptions and candidates pass between them in the W3C JSON forms, as a
signalling server would carry them.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Page

from aiortc_transport.ice import RTCIceCandidate
from aiortc_transport.peerconnection import RTCConfiguration, RTCPeerConnection
from aiortc_transport.sdp import SessionDescription
from tests.browser.harness import BrowserChannel, BrowserPeer, call, sha256_hex
from tests.pc.helpers import (
    Inbox,
    expect,
    receive_bulk,
    send_bulk,
    wait_channel,
    wait_connected,
    wait_state,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="package")]

KiB = 1024
MiB = 1024 * KiB
TIMEOUT = 10.0


def _json(description: Any) -> dict[str, str]:
    return {"type": description.type, "sdp": description.sdp}


async def _relay_python_candidates(queue: asyncio.Queue[Any], browser: BrowserPeer) -> int:
    count = 0
    while True:
        candidate = await asyncio.wait_for(queue.get(), TIMEOUT)
        if candidate is None:
            await browser.add_ice_candidate(None)
            return count
        assert isinstance(candidate, RTCIceCandidate)
        await browser.add_ice_candidate(candidate.to_json())
        count += 1


async def _relay_browser_candidates(browser: BrowserPeer, python: RTCPeerConnection) -> int:
    count = 0
    while True:
        candidate = await browser.next_candidate(TIMEOUT)
        await python.addIceCandidate(candidate)
        if candidate is None:
            return count
        count += 1


async def negotiate(
    python: RTCPeerConnection,
    browser: BrowserPeer,
    *,
    python_offers: bool,
    trickle: bool,
    offer_options: dict[str, Any] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Offer/answer between the two, trickle or complete descriptions. Returns what was
    sent as (offer, answer)."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    python.on("icecandidate", queue.put_nowait)
    if python_offers:
        created = await python.createOffer()
        await python.setLocalDescription(created)
        offer = _json(created if trickle else python.localDescription)
        await browser.set_remote_description(offer)
        answer = await browser.set_local_description()
        if not trickle:
            answer = (await browser.wait_gathering_complete())["localDescription"]
        await python.setRemoteDescription(answer)
    else:
        if offer_options:
            offer = await call(browser.page, "createOffer", browser.handle, offer_options)
            offer = await browser.set_local_description(offer)
        else:
            offer = await browser.set_local_description()
        if not trickle:
            offer = (await browser.wait_gathering_complete())["localDescription"]
        await python.setRemoteDescription(offer)
        created = await python.createAnswer()
        await python.setLocalDescription(created)
        answer = _json(created if trickle else python.localDescription)
        await browser.set_remote_description(answer)
    if trickle:
        sent, received = await asyncio.gather(
            _relay_python_candidates(queue, browser),
            _relay_browser_candidates(browser, python),
        )
        assert sent >= 1 and received >= 1
    return offer, answer


@dataclass
class Session:
    python: RTCPeerConnection
    browser: BrowserPeer
    page: Page


@pytest_asyncio.fixture(loop_scope="package", params=["python-offers", "chromium-offers"])
async def session(request: pytest.FixtureRequest, page: Page) -> AsyncIterator[Session]:
    """A connected pair, negotiated with trickle in the given direction, with a bootstrap
    channel the offerer created."""
    python = RTCPeerConnection(RTCConfiguration(loopback=True))
    browser = await BrowserPeer.create(page)
    python_offers = request.param == "python-offers"
    if python_offers:
        python.createDataChannel("boot")
    else:
        await browser.create_data_channel("boot")
    await negotiate(python, browser, python_offers=python_offers, trickle=True)
    await asyncio.gather(wait_connected(python), browser.wait_state("connected"))
    if python_offers:
        boot = await browser.next_data_channel()  # keep the queue for the test's channels
        assert boot.label == "boot"
    yield Session(python, browser, page)
    await python.close()
    await browser.close()


async def python_channel(
    session: Session, label: str, **options: Any
) -> tuple[Any, BrowserChannel]:
    """A channel Python opens; returns (python side, browser side), both open."""
    channel = session.python.createDataChannel(label, **options)
    remote = await session.browser.next_data_channel()
    assert remote.label == label
    await asyncio.gather(wait_channel(channel, "open"), remote.wait_state("open"))
    return channel, remote


async def browser_channel(
    session: Session, label: str, **options: Any
) -> tuple[Any, BrowserChannel]:
    """A channel Chromium opens; returns (python side, browser side), both open."""
    announced = expect(session.python, "datachannel", lambda c: c.label == label)
    remote = await session.browser.create_data_channel(label, **options)
    (channel,) = await asyncio.wait_for(announced, TIMEOUT)
    await asyncio.gather(wait_channel(channel, "open"), remote.wait_state("open"))
    return channel, remote


# -- negotiation ----------------------------------------------------------------------------


@pytest.mark.parametrize("trickle", [True, False], ids=["trickle", "complete"])
@pytest.mark.parametrize("python_offers", [True, False], ids=["python-offers", "chromium-offers"])
async def test_negotiation_both_directions(page: Page, python_offers: bool, trickle: bool) -> None:
    python = RTCPeerConnection(RTCConfiguration(loopback=True))
    browser = await BrowserPeer.create(page)
    if python_offers:
        channel = python.createDataChannel("hello")
        remote = None
    else:
        remote = await browser.create_data_channel("hello")
        announced = expect(python, "datachannel")
    offer, answer = await negotiate(python, browser, python_offers=python_offers, trickle=trickle)
    # Trickle descriptions carry no candidates; complete ones carry them all.
    for description in (offer, answer):
        assert ("a=candidate:" in description["sdp"]) is not trickle
    if not python_offers:
        (channel,) = await asyncio.wait_for(announced, TIMEOUT)
    else:
        remote = await browser.next_data_channel()
    assert remote is not None
    await asyncio.gather(wait_channel(channel, "open"), remote.wait_state("open"))
    await asyncio.gather(wait_connected(python), browser.wait_state("connected"))
    pair = await browser.selected_candidate_pair()
    assert pair is not None
    # Chromium answers a=setup:active (DTLS client); we answer active too.
    assert pair["dtlsRole"] == ("client" if python_offers else "server")
    inbox = Inbox(channel)
    await remote.send_text("from chromium")
    assert await inbox.get() == "from chromium"
    channel.send("from python")
    message = await remote.next_message()
    assert message.text == "from python"
    await python.close()
    await browser.close()


async def test_chromium_offer_with_audio_and_video_gets_them_rejected(page: Page) -> None:
    python = RTCPeerConnection(RTCConfiguration(loopback=True))
    browser = await BrowserPeer.create(page)
    remote = await browser.create_data_channel("with-media")
    announced = expect(python, "datachannel")
    offer, answer = await negotiate(
        python,
        browser,
        python_offers=False,
        trickle=True,
        offer_options={"offerToReceiveAudio": True, "offerToReceiveVideo": True},
    )
    kinds = [m.kind for m in SessionDescription.parse(offer["sdp"]).media]
    assert "audio" in kinds and "video" in kinds
    parsed = SessionDescription.parse(answer["sdp"], type="answer")
    for media in parsed.media:
        assert (media.port == 0) is (media.kind != "application")
    (channel,) = await asyncio.wait_for(announced, TIMEOUT)
    await asyncio.gather(wait_channel(channel, "open"), remote.wait_state("open"))
    await browser.wait_state("connected")
    await python.close()
    await browser.close()


# -- channels and messages --------------------------------------------------------------


async def test_channels_from_each_side_and_negotiated(session: Session) -> None:
    ours, theirs = await python_channel(session, "py", protocol="p1")
    assert (await theirs.info())["protocol"] == "p1"
    ours2, theirs2 = await browser_channel(session, "js", protocol="p2")
    assert ours2.protocol == "p2"
    neg_theirs = await session.browser.create_data_channel("neg", negotiated=True, id=77)
    neg_ours = session.python.createDataChannel("neg", negotiated=True, id=77)
    await asyncio.gather(wait_channel(neg_ours, "open"), neg_theirs.wait_state("open"))
    for py_side, js_side in ((ours, theirs), (ours2, theirs2), (neg_ours, neg_theirs)):
        inbox = Inbox(py_side)
        await js_side.send_text(f"to {py_side.label}")
        assert await inbox.get() == f"to {py_side.label}"
        py_side.send(f"back from {py_side.label}")
        assert (await js_side.next_message()).text == f"back from {py_side.label}"
    # Each side's ids have its DTLS role's parity (RFC 8832 section 6).
    assert ours.id % 2 != ours2.id % 2


SIZES = [0, 1, 2, 1199, 1200, 16 * KiB, 64 * KiB, 64 * KiB + 1, 128 * KiB, 256 * KiB]


async def test_text_binary_empty_1b_to_256kib_both_ways(session: Session) -> None:
    ours, theirs = await python_channel(session, "sizes")
    inbox = Inbox(ours)
    for size in SIZES:
        data = os.urandom(size)
        ours.send(data)
        message = await theirs.next_message(inline_limit=0)
        assert (message.kind, message.size, message.sha256) == ("binary", size, sha256_hex(data))
        text = "é" * (size // 2) + "a" * (size % 2)
        ours.send(text)
        message = await theirs.next_message(inline_limit=0)
        assert (message.kind, message.size) == ("text", size)
        assert message.sha256 == sha256_hex(text.encode())
        sent = await theirs.send_random(size)
        got = await inbox.get()
        assert isinstance(got, bytes) and sha256_hex(got) == sent["sha256"]
        await theirs.send_text("ü" * (size // 2))
        got = await inbox.get()
        assert got == "ü" * (size // 2)


async def test_unordered_max_retransmits_zero(session: Session) -> None:
    ours, theirs = await browser_channel(session, "lossy", ordered=False, maxRetransmits=0)
    assert ours.ordered is False and ours.maxRetransmits == 0
    inbox = Inbox(ours)
    for i in range(100):
        await theirs.send_text(f"m{i}")
    got = sorted([await inbox.get() for _ in range(100)], key=lambda m: int(str(m)[1:]))
    assert got == [f"m{i}" for i in range(100)]
    mine, _ = await python_channel(session, "lossy2", ordered=False, maxRetransmits=0)
    assert (await _.info())["ordered"] is False
    for i in range(100):
        mine.send(f"n{i}")
    texts = sorted([(await _.next_message()).text or "" for _i in range(100)])
    assert texts == sorted(f"n{i}" for i in range(100))


@pytest.mark.parametrize("direction", ["python-to-chromium", "chromium-to-python"])
async def test_20_mib_with_backpressure_and_hash(session: Session, direction: str) -> None:
    total = 20 * MiB
    ours, theirs = await python_channel(session, "bulk")
    if direction == "python-to-chromium":
        receiving = asyncio.ensure_future(theirs.stream_receive(total))
        digest, highest = await send_bulk(ours, total)
        result = await receiving
        assert result.bytes == total and result.sha256 == digest
        assert highest <= 1 * MiB + 64 * KiB
    else:
        receiving = asyncio.ensure_future(receive_bulk(ours, total))
        result = await theirs.stream_send(total)
        assert await receiving == result.sha256
    print(f"{direction}: {total / MiB:.0f} MiB at {total / result.elapsed / 1e6:.1f} MB/s")


# -- closing ----------------------------------------------------------------------------


@pytest.mark.parametrize("closer", ["python", "chromium"])
@pytest.mark.parametrize("creator", ["python", "chromium"])
async def test_channel_close_from_either_side(session: Session, creator: str, closer: str) -> None:
    opener = python_channel if creator == "python" else browser_channel
    ours, theirs = await opener(session, f"close-{creator}-{closer}")
    if closer == "python":
        ours.close()
    else:
        await theirs.close()
    await asyncio.gather(wait_channel(ours, "closed"), theirs.wait_state("closed"))
    assert (await theirs.states())[-1] == "closed"
    # The connection lives on.
    other, other_js = await python_channel(session, "after")
    other.send("still")
    assert (await other_js.next_message()).text == "still"


async def test_python_close_is_seen_by_chromium(session: Session) -> None:
    ours, theirs = await python_channel(session, "watched")
    mine, js = await browser_channel(session, "watched2")
    await session.python.close()
    assert session.python.connectionState == "closed"
    await asyncio.gather(theirs.wait_state("closed"), js.wait_state("closed"))
    assert ours.readyState == mine.readyState == "closed"
    # SCTP SHUTDOWN then DTLS close_notify: Chromium's association closes.
    state = await session.browser.state()
    assert state["sctp"] is None or state["sctp"]["state"] == "closed", state


async def test_chromium_close_is_seen_by_python(session: Session) -> None:
    ours, _ = await python_channel(session, "watched")
    await session.browser.close()
    await wait_channel(ours, "closed")
    await wait_state(session.python, "connectionState", "closed", "connectionstatechange", 40)
