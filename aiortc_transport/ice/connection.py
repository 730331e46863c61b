"""``IceConnection``: aioice's ``Connection`` with the few behaviours this stack needs.

Everything here is a per-instance override in a subclass; nothing of aioice is patched
globally, so plain aioice connections in the same process (aiortc's, for instance) are
unaffected. What the subclass changes:

* **Loopback-only gathering** (``loopback="ipv4" | "ipv6" | "both"``). aioice never gathers
  127.0.0.1 or ::1. In loopback mode the connection binds only loopback sockets, refuses
  STUN/TURN servers, ignores mDNS and non-loopback remote candidates: it can only ever send
  to 127.0.0.0/8 or ::1.
* **A synchronous datagram path.** ``send_datagram`` writes straight to the selected pair's
  socket; incoming non-STUN datagrams go straight to one registered receiver callback
  instead of aioice's ``asyncio.Queue``. This mode is switched on by
  ``enable_datagram_mode()`` (``RTCIceTransport`` does it); otherwise aioice's
  ``recv()``/``send()`` work as usual, so the class can be dropped into aiortc.
* **Completion noticed at once.** ``connect()`` paces new checks by Ta like aioice, but
  returns the moment the check list completes instead of at the end of a blind 20 ms sleep.
* **Bounded connectivity checks.** aioice retransmits a check for about 40 s; here a check
  gives up after ``check_timeout`` seconds (5 by default), so a wrong password or an
  unreachable candidate fails ICE in seconds.
* **Consent freshness with reporting** (RFC 7675): a check every ``consent_interval``
  seconds; each outcome goes to ``consent_listener`` ("fresh" / "lost"), and after
  ``consent_timeout`` seconds without a response consent expires ("expired"), sending stops
  (RFC 7675 section 5.1) and the connection closes.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import random
import socket
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal

from aioice import Candidate, Connection, TransportPolicy, mdns, stun
from aioice.candidate import candidate_foundation, candidate_priority
from aioice.ice import (
    ICE_COMPLETED,
    ICE_FAILED,
    CandidatePair,
    StunProtocol,
    relayed_candidate,
    server_reflexive_candidate,
)

from .._link import DatagramReceiver

logger = logging.getLogger(__name__)

__all__ = [
    "CONSENT_EXPIRED",
    "CONSENT_FRESH",
    "CONSENT_LOST",
    "DatagramCounters",
    "IceConnection",
    "LoopbackMode",
    "loopback_addresses",
]

LoopbackMode = Literal["ipv4", "ipv6", "both"]
"How loopback-only gathering is asked for: which loopback address family to bind."

CONSENT_FRESH = "fresh"
"A consent check succeeded."
CONSENT_LOST = "lost"
"A consent check went unanswered; consent has not expired yet."
CONSENT_EXPIRED = "expired"
"No consent response for ``consent_timeout`` seconds: sending has stopped for good."

# RFC 8445 section 14.3: the RTO of a connectivity check SHOULD NOT be below 500 ms.
_CHECK_RTO = 0.5
# Ta, the pacing of new connectivity checks (RFC 8445 section 6.1.4.2), as aioice has it.
_CHECK_PACING_INTERVAL = 0.02
# Retransmissions back off up to this spacing, so a check keeps probing until it times out.
_CHECK_MAX_RTO = 1.6
# RFC 7983 section 7: a first byte in 20..63 is DTLS, 0..3 is STUN. DTLS datagrams skip
# aioice's STUN parser on the hot path.
_DTLS_FIRST, _DTLS_LAST = 20, 63
# The shortest wait for a consent response, whatever the interval.
_CONSENT_MIN_TIMEOUT = 0.5
# Datagrams read per wake-up at most (see _IceProtocol._drain), and the largest one.
_DRAIN_LIMIT = 64
_MAX_DATAGRAM = 65535
# Data received before the upper layer is ready is held, up to this many datagrams.
DEFAULT_MAX_PENDING_DATAGRAMS = 256


def loopback_addresses(loopback: bool | str) -> tuple[str, ...]:
    """The addresses a ``loopback`` option binds: ``False`` -> none (normal gathering)."""
    if loopback is False:
        return ()
    if loopback is True or loopback == "ipv4":
        return ("127.0.0.1",)
    if loopback == "ipv6":
        return ("::1",)
    if loopback == "both":
        return ("127.0.0.1", "::1")
    raise ValueError(f"loopback must be False, True, 'ipv4', 'ipv6' or 'both', not {loopback!r}")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(slots=True)
class DatagramCounters:
    """Counts of the synchronous datagram path (read them for diagnostics and tests)."""

    sent: int = 0
    "Datagrams written to the selected pair."
    received: int = 0
    "Datagrams handed to the receiver."
    dropped_not_connected: int = 0
    "Datagrams ``send_datagram`` dropped because no pair was selected (or after close)."
    dropped_overflow: int = 0
    "Incoming datagrams dropped because the pending queue was full."
    receiver_errors: int = 0
    "Exceptions raised by the receiver callback (logged, never propagated)."


class _CheckTransaction(stun.Transaction):
    """A STUN transaction bounded by an overall timeout instead of aioice's ~40 s.

    Retransmits at ``rto``, doubling up to ``_CHECK_MAX_RTO``, until a response arrives or
    ``timeout`` seconds have passed.
    """

    def __init__(
        self,
        request: stun.Message,
        addr: tuple[str, int],
        protocol: StunProtocol,
        *,
        integrity_key: bytes | None,
        rto: float,
        timeout: float,
    ) -> None:
        super().__init__(request, addr, protocol, integrity_key=integrity_key)
        self._request = request
        self._addr = addr
        self._sender = protocol
        self._key = integrity_key
        self._delay = rto
        self._timeout = timeout
        self._deadline_at = 0.0
        self._handle: asyncio.TimerHandle | None = None
        self._future: asyncio.Future[tuple[stun.Message, tuple[str, int]]] | None = None

    def response_received(self, message: stun.Message, addr: tuple[str, int]) -> None:
        # RFC 8489 sections 9.1.4 and 9.2.5: a response not authenticated with the key of
        # the request is discarded, and retransmissions go on.
        if self._key is not None and not message.check_message_integrity(self._key):
            return
        future = self._future
        if future is None or future.done():
            return
        if message.message_class == stun.Class.RESPONSE:
            future.set_result((message, addr))
        else:
            future.set_exception(stun.TransactionFailed(message))

    async def run(self) -> tuple[stun.Message, tuple[str, int]]:
        loop = asyncio.get_running_loop()
        self._future = loop.create_future()
        self._deadline_at = loop.time() + self._timeout
        try:
            self._retry()
            return await self._future
        finally:
            if self._handle is not None:
                self._handle.cancel()

    def _retry(self) -> None:
        future = self._future
        if future is None or future.done():
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        if now >= self._deadline_at:
            future.set_exception(stun.TransactionTimeout())
            return
        self._sender.send_stun(self._request, self._addr)
        self._handle = loop.call_at(min(now + self._delay, self._deadline_at), self._retry)
        self._delay = min(self._delay * 2, _CHECK_MAX_RTO)


class _IceProtocol(StunProtocol):
    """aioice's per-socket protocol, with an RFC 7983 fast path and bounded transactions."""

    receiver: IceConnection
    _reader: socket.socket | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # A private handle on the same socket, so that one wake-up can drain every
            # datagram waiting (asyncio reads one per wake-up; see _drain).
            self._reader = socket.socket(fileno=os.dup(sock.fileno()))
            self._reader.setblocking(False)

    def connection_lost(self, exc: Exception | None) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
        super().connection_lost(exc)

    def datagram_received(self, data: bytes | str, addr: tuple[Any, ...]) -> None:
        self._dispatch(data, addr)  # type: ignore[arg-type]
        self._drain()

    def _dispatch(self, data: bytes, addr: tuple[Any, ...]) -> None:
        if data and _DTLS_FIRST <= data[0] <= _DTLS_LAST:
            self.receiver.data_received(data, self.local_candidate.component)
        else:
            super().datagram_received(data, addr)

    def _drain(self) -> None:
        """Read what else is queued on the socket now, up to a bound.

        asyncio's datagram transport reads one datagram per event-loop wake-up. Under a
        burst (a congestion window of packets arriving at once) the kernel buffer then
        fills faster than one-per-iteration empties it, and the overflow is loss that SCTP
        has to repair. Reading the backlog in one go keeps the buffer short; the bound keeps
        other sockets and callbacks from starving.
        """
        reader = self._reader
        for _ in range(_DRAIN_LIMIT):
            if reader is None:
                return
            try:
                data, addr = reader.recvfrom(_MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self.error_received(exc)
                return
            self._dispatch(data, addr)
            reader = self._reader

    async def request(
        self,
        request: stun.Message,
        addr: tuple[str, int],
        integrity_key: bytes | None = None,
        retransmissions: int | None = None,
        *,
        timeout: float | None = None,
        rto: float = _CHECK_RTO,
    ) -> tuple[stun.Message, tuple[str, int]]:
        """Run one STUN transaction, giving up after ``timeout`` (default: check_timeout)."""
        if request.transaction_id in self.transactions:
            raise ValueError("duplicate STUN transaction id")
        if integrity_key is not None:
            request.add_message_integrity(integrity_key)
        transaction = _CheckTransaction(
            request,
            addr,
            self,
            integrity_key=integrity_key,
            rto=rto,
            timeout=self.receiver.check_timeout if timeout is None else timeout,
        )
        self.transactions[request.transaction_id] = transaction
        try:
            return await transaction.run()
        finally:
            del self.transactions[request.transaction_id]


class IceConnection(Connection):
    """An aioice ``Connection`` with loopback gathering and a synchronous datagram path.

    :param ice_controlling: initial role (a role conflict may still switch it, RFC 8445 7.3.1.1).
    :param loopback: ``False`` (normal gathering), ``True``/``"ipv4"`` (127.0.0.1 only),
        ``"ipv6"`` (::1 only) or ``"both"``. In loopback mode no other interface is used and
        no STUN, TURN or mDNS traffic is ever sent; a STUN/TURN server or the relay transport
        policy raises ``ValueError``.
    :param check_timeout: seconds after which an unanswered connectivity check fails.
    :param consent_interval: mean seconds between consent checks (RFC 7675 section 5.1
        suggests 5 s; shorten it in tests).
    :param consent_timeout: seconds without a consent response after which consent expires
        (RFC 7675 section 5.1: 30 s).
    :param check_pacing_interval: Ta, seconds between two new connectivity checks (20 ms,
        as aioice). ``connect()`` returns as soon as the check list completes, without
        waiting for the current Ta to run out.
    :param max_pending_datagrams: incoming datagrams held until the upper layer is ready.
    :param kwargs: any other aioice ``Connection`` argument (``components``, ``stun_server``,
        ``use_ipv4``, ``local_username``, ...).
    """

    def __init__(
        self,
        ice_controlling: bool,
        *,
        loopback: bool | LoopbackMode = False,
        check_timeout: float = 5.0,
        consent_interval: float = 5.0,
        consent_timeout: float = 30.0,
        check_pacing_interval: float = _CHECK_PACING_INTERVAL,
        max_pending_datagrams: int = DEFAULT_MAX_PENDING_DATAGRAMS,
        **kwargs: Any,
    ) -> None:
        addresses = loopback_addresses(loopback)
        if addresses:
            if kwargs.get("stun_server") or kwargs.get("turn_server"):
                raise ValueError("loopback gathering cannot use STUN or TURN servers")
            if kwargs.get("transport_policy", TransportPolicy.ALL) != TransportPolicy.ALL:
                raise ValueError("loopback gathering needs the 'all' transport policy")
        if min(check_timeout, consent_interval, consent_timeout, check_pacing_interval) <= 0:
            raise ValueError("timeouts and intervals must be positive")
        super().__init__(ice_controlling, **kwargs)
        self._loopback_addresses = addresses
        #: Seconds after which an unanswered connectivity check fails.
        self.check_timeout = check_timeout
        #: Mean seconds between consent freshness checks.
        self.consent_interval = consent_interval
        #: Seconds without consent response after which consent expires.
        self.consent_timeout = consent_timeout
        #: Ta: seconds between two new connectivity checks (RFC 8445 section 14.2 allows
        #: 5 ms upwards; aioice paces at 20 ms, kept here).
        self.check_pacing_interval = check_pacing_interval
        #: How many times ``connect()`` waited a whole Ta (diagnostics and tests).
        self.pacing_ticks = 0
        #: Called with each local candidate as soon as it is found.
        self.local_candidate_listener: Callable[[Candidate], None] | None = None
        #: Called with CONSENT_FRESH / CONSENT_LOST / CONSENT_EXPIRED after each check.
        self.consent_listener: Callable[[str], None] | None = None
        #: Counters of the synchronous datagram path.
        self.counters = DatagramCounters()

        self._datagram_mode = False
        self._receiver: DatagramReceiver | None = None
        self._delivering = False
        self._pending: deque[bytes] = deque()
        self._max_pending = max_pending_datagrams
        self._send_transport: asyncio.DatagramTransport | None = None
        self._send_addr: tuple[str, int] | None = None

    @property
    def loopback(self) -> tuple[str, ...]:
        """The loopback addresses gathered, or ``()`` when gathering normally."""
        return self._loopback_addresses

    @property
    def selected_pair(self) -> CandidatePair | None:
        """The nominated pair of component 1 once connected, else ``None``."""
        return self._nominated.get(1)

    # -- gathering ------------------------------------------------------------------------

    async def gather_candidates(self) -> None:
        """Gather local candidates (aioice's method; loopback mode skips interface discovery).

        aioice first lists every interface address (``ifaddr``, about half a millisecond),
        which loopback mode then throws away: here it binds the loopback addresses directly.
        """
        if not self._loopback_addresses:
            await super().gather_candidates()
            return
        if self._local_candidates_start:
            return
        self._local_candidates_start = True
        for component in sorted(self._components):
            self._local_candidates += await self.get_component_candidates(component, [])
        self._local_candidates_end = True

    async def get_component_candidates(
        self, component: int, addresses: list[str], timeout: int = 5
    ) -> list[Candidate]:
        """Bind host sockets (only loopback ones in loopback mode), then query servers."""
        if self._loopback_addresses:
            # aioice discovered the machine's interfaces; loopback mode uses none of them.
            addresses = list(self._loopback_addresses)
        loop = asyncio.get_running_loop()
        candidates: list[Candidate] = []
        host_protocols: list[_IceProtocol] = []
        for address in addresses:
            try:
                transport, protocol = await loop.create_datagram_endpoint(
                    lambda: _IceProtocol(self), local_addr=(address, 0)
                )
            except OSError as exc:
                logger.info("%r could not bind to %s: %s", self, address, exc)
                continue
            if self._closing:
                # close() ran while the socket was being created: do not leak it.
                transport.close()
                continue
            sock = transport.get_extra_info("socket")
            if sock is not None:
                # A larger receive buffer absorbs bursts while the event loop is busy.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
            host, port = transport.get_extra_info("sockname")[:2]
            protocol.local_candidate = Candidate(
                foundation=candidate_foundation("host", "udp", host),
                component=component,
                transport="udp",
                priority=candidate_priority(component, "host"),
                host=host,
                port=port,
                type="host",
            )
            host_protocols.append(protocol)
            candidates.append(protocol.local_candidate)
            self._report_local_candidate(protocol.local_candidate)
        self._protocols += host_protocols

        tasks: list[asyncio.Task[tuple[Candidate, StunProtocol | None]]] = []
        if self.stun_server and not self._loopback_addresses:
            stun_server = self.stun_server
            for protocol in host_protocols:
                if ipaddress.ip_address(protocol.local_candidate.host).version == 4:
                    tasks.append(
                        asyncio.create_task(server_reflexive_candidate(protocol, stun_server))
                    )
        if self.turn_server and not self._loopback_addresses:
            tasks.append(
                asyncio.create_task(
                    relayed_candidate(
                        component=component,
                        hide_related_address=self._transport_policy == TransportPolicy.RELAY,
                        protocol_factory=lambda: _IceProtocol(self),
                        turn_server=self.turn_server,
                        turn_username=self.turn_username,
                        turn_password=self.turn_password,
                        turn_ssl=self.turn_ssl,
                        turn_transport=self.turn_transport,
                    )
                )
            )
        # Report server candidates one by one as they arrive, so they can be trickled.
        pending: set[asyncio.Task[tuple[Candidate, StunProtocol | None]]] = set(tasks)
        deadline_at = loop.time() + timeout
        while pending:
            remaining = deadline_at - loop.time()
            if remaining <= 0:
                break
            done, pending = await asyncio.wait(
                pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                if task.exception() is not None:
                    logger.info("%r server candidate failed: %s", self, task.exception())
                    continue
                candidate, relay_protocol = task.result()
                if relay_protocol is not None:
                    if self._closing:
                        await relay_protocol.close()
                        continue
                    self._protocols.append(relay_protocol)
                candidates.append(candidate)
                self._report_local_candidate(candidate)
        for task in pending:
            task.cancel()
        return candidates

    def _report_local_candidate(self, candidate: Candidate) -> None:
        listener = self.local_candidate_listener
        if listener is not None:
            try:
                listener(candidate)
            except Exception:
                logger.exception("local candidate listener failed")

    # -- remote candidates ----------------------------------------------------------------

    def _refuse_remote(self, candidate: Candidate) -> str | None:
        """Why a remote candidate is ignored in loopback mode, or None if it is usable."""
        if not self._loopback_addresses:
            return None
        if mdns.is_mdns_hostname(candidate.host):
            return "mDNS candidates are not resolved in loopback mode"
        if not _is_loopback(candidate.host):
            return "loopback mode only pairs with loopback addresses"
        return None

    async def add_remote_candidate(self, remote_candidate: Candidate | None) -> None:
        """aioice's method, except that loopback mode ignores non-loopback candidates."""
        if remote_candidate is not None:
            reason = self._refuse_remote(remote_candidate)
            if reason is not None:
                logger.info("%r ignoring remote candidate %s: %s", self, remote_candidate, reason)
                return
        await super().add_remote_candidate(remote_candidate)

    def add_remote_candidate_nowait(
        self, remote_candidate: Candidate | None
    ) -> asyncio.Task[None] | None:
        """Add a remote candidate (``None``: end-of-candidates) synchronously.

        Only an mDNS candidate needs a network look-up: for it a task is returned (never in
        loopback mode, which ignores mDNS). Everything else takes effect before returning.
        """
        if (
            remote_candidate is not None
            and mdns.is_mdns_hostname(remote_candidate.host)
            and self._refuse_remote(remote_candidate) is None
        ):
            return asyncio.ensure_future(self.add_remote_candidate(remote_candidate))
        _run_without_suspending(self.add_remote_candidate(remote_candidate))
        return None

    # -- connection -----------------------------------------------------------------------

    async def connect(self) -> None:
        """Run ICE; once a pair is nominated, cache its socket for ``send_datagram``.

        The same steps as aioice's ``Connection.connect()`` (form pairs, unfreeze, replay
        early checks, start one new check per Ta tick, wait for the check list), except
        that the wait between two new checks also ends the moment the check list completes
        or fails. aioice sleeps the whole Ta (20 ms) blindly, so even a first check that
        succeeded and nominated the only pair within a millisecond costs 20 ms of set-up.
        Raises ``ConnectionError`` like aioice when no pair can be nominated.
        """
        if not self._local_candidates_end:
            raise ConnectionError("Local candidates gathering was not performed")
        if self.remote_username is None or self.remote_password is None:
            raise ConnectionError("Remote username or password is missing")

        # Forming candidate pairs (RFC 8445 section 6.1.2.2).
        for remote_candidate in self._remote_candidates:
            self._pair_remote_candidate(remote_candidate)
        self.sort_check_list()
        self._unfreeze_initial()

        # Handle the checks received before connect().
        for early_check in self._early_checks:
            self.check_incoming(*early_check)
        self._early_checks.clear()
        self._early_checks_done = True

        # Every outcome of the check list (completed, failed, closed) is put on this queue
        # by aioice; one pending get() is the wake-up of the pacing loop.
        outcome = asyncio.ensure_future(self._check_list_state.get())
        try:
            # RFC 8445 section 6.1.4.2: one new check per Ta. Triggered checks (answers to
            # the peer's checks) start at once, outside this pacing, as in aioice.
            while self._check_periodic():
                done, _ = await asyncio.wait((outcome,), timeout=self.check_pacing_interval)
                if done:
                    break
                self.pacing_ticks += 1
            if outcome.done() or self._check_list:
                result = await outcome
            else:
                result = ICE_FAILED
        finally:
            outcome.cancel()

        # Cancel the remaining checks.
        for check in self._check_list:
            if check.task:
                check.task.cancel()
        if result != ICE_COMPLETED:
            raise ConnectionError("ICE negotiation failed")

        # Start consent freshness tests (RFC 7675).
        self._query_consent_task = asyncio.create_task(self.query_consent())
        pair = self._nominated.get(1)
        if pair is not None and not self._closing:
            self._send_transport = pair.protocol.transport
            self._send_addr = pair.remote_addr

    async def close(self) -> None:
        """Close the connection; datagrams sent afterwards are dropped and counted."""
        self._send_transport = None
        self._send_addr = None
        self._delivering = False
        self._receiver = None
        self._pending.clear()
        await super().close()

    async def query_consent(self) -> None:
        """Consent freshness (RFC 7675), reporting each outcome to ``consent_listener``."""
        loop = asyncio.get_running_loop()
        last_fresh_at = loop.time()
        while True:
            # RFC 7675 section 5.1: randomised between 0.8 and 1.2 times the interval.
            await asyncio.sleep(self.consent_interval * (0.8 + 0.4 * random.random()))
            fresh = await self._check_consent()
            now = loop.time()
            if fresh:
                last_fresh_at = now
                self._report_consent(CONSENT_FRESH)
            elif now - last_fresh_at >= self.consent_timeout:
                logger.info("%r consent to send expired", self)
                # RFC 7675 section 5.1: once consent expires, sending MUST stop.
                self._send_transport = None
                self._send_addr = None
                self._report_consent(CONSENT_EXPIRED)
                # close() cancels and awaits this task; detach it first, as aioice does.
                self._query_consent_task = None
                await self.close()
                return
            else:
                self._report_consent(CONSENT_LOST)

    async def _check_consent(self) -> bool:
        remote_password = self.remote_password
        if remote_password is None:
            return False
        key = remote_password.encode("utf8")
        # Wait one interval for the answer, but never less than _CONSENT_MIN_TIMEOUT, so a
        # busy event loop is not mistaken for a vanished peer; a few retransmissions within
        # it tolerate some loss.
        timeout = max(self.consent_interval, _CONSENT_MIN_TIMEOUT)
        for pair in list(self._nominated.values()):
            protocol = pair.protocol
            request = self.build_request(pair, nominate=False)
            try:
                if isinstance(protocol, _IceProtocol):
                    await protocol.request(
                        request,
                        pair.remote_addr,
                        integrity_key=key,
                        timeout=timeout,
                        rto=min(_CHECK_RTO, timeout / 4),
                    )
                else:
                    await protocol.request(
                        request, pair.remote_addr, integrity_key=key, retransmissions=0
                    )
            except stun.TransactionError:
                return False
        return bool(self._nominated)

    def _report_consent(self, outcome: str) -> None:
        listener = self.consent_listener
        if listener is not None:
            try:
                listener(outcome)
            except Exception:
                logger.exception("consent listener failed")

    # -- datagram path --------------------------------------------------------------------

    def enable_datagram_mode(self) -> None:
        """Route incoming data to the registered receiver instead of aioice's queue."""
        self._datagram_mode = True

    def set_datagram_receiver(self, receiver: DatagramReceiver | None) -> None:
        """Register the one receiver of incoming datagrams (``None`` detaches it)."""
        self._receiver = receiver
        self._flush_pending()

    def start_delivery(self) -> None:
        """Start handing datagrams to the receiver, first those held so far."""
        self._delivering = True
        self._flush_pending()

    def send_datagram(self, data: bytes) -> None:
        """Send one datagram on the selected pair now; dropped (counted) when not connected."""
        transport = self._send_transport
        if transport is None:
            self.counters.dropped_not_connected += 1
            return
        transport.sendto(data, self._send_addr)
        self.counters.sent += 1

    def data_received(self, data: bytes, component: int) -> None:
        """Called by the protocols with every non-STUN datagram."""
        if not self._datagram_mode:
            super().data_received(data, component)
            return
        receiver = self._receiver
        if receiver is not None and self._delivering:
            self.counters.received += 1
            try:
                receiver(data)
            except Exception:
                self.counters.receiver_errors += 1
                logger.exception("%r datagram receiver failed", self)
            return
        if self._closing:
            return
        if len(self._pending) >= self._max_pending:
            self.counters.dropped_overflow += 1
            return
        self._pending.append(data)

    def _flush_pending(self) -> None:
        while self._pending and self._receiver is not None and self._delivering:
            receiver = self._receiver
            data = self._pending.popleft()
            self.counters.received += 1
            try:
                receiver(data)
            except Exception:
                self.counters.receiver_errors += 1
                logger.exception("%r datagram receiver failed", self)

    def __repr__(self) -> str:
        return f"IceConnection({self._id})"


def _run_without_suspending(coro: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine that is known not to suspend, synchronously.

    aioice's ``add_remote_candidate`` only awaits for mDNS resolution; for any other
    candidate (and for end-of-candidates) it completes without yielding to the event loop,
    so it can take effect before ``addRemoteCandidate`` returns.
    """
    try:
        coro.send(None)
    except StopIteration:
        return
    coro.close()
    raise RuntimeError("aioice suspended while adding a non-mDNS remote candidate")
