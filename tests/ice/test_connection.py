"""IceConnection on its own: options, the held-datagram queue, the aioice-compatible mode."""

from __future__ import annotations

import asyncio

import pytest
from aioice import Candidate

from aiortc_transport.ice.connection import IceConnection, loopback_addresses


def test_loopback_option_values() -> None:
    assert loopback_addresses(False) == ()
    assert loopback_addresses(True) == ("127.0.0.1",)
    assert loopback_addresses("ipv4") == ("127.0.0.1",)
    assert loopback_addresses("ipv6") == ("::1",)
    assert loopback_addresses("both") == ("127.0.0.1", "::1")
    with pytest.raises(ValueError):
        loopback_addresses("all")


def test_loopback_refuses_servers_and_bad_timeouts() -> None:
    with pytest.raises(ValueError):
        IceConnection(ice_controlling=True, loopback=True, stun_server=("192.0.2.1", 3478))
    with pytest.raises(ValueError):
        IceConnection(ice_controlling=True, loopback=True, turn_server=("192.0.2.1", 3478))
    with pytest.raises(ValueError):
        IceConnection(ice_controlling=True, consent_interval=0)


async def test_datagrams_are_held_until_receiver_and_delivery_then_flushed_in_order() -> None:
    connection = IceConnection(ice_controlling=True, loopback=True, max_pending_datagrams=3)
    connection.enable_datagram_mode()
    received: list[bytes] = []
    for i in range(5):
        connection.data_received(b"\x17%d" % i, 1)
    assert connection.counters.dropped_overflow == 2
    connection.set_datagram_receiver(received.append)
    assert received == []  # not delivering before the transport is connected
    connection.start_delivery()
    assert received == [b"\x170", b"\x171", b"\x172"]
    connection.data_received(b"\x17direct", 1)
    assert received[-1] == b"\x17direct"
    assert connection.counters.received == 4
    await connection.close()
    connection.data_received(b"\x17after close", 1)
    assert received[-1] == b"\x17direct"


async def test_receiver_errors_are_counted_not_raised() -> None:
    connection = IceConnection(ice_controlling=True, loopback=True)
    connection.enable_datagram_mode()

    def broken(data: bytes) -> None:
        raise RuntimeError("boom")

    connection.set_datagram_receiver(broken)
    connection.start_delivery()
    connection.data_received(b"\x17x", 1)
    assert connection.counters.receiver_errors == 1
    await connection.close()


async def _connected_pair(a: IceConnection, b: IceConnection) -> None:
    await asyncio.gather(a.gather_candidates(), b.gather_candidates())
    for x, y in ((a, b), (b, a)):
        x.remote_username = y.local_username
        x.remote_password = y.local_password
        for c in y.local_candidates:
            await x.add_remote_candidate(c)
        await x.add_remote_candidate(None)
    await asyncio.wait_for(asyncio.gather(a.connect(), b.connect()), 10)


async def test_without_datagram_mode_aioice_recv_and_send_work() -> None:
    # This is how an aiortc RTCIceTransport uses the connection.
    a = IceConnection(ice_controlling=True, loopback="ipv4")
    b = IceConnection(ice_controlling=False, loopback="ipv4")
    await _connected_pair(a, b)
    for payload in (b"\x17dtls-looking", b"plain bytes"):
        await a.send(payload)
        assert await asyncio.wait_for(b.recv(), 5) == payload
    assert a.selected_pair is not None
    await a.close()
    await b.close()


async def test_datagram_mode_both_demux_paths_reach_the_receiver() -> None:
    a = IceConnection(ice_controlling=True, loopback="ipv4")
    b = IceConnection(ice_controlling=False, loopback="ipv4")
    b.enable_datagram_mode()
    got: list[bytes] = []
    arrived = asyncio.Event()

    def receive(data: bytes) -> None:
        got.append(data)
        arrived.set()

    b.set_datagram_receiver(receive)
    await _connected_pair(a, b)
    b.start_delivery()
    a.enable_datagram_mode()
    # First byte 23 takes the RFC 7983 DTLS fast path; "p" goes through aioice's parser.
    a.send_datagram(b"\x17dtls")
    a.send_datagram(b"plain")
    while len(got) < 2:
        arrived.clear()
        await asyncio.wait_for(arrived.wait(), 5)
    assert got == [b"\x17dtls", b"plain"]
    await a.close()
    await b.close()


async def test_loopback_gathering_reports_candidates_one_by_one() -> None:
    connection = IceConnection(ice_controlling=True, loopback="both")
    seen: list[Candidate] = []
    connection.local_candidate_listener = seen.append
    await connection.gather_candidates()
    assert [c.host for c in seen] == ["127.0.0.1", "::1"]
    assert [c.host for c in connection.local_candidates] == ["127.0.0.1", "::1"]
    await connection.close()
