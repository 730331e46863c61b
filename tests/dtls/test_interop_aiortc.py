"""Interop: our RTCDtlsTransport against aiortc 1.16's, in one process over 127.0.0.1.

aiortc's RTCIceGatherer would gather every interface; its ``_connection`` is replaced by
the ICE layer's loopback-only ``IceConnection`` before its RTCIceTransport is built, so
nothing but 127.0.0.1 is ever used. aiortc's SCTP plugs into its DTLS transport through
``_register_data_receiver`` (an object with ``async _handle_data``) and ``_send_data``;
the test uses exactly that seam.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiortc
import pytest

from aiortc_transport.dtls.certificate import RTCDtlsFingerprint
from aiortc_transport.dtls.transport import RTCDtlsParameters
from aiortc_transport.ice import IceConnection, RTCIceCandidate, RTCIceParameters
from tests.ice.helpers import make_side

from .helpers import TIMEOUT, DtlsSide, dtls_side

pytestmark = pytest.mark.interop


class AiortcReceiver:
    """What aiortc's RTCSctpTransport looks like to aiortc's RTCDtlsTransport."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self._arrived = asyncio.Event()

    async def _handle_data(self, data: bytes) -> None:
        self.messages.append(data)
        self._arrived.set()

    async def wait_for(self, count: int) -> None:
        async def wait() -> None:
            while len(self.messages) < count:
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(wait(), TIMEOUT)


@dataclass
class AiortcSide:
    gatherer: aiortc.RTCIceGatherer
    ice: aiortc.RTCIceTransport
    dtls: aiortc.RTCDtlsTransport
    receiver: AiortcReceiver


def make_aiortc_side(controlling: bool) -> AiortcSide:
    gatherer = aiortc.RTCIceGatherer()
    # Loopback only: never let aiortc gather real interfaces.
    gatherer._connection = IceConnection(ice_controlling=controlling, loopback="ipv4")
    ice = aiortc.RTCIceTransport(gatherer)
    dtls = aiortc.RTCDtlsTransport(ice, [aiortc.RTCCertificate.generateCertificate()])
    receiver = AiortcReceiver()
    dtls._register_data_receiver(receiver)
    return AiortcSide(gatherer, ice, dtls, receiver)


async def connect_ice(ours: DtlsSide, theirs: AiortcSide) -> None:
    await asyncio.gather(ours.ice.gatherer.gather(), theirs.gatherer.gather())
    for c in ours.ice.gatherer.getLocalCandidates():
        await theirs.ice.addRemoteCandidate(
            aiortc.RTCIceCandidate(
                component=c.component,
                foundation=c.foundation,
                ip=c.ip,
                port=c.port,
                priority=c.priority,
                protocol=c.protocol,
                type=c.type,
            )
        )
    await theirs.ice.addRemoteCandidate(None)
    for a in theirs.gatherer.getLocalCandidates():
        ours.ice.transport.addRemoteCandidate(
            RTCIceCandidate(
                component=a.component,
                foundation=a.foundation,
                ip=a.ip,
                port=a.port,
                priority=a.priority,
                protocol=a.protocol,
                type=a.type,
            )
        )
    ours.ice.transport.addRemoteCandidate(None)
    theirs_params = theirs.gatherer.getLocalParameters()
    ours_params = ours.ice.gatherer.getLocalParameters()
    assert theirs_params.usernameFragment is not None and theirs_params.password is not None
    await asyncio.wait_for(
        asyncio.gather(
            ours.ice.transport.start(
                RTCIceParameters(
                    usernameFragment=theirs_params.usernameFragment,
                    password=theirs_params.password,
                )
            ),
            theirs.ice.start(
                aiortc.RTCIceParameters(
                    usernameFragment=ours_params.usernameFragment,
                    password=ours_params.password,
                )
            ),
        ),
        TIMEOUT,
    )


async def handshake(ours: DtlsSide, theirs: AiortcSide) -> None:
    theirs_remote = aiortc.RTCDtlsParameters(
        fingerprints=[
            aiortc.RTCDtlsFingerprint(f.algorithm, f.value)
            for f in ours.dtls.getLocalParameters().fingerprints
        ]
    )
    ours_remote = RTCDtlsParameters(
        [
            RTCDtlsFingerprint(f.algorithm, f.value)
            for f in theirs.dtls.getLocalParameters().fingerprints
        ]
    )
    await asyncio.wait_for(
        asyncio.gather(ours.dtls.start(ours_remote), theirs.dtls.start(theirs_remote)), TIMEOUT
    )


@pytest.mark.parametrize("our_role", ["server", "client"])
async def test_handshake_and_data_both_ways_with_aiortc(our_role: str) -> None:
    # aiortc's rule, which ours follows too: ICE controlling -> DTLS server.
    we_control = our_role == "server"
    ours = dtls_side(make_side("controlling" if we_control else "controlled"), 0)
    theirs = make_aiortc_side(controlling=not we_control)
    try:
        await connect_ice(ours, theirs)
        await handshake(ours, theirs)
        assert ours.dtls.state == "connected"
        assert theirs.dtls.state == "connected"
        assert ours.dtls.role == our_role
        assert theirs.dtls._role == ("client" if our_role == "server" else "server")
        info = ours.dtls.handshake
        assert info is not None
        assert info.version == "DTLSv1.2"
        assert info.cipher == "ECDHE-ECDSA-AES128-GCM-SHA256"
        assert info.srtp_profile is not None  # aiortc insists on SRTP; we offered it

        # Ours -> aiortc, including SCTP-sized packets. (aiortc reads at most 1500 bytes
        # of plaintext per record, so larger records would be cut short on its side.)
        payloads = [b"hello aiortc", bytes(1191), bytes(range(256)) * 5]
        for payload in payloads:
            ours.dtls._send_datagram(payload)
        await theirs.receiver.wait_for(len(payloads))
        assert theirs.receiver.messages == payloads

        # aiortc -> ours.
        for i in range(20):
            await theirs.dtls._send_data(b"from aiortc %d" % i)
        await ours.received.wait_for(20)
        assert ours.received.messages == [b"from aiortc %d" % i for i in range(20)]

        # Our close_notify reaches aiortc, whose transport then closes.
        closed = asyncio.Event()

        def on_state() -> None:
            if theirs.dtls.state == "closed":
                closed.set()

        theirs.dtls.on("statechange", on_state)
        await ours.dtls.stop()
        await asyncio.wait_for(closed.wait(), TIMEOUT)
    finally:
        await ours.dtls.stop()
        await theirs.dtls.stop()
        await ours.ice.transport.stop()
        await theirs.ice.stop()


async def test_aiortc_close_notify_closes_ours() -> None:
    ours = dtls_side(make_side("controlled"), 0)
    theirs = make_aiortc_side(controlling=True)
    try:
        await connect_ice(ours, theirs)
        await handshake(ours, theirs)
        await theirs.dtls.stop()
        await ours.states.wait_for("closed")
        assert ours.states.states == ["connecting", "connected", "closed"]
        assert ours.errors == []
    finally:
        await ours.dtls.stop()
        await ours.ice.transport.stop()
        await theirs.ice.stop()


async def test_fingerprint_mismatch_against_aiortc_is_told_to_aiortc() -> None:
    """aiortc checks fingerprints only after its handshake; we check inside ours, so our
    fatal alert makes aiortc's handshake fail instead of leaving it 'connected'."""
    ours = dtls_side(make_side("controlled"), 0)  # we are the DTLS client
    theirs = make_aiortc_side(controlling=True)
    try:
        await connect_ice(ours, theirs)
        theirs_remote = aiortc.RTCDtlsParameters(
            fingerprints=[
                aiortc.RTCDtlsFingerprint(f.algorithm, f.value)
                for f in ours.dtls.getLocalParameters().fingerprints
            ]
        )
        wrong = RTCDtlsParameters([RTCDtlsFingerprint("sha-256", "00:" * 31 + "00")])
        outcomes = await asyncio.wait_for(
            asyncio.gather(
                ours.dtls.start(wrong), theirs.dtls.start(theirs_remote), return_exceptions=True
            ),
            TIMEOUT,
        )
        assert isinstance(outcomes[0], ConnectionError)
        assert "fingerprint mismatch" in str(outcomes[0])
        assert ours.dtls.state == "failed"
        assert theirs.dtls.state == "failed"
    finally:
        await ours.dtls.stop()
        await theirs.dtls.stop()
        await ours.ice.transport.stop()
        await theirs.ice.stop()
