"""RTCSctpTransport over real DTLS over real loopback ICE: states, events, teardown."""

from __future__ import annotations

import asyncio

import pytest

from aiortc_transport.datachannel.channel import RTCDataChannel
from aiortc_transport.datachannel.parameters import RTCDataChannelParameters
from aiortc_transport.exceptions import InvalidStateError, OperationError
from aiortc_transport.sctp.transport import RTCSctpCapabilities, RTCSctpTransport

from .helpers import TIMEOUT, stack_pair, stop_stack


async def test_association_comes_up_with_statechanges_and_roles() -> None:
    a, z = await stack_pair()
    await asyncio.wait_for(
        asyncio.gather(a.sctp.wait_connected(), z.sctp.wait_connected()), TIMEOUT
    )
    assert a.states.states == ["connecting", "connected"]
    assert z.states.states == ["connecting", "connected"]
    assert a.sctp.is_server and not z.sctp.is_server
    assert a.sctp.maxChannels == 65535
    assert RTCSctpTransport.getCapabilities().maxMessageSize == 262144
    await stop_stack(a, z)
    assert a.states.states[-1] == "closed"
    await z.states.wait_for("closed")


async def test_channel_ids_follow_the_dtls_role_and_messages_flow_both_ways() -> None:
    a, z = await stack_pair()
    from_z = RTCDataChannel(z.sctp, RTCDataChannelParameters(label="from-z"))
    from_a = RTCDataChannel(a.sctp, RTCDataChannelParameters(label="from-a", ordered=False))
    await asyncio.wait_for(asyncio.gather(from_z.wait_open(), from_a.wait_open()), TIMEOUT)
    # RFC 8832 section 6: the DTLS client (Z) uses even ids, the server (A) odd ones.
    assert from_z.id == 0
    assert from_a.id == 1
    remote_at_a = await a.wait_channel(1)
    remote_at_z = await z.wait_channel(1)
    assert remote_at_a.label == "from-z" and remote_at_a.id == 0
    assert remote_at_z.label == "from-a" and not remote_at_z.ordered

    received: list[str | bytes] = []
    done = asyncio.Event()

    def on_message(message: str | bytes) -> None:
        received.append(message)
        if len(received) == 4:
            done.set()

    remote_at_a.on("message", on_message)
    for message in ("hello", b"\x00\x01", "", b""):
        from_z.send(message)
    await asyncio.wait_for(done.wait(), TIMEOUT)
    assert received == ["hello", b"\x00\x01", "", b""]

    from_a.send(b"x" * 200_000)
    got = await asyncio.wait_for(anext(aiter(remote_at_z)), TIMEOUT)
    assert got == b"x" * 200_000
    await stop_stack(a, z)


async def test_close_reaches_closed_on_both_sides() -> None:
    a, z = await stack_pair()
    channel = RTCDataChannel(z.sctp, RTCDataChannelParameters(label="c"))
    await asyncio.wait_for(channel.wait_open(), TIMEOUT)
    remote = await a.wait_channel(1)
    remote_closed = asyncio.Event()
    remote.on("close", remote_closed.set)
    channel.close()
    assert channel.readyState == "closing"
    local_closed = asyncio.Event()
    channel.on("close", local_closed.set)
    await asyncio.wait_for(asyncio.gather(local_closed.wait(), remote_closed.wait()), TIMEOUT)
    assert channel.readyState == remote.readyState == "closed"
    with pytest.raises(InvalidStateError):
        channel.send("late")
    # The stream id is free again.
    again = RTCDataChannel(z.sctp, RTCDataChannelParameters(label="again"))
    await asyncio.wait_for(again.wait_open(), TIMEOUT)
    assert again.id == 0
    await stop_stack(a, z)


async def test_dtls_closing_underneath_closes_sctp_and_channels() -> None:
    # aiortc's bug: when DTLS goes away without an SCTP ABORT its transport stays
    # "connected" and its channels "open" forever.
    a, z = await stack_pair()
    channel = RTCDataChannel(z.sctp, RTCDataChannelParameters(label="c"))
    await asyncio.wait_for(channel.wait_open(), TIMEOUT)
    remote = await a.wait_channel(1)
    await a.dtls.dtls.stop()  # close_notify, no SCTP ABORT
    await asyncio.wait_for(z.states.wait_for("closed"), TIMEOUT)
    assert channel.readyState == "closed"
    assert remote.readyState == "closed"
    assert a.sctp.state == "closed"
    await stop_stack(a, z)


async def test_graceful_stop_is_seen_by_the_peer() -> None:
    a, z = await stack_pair()
    channel = RTCDataChannel(z.sctp, RTCDataChannelParameters(label="c"))
    await asyncio.wait_for(channel.wait_open(), TIMEOUT)
    await z.sctp.stop()
    assert z.sctp.state == "closed"
    await a.states.wait_for("closed")
    assert channel.readyState == "closed"
    await stop_stack(a, z)


async def test_stop_before_start_and_right_after_connecting_is_clean() -> None:
    a, z = await stack_pair(start_sctp=False)
    await a.sctp.stop()  # never started: nothing to detach, no error
    assert a.sctp.state == "closed"
    await stop_stack(a, z)

    a, z = await stack_pair()
    channel = RTCDataChannel(z.sctp, RTCDataChannelParameters(label="early"))
    # Stop as soon as the association is up, before its pending events were dispatched
    # by a scheduled pump: the DCEP OPEN then meets a shutting-down association.
    await z.sctp.wait_connected()
    await z.sctp.stop()
    assert z.sctp.state == "closed"
    assert channel.readyState == "closed"
    await a.states.wait_for("closed")
    await stop_stack(a, z)


async def test_ours_to_ours_uses_i_data_and_interleaves_channels() -> None:
    """Both ends offer I-DATA (RFC 8260): a small message on one channel overtakes a large
    one sent earlier on another."""
    a, z = await stack_pair()
    big_channel = RTCDataChannel(a.sctp, RTCDataChannelParameters(label="big"))
    small_channel = RTCDataChannel(a.sctp, RTCDataChannelParameters(label="small"))
    await asyncio.wait_for(
        asyncio.gather(big_channel.wait_open(), small_channel.wait_open()), TIMEOUT
    )
    for side in (a, z):
        association = side.sctp._association
        assert association is not None and association._interleaving
    big_remote = await z.wait_channel(1)
    small_remote = await z.wait_channel(2)
    arrivals: list[str] = []
    done = asyncio.Event()

    def record(label: str) -> None:
        arrivals.append(label)
        if len(arrivals) == 2:
            done.set()

    big_remote.on("message", lambda message: record("big"))
    small_remote.on("message", lambda message: record("small"))
    big_channel.send(b"b" * 250_000)
    small_channel.send("small")
    await asyncio.wait_for(done.wait(), TIMEOUT)
    assert arrivals == ["small", "big"]
    await stop_stack(a, z)


async def test_max_message_size_is_configurable_higher() -> None:
    limit = 4 * 1024 * 1024
    a, z = await stack_pair(start_sctp=False, max_message_size=limit)
    assert a.sctp.maxMessageSize == z.sctp.maxMessageSize == limit
    caps = RTCSctpCapabilities(maxMessageSize=limit)
    await asyncio.gather(a.sctp.start(caps, 5000), z.sctp.start(caps, 5000))
    channel = RTCDataChannel(z.sctp, RTCDataChannelParameters(label="big"))
    await asyncio.wait_for(channel.wait_open(), TIMEOUT)
    remote = await a.wait_channel(1)
    big = bytes(range(256)) * (limit // 256)
    channel.send(big)
    assert await asyncio.wait_for(anext(aiter(remote)), TIMEOUT) == big
    with pytest.raises(OperationError):
        channel.send(big + b"!")
    await stop_stack(a, z)
