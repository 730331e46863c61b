"""RTCDtlsTransport over real ICE on 127.0.0.1 (two transports in one event loop)."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from aiortc_transport.dtls.certificate import RTCCertificate, RTCDtlsFingerprint
from aiortc_transport.dtls.transport import RTCDtlsParameters, RTCDtlsTransport
from aiortc_transport.exceptions import InvalidAccessError, InvalidStateError
from tests.ice.helpers import connect, exchange_candidates, make_side

from .helpers import (
    TIMEOUT,
    Collector,
    DtlsSide,
    LossyLink,
    certificate,
    dtls_side,
    ice_pair,
    start_both,
    stop_all,
)


async def connected_pair(**dtls_kwargs: object) -> tuple[DtlsSide, DtlsSide]:
    ice_a, ice_z = await ice_pair()
    a = dtls_side(ice_a, 0, **dtls_kwargs)
    z = dtls_side(ice_z, 1, **dtls_kwargs)
    assert await start_both(a, z) == [None, None]
    return a, z


async def test_auto_role_follows_ice_and_data_flows_both_ways() -> None:
    a, z = await connected_pair()
    try:
        # aiortc's rule: ICE controlling -> DTLS server.
        assert a.ice.transport.role == "controlling"
        assert (a.dtls.role, z.dtls.role) == ("server", "client")
        for side, peer in ((a, z), (z, a)):
            assert side.dtls.state == "connected"
            assert side.states.states == ["connecting", "connected"]
            info = side.dtls.handshake
            assert info is not None
            assert (info.version, info.cipher) == ("DTLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256")
            assert info.peer_fingerprint == peer.certificate.getFingerprints()[0]
            (der,) = side.dtls.getRemoteCertificates()
            peer_cert = x509.load_pem_x509_certificate(peer.certificate.to_pem())
            assert der == peer_cert.public_bytes(Encoding.DER)
            assert side.dtls.transport is side.dtls.iceTransport is side.ice.transport

        a.dtls._send_datagram(b"from A")
        z.dtls._send_datagram(b"from Z" * 200)
        for i in range(50):
            a.dtls._send_datagram(i.to_bytes(2, "big") * 500)
        await z.received.wait_for(51)
        await a.received.wait_for(1)
        assert z.received.messages[0] == b"from A"
        assert z.received.messages[1:] == [i.to_bytes(2, "big") * 500 for i in range(50)]
        assert a.received.messages == [b"from Z" * 200]
    finally:
        await stop_all(a, z)


@pytest.mark.parametrize("a_remote_says", ["client", "server"])
async def test_explicit_roles(a_remote_says: str) -> None:
    """The remote parameters' role decides: Z announces it is client (or server)."""
    ice_a, ice_z = await ice_pair()
    z_role = a_remote_says
    a = dtls_side(ice_a, 0)
    z = dtls_side(ice_z, 1, role=z_role)
    a_params = a.dtls.getLocalParameters()
    z_params = z.dtls.getLocalParameters()
    assert z_params.role == z_role
    try:
        await asyncio.wait_for(
            asyncio.gather(a.dtls.start(z_params), z.dtls.start(a_params)), TIMEOUT
        )
        expected_a = "server" if z_role == "client" else "client"
        assert (a.dtls.role, z.dtls.role) == (expected_a, z_role)
        a.dtls._send_datagram(b"x")
        await z.received.wait_for(1)
    finally:
        await stop_all(a, z)


async def test_role_conflict_is_refused() -> None:
    ice_a, ice_z = await ice_pair()
    a = dtls_side(ice_a, 0, role="client")
    try:
        with pytest.raises(InvalidAccessError):
            await a.dtls.start(RTCDtlsParameters(certificate(1).getFingerprints(), role="client"))
        assert a.dtls.state == "new"
    finally:
        await ice_a.transport.stop()
        await ice_z.transport.stop()


@pytest.mark.parametrize("mismatching", ["server", "client"])
async def test_fingerprint_mismatch_fails_both_sides_with_reason(mismatching: str) -> None:
    ice_a, ice_z = await ice_pair()
    a = dtls_side(ice_a, 0)  # server (ICE controlling)
    z = dtls_side(ice_z, 1)
    wrong = RTCDtlsParameters(certificate(2).getFingerprints()[:1])
    a_remote = wrong if mismatching == "server" else z.dtls.getLocalParameters()
    z_remote = wrong if mismatching == "client" else a.dtls.getLocalParameters()
    outcomes = await asyncio.wait_for(
        asyncio.gather(a.dtls.start(a_remote), z.dtls.start(z_remote), return_exceptions=True),
        TIMEOUT,
    )
    try:
        checker = a if mismatching == "server" else z
        other = z if mismatching == "server" else a
        for side, outcome in zip((a, z), outcomes, strict=True):
            assert isinstance(outcome, ConnectionError)
            assert side.dtls.state == "failed"
            assert side.states.states == ["connecting", "failed"]
            assert len(side.errors) == 1 and str(side.errors[0]) == str(outcome)
            assert side.received.messages == []
            assert side.dtls.getRemoteCertificates() == []
        assert checker.dtls.failure_reason is not None
        assert checker.dtls.failure_reason.startswith("fingerprint mismatch")
        # The peer learned it from the alert, not from a timeout.
        assert other.dtls.failure_reason is not None
        assert "timeout" not in other.dtls.failure_reason
        assert "within" not in other.dtls.failure_reason
    finally:
        await stop_all(a, z)


async def test_unknown_algorithm_only() -> None:
    ice_a, ice_z = await ice_pair()
    a = dtls_side(ice_a, 0)
    z = dtls_side(ice_z, 1)
    md5_only = RTCDtlsParameters([RTCDtlsFingerprint("md5", "00:11:22:33")])
    outcomes = await asyncio.wait_for(
        asyncio.gather(
            a.dtls.start(z.dtls.getLocalParameters()),
            z.dtls.start(md5_only),
            return_exceptions=True,
        ),
        TIMEOUT,
    )
    try:
        assert all(isinstance(o, ConnectionError) for o in outcomes)
        assert z.dtls.failure_reason is not None
        assert "no remote fingerprint uses a supported algorithm" in z.dtls.failure_reason
        assert "md5" in z.dtls.failure_reason
        assert a.dtls.state == z.dtls.state == "failed"
    finally:
        await stop_all(a, z)


async def test_stop_mid_handshake_tells_the_peer() -> None:
    ice_a, ice_z = await ice_pair()
    # Z (client) never hears from A, so it stays in the handshake.
    link = LossyLink(ice_z.transport, drop_in=lambda n, data: True)
    a = dtls_side(ice_a, 0)
    z = dtls_side(ice_z, 1, link=link)
    a_start = asyncio.ensure_future(a.dtls.start(z.dtls.getLocalParameters()))
    z_start = asyncio.ensure_future(z.dtls.start(a.dtls.getLocalParameters()))
    try:
        await link.wait_received(1)
        assert z.dtls.state == "connecting"
        await z.dtls.stop()
        assert z.dtls.state == "closed"
        with pytest.raises(ConnectionError, match="stopped"):
            await z_start
        # A gets Z's close_notify and fails at once instead of waiting 30 s.
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(a_start, 5.0)
        assert a.dtls.state == "failed"
        assert z.states.states == ["connecting", "closed"]
        assert z.errors == []  # closing is not an error
    finally:
        await stop_all(a, z)


async def test_close_notify_seen_by_the_peer() -> None:
    a, z = await connected_pair()
    try:
        transitions: list[tuple[str, int]] = []
        z.dtls.on(
            "statechange", lambda: transitions.append((z.dtls.state, len(z.received.messages)))
        )
        a.dtls._send_datagram(b"last words")
        await z.received.wait_for(1)
        await a.dtls.stop()
        assert a.dtls.state == "closed"
        await z.states.wait_for("closed")
        assert transitions == [("closed", 1)]
        assert z.errors == []
        # Nothing goes out any more, silently.
        z.dtls._send_datagram(b"too late")
        assert z.dtls.dropped_not_connected == 1
        await a.dtls.stop()  # idempotent
    finally:
        await stop_all(a, z)


async def test_ice_closing_underneath_closes_dtls_synchronously() -> None:
    a, z = await connected_pair()
    try:
        seen: list[str] = []
        # Registered after DTLS's own listener: by the time it runs, DTLS has moved.
        a.ice.transport.on("statechange", lambda: seen.append(a.dtls.state))
        await a.ice.transport.stop()
        assert seen == ["closed"]
        assert a.dtls.state == "closed"
    finally:
        await stop_all(a, z)


async def test_peer_vanishing_fails_dtls_through_ice_consent() -> None:
    ice_a, ice_z = await ice_pair(consent_interval=0.05, consent_timeout=0.5)
    a = dtls_side(ice_a, 0)
    z = dtls_side(ice_z, 1)
    assert await start_both(a, z) == [None, None]
    try:
        # Z disappears without a word: no close_notify, its sockets just close.
        await ice_z.transport.stop()
        await a.states.wait_for("failed", timeout=5.0)
        assert a.dtls.failure_reason == "the ICE transport failed"
        assert len(a.errors) == 1
    finally:
        await stop_all(a, z)


async def test_handshake_timeout() -> None:
    ice_a, ice_z = await ice_pair()
    a = dtls_side(ice_a, 0, handshake_timeout=0.3)
    loop = asyncio.get_running_loop()
    started_at = loop.time()
    try:
        with pytest.raises(ConnectionError, match=r"did not complete within 0\.3 s"):
            remote = RTCDtlsParameters(certificate(1).getFingerprints())
            await asyncio.wait_for(a.dtls.start(remote), TIMEOUT)
        assert 0.25 < loop.time() - started_at < 2.0
        assert a.dtls.state == "failed"
    finally:
        await ice_a.transport.stop()
        await ice_z.transport.stop()


@pytest.mark.parametrize("lost", ["client hello", "server flight", "client flight", "final flight"])
async def test_handshake_survives_lost_flights(lost: str) -> None:
    """A lossy shim drops one flight; OpenSSL's retransmission timer recovers."""
    ice_a, ice_z = await ice_pair()
    # A is the DTLS server, Z the client. Flights: Z->A ClientHello, A->Z server flight,
    # Z->A client flight (Certificate ... Finished), A->Z final flight (CCS, Finished).
    dropped = {"done": False}

    def drop_nth(wanted: int) -> object:
        def drop(n: int, data: bytes) -> bool:
            if n == wanted and not dropped["done"]:
                dropped["done"] = True
                return True
            return False

        return drop

    z_kwargs: dict[str, Any] = {}
    a_kwargs: dict[str, Any] = {}
    if lost == "client hello":
        z_kwargs = {"drop_out": drop_nth(0)}
    elif lost == "server flight":
        a_kwargs = {"drop_out": drop_nth(0)}
    elif lost == "client flight":
        z_kwargs = {"drop_out": drop_nth(1)}
    else:
        a_kwargs = {"drop_out": drop_nth(1)}
    link_a = LossyLink(ice_a.transport, **a_kwargs)
    link_z = LossyLink(ice_z.transport, **z_kwargs)
    a = dtls_side(ice_a, 0, link=link_a)
    z = dtls_side(ice_z, 1, link=link_z)
    try:
        assert await start_both(a, z) == [None, None]
        assert dropped["done"]
        assert (
            a.dtls.counters.handshake_retransmissions + z.dtls.counters.handshake_retransmissions
            >= 1
        )
        a.dtls._send_datagram(b"through")
        z.dtls._send_datagram(b"back")
        await z.received.wait_for(1)
        await a.received.wait_for(1)
    finally:
        await stop_all(a, z)


async def test_dtls_started_before_ice_connects() -> None:

    ice_a = make_side("controlling")
    ice_z = make_side("controlled")
    a = dtls_side(ice_a, 0)
    z = dtls_side(ice_z, 1)
    dtls_done = asyncio.ensure_future(start_both(a, z))
    await a.states.wait_for("connecting")
    await z.states.wait_for("connecting")
    assert a.dtls.counters.datagrams_sent == z.dtls.counters.datagrams_sent == 0
    await exchange_candidates(ice_a, ice_z)
    await connect(ice_a, ice_z)
    try:
        assert await dtls_done == [None, None]
    finally:
        await stop_all(a, z)


async def test_messages_before_receiver_are_held() -> None:
    ice_a, ice_z = await ice_pair()
    link = LossyLink(ice_z.transport)
    a = dtls_side(ice_a, 0)
    z = dtls_side(ice_z, 1, link=link)
    z.dtls._set_datagram_receiver(None)
    try:
        assert await start_both(a, z) == [None, None]
        handshake_datagrams = link.received
        a.dtls._send_datagram(b"one")
        a.dtls._send_datagram(b"two")
        await link.wait_received(handshake_datagrams + 2)
        assert z.dtls.state == "connected"
        late = Collector()
        z.dtls._set_datagram_receiver(late)
        await late.wait_for(2)
        assert late.messages == [b"one", b"two"]
    finally:
        await stop_all(a, z)


async def test_api_misuse() -> None:
    ice_a, ice_z = await ice_pair()
    a = dtls_side(ice_a, 0)
    try:
        a.dtls._send_datagram(b"not yet")
        assert a.dtls.dropped_not_connected == 1
        with pytest.raises(ValueError):
            RTCDtlsTransport(ice_a.transport, role="both")
        with pytest.raises(InvalidAccessError):
            await a.dtls.start(RTCDtlsParameters([], role="sideways"))
        generated = RTCDtlsTransport(ice_a.transport, None)
        assert len(generated.getLocalParameters().fingerprints) == 3
        assert generated.getLocalParameters().role == "auto"
        await a.dtls.stop()
        with pytest.raises(InvalidStateError):
            await a.dtls.start(RTCDtlsParameters(certificate(1).getFingerprints()))
    finally:
        await ice_a.transport.stop()
        await ice_z.transport.stop()


async def test_auto_role_follows_ice_role_after_a_conflict() -> None:
    """Both ICE agents start controlling; the tie-breaker (RFC 8445 section 7.3.1.1) makes
    one controlled. DTLS started before ICE connects must use the final ICE roles."""

    ice_a = make_side("controlling")
    ice_z = make_side("controlling")
    a = dtls_side(ice_a, 0)
    z = dtls_side(ice_z, 1)
    dtls_done = asyncio.ensure_future(start_both(a, z))
    await exchange_candidates(ice_a, ice_z)
    await connect(ice_a, ice_z)
    try:
        assert await dtls_done == [None, None]
        assert {ice_a.transport.role, ice_z.transport.role} == {"controlling", "controlled"}
        assert {a.dtls.role, z.dtls.role} == {"client", "server"}
        server = a if a.dtls.role == "server" else z
        assert server.ice.transport.role == "controlling"
    finally:
        await stop_all(a, z)


def test_expired_certificate_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "old")])
    now = datetime.datetime.now(tz=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=10))
        .not_valid_after(now - datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    ice = make_side("controlling")
    with pytest.raises(InvalidAccessError, match="expired"):
        RTCDtlsTransport(ice.transport, [RTCCertificate(key, cert)])


async def test_ice_failing_mid_handshake_fails_dtls() -> None:
    ice_a, ice_z = await ice_pair(consent_interval=0.05, consent_timeout=0.5)
    a = dtls_side(ice_a, 0)  # Z never starts DTLS: A waits for a ClientHello
    remote = RTCDtlsParameters(certificate(1).getFingerprints())
    start = asyncio.ensure_future(a.dtls.start(remote))
    try:
        await a.states.wait_for("connecting")
        await ice_z.transport.stop()
        with pytest.raises(ConnectionError, match="ICE transport failed"):
            await asyncio.wait_for(start, 5.0)
        assert a.states.states == ["connecting", "failed"]
    finally:
        await a.dtls.stop()
        await ice_a.transport.stop()
