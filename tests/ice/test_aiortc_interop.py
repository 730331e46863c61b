"""Our RTCIceTransport against aiortc 1.16's, over 127.0.0.1, in both roles.

aiortc's gatherer would gather every interface (and default to a public STUN server), which
this machine must never send to. Its connection is replaced by our ``IceConnection`` in
loopback mode, exactly as the interop tests of the upper layers do.
"""

from __future__ import annotations

import asyncio

import aiortc
import pytest

from aiortc_transport.ice import IceConnection, RTCIceCandidate, RTCIceParameters

from .helpers import StateRecorder, make_side

pytestmark = pytest.mark.interop


def _to_aiortc(c: RTCIceCandidate) -> aiortc.RTCIceCandidate:
    return aiortc.RTCIceCandidate(
        component=c.component,
        foundation=c.foundation,
        ip=c.ip,
        port=c.port,
        priority=c.priority,
        protocol=c.protocol,
        type=c.type,
        relatedAddress=c.relatedAddress,
        relatedPort=c.relatedPort,
        tcpType=c.tcpType,
    )


def _from_aiortc(c: aiortc.RTCIceCandidate) -> RTCIceCandidate:
    return RTCIceCandidate(
        component=c.component,
        foundation=c.foundation,
        ip=c.ip,
        port=c.port,
        priority=c.priority,
        protocol=c.protocol,
        type=c.type,
        relatedAddress=c.relatedAddress,
        relatedPort=c.relatedPort,
        tcpType=c.tcpType,
    )


@pytest.mark.parametrize("our_role", ["controlling", "controlled"])
async def test_connects_with_aiortc_over_loopback(our_role: str) -> None:
    ours = make_side(our_role)
    ours.transport._set_datagram_receiver(ours.receive)

    their_gatherer = aiortc.RTCIceGatherer(iceServers=[])
    their_gatherer._connection = IceConnection(
        ice_controlling=our_role == "controlled", loopback="ipv4"
    )
    theirs = aiortc.RTCIceTransport(their_gatherer)
    their_states = StateRecorder(theirs)

    await asyncio.gather(ours.gatherer.gather(), their_gatherer.gather())
    their_candidates = their_gatherer.getLocalCandidates()
    assert [c.ip for c in their_candidates] == ["127.0.0.1"]
    for c in their_candidates:
        ours.transport.addRemoteCandidate(_from_aiortc(c))
    ours.transport.addRemoteCandidate(None)
    for ours_c in ours.gatherer.getLocalCandidates():
        await theirs.addRemoteCandidate(_to_aiortc(ours_c))
    await theirs.addRemoteCandidate(None)

    their_params = their_gatherer.getLocalParameters()
    assert their_params.usernameFragment is not None and their_params.password is not None
    our_params = ours.gatherer.getLocalParameters()
    await asyncio.wait_for(
        asyncio.gather(
            ours.transport.start(
                RTCIceParameters(their_params.usernameFragment, their_params.password)
            ),
            theirs.start(
                aiortc.RTCIceParameters(
                    usernameFragment=our_params.usernameFragment, password=our_params.password
                )
            ),
        ),
        10,
    )
    assert ours.states.states == ["checking", "connected", "completed"]
    assert their_states.states == ["checking", "completed"]
    assert ours.transport.role == our_role
    assert theirs.role != our_role

    # Datagrams both ways: our synchronous path against aiortc's recv()/send().
    ours.transport._send_datagram(b"\x17to aiortc")
    assert await asyncio.wait_for(theirs._connection.recv(), 5) == b"\x17to aiortc"
    await theirs._connection.send(b"\x17to us")
    await ours.wait_received(1)
    assert ours.received == [b"\x17to us"]

    await theirs.stop()
    await ours.transport.stop()
