"""``RTCDtlsTransport``: the DTLS 1.2 core driven over an ``RTCIceTransport``.

States (W3C ``RTCDtlsTransportState``) and when they are entered::

    new ──start()──> connecting ──handshake done, peer verified──> connected
                         │                                            │
                         ├── handshake failed / timed out, ICE failed ├──> failed  (fatal alert,
                         │                                            │             ICE failed)
                         └──────── stop(), ICE closed ────────────────┴──> closed  (stop(),
                                                                                    close_notify,
                                                                                    ICE closed)

``statechange`` is emitted synchronously on each real change, from the one ``_set_state``;
when DTLS closes or fails underneath (close_notify, a fatal alert, ICE failing or closing,
the handshake timing out) the layer above hears of it before anything else happens. On a
failure, an ``error`` event (when someone listens) carries a ``ConnectionError`` whose
message is the reason.

The layer above (SCTP) uses the private seam of ``aiortc_transport/_link.py``:
``_send_datagram(data)`` encrypts one message into one record and sends it at once;
``_set_datagram_receiver(cb)`` registers the one receiver of decrypted messages.

Everything protocol-related happens in :class:`~.connection.DtlsConnection`; this class
only feeds it datagrams and the loop's time, sends what it produces, dispatches its events
and keeps one ``call_at`` timer armed on its deadline.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

from cryptography.hazmat.primitives.serialization import Encoding
from pyee.asyncio import AsyncIOEventEmitter

from .._link import DatagramReceiver
from ..exceptions import InvalidAccessError, InvalidStateError
from .certificate import RTCCertificate, RTCDtlsFingerprint
from .connection import (
    DEFAULT_HANDSHAKE_TIMEOUT,
    DEFAULT_MTU,
    ApplicationData,
    CloseNotify,
    ConnectionFailed,
    DtlsConnection,
    DtlsCounters,
    DtlsRole,
    DtlsState,
    HandshakeComplete,
    HandshakeFailed,
)

if TYPE_CHECKING:
    from ..ice.transport import RTCIceTransport

logger = logging.getLogger(__name__)

DtlsTransportState = Literal["new", "connecting", "connected", "closed", "failed"]

#: ICE states in which datagrams flow.
_ICE_USABLE: Final = frozenset({"connected", "completed"})

#: DTLS datagrams held when they arrive before the handshake begins.
MAX_EARLY_DATAGRAMS: Final = 16

#: Decrypted messages held while no receiver is registered (the peer's SCTP INIT can
#: arrive before the SCTP transport above has attached).
MAX_PENDING_MESSAGES: Final = 64


@dataclass
class RTCDtlsParameters:
    """The DTLS parameters exchanged through signalling.

    ``fingerprints``: one per certificate (and algorithm). ``role``: ``"auto"``,
    ``"client"`` or ``"server"``; for the *remote* parameters it is the remote side's role
    (SDP ``a=setup:active`` means client, ``passive`` server, ``actpass`` auto).
    """

    fingerprints: list[RTCDtlsFingerprint] = field(default_factory=list)
    role: str = "auto"


_ROLES: Final = ("auto", "client", "server")


class RTCDtlsTransport(AsyncIOEventEmitter):
    """DTLS over an ICE transport (aiortc's ORTC ``RTCDtlsTransport``).

    :param transport: the ``RTCIceTransport`` the datagrams travel on.
    :param certificates: the local certificates; the first one is used. ``None`` or an empty
        list generates a fresh ECDSA P-256 certificate. An expired one raises
        ``InvalidAccessError``.
    :param role: the local DTLS role, ``"auto"`` by default: the remote parameters' role
        decides if it is explicit (remote client -> local server and vice versa), otherwise
        the ICE role does, as in aiortc: ICE controlling -> DTLS server.
    :param handshake_timeout: seconds after the handshake starts until it fails (30 s).
    :param mtu: datagram size limit for handshake flights (1200 bytes).

    Events (pyee): ``statechange`` (no argument) on every change of ``state``; ``error``
    with a ``ConnectionError`` carrying the reason when the transport fails.
    """

    def __init__(
        self,
        transport: RTCIceTransport,
        certificates: Sequence[RTCCertificate] | None = None,
        *,
        role: str = "auto",
        handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
        mtu: int = DEFAULT_MTU,
    ) -> None:
        super().__init__()
        if role not in _ROLES:
            raise ValueError(f"DTLS role must be one of {_ROLES}, not {role!r}")
        if handshake_timeout <= 0:
            raise ValueError("handshake_timeout must be positive")
        self._transport = transport
        self._certificate = (
            certificates[0] if certificates else RTCCertificate.generateCertificate()
        )
        # W3C webrtc-pc, RTCPeerConnection constructor: an expired certificate is an
        # InvalidAccessError (peers would not care, but a stale identity is a local bug).
        if self._certificate.expires <= datetime.datetime.now(tz=datetime.UTC):
            raise InvalidAccessError("the DTLS certificate has expired")
        self._role = role
        self._handshake_timeout = handshake_timeout
        self._mtu = mtu
        self._state: DtlsTransportState = "new"
        self._conn: DtlsConnection | None = None
        self._receiver: DatagramReceiver | None = None
        self._pending: deque[bytes] = deque()
        self._early: list[bytes] = []
        self._remote_role = "auto"
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._started: asyncio.Future[None] | None = None
        self._remote_fingerprints: list[RTCDtlsFingerprint] = []
        self._handshake: HandshakeComplete | None = None
        self._remote_certificates: list[bytes] = []
        self._failure_reason: str | None = None
        self._listening_ice = False
        #: Messages the layer above tried to send while DTLS was not connected.
        self.dropped_not_connected = 0
        #: Decrypted messages dropped because no receiver was registered for too long.
        self.dropped_no_receiver = 0

    # -- attributes -----------------------------------------------------------------------

    @property
    def state(self) -> str:
        """``new``, ``connecting``, ``connected``, ``closed`` or ``failed``."""
        return self._state

    @property
    def transport(self) -> RTCIceTransport:
        """The ``RTCIceTransport`` given to the constructor."""
        return self._transport

    @property
    def iceTransport(self) -> RTCIceTransport:
        """The W3C name of :attr:`transport`."""
        return self._transport

    @property
    def role(self) -> str:
        """The local DTLS role: ``auto`` until :meth:`start` resolves it."""
        return self._role

    @property
    def handshake(self) -> HandshakeComplete | None:
        """What the handshake negotiated (version, cipher, SRTP profile, peer fingerprint)."""
        return self._handshake

    @property
    def failure_reason(self) -> str | None:
        """Why the transport failed, once it has."""
        return self._failure_reason

    @property
    def counters(self) -> DtlsCounters:
        """The DTLS core's datagram counters (zero before :meth:`start`)."""
        return self._conn.counters if self._conn is not None else DtlsCounters()

    def getLocalParameters(self) -> RTCDtlsParameters:
        """The local fingerprints (sha-256, sha-384, sha-512) and role, for signalling."""
        return RTCDtlsParameters(fingerprints=self._certificate.getFingerprints(), role=self._role)

    def getRemoteCertificates(self) -> list[bytes]:
        """The peer's certificate (DER), once connected; ``[]`` before."""
        return list(self._remote_certificates)

    def getRemoteParameters(self) -> RTCDtlsParameters | None:
        """The remote parameters given to :meth:`start`, or ``None`` before."""
        if self._started is None:
            return None
        return RTCDtlsParameters(fingerprints=list(self._remote_fingerprints))

    def _set_role(self, role: str) -> None:
        """aiortc's hook for RTCPeerConnection (``a=setup``); only before :meth:`start`."""
        if self._state != "new":
            raise InvalidStateError("the DTLS role can only be set before start()")
        if role not in _ROLES:
            raise ValueError(f"DTLS role must be one of {_ROLES}, not {role!r}")
        self._role = role

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, remoteParameters: RTCDtlsParameters) -> None:
        """Run the handshake with the peer described by ``remoteParameters``.

        Returns once the handshake is done and the peer's certificate matched one of
        ``remoteParameters.fingerprints``. Waits for ICE to connect first if it has not.

        :raises InvalidStateError: ``start()`` was already called.
        :raises InvalidAccessError: both sides claim the same explicit role.
        :raises ConnectionError: the handshake failed or timed out, ICE failed or closed,
            or :meth:`stop` was called; the state is then ``failed`` (or ``closed`` for
            ``stop()`` and ICE closing), and the message says why.
        """
        if self._state != "new" or self._started is not None:
            raise InvalidStateError(f"RTCDtlsTransport.start() called in state {self._state}")
        remote_role = getattr(remoteParameters, "role", "auto") or "auto"
        self._resolve_role(remote_role)  # refuse a role conflict before anything starts
        self._remote_role = remote_role
        self._remote_fingerprints = list(remoteParameters.fingerprints)
        self._started = asyncio.get_running_loop().create_future()
        self._transport.on("statechange", self._on_ice_statechange)
        self._listening_ice = True
        self._transport._set_datagram_receiver(self._on_datagram)
        self._set_state("connecting")
        ice_state = self._transport.state
        if ice_state in _ICE_USABLE:
            self._begin_handshake()
        elif ice_state in ("failed", "closed"):
            self._on_ice_statechange()
        # Otherwise the handshake begins when ICE connects (_on_ice_statechange).
        await asyncio.shield(self._started)

    async def stop(self) -> None:
        """Close: send close_notify (or abandon the handshake, telling the peer).

        Harmless when called again or after a failure. Does not stop the ICE transport.
        """
        if self._state in ("closed", "failed"):
            return
        conn = self._conn
        if conn is not None:
            conn.close()
            self._transmit(conn)
        self._finish("closed", "RTCDtlsTransport was stopped")

    # -- the seam for the layer above (aiortc_transport/_link.py) -------------------------

    def _send_datagram(self, data: bytes) -> None:
        """Encrypt ``data`` into one record and send it now; dropped unless connected."""
        conn = self._conn
        if self._state != "connected" or conn is None:
            self.dropped_not_connected += 1
            return
        try:
            datagram = conn.encrypt(data)
        except InvalidStateError:
            self._process(conn)  # the core failed while encrypting: report it
            self.dropped_not_connected += 1
            return
        self._transport._send_datagram(datagram)

    def _set_datagram_receiver(self, receiver: DatagramReceiver | None) -> None:
        """Register the one receiver of decrypted messages (``None`` to detach).

        Messages that arrived while none was registered are handed over at once.
        """
        self._receiver = receiver
        pending = self._pending
        while pending and self._receiver is not None:
            self._deliver(self._receiver, pending.popleft())

    # -- driving the core -------------------------------------------------------------------

    def _resolve_role(self, remote_role: str) -> DtlsRole:
        if remote_role not in _ROLES:
            raise InvalidAccessError(
                f"remote DTLS role must be one of {_ROLES}, not {remote_role!r}"
            )
        local = self._role
        if local != "auto" and remote_role != "auto" and local == remote_role:
            raise InvalidAccessError(f"both sides want to be the DTLS {local}")
        if local == "client" or remote_role == "server":
            return "client"
        if local == "server" or remote_role == "client":
            return "server"
        # RFC 8842 / ORTC: with no explicit role, the ICE controlling side is the DTLS
        # server, as aiortc does.
        return "server" if self._transport.role == "controlling" else "client"

    def _begin_handshake(self) -> None:
        if self._conn is not None or self._state != "connecting":
            return
        # Resolved only now: an ICE role conflict may have switched the ICE role since
        # start() was called.
        self._role = self._resolve_role(self._remote_role)
        conn = self._conn = DtlsConnection(
            self._role,
            self._certificate,
            self._remote_fingerprints,
            mtu=self._mtu,
            handshake_timeout=self._handshake_timeout,
        )
        self._log_debug("handshake begins")
        now = asyncio.get_running_loop().time()
        conn.start(now)
        early, self._early = self._early, []
        for datagram in early:
            conn.receive_datagram(datagram, now)
        self._process(conn)

    def _on_datagram(self, data: bytes) -> None:
        conn = self._conn
        if conn is None:
            # The peer's first flight can come before our ICE side reports "connected".
            if len(self._early) < MAX_EARLY_DATAGRAMS:
                self._early.append(data)
            return
        plaintext = conn.decrypt(data, asyncio.get_running_loop().time())
        if plaintext is not None:
            receiver = self._receiver
            if receiver is not None:
                try:
                    receiver(plaintext)
                except Exception:
                    logger.exception("RTCDtlsTransport: the datagram receiver failed")
                return
            self._hold(plaintext)
        self._process(conn)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        conn = self._conn
        if conn is None:
            return
        conn.handle_timer(asyncio.get_running_loop().time())
        self._process(conn)

    def _process(self, conn: DtlsConnection) -> None:
        """Dispatch the core's events, send its datagrams, re-arm its timer."""
        while (event := conn.next_event()) is not None:
            if type(event) is ApplicationData:
                receiver = self._receiver
                if receiver is not None:
                    self._deliver(receiver, event.data)
                else:
                    self._hold(event.data)
            elif isinstance(event, HandshakeComplete):
                self._on_handshake_complete(conn, event)
            elif isinstance(event, CloseNotify):
                self._transmit(conn)  # our answering close_notify
                self._finish("closed", "the peer closed DTLS (close_notify)")
            elif isinstance(event, HandshakeFailed | ConnectionFailed):
                self._transmit(conn)  # the alert telling the peer, if any
                self._finish("failed", event.reason)
        self._transmit(conn)
        if self._state == "connecting":
            self._arm_timer(conn.get_timer())
        elif self._timer is not None:
            self._arm_timer(None)

    def _on_handshake_complete(self, conn: DtlsConnection, event: HandshakeComplete) -> None:
        self._handshake = event
        peer = conn.peer_certificate
        if peer is not None:
            self._remote_certificates = [peer.public_bytes(Encoding.DER)]
        self._log_debug("connected: %s %s", event.version, event.cipher)
        self._set_state("connected")
        started = self._started
        if started is not None and not started.done():
            started.set_result(None)

    def _hold(self, data: bytes) -> None:
        if len(self._pending) < MAX_PENDING_MESSAGES:
            self._pending.append(data)
        else:
            self.dropped_no_receiver += 1

    def _deliver(self, receiver: DatagramReceiver, data: bytes) -> None:
        try:
            receiver(data)
        except Exception:
            # The layer above must not be able to break DTLS; log and carry on.
            logger.exception("RTCDtlsTransport: the datagram receiver failed")

    def _transmit(self, conn: DtlsConnection) -> None:
        datagrams = conn.datagrams_to_send()
        if datagrams:
            send = self._transport._send_datagram
            for datagram in datagrams:
                send(datagram)

    def _arm_timer(self, deadline: float | None) -> None:
        if deadline == self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_at = deadline
        if deadline is not None:
            self._timer = asyncio.get_running_loop().call_at(deadline, self._on_timer)

    def _on_ice_statechange(self) -> None:
        ice_state = self._transport.state
        if self._state in ("closed", "failed"):
            return
        if ice_state in _ICE_USABLE:
            if self._state == "connecting":
                self._begin_handshake()
        elif ice_state == "failed":
            self._finish("failed", "the ICE transport failed")
        elif ice_state == "closed":
            self._finish("closed", "the ICE transport was closed")

    def _finish(self, state: Literal["closed", "failed"], reason: str) -> None:
        """Enter ``closed`` or ``failed`` for good: stop timers, detach, tell everyone."""
        if self._state in ("closed", "failed"):
            return
        self._arm_timer(None)
        if self._listening_ice:
            self._listening_ice = False
            self._transport.remove_listener("statechange", self._on_ice_statechange)
            self._transport._set_datagram_receiver(None)
        conn = self._conn
        if conn is not None and conn.state in (
            DtlsState.NEW,
            DtlsState.HANDSHAKING,
            DtlsState.CONNECTED,
        ):
            # ICE went away underneath: nothing can be sent any more, just forget the core.
            conn.close()
            conn.datagrams_to_send()
        self._log_debug("%s: %s", state, reason)
        if state == "failed":
            self._failure_reason = reason
        self._set_state(state)
        error = ConnectionError(reason)
        started = self._started
        if started is not None and not started.done():
            started.set_exception(error)
            # Retrieved here so that asyncio never warns if nobody awaits start().
            started.exception()
        if state == "failed" and self.listeners("error"):
            self.emit("error", error)

    def _set_state(self, state: DtlsTransportState) -> None:
        if state != self._state:
            self._log_debug("%s -> %s", self._state, state)
            self._state = state
            self.emit("statechange")

    def _log_debug(self, msg: str, *args: object) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("RTCDtlsTransport(%s) " + msg, self._role, *args)


__all__ = ["MAX_PENDING_MESSAGES", "RTCDtlsParameters", "RTCDtlsTransport"]
