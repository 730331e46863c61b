"""The data-channel scenarios of issue 6, over every pairing of RTCPeerConnections.

Each test runs three times: ours offering to ours, ours offering to aiortc 1.16, and aiortc
offering to ours (so both negotiation directions and both DTLS roles meet aiortc). Every
connection gathers 127.0.0.1 only; see helpers.py for how aiortc is kept on loopback.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest

from .helpers import (
    Inbox,
    KiB,
    MiB,
    Peer,
    expect,
    make_peer,
    negotiate,
    open_channel,
    patch_aiortc_gathering,
    receive_bulk,
    send_bulk,
    wait_channel,
    wait_connected,
    wait_state,
)

PAIRS = [
    pytest.param(("ours", "ours"), id="ours-ours"),
    pytest.param(("ours", "aiortc"), id="ours-offers-aiortc", marks=pytest.mark.interop),
    pytest.param(("aiortc", "ours"), id="aiortc-offers-ours", marks=pytest.mark.interop),
]


@pytest.fixture(params=PAIRS)
async def pair(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Peer, Peer]]:
    """(offerer, answerer), negotiated with a bootstrap channel "boot" and connected."""
    patch_aiortc_gathering(monkeypatch)
    offer_kind, answer_kind = request.param
    offerer, answerer = make_peer(offer_kind), make_peer(answer_kind)
    announced = expect(answerer, "datachannel")
    boot = offerer.createDataChannel("boot")
    await negotiate(offerer, answerer)
    await asyncio.gather(wait_connected(offerer), wait_connected(answerer))
    (remote_boot,) = await asyncio.wait_for(announced, 10)
    await wait_channel(boot, "open")
    assert remote_boot.label == "boot"
    yield offerer, answerer
    await offerer.close()
    await answerer.close()


def _limit(peer: Peer) -> int:
    """The largest message the *receiving* peer accepts (aiortc says 64 KiB)."""
    return 256 * KiB if type(peer).__module__.startswith("aiortc_transport") else 64 * KiB


async def test_both_sides_open_channels_and_exchange_text(pair: tuple[Peer, Peer]) -> None:
    offerer, answerer = pair
    for creator, receiver in ((offerer, answerer), (answerer, offerer)):
        label = f"from-{type(creator).__module__.split('.')[0]}-{id(creator)}"
        local, remote = await open_channel(creator, receiver, label, protocol="chat")
        assert remote.label == label and remote.protocol == "chat"
        assert local.id == remote.id
        inbox_remote, inbox_local = Inbox(remote), Inbox(local)
        local.send("ping")
        assert await inbox_remote.get() == "ping"
        remote.send("pong ünïcödé")
        assert await inbox_local.get() == "pong ünïcödé"


async def test_stream_ids_follow_the_dtls_role(pair: tuple[Peer, Peer]) -> None:
    offerer, answerer = pair
    # RFC 8832 section 6: the DTLS client uses even ids, the server odd ones. The answerer
    # says a=setup:active, so it is the client.
    from_offerer, _ = await open_channel(offerer, answerer, "o")
    from_answerer, _ = await open_channel(answerer, offerer, "a")
    assert from_offerer.id % 2 == 1
    assert from_answerer.id % 2 == 0


async def test_negotiated_channel(pair: tuple[Peer, Peer]) -> None:
    offerer, answerer = pair
    a = offerer.createDataChannel("neg", negotiated=True, id=40)
    b = answerer.createDataChannel("neg", negotiated=True, id=40)
    await asyncio.gather(wait_channel(a, "open"), wait_channel(b, "open"))
    inbox_a, inbox_b = Inbox(a), Inbox(b)
    a.send(b"\x01\x02")
    assert await inbox_b.get() == b"\x01\x02"
    b.send("back")
    assert await inbox_a.get() == "back"


async def test_text_binary_and_empty_messages_of_every_size(pair: tuple[Peer, Peer]) -> None:
    offerer, answerer = pair
    local, remote = await open_channel(offerer, answerer, "sizes")
    inbox = Inbox(remote)
    sizes = [1, 2, 100, 1199, 1200, 16 * KiB, 64 * KiB - 1, 64 * KiB, 128 * KiB, 256 * KiB]
    sizes = [s for s in sizes if s <= _limit(answerer)]
    local.send("")
    local.send(b"")
    sent: list[str | bytes] = ["", b""]
    for size in sizes:
        data = os.urandom(size)
        local.send(data)
        text = "x" * size
        local.send(text)
        sent += [data, text]
    for expected in sent:
        got = await inbox.get()
        assert type(got) is type(expected)
        assert got == expected
    # And the other direction, largest the offerer accepts.
    back = Inbox(local)
    big = os.urandom(_limit(offerer))
    remote.send(big)
    remote.send(b"")
    assert await back.get() == big
    assert await back.get() == b""


async def test_unordered_no_retransmit_channel(pair: tuple[Peer, Peer]) -> None:
    offerer, answerer = pair
    local, remote = await open_channel(offerer, answerer, "lossy", ordered=False, maxRetransmits=0)
    assert remote.ordered is False and remote.maxRetransmits == 0
    inbox = Inbox(remote)
    messages = [f"m{i}" for i in range(200)]
    for message in messages:
        local.send(message)
    # Loopback does not lose packets: every message arrives, in some order.
    received = [await inbox.get() for _ in messages]
    assert sorted(received) == sorted(messages)


@pytest.mark.parametrize("direction", ["offerer-to-answerer", "answerer-to-offerer"])
async def test_20_mib_with_backpressure_and_hash(pair: tuple[Peer, Peer], direction: str) -> None:
    offerer, answerer = pair
    sender_pc, receiver_pc = (
        (offerer, answerer) if direction == "offerer-to-answerer" else (answerer, offerer)
    )
    local, remote = await open_channel(sender_pc, receiver_pc, "bulk")
    total = 20 * MiB
    receiving = asyncio.ensure_future(receive_bulk(remote, total))
    sent_hash, highest = await send_bulk(local, total, chunk=min(64 * KiB, _limit(receiver_pc)))
    assert await receiving == sent_hash
    # Backpressure held: never far above the high-water mark (one chunk over at most).
    assert highest <= 1 * MiB + 64 * KiB


@pytest.mark.parametrize("closer", ["creator", "peer"])
async def test_channel_close_from_either_side(pair: tuple[Peer, Peer], closer: str) -> None:
    offerer, answerer = pair
    local, remote = await open_channel(offerer, answerer, "closeme")
    other, _ = await open_channel(offerer, answerer, "stays")
    (local if closer == "creator" else remote).close()
    await asyncio.gather(wait_channel(local, "closed"), wait_channel(remote, "closed"))
    # The connection and the other channel are unaffected.
    inbox = Inbox(_)
    other.send("still here")
    assert await inbox.get() == "still here"
    assert offerer.connectionState == answerer.connectionState == "connected"


@pytest.mark.parametrize("closer", ["offerer", "answerer"])
async def test_close_is_seen_by_the_peer(pair: tuple[Peer, Peer], closer: str) -> None:
    offerer, answerer = pair
    local, remote = await open_channel(offerer, answerer, "watch")
    closing, other = (offerer, answerer) if closer == "offerer" else (answerer, offerer)
    await closing.close()
    assert closing.connectionState == "closed"
    assert closing.signalingState == "closed"
    await asyncio.gather(wait_channel(local, "closed"), wait_channel(remote, "closed"))
    # The peer notices and closes too (SCTP SHUTDOWN / DTLS close_notify).
    await wait_state(other, "connectionState", "closed", "connectionstatechange")
