"""A connected ORTC pair over real UDP on 127.0.0.1, each side "ours" or "aiortc".

Theory of operation: both libraries expose the same ORTC objects under the same names
(gatherer -> ICE -> DTLS -> SCTP -> data channels), so one code path drives either. The few
places where they differ live in the two small peer classes below:

* **Loopback gathering.** Ours is asked with ``RTCIceGatherer(loopback="ipv4")``. aiortc's
  gatherer would bind every interface and default to a public STUN server, so it is built
  with ``iceServers=[]`` and its ``_connection`` is replaced by our loopback-only
  ``IceConnection`` (with aioice's own connectivity checks, see
  :class:`AiortcLoopbackConnection`) before its ICE transport exists: it can only ever send
  to 127.0.0.1.
* **ICE role.** Ours takes ``role=``; aiortc's follows ``_connection.ice_controlling``.
  Both derive the DTLS role from it (ICE controlling -> DTLS server), so a side's DTLS role
  is chosen through its ICE role.
* **Remote candidates.** aiortc's ``addRemoteCandidate`` is a coroutine; ours takes effect
  at once and returns an awaitable, so awaiting works for both.
* **Backpressure.** Ours has ``await channel.drain()``; aiortc is paced by its
  ``bufferedAmount`` and the ``bufferedamountlow`` event (``send_paced``).

Signalling is a plain picklable :class:`Description` (ICE credentials and candidates, DTLS
fingerprints, SCTP port and max message size), so the same peers run in one process
(``connected_pair``) or in two processes connected by a ``multiprocessing.Pipe`` (the
benchmarks). Our modules are imported lazily: the aiortc-only pair needs nothing above ICE.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import aioice
import aiortc

from aiortc_transport.ice import IceConnection

Impl = Literal["ours", "aiortc"]
IMPLS: tuple[Impl, Impl] = ("ours", "aiortc")
DtlsRole = Literal["client", "server"]

TIMEOUT = 10.0
"Seconds any single wait of the harness may take before the test fails."

SCTP_PORT = 5000


# -- signalling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateFields:
    """The fields of one ICE candidate, independent of either library's class."""

    component: int
    foundation: str
    ip: str
    port: int
    priority: int
    protocol: str
    type: str


@dataclass(frozen=True)
class Description:
    """Everything one side tells the other, as plain picklable values."""

    ice_ufrag: str
    ice_pwd: str
    candidates: tuple[CandidateFields, ...]
    fingerprints: tuple[tuple[str, str], ...]
    sctp_port: int
    max_message_size: int


# -- the peers ------------------------------------------------------------------------------


class Peer:
    """One side of the pair. Subclasses build the ORTC objects of one implementation."""

    impl: Impl
    gatherer: Any
    ice: Any
    dtls: Any
    sctp: Any

    def __init__(self, dtls_role: DtlsRole) -> None:
        self.dtls_role: DtlsRole = dtls_role
        # Both libraries: ICE controlling -> DTLS server.
        self.ice_controlling = dtls_role == "server"
        self._incoming: deque[Any] = deque()
        self._incoming_ready = asyncio.Event()
        #: Called with each channel the peer opens, inside the ``datachannel`` event, before
        #: any message can arrive on it (as applications attach their handlers).
        self.channel_hooks: list[Callable[[Any], None]] = []

    # Building blocks the subclasses provide.
    def _candidate(self, fields: CandidateFields) -> Any:
        raise NotImplementedError

    def _ice_parameters(self, ufrag: str, pwd: str) -> Any:
        raise NotImplementedError

    def _dtls_parameters(self, fingerprints: Iterable[tuple[str, str]]) -> Any:
        raise NotImplementedError

    def _sctp_capabilities(self, max_message_size: int) -> Any:
        raise NotImplementedError

    def _channel(self, parameters: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _attach_sctp(self) -> None:
        self.sctp.on("datachannel", self._on_datachannel)

    def _on_datachannel(self, channel: Any) -> None:
        for hook in self.channel_hooks:
            hook(channel)
        self._incoming.append(channel)
        self._incoming_ready.set()

    # The common path.
    async def gather(self) -> None:
        """Gather the local (loopback) candidates."""
        await self.gatherer.gather()

    def description(self) -> Description:
        """What to send to the other side once gathered."""
        ice = self.gatherer.getLocalParameters()
        return Description(
            ice_ufrag=ice.usernameFragment,
            ice_pwd=ice.password,
            candidates=tuple(
                CandidateFields(
                    component=c.component,
                    foundation=c.foundation,
                    ip=c.ip,
                    port=c.port,
                    priority=c.priority,
                    protocol=c.protocol,
                    type=c.type,
                )
                for c in self.gatherer.getLocalCandidates()
            ),
            fingerprints=tuple(
                (f.algorithm, f.value) for f in self.dtls.getLocalParameters().fingerprints
            ),
            sctp_port=self.sctp.port,
            max_message_size=self.sctp.getCapabilities().maxMessageSize,
        )

    async def connect(self, remote: Description) -> None:
        """Add the remote candidates and start ICE, DTLS and SCTP in turn.

        Returns once DTLS is connected and SCTP started; the association itself comes up
        in the background (both ends send INIT). Both sides must run this concurrently.
        """
        for c in remote.candidates:
            await self.ice.addRemoteCandidate(self._candidate(c))
        await self.ice.addRemoteCandidate(None)
        await self.ice.start(self._ice_parameters(remote.ice_ufrag, remote.ice_pwd))
        await self.dtls.start(self._dtls_parameters(remote.fingerprints))
        if self.dtls.state != "connected":
            # aiortc's start() returns quietly on failure.
            raise ConnectionError(f"{self.impl} DTLS is {self.dtls.state}")
        await self.sctp.start(self._sctp_capabilities(remote.max_message_size), remote.sctp_port)

    def create_channel(
        self,
        label: str = "",
        *,
        ordered: bool = True,
        maxRetransmits: int | None = None,
        maxPacketLifeTime: int | None = None,
        protocol: str = "",
        negotiated: bool = False,
        id: int | None = None,
    ) -> Any:
        """Create a data channel on this side (announced by DCEP unless negotiated)."""
        return self._channel(
            {
                "label": label,
                "ordered": ordered,
                "maxRetransmits": maxRetransmits,
                "maxPacketLifeTime": maxPacketLifeTime,
                "protocol": protocol,
                "negotiated": negotiated,
                "id": id,
            }
        )

    async def next_channel(self, timeout: float = TIMEOUT) -> Any:
        """The next channel the peer opened (``datachannel`` event), in order."""

        async def wait() -> Any:
            while not self._incoming:
                self._incoming_ready.clear()
                await self._incoming_ready.wait()
            return self._incoming.popleft()

        return await asyncio.wait_for(wait(), timeout)

    async def close(self) -> None:
        """Stop SCTP, DTLS and ICE (each harmless when already stopped)."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.sctp.stop(), 5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.dtls.stop(), 5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ice.stop(), 5)


class AiortcLoopbackConnection(IceConnection):
    """Our loopback-only connection for aiortc, but with aioice's own ``connect()`` pacing.

    Only gathering is restricted (the network rule); connectivity checks run exactly as in
    stock aiortc, so set-up times measured for aiortc do not inherit any ICE speed-up made
    in our ``IceConnection``.
    """

    async def connect(self) -> None:
        await aioice.Connection.connect(self)

    def _check_periodic(self) -> bool:
        return bool(aioice.Connection._check_periodic(self))


class AiortcPeer(Peer):
    """aiortc 1.16's ORTC objects, restricted to 127.0.0.1."""

    impl: Impl = "aiortc"

    def __init__(self, dtls_role: DtlsRole) -> None:
        super().__init__(dtls_role)
        # iceServers=[]: never the default public STUN server. The replaced connection is
        # loopback-only, so aiortc can neither gather nor send anywhere but 127.0.0.1.
        self.gatherer = aiortc.RTCIceGatherer(iceServers=[])
        self.gatherer._connection = AiortcLoopbackConnection(
            ice_controlling=self.ice_controlling, loopback="ipv4"
        )
        self.ice = aiortc.RTCIceTransport(self.gatherer)
        self.dtls = aiortc.RTCDtlsTransport(self.ice, [aiortc.RTCCertificate.generateCertificate()])
        self.sctp = aiortc.RTCSctpTransport(self.dtls, port=SCTP_PORT)
        self._attach_sctp()

    def _candidate(self, fields: CandidateFields) -> Any:
        return aiortc.RTCIceCandidate(
            component=fields.component,
            foundation=fields.foundation,
            ip=fields.ip,
            port=fields.port,
            priority=fields.priority,
            protocol=fields.protocol,
            type=fields.type,
        )

    def _ice_parameters(self, ufrag: str, pwd: str) -> Any:
        return aiortc.RTCIceParameters(usernameFragment=ufrag, password=pwd)

    def _dtls_parameters(self, fingerprints: Iterable[tuple[str, str]]) -> Any:
        return aiortc.RTCDtlsParameters(
            fingerprints=[aiortc.RTCDtlsFingerprint(a, v) for a, v in fingerprints]
        )

    def _sctp_capabilities(self, max_message_size: int) -> Any:
        return aiortc.RTCSctpCapabilities(maxMessageSize=max_message_size)

    def _channel(self, parameters: dict[str, Any]) -> Any:
        return aiortc.RTCDataChannel(self.sctp, aiortc.RTCDataChannelParameters(**parameters))


class OurPeer(Peer):
    """aiortc_transport's ORTC objects with loopback-only gathering."""

    impl: Impl = "ours"

    def __init__(
        self,
        dtls_role: DtlsRole,
        ice_options: dict[str, Any] | None = None,
        sctp_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(dtls_role)
        from aiortc_transport.dtls.certificate import RTCCertificate
        from aiortc_transport.dtls.transport import RTCDtlsTransport
        from aiortc_transport.ice import RTCIceGatherer, RTCIceTransport
        from aiortc_transport.sctp.transport import RTCSctpTransport

        self.gatherer = RTCIceGatherer(loopback="ipv4")
        self.ice = RTCIceTransport(
            self.gatherer,
            role="controlling" if self.ice_controlling else "controlled",
            **(ice_options or {}),
        )
        self.dtls = RTCDtlsTransport(self.ice, [RTCCertificate.generateCertificate()])
        options = None
        if sctp_options:
            from aiortc_transport.sctp.options import AssociationOptions

            options = AssociationOptions(**sctp_options)
        self.sctp = RTCSctpTransport(self.dtls, port=SCTP_PORT, options=options)
        self._attach_sctp()

    def _candidate(self, fields: CandidateFields) -> Any:
        from aiortc_transport.ice import RTCIceCandidate

        return RTCIceCandidate(
            component=fields.component,
            foundation=fields.foundation,
            ip=fields.ip,
            port=fields.port,
            priority=fields.priority,
            protocol=fields.protocol,
            type=fields.type,
        )

    def _ice_parameters(self, ufrag: str, pwd: str) -> Any:
        from aiortc_transport.ice import RTCIceParameters

        return RTCIceParameters(usernameFragment=ufrag, password=pwd)

    def _dtls_parameters(self, fingerprints: Iterable[tuple[str, str]]) -> Any:
        from aiortc_transport.dtls.certificate import RTCDtlsFingerprint
        from aiortc_transport.dtls.transport import RTCDtlsParameters

        return RTCDtlsParameters([RTCDtlsFingerprint(a, v) for a, v in fingerprints])

    def _sctp_capabilities(self, max_message_size: int) -> Any:
        from aiortc_transport.sctp.transport import RTCSctpCapabilities

        return RTCSctpCapabilities(maxMessageSize=max_message_size)

    def _channel(self, parameters: dict[str, Any]) -> Any:
        from aiortc_transport.datachannel.channel import RTCDataChannel
        from aiortc_transport.datachannel.parameters import RTCDataChannelParameters

        return RTCDataChannel(self.sctp, RTCDataChannelParameters(**parameters))


def make_peer(
    impl: Impl,
    dtls_role: DtlsRole,
    ice_options: dict[str, Any] | None = None,
    sctp_options: dict[str, Any] | None = None,
) -> Peer:
    """A fresh, unconnected peer of the given implementation and DTLS role.

    ``ice_options`` go to our ``RTCIceTransport`` (consent interval and timeout, ...),
    ``sctp_options`` to our ``AssociationOptions``; aiortc has neither.
    """
    if impl == "ours":
        return OurPeer(dtls_role, ice_options, sctp_options)
    if ice_options or sctp_options:
        raise ValueError("ICE and SCTP options only apply to our implementation")
    return AiortcPeer(dtls_role)


def other_role(role: DtlsRole) -> DtlsRole:
    """The DTLS role of the other side."""
    return "server" if role == "client" else "client"


async def connect_peers(a: Peer, b: Peer) -> None:
    """Signal in memory and connect two peers of one process."""
    await asyncio.wait_for(asyncio.gather(a.gather(), b.gather()), TIMEOUT)
    da, db = a.description(), b.description()
    await asyncio.wait_for(asyncio.gather(a.connect(db), b.connect(da)), TIMEOUT)


@contextlib.asynccontextmanager
async def connected_pair(
    a_impl: Impl,
    b_impl: Impl,
    *,
    a_role: DtlsRole = "client",
    a_ice: dict[str, Any] | None = None,
    b_ice: dict[str, Any] | None = None,
    a_sctp: dict[str, Any] | None = None,
    b_sctp: dict[str, Any] | None = None,
) -> AsyncIterator[tuple[Peer, Peer]]:
    """Two connected peers (A with DTLS role ``a_role``); both are closed on exit.

    ``*_ice`` and ``*_sctp`` are options for our side only (see :func:`make_peer`).
    """
    a = make_peer(a_impl, a_role, a_ice, a_sctp)
    b = make_peer(b_impl, other_role(a_role), b_ice, b_sctp)
    try:
        await connect_peers(a, b)
        yield a, b
    finally:
        await asyncio.gather(a.close(), b.close())


# -- channel helpers (either implementation) -------------------------------------------------


def is_ours(channel: Any) -> bool:
    """Whether a channel object is aiortc_transport's."""
    return type(channel).__module__.startswith("aiortc_transport")


async def wait_state(channel: Any, state: str, timeout: float = TIMEOUT) -> None:
    """Wait until ``channel.readyState == state`` (event driven, no polling)."""
    if channel.readyState == state:
        return
    changed = asyncio.Event()
    event = {"open": "open", "closing": "closing", "closed": "close"}[state]
    channel.once(event, changed.set)
    if state != "closed":
        # A channel that closes instead never reaches the wanted state: stop waiting.
        channel.once("close", changed.set)
    await asyncio.wait_for(changed.wait(), timeout)
    if channel.readyState != state:
        raise AssertionError(f"channel {channel.label!r} is {channel.readyState}, not {state}")


async def open_channel_pair(
    opener: Peer, answerer: Peer, label: str = "chan", **parameters: Any
) -> tuple[Any, Any]:
    """A DCEP channel created by ``opener``, and the peer's copy; both open."""
    mine = opener.create_channel(label, **parameters)
    theirs = await answerer.next_channel()
    await asyncio.gather(wait_state(mine, "open"), wait_state(theirs, "open"))
    return mine, theirs


async def negotiated_channel_pair(
    a: Peer, b: Peer, stream_id: int, label: str = "neg", **parameters: Any
) -> tuple[Any, Any]:
    """The same negotiated channel (given ``stream_id``) created on both sides; both open."""
    ca = a.create_channel(label, negotiated=True, id=stream_id, **parameters)
    cb = b.create_channel(label, negotiated=True, id=stream_id, **parameters)
    await asyncio.gather(wait_state(ca, "open"), wait_state(cb, "open"))
    return ca, cb


class Inbox:
    """Collects every message of a channel as it arrives."""

    def __init__(self, channel: Any) -> None:
        self.messages: list[str | bytes] = []
        self._arrived = asyncio.Event()
        channel.on("message", self._on_message)

    def _on_message(self, message: str | bytes) -> None:
        self.messages.append(message)
        self._arrived.set()

    async def wait_count(self, count: int, timeout: float = TIMEOUT) -> list[str | bytes]:
        """Wait until ``count`` messages arrived; return them all."""

        async def wait() -> None:
            while len(self.messages) < count:
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(wait(), timeout)
        return self.messages


class StreamHasher:
    """Hashes every binary message of a channel; signals when ``total`` bytes arrived."""

    def __init__(self, channel: Any, total: int) -> None:
        self.total = total
        self.received = 0
        self.messages = 0
        self.sha256 = hashlib.sha256()
        self.done = asyncio.Event()
        channel.on("message", self._on_message)

    def _on_message(self, message: str | bytes) -> None:
        assert isinstance(message, bytes)
        self.sha256.update(message)
        self.received += len(message)
        self.messages += 1
        if self.received >= self.total:
            self.done.set()


async def send_paced(
    channel: Any, chunks: Iterable[bytes], *, high: int = 1 << 20, low: int = 256 << 10
) -> None:
    """Send every chunk without letting more than about ``high`` bytes wait in buffers.

    Ours: ``send()`` then ``await channel.drain()`` once ``bufferedAmount`` passes ``high``
    (drain waits for ``bufferedAmountLowThreshold`` = ``low``). aiortc: the same, paced by its
    ``bufferedamountlow`` event.
    """
    channel.bufferedAmountLowThreshold = low
    if is_ours(channel):
        for chunk in chunks:
            channel.send(chunk)
            if channel.bufferedAmount > high:
                await channel.drain()
        return
    low_event = asyncio.Event()
    channel.on("bufferedamountlow", low_event.set)
    try:
        for chunk in chunks:
            channel.send(chunk)
            if channel.bufferedAmount > high:
                low_event.clear()
                while channel.bufferedAmount > low:
                    await low_event.wait()
                    low_event.clear()
    finally:
        channel.remove_listener("bufferedamountlow", low_event.set)


def pattern_chunks(total: int, size: int, seed: int = 0) -> Iterable[bytes]:
    """``total`` bytes of a cheap non-repeating pattern, in ``size``-byte chunks."""
    block = hashlib.sha256(b"seed %d" % seed).digest() * ((size // 32) + 2)
    sent = 0
    i = 0
    while sent < total:
        n = min(size, total - sent)
        offset = i % 32
        yield block[offset : offset + n]
        sent += n
        i += 1


@dataclass
class ClosedWatch:
    """Records whether a channel emitted ``close`` (installed before closing)."""

    channel: Any
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.channel.once("close", self.closed.set)

    async def wait(self, timeout: float = TIMEOUT) -> None:
        await asyncio.wait_for(self.closed.wait(), timeout)
