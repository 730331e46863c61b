"""Chromium talking to itself through the harness: proves the infrastructure end to end.

Two RTCPeerConnections live in one page; every description and candidate goes through
Python (``negotiate`` / ``relay_candidates``), exactly the path a Python peer will take
later. The page is served from http://127.0.0.1 and the whole test process runs in a
private network namespace with only ``lo`` (see conftest.py).
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import socket

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from tests.browser import netns
from tests.browser.harness import BrowserChannel, BrowserPeer, negotiate, sha256_hex
from tests.browser.server import StaticServer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="package")]

MiB = 1024 * 1024
CANDIDATE_RE = re.compile(
    r"^candidate:\S+ (?P<component>\d) (?P<protocol>udp|tcp) \d+ (?P<address>\S+) (?P<port>\d+) "
    r"typ (?P<type>\S+)"
)


def candidate_fields(candidate: dict[str, str]) -> dict[str, str]:
    match = CANDIDATE_RE.match(candidate["candidate"])
    assert match, candidate
    return match.groupdict()


async def connected_pair(
    page: Page, label: str = "a-to-b", **options: object
) -> tuple[BrowserPeer, BrowserPeer, BrowserChannel, BrowserChannel]:
    """Two peers connected by trickle negotiation, with one open channel A -> B."""
    a = await BrowserPeer.create(page)
    b = await BrowserPeer.create(page)
    a_channel = await a.create_data_channel(label, **options)
    await negotiate(a, b)
    b_channel = await b.next_data_channel()
    await asyncio.gather(a_channel.wait_state("open"), b_channel.wait_state("open"))
    await asyncio.gather(a.wait_state("connected"), b.wait_state("connected"))
    return a, b, a_channel, b_channel


async def test_page_is_served_from_loopback_in_an_isolated_namespace(
    page: Page, static_server: StaticServer, browser_network: str
) -> None:
    assert page.url == static_server.url("/index.html")
    assert page.url.startswith("http://127.0.0.1:")
    assert netns.interface_names() == ["lo"], browser_network
    # The namespace really is closed: nothing but loopback is reachable.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(OSError):
        sock.connect(("192.0.2.1", 9))  # TEST-NET-1: "Network is unreachable" here
    origin = await page.evaluate("location.origin")
    assert origin == static_server.origin


async def test_gathers_only_loopback_host_candidates(page: Page) -> None:
    a = await BrowserPeer.create(page)
    await a.create_data_channel("probe")
    await a.set_local_description()
    gathered = await a.wait_gathering_complete()

    candidates = [candidate_fields(c) for c in gathered["candidates"]]
    udp = [c for c in candidates if c["protocol"] == "udp"]
    assert udp, gathered
    for fields in candidates:
        assert not fields["address"].endswith(".local"), fields  # no mDNS names
        assert ipaddress.ip_address(fields["address"]).is_loopback, fields
        assert fields["type"] == "host", fields
    assert {c["address"] for c in udp} == {"127.0.0.1"}
    assert gathered["candidateErrors"] == []
    sdp = gathered["localDescription"]["sdp"]
    assert "m=application " in sdp
    assert "UDP/DTLS/SCTP webrtc-datachannel" in sdp
    assert "a=candidate:" in sdp
    assert await a.states("iceGatheringState") == ["new", "gathering", "complete"]


@pytest.mark.parametrize("trickle", [True, False], ids=["trickle", "full-sdp"])
async def test_negotiation_connects_over_loopback(page: Page, trickle: bool) -> None:
    a = await BrowserPeer.create(page)
    b = await BrowserPeer.create(page)
    channel = await a.create_data_channel("chat")
    offer, answer = await negotiate(a, b, trickle=trickle)
    assert offer["type"] == "offer" and answer["type"] == "answer"
    assert "a=setup:actpass" in offer["sdp"]
    assert ("a=candidate:" in offer["sdp"]) is not trickle
    await asyncio.gather(a.wait_state("connected"), b.wait_state("connected"))
    # connectionState "connected" may come before SCTP is up: wait for the channel on both
    # sides (the answerer's "datachannel" event needs the association).
    remote_channel = await b.next_data_channel()
    await asyncio.gather(channel.wait_state("open"), remote_channel.wait_state("open"))

    pair = await a.selected_candidate_pair()
    assert pair is not None
    assert pair["local"]["address"] == pair["remote"]["address"] == "127.0.0.1"
    assert pair["dtlsState"] == "connected"
    assert await a.states("signalingState") == ["stable", "have-local-offer", "stable"]
    assert await b.states("signalingState") == ["stable", "have-remote-offer", "stable"]
    for peer in (a, b):
        assert await peer.states("connectionState") == ["new", "connecting", "connected"]
        assert (await peer.states("iceConnectionState"))[-1] == "connected"
        await peer.wait_state("connected", kind="sctpState")
        assert await peer.states("sctpState") == [None, "connecting", "connected"]
        state = await peer.state()
        assert state["sctp"]["state"] == "connected"
        assert state["sctp"]["maxMessageSize"] == 262144


async def test_channels_open_in_both_directions(page: Page) -> None:
    a, b, a_to_b, b_side = await connected_pair(page, "a-to-b", protocol="chat-v1")
    assert b_side.label == "a-to-b"
    b_info = await b_side.info()
    assert b_info["protocol"] == "chat-v1"
    assert b_info["origin"] == "remote"

    # Opened by the answerer once connected: announced to the offerer in-band (DCEP).
    b_to_a = await b.create_data_channel("b-to-a")
    a_side = await a.next_data_channel()
    assert a_side.label == "b-to-a"
    await asyncio.gather(b_to_a.wait_state("open"), a_side.wait_state("open"))

    # Both ends agree on the ids, and they follow the DTLS role (RFC 8832 section 6: the
    # client uses even stream ids, the server odd ones). The answerer took setup:active.
    a_ids = {(await a_to_b.info())["id"], (await a_side.info())["id"]}
    b_ids = {(await b_side.info())["id"], (await b_to_a.info())["id"]}
    assert a_ids == b_ids
    a_pair, b_pair = await a.selected_candidate_pair(), await b.selected_candidate_pair()
    assert a_pair is not None and b_pair is not None
    assert (a_pair["dtlsRole"], b_pair["dtlsRole"]) == ("server", "client")
    assert (await a_to_b.info())["id"] % 2 == 1
    assert (await b_to_a.info())["id"] % 2 == 0

    # Negotiated out of band: no DCEP, no datachannel event, same id on both sides.
    a_neg = await a.create_data_channel("negotiated", negotiated=True, id=42)
    b_neg = await b.create_data_channel("negotiated", negotiated=True, id=42)
    await asyncio.gather(a_neg.wait_state("open"), b_neg.wait_state("open"))
    await a_neg.send_text("over the negotiated channel")
    assert (await b_neg.next_message()).text == "over the negotiated channel"
    await b_neg.send_text("and back")
    assert (await a_neg.next_message()).text == "and back"

    for channel in (a_to_b, b_side, b_to_a, a_side):
        assert await channel.states() in (["connecting", "open"], ["open"])


async def test_text_binary_and_empty_messages_keep_kind_content_and_order(page: Page) -> None:
    _, _, sender, receiver = await connected_pair(page)
    sent: list[tuple[str, str | bytes]] = [
        ("text", "hello"),
        ("text", "grüße, 世界 🚀"),
        ("binary", bytes(range(256))),
        ("text", ""),
        ("binary", b""),
        ("binary", b"\x00"),
        ("text", "last"),
    ]
    for kind, value in sent:
        if kind == "text":
            assert isinstance(value, str)
            await sender.send_text(value)
        else:
            assert isinstance(value, bytes)
            await sender.send_binary(value)
    for kind, value in sent:
        message = await receiver.next_message()
        assert message.kind == kind
        if kind == "text":
            assert message.text == value
            assert isinstance(value, str)
            assert message.size == len(value.encode())
        else:
            assert message.data == value
            assert message.size == len(value)


@pytest.mark.parametrize(
    "options",
    [{}, {"ordered": False}, {"maxRetransmits": 0}, {"ordered": False, "maxPacketLifeTime": 500}],
    ids=["reliable", "unordered", "maxRetransmits=0", "unordered-lifetime"],
)
async def test_message_sizes_up_to_256_kib(page: Page, options: dict[str, object]) -> None:
    _, _, sender, receiver = await connected_pair(page, "sizes", **options)
    info = await receiver.info()
    assert info["ordered"] == options.get("ordered", True)
    assert info["maxRetransmits"] == options.get("maxRetransmits")
    assert info["maxPacketLifeTime"] == options.get("maxPacketLifeTime")

    sizes = [1, 2, 1199, 1200, 16384, 65535, 65536, 65537, 200_000, 262144]
    sent = [await sender.send_random(size) for size in sizes]
    received = [await receiver.next_message(inline_limit=0) for _ in sizes]
    if options.get("ordered", True) is False:
        received.sort(key=lambda m: sizes.index(m.size))
    # Loopback does not drop these (seen under full CPU load too), so even the partially
    # reliable channels deliver every message.
    assert [(m.kind, m.size, m.sha256) for m in received] == [
        ("binary", s["size"], s["sha256"]) for s in sent
    ]


async def test_message_above_max_message_size_is_refused_by_the_sender(page: Page) -> None:
    _, _, sender, _ = await connected_pair(page)
    with pytest.raises(PlaywrightError, match="larger than max-message-size"):
        await sender.send_random(262144 + 1)
    assert await sender.ready_state() == "open"


async def test_binary_content_round_trips_exactly(page: Page) -> None:
    _, _, sender, receiver = await connected_pair(page)
    payload = os.urandom(50_000)
    result = await sender.send_binary(payload)
    assert result["sha256"] == sha256_hex(payload)
    message = await receiver.next_message()
    assert message.data == payload


async def test_streams_mebibytes_each_way_with_backpressure(page: Page) -> None:
    a, b, a_to_b, b_from_a = await connected_pair(page, "bulk-a")
    b_to_a = await b.create_data_channel("bulk-b")
    a_from_b = await a.next_data_channel()
    await asyncio.gather(b_to_a.wait_state("open"), a_from_b.wait_state("open"))

    total = 4 * MiB
    # Water marks small enough that the sender must wait for bufferedamountlow.
    send_options = {"chunk_size": 64 * 1024, "high_water_mark": MiB, "low_water_mark": 256 * 1024}
    sent_ab, received_ab, sent_ba, received_ba = await asyncio.gather(
        a_to_b.stream_send(total, **send_options),
        b_from_a.stream_receive(total),
        b_to_a.stream_send(total, **send_options),
        a_from_b.stream_receive(total),
    )
    for sent, received in ((sent_ab, received_ab), (sent_ba, received_ba)):
        assert sent.bytes == received.bytes == total
        assert sent.messages == received.messages == total // (64 * 1024)
        assert received.sha256 == sent.sha256
        assert sent.low_events is not None and sent.low_events >= 1
    assert sent_ab.sha256 != sent_ba.sha256  # independent random streams


async def test_close_by_either_side_reaches_closed_on_both(page: Page) -> None:
    a, b, a_chan, b_chan = await connected_pair(page, "closed-by-opener")
    await a_chan.close()
    await asyncio.gather(a_chan.wait_state("closed"), b_chan.wait_state("closed"))
    assert await a_chan.states() == ["connecting", "open", "closing", "closed"]
    assert (await b_chan.states())[-1] == "closed"

    a_chan2 = await a.create_data_channel("closed-by-remote")
    b_chan2 = await b.next_data_channel()
    await asyncio.gather(a_chan2.wait_state("open"), b_chan2.wait_state("open"))
    await b_chan2.close()
    await asyncio.gather(a_chan2.wait_state("closed"), b_chan2.wait_state("closed"))
    assert (await a_chan2.states())[-1] == "closed"
    assert await a_chan2.errors() == []

    # The connection itself survives channel closes.
    assert (await a.state())["connectionState"] == "connected"


async def test_closing_the_peer_connection_closes_the_remote_channels(page: Page) -> None:
    a, b, a_chan, b_chan = await connected_pair(page)
    await a.close()
    # close() sets the local states without firing events; the harness records them.
    assert (await a.state())["connectionState"] == "closed"
    assert (await a.states("connectionState"))[-1] == "closed"
    assert await a_chan.states() == ["connecting", "open", "closing", "closed"]
    # The SCTP ABORT tells the other side at once (ICE would notice only after seconds).
    await b_chan.wait_state("closed")
    [error] = await b_chan.errors()
    assert error["errorDetail"] == "sctp-failure"
    assert error["sctpCauseCode"] == 12  # RFC 9260 section 3.3.10.12: User-Initiated Abort
    assert (await b.state())["sctp"]["state"] == "closed"
