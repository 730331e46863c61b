"""Our full stack against aiortc 1.16 over real loopback ICE (issues 4 and 5).

Every test runs over real UDP on 127.0.0.1: our gatherer is loopback-only and aiortc's
connection is replaced by a loopback-only one (see ``harness.py``). "Our role" is our DTLS
role; aiortc takes the other one. Peer A is always ours, peer B always aiortc.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import pytest

from aiortc_transport.exceptions import InvalidStateError, OperationError

from .harness import (
    TIMEOUT,
    ClosedWatch,
    DtlsRole,
    Inbox,
    Peer,
    StreamHasher,
    connect_peers,
    connected_pair,
    make_peer,
    negotiated_channel_pair,
    open_channel_pair,
    pattern_chunks,
    send_paced,
    wait_state,
)

pytestmark = pytest.mark.interop

ROLES: tuple[DtlsRole, DtlsRole] = ("client", "server")
KIB = 1024
MIB = 1024 * 1024


def pair(our_role: DtlsRole) -> Any:
    """Ours (A, with DTLS role ``our_role``) connected to aiortc (B)."""
    return connected_pair("ours", "aiortc", a_role=our_role)


def ends(a: Peer, b: Peer, opener: str) -> tuple[Peer, Peer]:
    """(opening side, answering side) for ``opener`` in ("ours", "aiortc")."""
    return (a, b) if opener == "ours" else (b, a)


# -- association (issue 4) ------------------------------------------------------------------


@pytest.mark.parametrize("our_role", ROLES)
async def test_association_in_both_dtls_roles_moves_data_both_ways(our_role: DtlsRole) -> None:
    async with pair(our_role) as (a, b):
        assert a.dtls.role == our_role
        assert b.dtls._role != our_role
        assert a.sctp.is_server == (our_role == "server")
        assert b.sctp.is_server == (our_role == "client")
        ours, theirs = await open_channel_pair(a, b, "assoc")
        assert a.sctp.state == "connected" and b.sctp.state == "connected"
        assert a.sctp.maxChannels == 65535
        inbox_ours, inbox_theirs = Inbox(ours), Inbox(theirs)
        # Enough to need fragmentation, many packets and several SACK rounds each way.
        payloads = [bytes([i]) * (i * 997 + 1) for i in range(40)]
        for p in payloads:
            ours.send(p)
            theirs.send(p)
        assert await inbox_theirs.wait_count(len(payloads)) == payloads
        assert await inbox_ours.wait_count(len(payloads)) == payloads


@pytest.mark.parametrize("our_role", ROLES)
async def test_statechange_sequence_and_graceful_stop(our_role: DtlsRole) -> None:
    async with pair(our_role) as (a, b):
        states: list[str] = [a.sctp.state]
        a.sctp.on("statechange", lambda: states.append(a.sctp.state))
        ours, theirs = await open_channel_pair(a, b)
        watch_theirs = ClosedWatch(theirs)
        await asyncio.wait_for(a.sctp.stop(), TIMEOUT)
        assert a.sctp.state == "closed"
        assert ours.readyState == "closed"
        # aiortc answers SHUTDOWN and closes its channels too.
        await watch_theirs.wait()
        assert b.sctp.state == "closed"
        assert states[-1] == "closed"
        assert "connected" in states


# -- channels opened by each side, DCEP parameters ------------------------------------------


@pytest.mark.parametrize("our_role", ROLES)
@pytest.mark.parametrize("opener", ["ours", "aiortc"])
async def test_channel_opened_by_either_side(our_role: DtlsRole, opener: str) -> None:
    async with pair(our_role) as (a, b):
        first, second = ends(a, b, opener)
        # DCEP lengths are UTF-8 byte counts (RFC 8832); aiortc 1.16 writes character counts,
        # so only our OPEN can carry a non-ASCII label (see the test below).
        label = "données ✓ 通道" if opener == "ours" else "plain label"
        mine, theirs = await open_channel_pair(first, second, label, protocol="proto/1")
        assert theirs.label == label
        assert theirs.protocol == "proto/1"
        assert theirs.ordered is True
        assert theirs.maxRetransmits is None and theirs.maxPacketLifeTime is None
        assert theirs.negotiated is False
        # RFC 8832 section 6: the DTLS client uses even stream ids, the server odd ones.
        opener_role = first.dtls_role
        assert mine.id == theirs.id
        assert mine.id % 2 == (0 if opener_role == "client" else 1)
        inbox_mine, inbox_theirs = Inbox(mine), Inbox(theirs)
        mine.send("ping")
        assert await inbox_theirs.wait_count(1) == ["ping"]
        theirs.send("pong")
        assert await inbox_mine.wait_count(1) == ["pong"]


async def test_aiortc_open_with_character_counted_label_is_handled_safely() -> None:
    """aiortc 1.16 puts the *character* count of a non-ASCII label in its OPEN. The lengths
    then cut the UTF-8 bytes short: we take the label and protocol by the announced byte
    counts and open the channel, without crashing or refusing it."""
    async with pair("client") as (a, b):
        label = "données ✓ 通道"
        theirs, ours = await open_channel_pair(b, a, label, protocol="p")
        encoded = label.encode()
        assert ours.label == encoded[: len(label)].decode()
        inbox = Inbox(ours)
        theirs.send("still works")
        assert await inbox.wait_count(1) == ["still works"]


@pytest.mark.parametrize("opener", ["ours", "aiortc"])
async def test_partial_reliability_parameters_cross_dcep(opener: str) -> None:
    async with pair("client") as (a, b):
        first, second = ends(a, b, opener)
        specs: list[dict[str, Any]] = [
            {"ordered": False},
            {"ordered": True, "maxRetransmits": 0},
            {"ordered": False, "maxRetransmits": 3},
            {"ordered": True, "maxPacketLifeTime": 150},
            {"ordered": False, "maxPacketLifeTime": 1000},
        ]
        for i, spec in enumerate(specs):
            mine, theirs = await open_channel_pair(first, second, f"pr{i}", **spec)
            assert theirs.ordered == spec["ordered"]
            assert theirs.maxRetransmits == spec.get("maxRetransmits")
            assert theirs.maxPacketLifeTime == spec.get("maxPacketLifeTime")
            inbox = Inbox(theirs)
            mine.send(b"x" * 100)
            assert await inbox.wait_count(1) == [b"x" * 100]


@pytest.mark.parametrize("our_role", ROLES)
async def test_many_channels_from_both_sides_at_once(our_role: DtlsRole) -> None:
    async with pair(our_role) as (a, b):
        count = 16
        ours_created = [a.create_channel(f"o{i}") for i in range(count)]
        theirs_created = [b.create_channel(f"t{i}") for i in range(count)]
        at_b = [await b.next_channel() for _ in range(count)]
        at_a = [await a.next_channel() for _ in range(count)]
        assert sorted(c.label for c in at_b) == sorted(f"o{i}" for i in range(count))
        assert sorted(c.label for c in at_a) == sorted(f"t{i}" for i in range(count))
        everything = ours_created + theirs_created + at_a + at_b
        await asyncio.gather(*(wait_state(c, "open") for c in everything))
        ids_a = {c.id for c in ours_created} | {c.id for c in at_a}
        assert len(ids_a) == 2 * count  # no stream id used twice
        # Every channel carries its own label back and forth.
        inboxes = {c.label: Inbox(c) for c in at_a + at_b}
        for c in ours_created + theirs_created:
            c.send(c.label)
        for label, inbox in inboxes.items():
            assert await inbox.wait_count(1) == [label]


# -- negotiated channels --------------------------------------------------------------------


@pytest.mark.parametrize("our_role", ROLES)
async def test_negotiated_channels(our_role: DtlsRole) -> None:
    async with pair(our_role) as (a, b):
        # Ids of both parities: negotiated channels ignore the DTLS-role rule.
        for stream_id in (2, 7, 1023):
            ours, theirs = await negotiated_channel_pair(a, b, stream_id, f"neg{stream_id}")
            assert ours.id == theirs.id == stream_id
            assert ours.negotiated and theirs.negotiated
            inbox_ours, inbox_theirs = Inbox(ours), Inbox(theirs)
            ours.send(f"to aiortc on {stream_id}")
            theirs.send(b"to us")
            assert await inbox_theirs.wait_count(1) == [f"to aiortc on {stream_id}"]
            assert await inbox_ours.wait_count(1) == [b"to us"]
        # No datachannel event for negotiated channels on either side.
        with pytest.raises(TimeoutError):
            await a.next_channel(timeout=0.05)
        with pytest.raises(TimeoutError):
            await b.next_channel(timeout=0.05)


# -- message types and sizes ----------------------------------------------------------------

SIZES = [1, 2, 100, 1000, 1172, 1173, 1200, 4096, 16 * KIB, 65535, 65536, 65537, 200_000]
MAX_MESSAGE = 256 * KIB


def _messages() -> list[str | bytes]:
    out: list[str | bytes] = ["", b"", "text", "üñíçødé ✓", b"\x00\x01\xff"]
    for size in [*SIZES, MAX_MESSAGE]:
        out.append(hashlib.sha256(b"%d" % size).digest()[:1] * size)
    out.append("é" * (MAX_MESSAGE // 2))  # 256 KiB of UTF-8, 128 Ki characters
    return out


@pytest.mark.parametrize("our_role", ROLES)
@pytest.mark.parametrize("ordered", [True, False])
async def test_text_binary_empty_and_sizes_up_to_256_kib_both_ways(
    our_role: DtlsRole, ordered: bool
) -> None:
    async with pair(our_role) as (a, b):
        ours, theirs = await open_channel_pair(a, b, "sizes", ordered=ordered)
        inbox_ours, inbox_theirs = Inbox(ours), Inbox(theirs)
        messages = _messages()
        for m in messages:
            ours.send(m)
        for m in messages:
            theirs.send(m)
        got_theirs = await inbox_theirs.wait_count(len(messages))
        got_ours = await inbox_ours.wait_count(len(messages))
        for got in (got_theirs, got_ours):
            if ordered:
                assert got == messages
            else:
                key = lambda m: (type(m).__name__, len(m), m)  # noqa: E731
                assert sorted(got, key=key) == sorted(messages, key=key)
            # Types survive: the empty string stays str (PPID 56), empty binary bytes (57).
            empties = [m for m in got if len(m) == 0]
            assert sorted(type(m).__name__ for m in empties) == ["bytes", "str"]


@pytest.mark.parametrize("our_role", ROLES)
async def test_too_large_for_aiortc_is_refused_at_send(our_role: DtlsRole) -> None:
    async with pair(our_role) as (a, b):
        ours, theirs = await open_channel_pair(a, b)
        with pytest.raises(OperationError):
            ours.send(bytes(MAX_MESSAGE + 1))
        # Nothing was queued and the channel still works.
        inbox = Inbox(theirs)
        ours.send(b"after")
        assert await inbox.wait_count(1) == [b"after"]


async def test_send_before_open_raises_and_channel_opens_later() -> None:
    """A channel created before the association exists is "connecting": send() raises
    InvalidStateError; it opens once SCTP is up, and the peer sees it."""
    a = make_peer("ours", "client")
    b = make_peer("aiortc", "server")
    try:
        early = a.create_channel("early")
        assert early.readyState == "connecting"
        with pytest.raises(InvalidStateError):
            early.send("too early")
        await connect_peers(a, b)
        await wait_state(early, "open")
        theirs = await b.next_channel()
        assert theirs.label == "early"
        inbox = Inbox(theirs)
        early.send("now")
        assert await inbox.wait_count(1) == ["now"]
    finally:
        await asyncio.gather(a.close(), b.close())


# -- unordered and maxRetransmits = 0 --------------------------------------------------------


@pytest.mark.parametrize("our_role", ROLES)
async def test_unordered_reliable_delivers_everything_once(our_role: DtlsRole) -> None:
    async with pair(our_role) as (a, b):
        ours, theirs = await open_channel_pair(a, b, "u", ordered=False)
        inbox_ours, inbox_theirs = Inbox(ours), Inbox(theirs)
        n = 2000
        for i in range(n):
            ours.send(b"%06d" % i + bytes(i % 3000))
            theirs.send(b"%06d" % i + bytes(i % 3000))
        for inbox in (inbox_theirs, inbox_ours):
            got = await inbox.wait_count(n)
            assert sorted(int(m[:6]) for m in got) == list(range(n))


@pytest.mark.parametrize("our_role", ROLES)
@pytest.mark.parametrize("sender", ["ours", "aiortc"])
async def test_max_retransmits_zero_no_duplicates_no_stall(our_role: DtlsRole, sender: str) -> None:
    """maxRetransmits=0 unordered: what arrives arrives once; the association keeps going.

    aiortc 1.16 re-sends FORWARD-TSN on every SACK; nothing here may turn that into a
    FORWARD-TSN / SACK ping-pong (pion/sctp#505) or a stall of the reliable channel.
    """
    async with pair(our_role) as (a, b):
        tx_side, rx_side = ends(a, b, sender)
        lossy_tx, lossy_rx = await open_channel_pair(
            tx_side, rx_side, "pr0", ordered=False, maxRetransmits=0
        )
        reliable_tx, reliable_rx = await open_channel_pair(tx_side, rx_side, "reliable")
        lossy_inbox, reliable_inbox = Inbox(lossy_rx), Inbox(reliable_rx)
        n = 3000
        await send_paced(lossy_tx, (b"%06d" % i + bytes(1000) for i in range(n)), high=256 * KIB)
        reliable_tx.send(b"marker")
        assert await reliable_inbox.wait_count(1) == [b"marker"]
        # Everything sent before the marker that will ever arrive has arrived by now or
        # shortly; drain what is in flight with one more reliable round trip.
        reliable_tx.send(b"marker2")
        await reliable_inbox.wait_count(2)
        ids = [int(m[:6]) for m in lossy_inbox.messages]
        assert len(ids) == len(set(ids)), "a maxRetransmits=0 message was delivered twice"
        assert set(ids) <= set(range(n))
        assert len(ids) > 0
        # Loopback does not lose packets: only abandoned-before-sent ones may be missing.
        print(f"maxRetransmits=0 {sender}->peer: {len(ids)}/{n} delivered")
        # Still healthy afterwards, both ways.
        back = Inbox(reliable_tx)
        reliable_rx.send("back")
        assert await back.wait_count(1) == ["back"]


# -- 50 MiB with backpressure ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "our_role"),
    [("ours", "client"), ("ours", "server"), ("aiortc", "client"), ("aiortc", "server")],
)
async def test_50_mib_streamed_with_backpressure_hash_verified(
    sender: str, our_role: DtlsRole
) -> None:
    total = 50 * MIB
    size = 64 * KIB
    async with pair(our_role) as (a, b):
        tx_side, rx_side = ends(a, b, sender)
        tx, rx = await open_channel_pair(tx_side, rx_side, "bulk")
        hasher = StreamHasher(rx, total)
        expected = hashlib.sha256()
        for chunk in pattern_chunks(total, size):
            expected.update(chunk)
        high = 1 * MIB
        peaks: list[int] = []
        send = tx.send

        def send_and_sample(data: bytes) -> None:
            send(data)
            peaks.append(tx.bufferedAmount)  # what waits right after each send

        tx.send = send_and_sample
        await asyncio.wait_for(send_paced(tx, pattern_chunks(total, size), high=high), 60)
        await asyncio.wait_for(hasher.done.wait(), 60)
        assert hasher.received == total
        assert hasher.sha256.hexdigest() == expected.hexdigest()
        # Backpressure engaged (the sender got ahead of the network) and held the buffer
        # to the high-water mark plus one message.
        assert high < max(peaks) <= high + size


# -- close from either side --------------------------------------------------------------------


@pytest.mark.parametrize("our_role", ROLES)
@pytest.mark.parametrize("closer", ["ours", "aiortc"])
@pytest.mark.parametrize("opener", ["ours", "aiortc"])
async def test_close_from_either_side_seen_on_both(
    our_role: DtlsRole, closer: str, opener: str
) -> None:
    async with pair(our_role) as (a, b):
        first, second = ends(a, b, opener)
        c_first, c_second = await open_channel_pair(first, second, "closing")
        by_impl = {first.impl: c_first, second.impl: c_second}
        closing, other = by_impl[closer], by_impl["aiortc" if closer == "ours" else "ours"]
        ours = by_impl["ours"]
        our_states: list[str] = []
        ours.on("closing", lambda: our_states.append("closing"))
        ours.on("close", lambda: our_states.append("closed"))
        watches = [ClosedWatch(closing), ClosedWatch(other)]
        # Data sent just before close still arrives (the reset waits for it).
        inbox = Inbox(other)
        closing.send(b"last words")
        closing.close()
        await asyncio.gather(*(w.wait() for w in watches))
        assert closing.readyState == "closed" and other.readyState == "closed"
        assert inbox.messages == [b"last words"]
        assert our_states[-1] == "closed"
        # The association is still up: a new channel opens and works.
        fresh_a, fresh_b = await open_channel_pair(first, second, "after-close")
        fresh_inbox = Inbox(fresh_b)
        fresh_a.send("again")
        assert await fresh_inbox.wait_count(1) == ["again"]


# -- aiortc tears down underneath without ABORT -------------------------------------------------


@pytest.mark.parametrize("our_role", ROLES)
async def test_aiortc_dtls_stop_without_abort_closes_our_channels(our_role: DtlsRole) -> None:
    """aiortc's DTLS stops (close_notify) with no SCTP ABORT or SHUTDOWN before it: our
    association and every channel close (aiortc itself would leave them open)."""
    async with pair(our_role) as (a, b):
        c1, _ = await open_channel_pair(a, b, "one")
        _, c2 = await open_channel_pair(b, a, "two")
        n1, _ = await negotiated_channel_pair(a, b, 40, "neg")
        ours = [c1, c2, n1]
        watches = [ClosedWatch(c) for c in ours]
        closed = asyncio.Event()
        a.sctp.on("statechange", lambda: a.sctp.state == "closed" and closed.set())
        await b.dtls.stop()
        await asyncio.wait_for(closed.wait(), TIMEOUT)
        await asyncio.gather(*(w.wait() for w in watches))
        assert [c.readyState for c in ours] == ["closed"] * 3


async def test_aiortc_vanishing_ice_closes_our_channels() -> None:
    """aiortc's ICE disappears without a word (no close_notify, no ABORT): consent expires on
    our side, ICE fails, DTLS fails and the association and channels close."""
    async with connected_pair(
        "ours", "aiortc", a_role="client", a_ice={"consent_interval": 0.1, "consent_timeout": 1.0}
    ) as (a, b):
        ours, _ = await open_channel_pair(a, b, "vanish")
        watch = ClosedWatch(ours)
        await b.ice.stop()
        await watch.wait(TIMEOUT)
        assert a.sctp.state == "closed"
        assert a.ice.state in ("failed", "closed")
