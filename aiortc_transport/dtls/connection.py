"""The sans-I/O DTLS 1.2 core: one pyOpenSSL connection over memory BIOs.

Theory of operation
-------------------
``DtlsConnection`` owns an ``OpenSSL.SSL.Connection`` created without a socket, so OpenSSL
reads from and writes to two memory BIOs. Everything that reaches the network goes through
four doors, in the aioquic style:

* inputs: :meth:`start`, :meth:`receive_datagram`, :meth:`handle_timer`, :meth:`send` /
  :meth:`encrypt`, :meth:`close`; each takes ``now`` (float seconds, any monotonic origin)
  where time matters;
* outputs, pulled by the caller: :meth:`datagrams_to_send`, :meth:`next_event` and the
  one deadline :meth:`get_timer`.

No clock, socket, task or sleep lives here. The one wrinkle is OpenSSL's handshake
retransmission timer, which OpenSSL measures on its own clock: after each input we ask
OpenSSL how long until it wants to retransmit and turn that into an absolute deadline on
the caller's clock. With a real-time caller the two clocks agree; a virtual-clock caller
still gets a correct handshake on a lossless link, and the handshake deadline (below) is
purely on the caller's clock.

States: ``NEW -> HANDSHAKING -> CONNECTED -> CLOSED``, and ``FAILED`` from anywhere before
``CLOSED``. A failure or close is announced once, as an event.

Peer verification happens *inside* the handshake, in OpenSSL's certificate verification
callback: the end-entity certificate must match one of the remote fingerprints of a
supported algorithm (RFC 8122 section 5, RFC 8827 section 6.5). A mismatch makes OpenSSL
abort the handshake with a fatal alert, so the peer learns of it at once and no
application data from an unverified peer is ever decrypted, let alone surfaced.

Datagram handling:

* RFC 7983 demultiplexing on the first byte: only 20..63 is DTLS; anything else (and empty
  datagrams) is dropped and counted, never fed to OpenSSL.
* Record framing is checked before OpenSSL sees the datagram; broken framing is dropped and
  counted.
* OpenSSL's output stream is cut at record boundaries and packed into datagrams no larger
  than the MTU (``records.pack_records``). The MTU is also given to OpenSSL, which then
  fragments handshake messages to fit.
* Application data: one ``SSL_write`` per :meth:`encrypt` call gives one record and one
  datagram (an SCTP packet is never split over records).
"""

from __future__ import annotations

import contextlib
import enum
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from cryptography import x509
from cryptography.hazmat.bindings.openssl.binding import Binding
from OpenSSL import SSL, crypto

from ..exceptions import InvalidStateError, OperationError, ParseError
from .certificate import (
    FINGERPRINT_ALGORITHMS,
    OPENSSL_DIGEST_NAMES,
    RTCCertificate,
    RTCDtlsFingerprint,
    normalize_fingerprint_value,
)
from .records import (
    CONTENT_TYPE_ALERT,
    CONTENT_TYPE_APPLICATION_DATA,
    DTLS_FIRST_BYTE_MAX,
    DTLS_FIRST_BYTE_MIN,
    RECORD_HEADER_SIZE,
    RecordHeader,
    check_single_record_untrusted,
    pack_records,
)

logger = logging.getLogger(__name__)

DtlsRole = Literal["client", "server"]

#: Datagram size limit for handshake flights. WebRTC stacks fragment their handshake at
#: about 1200 bytes so that it crosses any path (IPv6 minimum MTU 1280 minus headers).
DEFAULT_MTU: Final = 1200

#: A handshake not finished this long after :meth:`DtlsConnection.start` fails. OpenSSL
#: retransmits after 1, 2, 4, 8, 16 s (RFC 6347 section 4.2.4.1), so 30 s covers five
#: retransmissions of a flight.
DEFAULT_HANDSHAKE_TIMEOUT: Final = 30.0

#: Largest plaintext one record can carry (RFC 6347 section 4.1 / RFC 5246 section 6.2.1).
MAX_APPLICATION_DATA: Final = 2**14

#: ECDHE with ECDSA and AES-GCM first (what Chromium and Firefox pick), then ChaCha20, then
#: the CBC suites older stacks still need. RSA suites matter only when we are client and the
#: peer has an RSA certificate, or when an RSA certificate was loaded from PEM.
CIPHER_LIST: Final = (
    b"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    b"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
    b"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"
    b"ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA"
)

#: Key-exchange groups every browser offers for DTLS 1.2.
CURVES_LIST: Final = b"X25519:P-256:P-384"

#: SRTP profiles offered (never required: a data-only peer that offers none still
#: handshakes). Offering them keeps peers happy that expect a use_srtp extension.
DEFAULT_SRTP_PROFILES: Final = (
    "SRTP_AEAD_AES_128_GCM",
    "SRTP_AEAD_AES_256_GCM",
    "SRTP_AES128_CM_SHA1_80",
)

_DTLS1_2_VERSION: Final = 0xFEFD
_READ_SIZE: Final = MAX_APPLICATION_DATA
_BIO_READ_SIZE: Final = 65536

#: At most this many datagrams are kept when they arrive before :meth:`start` (the peer's
#: ClientHello often arrives before our signalling has delivered the remote parameters).
MAX_EARLY_DATAGRAMS: Final = 16

_LIB = Binding.lib
_FFI = Binding.ffi
#: The data path calls SSL_write/SSL_read and the memory BIOs directly through the cffi
#: handles pyOpenSSL's Connection holds, skipping pyOpenSSL's per-call SSL_get_error and
#: buffer allocation (about half the per-record cost). Errors still go through pyOpenSSL.
#: If a pyOpenSSL release renames those handles, the public API is used instead.
_HAS_RAW_CALLS: Final = all(
    hasattr(_LIB, name) for name in ("SSL_write", "SSL_read", "BIO_read", "BIO_write")
)
#: Largest record OpenSSL can write: 2^14 plaintext plus the worst CBC/HMAC expansion.
_WRITE_BUFFER_SIZE: Final = MAX_APPLICATION_DATA + 2048 + 13


class DtlsState(enum.Enum):
    """Lifecycle of a :class:`DtlsConnection`."""

    NEW = "new"
    HANDSHAKING = "handshaking"
    CONNECTED = "connected"
    CLOSED = "closed"
    FAILED = "failed"


# ---------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class HandshakeComplete:
    """The handshake finished and the peer's certificate matched a remote fingerprint."""

    version: str
    cipher: str
    srtp_profile: str | None
    peer_fingerprint: RTCDtlsFingerprint


@dataclass(frozen=True, slots=True)
class ApplicationData:
    """Decrypted application data: the plaintext of one record."""

    data: bytes


@dataclass(frozen=True, slots=True)
class CloseNotify:
    """The peer closed the connection cleanly (a close_notify alert); we answered it."""


@dataclass(frozen=True, slots=True)
class HandshakeFailed:
    """The handshake did not complete; the peer was told if it could be."""

    reason: str


@dataclass(frozen=True, slots=True)
class ConnectionFailed:
    """An established connection broke (a fatal alert from the peer, a TLS error)."""

    reason: str


DtlsEvent = HandshakeComplete | ApplicationData | CloseNotify | HandshakeFailed | ConnectionFailed


@dataclass(slots=True)
class DtlsCounters:
    """What went in and out, and what was dropped and why. Plain integers, never reset."""

    datagrams_received: int = 0
    datagrams_sent: int = 0
    dropped_not_dtls: int = 0
    dropped_malformed: int = 0
    dropped_early: int = 0
    dropped_after_close: int = 0
    handshake_retransmissions: int = 0


# ---------------------------------------------------------------------------- helpers


def _ssl_error_reason(exc: SSL.Error) -> str:
    """A readable one-line reason from a pyOpenSSL error (its args hold OpenSSL's queue)."""
    if isinstance(exc, SSL.ZeroReturnError):
        return "the peer closed the connection (close_notify)"
    parts: list[str] = []
    for arg in exc.args:
        if isinstance(arg, list):
            for item in arg:
                if isinstance(item, tuple) and item:
                    parts.append(str(item[-1]))
                else:
                    parts.append(str(item))
        else:
            parts.append(str(arg))
    return "; ".join(p for p in parts if p) or type(exc).__name__


def _plaintext_close_notify() -> bytes:
    """An epoch-0 close_notify alert record, for abandoning a handshake.

    OpenSSL refuses ``SSL_shutdown`` before the handshake is done, but the peer should
    still learn at once that we gave up (rather than retransmitting for half a minute).
    The sequence number is the largest possible so that the peer's replay window
    (RFC 6347 section 4.1.2.6) never mistakes it for an old record.
    """
    body = bytes((1, 0))  # warning, close_notify (RFC 5246 section 7.2)
    header = RecordHeader(CONTENT_TYPE_ALERT, _DTLS1_2_VERSION, 0, 2**48 - 1, len(body))
    return header.serialize() + body


# ---------------------------------------------------------------------------- the core


class DtlsConnection:
    """A DTLS 1.2 endpoint, sans I/O. See the module docstring for the theory.

    :param role: ``"client"`` sends the ClientHello; ``"server"`` answers it.
    :param certificate: our certificate and key.
    :param remote_fingerprints: what the signalling said the peer's certificate hashes to.
        The peer must present a certificate matching at least one of those with a
        supported algorithm (``sha-256``, ``sha-384``, ``sha-512``); fingerprints with other
        algorithms are ignored, and a list with none supported fails the handshake.
    :param mtu: maximum datagram size for handshake flights (and given to OpenSSL).
    :param handshake_timeout: seconds from :meth:`start` until an unfinished handshake fails.
    :param srtp_profiles: OpenSSL names of the SRTP profiles to offer (empty: none).
    """

    def __init__(
        self,
        role: DtlsRole,
        certificate: RTCCertificate,
        remote_fingerprints: Sequence[RTCDtlsFingerprint],
        *,
        mtu: int = DEFAULT_MTU,
        handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
        srtp_profiles: Sequence[str] = DEFAULT_SRTP_PROFILES,
    ) -> None:
        if role not in ("client", "server"):
            raise ValueError(f"role must be 'client' or 'server', not {role!r}")
        if mtu < 256:
            raise ValueError("the DTLS MTU must be at least 256 bytes")
        self.role: DtlsRole = role
        self.counters = DtlsCounters()
        self._mtu = mtu
        self._handshake_timeout = handshake_timeout
        self._state = DtlsState.NEW
        self._events: deque[DtlsEvent] = deque()
        self._outgoing: list[bytes] = []
        self._early: list[bytes] = []
        self._handshake_deadline_at: float | None = None
        self._retransmit_at: float | None = None
        self._verify_failure: str | None = None
        self._peer_fingerprint: RTCDtlsFingerprint | None = None
        self._peer_certificate: x509.Certificate | None = None

        # The expected fingerprints, by algorithm, in canonical form.
        self._expected: dict[str, set[str]] = {}
        ignored: list[str] = []
        for fingerprint in remote_fingerprints:
            algorithm = fingerprint.algorithm.strip().lower()
            if algorithm in FINGERPRINT_ALGORITHMS:
                self._expected.setdefault(algorithm, set()).add(
                    normalize_fingerprint_value(fingerprint.value)
                )
            else:
                ignored.append(fingerprint.algorithm)
        self._ignored_algorithms = ignored

        self._ssl = SSL.Connection(self._make_context(certificate, srtp_profiles), None)
        # RFC 6347 section 4.1.1: records must fit the PMTU; OpenSSL fragments handshake
        # messages to this size. OP_NO_QUERY_MTU (set on the context) stops OpenSSL from
        # asking the (memory) BIO and overriding it.
        self._ssl.set_ciphertext_mtu(mtu)
        raw = (
            getattr(self._ssl, "_ssl", None),
            getattr(self._ssl, "_into_ssl", None),
            getattr(self._ssl, "_from_ssl", None),
        )
        self._raw: tuple[Any, Any, Any] | None = (
            raw if _HAS_RAW_CALLS and all(h is not None for h in raw) else None
        )
        self._read_buffer = _FFI.new("char[]", _READ_SIZE)
        self._write_buffer = _FFI.new("char[]", _WRITE_BUFFER_SIZE)
        if role == "client":
            self._ssl.set_connect_state()
        else:
            self._ssl.set_accept_state()

    def _make_context(
        self, certificate: RTCCertificate, srtp_profiles: Sequence[str]
    ) -> SSL.Context:
        ctx = SSL.Context(SSL.DTLS_METHOD)
        # DTLS 1.2 only: a DTLS 1.3 ClientHello (Chromium and Firefox send one, with a
        # large post-quantum key share) is answered with a 1.2 ServerHello. DTLS 1.0 is
        # refused (RFC 8827 section 6.5 requires DTLS 1.2 or later).
        ctx.set_min_proto_version(_DTLS1_2_VERSION)
        ctx.set_max_proto_version(_DTLS1_2_VERSION)
        ctx.set_options(
            SSL.OP_NO_TICKET
            | SSL.OP_NO_QUERY_MTU
            | SSL.OP_NO_COMPRESSION
            | SSL.OP_CIPHER_SERVER_PREFERENCE
            | getattr(SSL, "OP_NO_RENEGOTIATION", 0)
        )
        ctx.set_cipher_list(CIPHER_LIST)
        if hasattr(_LIB, "SSL_CTX_set1_curves_list"):
            # Not wrapped by pyOpenSSL; OpenSSL's default list also works, this only
            # keeps the ClientHello to the groups browsers use.
            _LIB.SSL_CTX_set1_curves_list(ctx._context, CURVES_LIST)
        # Ask for (and insist on) the peer's certificate on both sides; the callback
        # replaces PKI validation by the fingerprint check.
        ctx.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, self._verify_peer)
        ctx.use_certificate(certificate._cert)
        ctx.use_privatekey(certificate._key)
        if srtp_profiles:
            ctx.set_tlsext_use_srtp(":".join(srtp_profiles).encode("ascii"))
        return ctx

    # ------------------------------------------------------------------ properties

    @property
    def state(self) -> DtlsState:
        """The current :class:`DtlsState`."""
        return self._state

    @property
    def peer_certificate(self) -> x509.Certificate | None:
        """The verified peer certificate, once the handshake is complete."""
        return self._peer_certificate

    @property
    def mtu(self) -> int:
        """The datagram size limit for handshake flights."""
        return self._mtu

    # ------------------------------------------------------------------ inputs

    def start(self, now: float) -> None:
        """Begin the handshake (the client sends its ClientHello now)."""
        if self._state is not DtlsState.NEW:
            raise InvalidStateError(f"cannot start a DTLS connection in state {self._state.value}")
        self._state = DtlsState.HANDSHAKING
        self._handshake_deadline_at = now + self._handshake_timeout
        self._log_debug("start, handshake deadline in %.1f s", self._handshake_timeout)
        if not self._expected:
            # Nothing the peer could present would pass: fail at once, without sending a
            # ClientHello, and tell the peer with a close_notify so it stops too.
            self._fail_handshake(self._no_supported_fingerprint_reason(), tell_peer=True)
            return
        self._advance_handshake(now)
        early, self._early = self._early, []
        for data in early:
            if self._state is not DtlsState.HANDSHAKING:
                break
            self.receive_datagram(data, now)

    def receive_datagram(self, data: bytes, now: float) -> None:
        """Handle one datagram from the network. Never raises on peer bytes."""
        self.counters.datagrams_received += 1
        # RFC 7983 section 7: only a first byte in 20..63 is DTLS.
        if not data or not DTLS_FIRST_BYTE_MIN <= data[0] <= DTLS_FIRST_BYTE_MAX:
            self.counters.dropped_not_dtls += 1
            return
        try:
            single = check_single_record_untrusted(data)
        except ParseError as exc:
            self.counters.dropped_malformed += 1
            self._log_debug("drop malformed datagram: %s", exc)
            return

        state = self._state
        if state is DtlsState.CONNECTED:
            if single and data[0] == CONTENT_TYPE_APPLICATION_DATA:
                # The data path: one record, so at most one plaintext comes out, and a
                # valid application-data record makes OpenSSL write nothing back.
                plaintext = self._read_one(data)
                if plaintext is not None:
                    self._events.append(ApplicationData(plaintext))
            else:
                self._ssl.bio_write(data)
                self._read_all(now)
                self._flush_output()
        elif state is DtlsState.HANDSHAKING:
            self._ssl.bio_write(data)
            self._advance_handshake(now)
        elif state is DtlsState.NEW:
            if len(self._early) < MAX_EARLY_DATAGRAMS:
                self._early.append(data)
            else:
                self.counters.dropped_early += 1
        else:
            self.counters.dropped_after_close += 1

    def decrypt(self, data: bytes, now: float) -> bytes | None:
        """:meth:`receive_datagram`, returning application data instead of queuing it.

        The receive fast path for the layer above: when ``data`` is one application-data
        record and decrypts, its plaintext is returned and no event is queued. In every
        other case the datagram is handled exactly as by :meth:`receive_datagram` and
        ``None`` is returned (events and datagrams may then be pending).
        """
        size = len(data)
        if (
            self._state is DtlsState.CONNECTED
            and size > RECORD_HEADER_SIZE
            and data[0] == CONTENT_TYPE_APPLICATION_DATA
            and (data[11] << 8 | data[12]) + RECORD_HEADER_SIZE == size
        ):
            self.counters.datagrams_received += 1
            return self._read_one(data)
        self.receive_datagram(data, now)
        return None

    def handle_timer(self, now: float) -> None:
        """Act on the deadline returned by :meth:`get_timer` (early calls are harmless)."""
        if self._state is not DtlsState.HANDSHAKING:
            return
        deadline = self._handshake_deadline_at
        if deadline is not None and now >= deadline:
            self._fail_handshake(
                f"DTLS handshake did not complete within {self._handshake_timeout:g} s",
                tell_peer=True,
            )
            return
        if self._retransmit_at is not None and now >= self._retransmit_at:
            try:
                if self._ssl.DTLSv1_handle_timeout():
                    self.counters.handshake_retransmissions += 1
                    self._log_debug("handshake retransmission")
            except SSL.Error as exc:
                self._fail_handshake(_ssl_error_reason(exc), tell_peer=False)
                return
            self._flush_output()
            self._update_retransmit_timer(now)

    def encrypt(self, data: bytes | bytearray | memoryview) -> bytes:
        """Encrypt one application message into one record and return it as a datagram.

        The fast path for the layer above: the caller sends the returned datagram itself.
        Raises :class:`InvalidStateError` unless connected, :class:`OperationError` if
        ``data`` is longer than one record can carry (16384 bytes).
        """
        if self._state is not DtlsState.CONNECTED:
            raise InvalidStateError(f"DTLS is {self._state.value}, cannot send data")
        if len(data) > MAX_APPLICATION_DATA:
            raise OperationError(
                f"{len(data)} bytes exceed one DTLS record ({MAX_APPLICATION_DATA})"
            )
        if type(data) is not bytes:
            data = bytes(data)  # cffi passes only bytes as char* without a copy
        ssl = self._ssl
        raw = self._raw
        try:
            if raw is not None:
                written = _LIB.SSL_write(raw[0], data, len(data))
                if written <= 0:
                    ssl._raise_ssl_error(raw[0], written)
                    raise SSL.Error("SSL_write failed")
                size = _LIB.BIO_read(raw[2], self._write_buffer, _WRITE_BUFFER_SIZE)
                if size <= 0:
                    raise SSL.Error("no record after SSL_write")
                datagram: bytes = _FFI.buffer(self._write_buffer, size)[:]
            else:
                ssl.send(data)
                datagram = ssl.bio_read(_WRITE_BUFFER_SIZE)
        except SSL.Error as exc:
            # Only a broken connection makes SSL_write fail after the handshake.
            self._fail_connection(_ssl_error_reason(exc))
            raise InvalidStateError("DTLS connection failed while sending") from None
        self.counters.datagrams_sent += 1
        return datagram

    def send(self, data: bytes | bytearray | memoryview) -> None:
        """Queue one application message (one record, one datagram) for sending."""
        self._outgoing.append(self.encrypt(data))

    def close(self) -> None:
        """Close: a close_notify to the peer when there is one to tell. Idempotent."""
        state = self._state
        if state is DtlsState.CONNECTED:
            self._shutdown()
        elif state is DtlsState.HANDSHAKING:
            self._queue_datagram(_plaintext_close_notify())
        elif state is not DtlsState.NEW:
            return
        self._log_debug("closed locally (was %s)", state.value)
        self._state = DtlsState.CLOSED
        self._retransmit_at = None
        self._handshake_deadline_at = None
        self._early.clear()

    # ------------------------------------------------------------------ outputs

    def datagrams_to_send(self) -> list[bytes]:
        """Datagrams to put on the wire now, in order; the list is handed over."""
        outgoing = self._outgoing
        if outgoing:
            self._outgoing = []
        return outgoing

    def next_event(self) -> DtlsEvent | None:
        """The oldest pending event, or ``None``."""
        events = self._events
        return events.popleft() if events else None

    def get_timer(self) -> float | None:
        """The one absolute deadline at which :meth:`handle_timer` must be called."""
        if self._state is not DtlsState.HANDSHAKING:
            return None
        retransmit_at = self._retransmit_at
        deadline = self._handshake_deadline_at
        if retransmit_at is None:
            return deadline
        if deadline is None:
            return retransmit_at
        return min(retransmit_at, deadline)

    # ------------------------------------------------------------------ handshake

    def _advance_handshake(self, now: float) -> None:
        try:
            self._ssl.do_handshake()
        except SSL.WantReadError:
            self._flush_output()
            self._update_retransmit_timer(now)
            return
        except SSL.Error as exc:
            self._flush_output()  # OpenSSL's fatal alert, if it wrote one
            self._fail_handshake(self._verify_failure or _ssl_error_reason(exc), tell_peer=False)
            return
        self._flush_output()
        self._complete_handshake(now)

    def _complete_handshake(self, now: float) -> None:
        ssl = self._ssl
        # Belt and braces: the verify callback has run and matched, and there is a peer
        # certificate. (OpenSSL cannot finish with VERIFY_FAIL_IF_NO_PEER_CERT otherwise,
        # but nothing above DTLS may ever see data from an unverified peer.)
        peer = ssl.get_peer_certificate(as_cryptography=True)
        if peer is None or self._peer_fingerprint is None:
            self._shutdown()
            self._fail_handshake(
                self._verify_failure or "the peer presented no certificate", tell_peer=False
            )
            return
        self._peer_certificate = peer
        self._state = DtlsState.CONNECTED
        self._retransmit_at = None
        self._handshake_deadline_at = None
        profile = ssl.get_selected_srtp_profile()
        event = HandshakeComplete(
            version=ssl.get_protocol_version_name(),
            cipher=ssl.get_cipher_name() or "",
            srtp_profile=profile.decode("ascii") if profile else None,
            peer_fingerprint=self._peer_fingerprint,
        )
        self._log_debug("handshake complete: %s %s", event.version, event.cipher)
        self._events.append(event)
        # Records of the new epoch that arrived before our handshake finished are
        # buffered inside OpenSSL; surface them now, after the HandshakeComplete event.
        self._read_all(now)
        self._flush_output()

    def _verify_peer(
        self, connection: SSL.Connection, cert: crypto.X509, errno: int, depth: int, ok: int
    ) -> bool:
        """OpenSSL's verification callback: the fingerprint check replaces the PKI.

        Chain errors (self-signed, unknown issuer) are expected and ignored; only the
        end-entity certificate (depth 0) is checked, against the remote fingerprints.
        """
        if depth != 0:
            return True
        for algorithm, values in self._expected.items():
            value = cert.digest(OPENSSL_DIGEST_NAMES[algorithm]).decode("ascii")
            if value in values:
                self._peer_fingerprint = RTCDtlsFingerprint(algorithm, value)
                self._verify_failure = None
                return True
        self._peer_fingerprint = None
        shown = ", ".join(
            f"{algorithm} {cert.digest(OPENSSL_DIGEST_NAMES[algorithm]).decode('ascii')}"
            for algorithm in self._expected
        )
        self._verify_failure = (
            f"fingerprint mismatch: the peer's certificate ({shown}) matches none of the "
            "remote fingerprints"
        )
        return False

    def _no_supported_fingerprint_reason(self) -> str:
        got = ", ".join(self._ignored_algorithms) or "none"
        return (
            "no remote fingerprint uses a supported algorithm "
            f"(got: {got}; supported: {', '.join(FINGERPRINT_ALGORITHMS)})"
        )

    def _update_retransmit_timer(self, now: float) -> None:
        timeout = self._ssl.DTLSv1_get_timeout()
        self._retransmit_at = None if timeout is None else now + timeout

    # ------------------------------------------------------------------ reading

    def _read_one(self, datagram: bytes) -> bytes | None:
        """Feed one application-data record; return its plaintext, or ``None``."""
        raw = self._raw
        try:
            if raw is not None:
                _LIB.BIO_write(raw[1], datagram, len(datagram))
                size = _LIB.SSL_read(raw[0], self._read_buffer, _READ_SIZE)
                if size > 0:
                    plaintext: bytes = _FFI.buffer(self._read_buffer, size)[:]
                    return plaintext
                self._ssl._raise_ssl_error(raw[0], size)
                return None
            self._ssl.bio_write(datagram)
            return self._ssl.recv(_READ_SIZE)
        except SSL.WantReadError:
            # Discarded by OpenSSL: bad MAC, replayed or out-of-epoch record
            # (RFC 6347 section 4.1.2.7 says to drop those silently).
            return None
        except SSL.ZeroReturnError:
            self._handle_close_notify()
            return None
        except SSL.Error as exc:
            self._fail_connection(_ssl_error_reason(exc))
            return None

    def _read_all(self, now: float) -> None:
        ssl = self._ssl
        events = self._events
        while self._state is DtlsState.CONNECTED:
            try:
                data = ssl.recv(_READ_SIZE)
            except SSL.WantReadError:
                return
            except SSL.ZeroReturnError:
                self._handle_close_notify()
                return
            except SSL.Error as exc:
                self._fail_connection(_ssl_error_reason(exc))
                return
            events.append(ApplicationData(data))

    def _handle_close_notify(self) -> None:
        # RFC 5246 section 7.2.1: "The other party MUST respond with a close_notify alert
        # of its own and close down the connection immediately".
        self._log_debug("close_notify received")
        self._shutdown()
        self._state = DtlsState.CLOSED
        self._events.append(CloseNotify())

    # ------------------------------------------------------------------ failing, closing

    def _shutdown(self) -> None:
        with contextlib.suppress(SSL.Error):
            self._ssl.shutdown()
        self._flush_output()

    def _fail_handshake(self, reason: str, *, tell_peer: bool) -> None:
        if self._state in (DtlsState.CLOSED, DtlsState.FAILED):
            return
        if tell_peer:
            self._queue_datagram(_plaintext_close_notify())
        self._log_debug("handshake failed: %s", reason)
        self._state = DtlsState.FAILED
        self._retransmit_at = None
        self._handshake_deadline_at = None
        self._early.clear()
        self._events.append(HandshakeFailed(reason))

    def _fail_connection(self, reason: str) -> None:
        if self._state in (DtlsState.CLOSED, DtlsState.FAILED):
            return
        self._flush_output()
        self._log_debug("connection failed: %s", reason)
        self._state = DtlsState.FAILED
        self._events.append(ConnectionFailed(reason))

    # ------------------------------------------------------------------ writing

    def _queue_datagram(self, datagram: bytes) -> None:
        self._outgoing.append(datagram)
        self.counters.datagrams_sent += 1

    def _flush_output(self) -> None:
        """Move everything OpenSSL wrote into MTU-sized datagrams of whole records."""
        ssl = self._ssl
        chunks: list[bytes] = []
        while True:
            try:
                chunks.append(ssl.bio_read(_BIO_READ_SIZE))
            except SSL.WantReadError:
                break
            except SSL.Error:
                break
        if not chunks:
            return
        stream = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        for datagram in pack_records(stream, self._mtu):
            self._queue_datagram(datagram)

    def _log_debug(self, msg: str, *args: object) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("DtlsConnection(%s) " + msg, self.role, *args)


__all__ = [
    "CIPHER_LIST",
    "DEFAULT_HANDSHAKE_TIMEOUT",
    "DEFAULT_MTU",
    "DEFAULT_SRTP_PROFILES",
    "MAX_APPLICATION_DATA",
    "RECORD_HEADER_SIZE",
    "ApplicationData",
    "CloseNotify",
    "ConnectionFailed",
    "DtlsConnection",
    "DtlsCounters",
    "DtlsEvent",
    "DtlsRole",
    "DtlsState",
    "HandshakeComplete",
    "HandshakeFailed",
]
