"""The sans-I/O DTLS core: two cores ("A" and "Z") joined by an in-memory link, no event
loop, time passed in explicitly."""

from __future__ import annotations

import datetime
import struct
from collections.abc import Callable
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiortc_transport.dtls.certificate import RTCCertificate, RTCDtlsFingerprint
from aiortc_transport.dtls.connection import (
    DEFAULT_HANDSHAKE_TIMEOUT,
    ApplicationData,
    CloseNotify,
    ConnectionFailed,
    DtlsConnection,
    DtlsEvent,
    DtlsRole,
    DtlsState,
    HandshakeComplete,
    HandshakeFailed,
)
from aiortc_transport.dtls.records import RecordHeader, record_spans_untrusted
from aiortc_transport.exceptions import InvalidStateError, OperationError

from .captures import load_capture

Link = Callable[[bytes], bytes | None]


@pytest.fixture(scope="module")
def cert_a() -> RTCCertificate:
    return RTCCertificate.generateCertificate()


@pytest.fixture(scope="module")
def cert_z() -> RTCCertificate:
    return RTCCertificate.generateCertificate()


def make_pair(
    cert_a: RTCCertificate,
    cert_z: RTCCertificate,
    *,
    a_role: DtlsRole = "client",
    a_expects: list[RTCDtlsFingerprint] | None = None,
    z_expects: list[RTCDtlsFingerprint] | None = None,
    **kwargs: Any,
) -> tuple[DtlsConnection, DtlsConnection]:
    z_role: DtlsRole = "server" if a_role == "client" else "client"
    a = DtlsConnection(
        a_role,
        cert_a,
        cert_z.getFingerprints()[:1] if a_expects is None else a_expects,
        **kwargs,
    )
    z = DtlsConnection(
        z_role,
        cert_z,
        cert_a.getFingerprints()[:1] if z_expects is None else z_expects,
        **kwargs,
    )
    return a, z


def pump(
    a: DtlsConnection,
    z: DtlsConnection,
    now: float = 0.0,
    *,
    a_to_z: Link | None = None,
    rounds: int = 20,
) -> list[bytes]:
    """Move datagrams both ways until both sides are quiet; returns what A sent."""
    sent_by_a: list[bytes] = []
    for _ in range(rounds):
        moved = False
        for datagram in a.datagrams_to_send():
            moved = True
            sent_by_a.append(datagram)
            delivered = a_to_z(datagram) if a_to_z else datagram
            if delivered is not None:
                z.receive_datagram(delivered, now)
        for datagram in z.datagrams_to_send():
            moved = True
            a.receive_datagram(datagram, now)
        if not moved:
            break
    return sent_by_a


def events(conn: DtlsConnection) -> list[DtlsEvent]:
    out: list[DtlsEvent] = []
    while (event := conn.next_event()) is not None:
        out.append(event)
    return out


def handshake(a: DtlsConnection, z: DtlsConnection, now: float = 0.0) -> None:
    a.start(now)
    z.start(now)
    pump(a, z, now)


@pytest.mark.parametrize("a_role", ["client", "server"])
def test_handshake_and_data_both_ways(
    cert_a: RTCCertificate, cert_z: RTCCertificate, a_role: DtlsRole
) -> None:
    a, z = make_pair(cert_a, cert_z, a_role=a_role)
    handshake(a, z)
    for conn, peer_cert in ((a, cert_z), (z, cert_a)):
        assert conn.state is DtlsState.CONNECTED
        (complete,) = events(conn)
        assert isinstance(complete, HandshakeComplete)
        assert complete.version == "DTLSv1.2"
        assert complete.cipher == "ECDHE-ECDSA-AES128-GCM-SHA256"
        assert complete.srtp_profile == "SRTP_AEAD_AES_128_GCM"
        assert complete.peer_fingerprint == peer_cert.getFingerprints()[0]
        assert conn.get_timer() is None
        assert conn.peer_certificate is not None

    a.send(b"ping")
    z.send(b"pong" * 300)
    big = bytes(range(256)) * 64  # 16384 bytes: the largest record
    a.send(big)
    pump(a, z)
    assert events(z) == [ApplicationData(b"ping"), ApplicationData(big)]
    assert events(a) == [ApplicationData(b"pong" * 300)]


def test_one_message_is_one_record_is_one_datagram(
    cert_a: RTCCertificate, cert_z: RTCCertificate
) -> None:
    a, z = make_pair(cert_a, cert_z)
    handshake(a, z)
    events(a), events(z)
    # An SCTP packet of 1191 bytes must not be split, even above the handshake MTU.
    datagram = a.encrypt(b"\x13" * 1191)
    spans = record_spans_untrusted(datagram)
    assert len(spans) == 1
    header = RecordHeader.parse_untrusted(datagram)
    assert (header.content_type, header.version, header.epoch) == (23, 0xFEFD, 1)
    # AES-128-GCM: 8-byte explicit nonce + 16-byte tag.
    assert len(datagram) == 13 + 8 + 1191 + 16
    z.receive_datagram(datagram, 0.0)
    assert events(z) == [ApplicationData(b"\x13" * 1191)]


def test_all_fingerprint_algorithms_accepted(
    cert_a: RTCCertificate, cert_z: RTCCertificate
) -> None:
    for index in range(3):
        a, z = make_pair(
            cert_a,
            cert_z,
            a_expects=[cert_z.getFingerprints()[index]],
            z_expects=[cert_a.getFingerprints()[index]],
        )
        handshake(a, z)
        assert a.state is z.state is DtlsState.CONNECTED
        complete = events(a)[0]
        assert isinstance(complete, HandshakeComplete)
        assert complete.peer_fingerprint == cert_z.getFingerprints()[index]


def test_fingerprint_value_case_and_unknown_extra_algorithms(
    cert_a: RTCCertificate, cert_z: RTCCertificate
) -> None:
    lower = RTCDtlsFingerprint("SHA-256", cert_z.getFingerprints()[0].value.lower())
    a, z = make_pair(cert_a, cert_z, a_expects=[RTCDtlsFingerprint("md5", "00:11"), lower])
    handshake(a, z)
    assert a.state is z.state is DtlsState.CONNECTED


def test_matching_one_of_several_fingerprints_is_enough(
    cert_a: RTCCertificate, cert_z: RTCCertificate
) -> None:
    other = RTCCertificate.generateCertificate().getFingerprints()[0]
    a, z = make_pair(cert_a, cert_z, a_expects=[other, cert_z.getFingerprints()[1]])
    handshake(a, z)
    assert a.state is z.state is DtlsState.CONNECTED


@pytest.mark.parametrize("a_role", ["client", "server"])
def test_fingerprint_mismatch_fails_both_sides(
    cert_a: RTCCertificate, cert_z: RTCCertificate, a_role: DtlsRole
) -> None:
    stranger = RTCCertificate.generateCertificate()
    a, z = make_pair(cert_a, cert_z, a_role=a_role, a_expects=stranger.getFingerprints()[:1])
    handshake(a, z)
    (a_event,) = events(a)
    assert isinstance(a_event, HandshakeFailed)
    assert a_event.reason.startswith("fingerprint mismatch")
    assert cert_z.getFingerprints()[0].value in a_event.reason
    assert a.state is DtlsState.FAILED
    # The peer was told with a fatal alert: it does not stay connected.
    assert z.state is DtlsState.FAILED
    z_events = events(z)
    assert len(z_events) in (1, 2)
    assert isinstance(z_events[-1], HandshakeFailed | ConnectionFailed)
    assert not any(isinstance(e, ApplicationData) for e in z_events)
    with pytest.raises(InvalidStateError):
        a.send(b"x")


def test_only_unknown_algorithms_fails_and_tells_peer(
    cert_a: RTCCertificate, cert_z: RTCCertificate
) -> None:
    a, z = make_pair(
        cert_a, cert_z, a_role="server", a_expects=[RTCDtlsFingerprint("sha-1", "00:11:22")]
    )
    handshake(a, z)
    (a_event,) = events(a)
    assert isinstance(a_event, HandshakeFailed)
    assert "no remote fingerprint uses a supported algorithm" in a_event.reason
    assert "sha-1" in a_event.reason
    (z_event,) = events(z)
    assert isinstance(z_event, HandshakeFailed)
    assert "close_notify" in z_event.reason
    assert z.state is DtlsState.FAILED


def test_empty_fingerprint_list_fails(cert_a: RTCCertificate, cert_z: RTCCertificate) -> None:
    a, z = make_pair(cert_a, cert_z, a_expects=[])
    handshake(a, z)
    (a_event,) = events(a)
    assert isinstance(a_event, HandshakeFailed)
    assert "got: none" in a_event.reason


def test_data_only_peer_without_srtp(cert_a: RTCCertificate, cert_z: RTCCertificate) -> None:
    a = DtlsConnection("client", cert_a, cert_z.getFingerprints()[:1], srtp_profiles=())
    z = DtlsConnection("server", cert_z, cert_a.getFingerprints()[:1])
    handshake(a, z)
    for conn in (a, z):
        (complete,) = events(conn)
        assert isinstance(complete, HandshakeComplete)
        assert complete.srtp_profile is None
    # And the other way round: we offer none, the peer does.
    a = DtlsConnection("server", cert_a, cert_z.getFingerprints()[:1], srtp_profiles=())
    z = DtlsConnection("client", cert_z, cert_a.getFingerprints()[:1])
    handshake(a, z)
    assert a.state is z.state is DtlsState.CONNECTED


@pytest.fixture(scope="module")
def rsa_certificate() -> RTCCertificate:
    # A large certificate makes the server flight span several datagrams.
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "x" * 60)])
    now = datetime.datetime.now(tz=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return RTCCertificate(key, cert)


@pytest.mark.parametrize("mtu", [1200, 500, 300])
def test_handshake_flights_split_to_mtu(
    cert_a: RTCCertificate, rsa_certificate: RTCCertificate, mtu: int
) -> None:
    big = rsa_certificate
    server = DtlsConnection("server", big, cert_a.getFingerprints()[:1], mtu=mtu)
    client = DtlsConnection("client", cert_a, big.getFingerprints()[:1], mtu=mtu)
    sizes: list[int] = []

    def record_size(datagram: bytes) -> bytes:
        sizes.append(len(datagram))
        return datagram

    server.start(0.0)
    client.start(0.0)
    pump(server, client, a_to_z=record_size)
    assert server.state is client.state is DtlsState.CONNECTED
    assert len(sizes) >= 3  # the RSA-4096 certificate alone is over 1300 bytes
    assert max(sizes) <= mtu
    # Whole records only in every datagram.
    assert sum(sizes) > 1300


def test_client_hello_is_one_datagram(cert_a: RTCCertificate, cert_z: RTCCertificate) -> None:
    a, _ = make_pair(cert_a, cert_z)
    a.start(0.0)
    (hello,) = a.datagrams_to_send()
    header = RecordHeader.parse_untrusted(hello)
    assert (header.content_type, header.epoch, header.sequence_number) == (22, 0, 0)
    assert len(record_spans_untrusted(hello)) == 1
    assert hello[13] == 1  # ClientHello
    # Not fragmented: fragment length == message length.
    assert hello[14:17] == hello[22:25]


def _server_hello(datagram: bytes) -> tuple[int, int]:
    """(server_version, cipher_suite) of the ServerHello opening a server flight."""
    assert datagram[0] == 22 and datagram[13] == 2
    body = 13 + 12
    version = struct.unpack_from("!H", datagram, body)[0]
    session_id_length = datagram[body + 2 + 32]
    suite = struct.unpack_from("!H", datagram, body + 2 + 32 + 1 + session_id_length)[0]
    return version, suite


@pytest.mark.parametrize("peer", ["chromium", "firefox", "wrtc", "werift"])
def test_captured_client_hellos_are_answered_with_dtls12(cert_a: RTCCertificate, peer: str) -> None:
    """Real ClientHellos: Chromium's and Firefox's offer DTLS 1.3 with an X25519MLKEM768
    key share (1.4 KB, two fragments); wrtc's and werift's are DTLS 1.2 only."""
    hellos = [d.data for d in load_capture(peer) if d.direction == "I"]
    hellos = [d for d in hellos if "client_hello" in _summary_of(peer, d)]
    server = DtlsConnection("server", cert_a, [RTCDtlsFingerprint("sha-256", "00:11")], mtu=1200)
    server.start(0.0)
    assert server.datagrams_to_send() == []
    for datagram in hellos:
        server.receive_datagram(datagram, 0.0)
    flight = server.datagrams_to_send()
    assert flight, "the server must answer"
    assert all(len(d) <= 1200 for d in flight)
    version, suite = _server_hello(flight[0])
    assert version == 0xFEFD
    assert suite == 0xC02B  # TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    assert server.state is DtlsState.HANDSHAKING
    assert events(server) == []


def _summary_of(peer: str, data: bytes) -> str:
    return next(d.summary for d in load_capture(peer) if d.data == data)


def test_non_dtls_and_garbage_are_dropped_and_counted(
    cert_a: RTCCertificate, cert_z: RTCCertificate
) -> None:
    a, z = make_pair(cert_a, cert_z)
    handshake(a, z)
    events(a), events(z)
    counters = z.counters
    for datagram in (b"", b"\x00\x01\x00\x00" + bytes(16), b"\x80" + bytes(20), b"\xff", b"\x13"):
        z.receive_datagram(datagram, 0.0)
    assert counters.dropped_not_dtls == 5
    for datagram in (b"\x17\xfe\xfd", b"\x17" + bytes(12) + b"\x00\x10" + bytes(3)):
        z.receive_datagram(datagram, 0.0)
    assert counters.dropped_malformed == 2
    assert z.state is DtlsState.CONNECTED
    assert events(z) == []
    assert z.datagrams_to_send() == []
    # A record with a flipped bit fails authentication and is silently dropped
    # (RFC 6347 section 4.1.2.7), the connection survives.
    good = a.encrypt(b"hello")
    tampered = bytearray(good)
    tampered[-1] ^= 0x01
    z.receive_datagram(bytes(tampered), 0.0)
    assert events(z) == []
    z.receive_datagram(good, 0.0)
    z.receive_datagram(good, 0.0)  # a replay is dropped too
    assert events(z) == [ApplicationData(b"hello")]
    assert z.state is DtlsState.CONNECTED


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    garbage=st.lists(st.binary(max_size=300), max_size=5),
    prefix=st.sampled_from([20, 21, 22, 23, 25, 47]),
)
def test_garbage_never_escapes(
    cert_a: RTCCertificate, cert_z: RTCCertificate, garbage: list[bytes], prefix: int
) -> None:
    a, z = make_pair(cert_a, cert_z)
    a.start(0.0)
    z.start(0.0)
    # Garbage before and during the handshake.
    for junk in garbage:
        z.receive_datagram(junk, 0.0)
        z.receive_datagram(bytes([prefix]) + junk, 0.0)
    pump(a, z)
    assert a.state is z.state is DtlsState.CONNECTED
    events(a), events(z)
    for junk in garbage:
        a.receive_datagram(bytes([prefix]) + junk, 0.0)
        a.receive_datagram(bytes([prefix, 0xFE, 0xFD, 0, 1]) + junk, 0.0)
    z.send(b"still here")
    pump(a, z)
    assert events(a) == [ApplicationData(b"still here")]


def test_close_sends_close_notify(cert_a: RTCCertificate, cert_z: RTCCertificate) -> None:
    a, z = make_pair(cert_a, cert_z)
    handshake(a, z)
    events(a), events(z)
    a.close()
    assert a.state is DtlsState.CLOSED
    pump(a, z)
    assert events(z) == [CloseNotify()]
    assert z.state is DtlsState.CLOSED
    assert events(a) == []  # A's own close is not an event; Z's answering alert is dropped
    assert a.counters.dropped_after_close == 1
    a.close()  # idempotent
    with pytest.raises(InvalidStateError):
        z.send(b"late")


def test_close_mid_handshake_tells_the_peer(cert_a: RTCCertificate, cert_z: RTCCertificate) -> None:
    a, z = make_pair(cert_a, cert_z, a_role="server")
    a.start(0.0)
    z.start(0.0)
    # The ClientHello reaches A, which then gives up before answering.
    for datagram in z.datagrams_to_send():
        a.receive_datagram(datagram, 0.0)
    a.datagrams_to_send()  # A's server flight is lost
    a.close()
    assert a.state is DtlsState.CLOSED
    for datagram in a.datagrams_to_send():
        z.receive_datagram(datagram, 0.0)
    (event,) = events(z)
    assert isinstance(event, HandshakeFailed)
    assert z.state is DtlsState.FAILED


def test_handshake_timeout_on_virtual_clock(cert_a: RTCCertificate, cert_z: RTCCertificate) -> None:
    a, _ = make_pair(cert_a, cert_z, handshake_timeout=10.0)
    a.start(1000.0)
    a.datagrams_to_send()  # lost
    now = 1000.0
    while (deadline := a.get_timer()) is not None:
        assert deadline > now - 1e-9
        now = deadline
        a.handle_timer(now)
        a.datagrams_to_send()
    assert now == pytest.approx(1010.0)
    (event,) = events(a)
    assert isinstance(event, HandshakeFailed)
    assert event.reason == "DTLS handshake did not complete within 10 s"
    assert a.state is DtlsState.FAILED
    assert DEFAULT_HANDSHAKE_TIMEOUT == 30.0


def test_retransmit_timer_is_armed_during_handshake(
    cert_a: RTCCertificate, cert_z: RTCCertificate
) -> None:
    a, _ = make_pair(cert_a, cert_z)
    a.start(50.0)
    timer = a.get_timer()
    # OpenSSL's initial retransmission timeout is 1 s (RFC 6347 section 4.2.4.1).
    assert timer is not None and 50.9 < timer <= 51.0


def test_datagrams_before_start_are_kept(cert_a: RTCCertificate, cert_z: RTCCertificate) -> None:
    a, z = make_pair(cert_a, cert_z)
    a.start(0.0)
    for datagram in a.datagrams_to_send():
        z.receive_datagram(datagram, 0.0)  # Z has not started yet
    assert z.datagrams_to_send() == []
    z.start(0.0)
    pump(a, z)
    assert a.state is z.state is DtlsState.CONNECTED


def test_early_datagrams_are_bounded(cert_a: RTCCertificate, cert_z: RTCCertificate) -> None:
    _, z = make_pair(cert_a, cert_z)
    for _ in range(100):
        z.receive_datagram(b"\x16" + bytes(10) + b"\x00\x00", 0.0)
    assert z.counters.dropped_early == 100 - 16


def test_send_rules(cert_a: RTCCertificate, cert_z: RTCCertificate) -> None:
    a, z = make_pair(cert_a, cert_z)
    with pytest.raises(InvalidStateError):
        a.send(b"too early")
    handshake(a, z)
    with pytest.raises(OperationError):
        a.send(bytes(16385))
    with pytest.raises(InvalidStateError):
        a.start(0.0)


def test_app_data_racing_the_final_flight_is_delivered_after_completion(
    cert_a: RTCCertificate, cert_z: RTCCertificate
) -> None:
    """The server finishes first and sends data at once; the datagram overtakes the
    server's Finished flight. The client must surface it after HandshakeComplete."""
    client, server = make_pair(cert_a, cert_z)
    client.start(0.0)
    server.start(0.0)
    for datagram in client.datagrams_to_send():
        server.receive_datagram(datagram, 0.0)
    for datagram in server.datagrams_to_send():
        client.receive_datagram(datagram, 0.0)
    for datagram in client.datagrams_to_send():
        server.receive_datagram(datagram, 0.0)
    assert server.state is DtlsState.CONNECTED
    final_flight = server.datagrams_to_send()
    early = server.encrypt(b"early bird")
    client.receive_datagram(early, 0.0)
    assert events(client) == []
    for datagram in final_flight:
        client.receive_datagram(datagram, 0.0)
    client_events = events(client)
    assert isinstance(client_events[0], HandshakeComplete)
    assert client_events[1:] == [ApplicationData(b"early bird")]


def test_encrypt_accepts_bytes_like(cert_a: RTCCertificate, cert_z: RTCCertificate) -> None:
    a, z = make_pair(cert_a, cert_z)
    handshake(a, z)
    events(a), events(z)
    for payload in (bytearray(b"abc"), memoryview(b"defg")):
        z.receive_datagram(a.encrypt(payload), 0.0)
    assert events(z) == [ApplicationData(b"abc"), ApplicationData(b"defg")]


def test_public_api_fallback_path(cert_a: RTCCertificate, cert_z: RTCCertificate) -> None:
    """Without pyOpenSSL's raw handles the core uses pyOpenSSL's public calls only."""
    a, z = make_pair(cert_a, cert_z)
    a._raw = None
    z._raw = None
    handshake(a, z)
    events(a), events(z)
    z.receive_datagram(a.encrypt(b"slow path"), 0.0)
    a.receive_datagram(z.encrypt(b"back"), 0.0)
    assert events(z) == [ApplicationData(b"slow path")]
    assert events(a) == [ApplicationData(b"back")]
    tampered = bytearray(a.encrypt(b"x"))
    tampered[-1] ^= 1
    z.receive_datagram(bytes(tampered), 0.0)
    assert events(z) == []
    a.close()
    pump(a, z)
    assert events(z) == [CloseNotify()]


def test_decrypt_fast_path(cert_a: RTCCertificate, cert_z: RTCCertificate) -> None:
    a, z = make_pair(cert_a, cert_z)
    handshake(a, z)
    events(a), events(z)
    received_before = z.counters.datagrams_received
    assert z.decrypt(a.encrypt(b"fast"), 0.0) == b"fast"
    assert events(z) == []  # returned, not queued
    tampered = bytearray(a.encrypt(b"x"))
    tampered[20] ^= 0xFF
    assert z.decrypt(bytes(tampered), 0.0) is None
    # Anything that is not one application-data record takes the general path.
    assert z.decrypt(b"", 0.0) is None
    assert z.decrypt(b"\x80\x00", 0.0) is None
    assert z.decrypt(b"\x17\xfe\xfd" + bytes(8) + b"\x00\x05", 0.0) is None
    two = a.encrypt(b"one") + a.encrypt(b"two")
    assert z.decrypt(two, 0.0) is None
    assert events(z) == [ApplicationData(b"one"), ApplicationData(b"two")]
    assert z.counters.datagrams_received == received_before + 6
    assert z.counters.dropped_not_dtls == 2
    assert z.counters.dropped_malformed == 1
    a.close()
    for datagram in a.datagrams_to_send():
        assert z.decrypt(datagram, 0.0) is None
    assert events(z) == [CloseNotify()]
    assert z.decrypt(b"\x17" + bytes(12), 0.0) is None  # after close: counted, ignored
    assert z.counters.dropped_after_close == 1


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    victim=st.integers(min_value=0, max_value=7),
    position=st.integers(min_value=0, max_value=2000),
    flip=st.integers(min_value=1, max_value=255),
    truncate=st.booleans(),
)
def test_corrupted_handshake_datagram_never_escapes(
    cert_a: RTCCertificate,
    cert_z: RTCCertificate,
    victim: int,
    position: int,
    flip: int,
    truncate: bool,
) -> None:
    """One handshake datagram (either direction) is corrupted or cut short. Nothing may
    raise, and no side may surface data from a peer it has not verified."""
    a, z = make_pair(cert_a, cert_z)
    counter = {"n": 0}

    def corrupt(datagram: bytes) -> bytes:
        n = counter["n"]
        counter["n"] += 1
        if n != victim:
            return datagram
        if truncate:
            return datagram[: position % len(datagram)]
        mutated = bytearray(datagram)
        mutated[position % len(mutated)] ^= flip
        return bytes(mutated)

    a.start(0.0)
    z.start(0.0)
    for _ in range(20):
        moved = False
        for datagram in a.datagrams_to_send():
            moved = True
            z.receive_datagram(corrupt(datagram), 0.0)
        for datagram in z.datagrams_to_send():
            moved = True
            a.receive_datagram(corrupt(datagram), 0.0)
        if not moved:
            break
    for conn in (a, z):
        seen = events(conn)
        assert conn.state in (DtlsState.HANDSHAKING, DtlsState.CONNECTED, DtlsState.FAILED)
        if conn.state is DtlsState.CONNECTED:
            assert isinstance(seen[0], HandshakeComplete)
            assert conn.peer_certificate is not None
        assert not any(isinstance(e, ApplicationData) for e in seen)
    if a.state is DtlsState.CONNECTED and z.state is DtlsState.CONNECTED:
        a.send(b"ok")
        pump(a, z)
        assert events(z) == [ApplicationData(b"ok")]
