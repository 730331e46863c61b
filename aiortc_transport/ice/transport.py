"""``RTCIceTransport``: runs ICE over a gatherer's candidates and carries datagrams.

States (W3C ``RTCIceTransportState``) and when they are entered::

    new ──start()──> checking ──pair nominated──> connected ──remote end-of-candidates──> completed
                        │                          │    ^  (also at once if it came earlier)
                        │                          v    │ consent check answered again
                        │                       disconnected (a consent check went unanswered)
                        v                          │
                      failed <── consent expired ──┘   (also from connected / completed)
    any state ──stop()──> closed

``statechange`` is emitted synchronously on every real change (one ``_set_state``), so the
DTLS layer above can react before any datagram of the new state is handled. Datagrams are
usable in ``connected`` and ``completed``; the pair stays selected through ``disconnected``
(RFC 7675: consent is lost only when it expires).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Generator
from typing import Any

from pyee.asyncio import AsyncIOEventEmitter

from .._link import DatagramReceiver
from ..exceptions import InvalidAccessError, InvalidStateError
from .candidate import RTCIceCandidate, candidate_from_aioice, candidate_to_aioice
from .connection import (
    CONSENT_EXPIRED,
    CONSENT_FRESH,
    CONSENT_LOST,
    DatagramCounters,
    IceConnection,
)
from .gatherer import RTCIceGatherer
from .parameters import RTCIceParameters, validate_ice_credentials

logger = logging.getLogger(__name__)

__all__ = ["RTCIceTransport"]

_ROLES = ("controlling", "controlled")
USABLE_STATES = frozenset({"connected", "completed"})
"States in which datagrams flow."


class _Done:
    """A completed awaitable: what ``addRemoteCandidate`` returns when its work is done."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield  # unreachable: the yield makes this a generator that finishes at once


class _Pending:
    """An awaitable over a task that already runs (an mDNS look-up) - awaiting is optional."""

    __slots__ = ("_task",)

    def __init__(self, task: asyncio.Task[None]) -> None:
        self._task = task

    def __await__(self) -> Generator[Any, None, None]:
        return self._task.__await__()


class RTCIceTransport(AsyncIOEventEmitter):
    """ICE transport over an ``RTCIceGatherer`` (aiortc's ORTC ``RTCIceTransport``).

    :param gatherer: the gatherer whose candidates and credentials are used.
    :param role: initial ``role``; ``"controlling"`` by default. It can also be set through
        the ``role`` attribute or ``start(..., role=...)`` until ``start()`` begins. A role
        conflict with the peer (both controlling or both controlled) is resolved by the
        tie-breakers (RFC 8445 section 7.3.1.1); ``role`` then shows the resulting role.
    :param check_timeout: seconds after which an unanswered connectivity check fails
        (default 5 s): with end-of-candidates, ``start()`` fails within about that time when
        no pair works (wrong password, unreachable candidates).
    :param consent_interval: mean seconds between consent freshness checks (RFC 7675,
        default 5 s). A smaller value detects a vanished peer sooner (tests use 0.1 s).
    :param consent_timeout: seconds without consent after which the transport fails
        (RFC 7675 section 5.1: 30 s).

    Events (pyee): ``statechange`` (no argument) on every change of ``state``.
    """

    def __init__(
        self,
        gatherer: RTCIceGatherer,
        *,
        role: str = "controlling",
        check_timeout: float | None = None,
        consent_interval: float | None = None,
        consent_timeout: float | None = None,
    ) -> None:
        super().__init__()
        self.__iceGatherer = gatherer
        self._connection: IceConnection = gatherer._connection
        self._connection.enable_datagram_mode()
        self._connection.consent_listener = self._on_consent
        for name, value in (
            ("check_timeout", check_timeout),
            ("consent_interval", consent_interval),
            ("consent_timeout", consent_timeout),
        ):
            if value is not None:
                if value <= 0:
                    raise ValueError(f"{name} must be positive")
                setattr(self._connection, name, value)
        self.__state = "new"
        self._role = _check_role(role)
        # The gatherer's connection answers the peer's checks from the moment it has
        # sockets, possibly before start(): it must already have its role then. With the
        # gatherer's default (controlling) a controlled side that got the controlling peer's
        # first check before start() could answer it with a role conflict (RFC 8445 section
        # 7.3.1.1) and turn the peer controlled; start() then made both sides controlled and
        # nobody nominated a pair (seen as a hang in ~1 of 200 benchmark set-ups).
        self._connection.ice_controlling = self._role == "controlling"
        self._start: asyncio.Future[None] | None = None
        self._remote_end = False
        self._closing: asyncio.Future[None] | None = None

    # -- attributes -----------------------------------------------------------------------

    @property
    def iceGatherer(self) -> RTCIceGatherer:
        """The gatherer given to the constructor."""
        return self.__iceGatherer

    @property
    def role(self) -> str:
        """``"controlling"`` or ``"controlled"``.

        Settable until ``start()`` begins (``InvalidStateError`` afterwards). Once ICE runs it
        reports the agent's actual role, which a role conflict may have switched.
        """
        if self._start is None:
            return self._role
        return "controlling" if self._connection.ice_controlling else "controlled"

    @role.setter
    def role(self, value: str) -> None:
        if self._start is not None or self.__state != "new":
            raise InvalidStateError("the ICE role can only be set before start()")
        self._role = _check_role(value)
        self._connection.ice_controlling = self._role == "controlling"

    @property
    def state(self) -> str:
        """new, checking, connected, completed, disconnected, failed or closed."""
        return self.__state

    @property
    def datagram_counters(self) -> DatagramCounters:
        """Counters of the datagram path (sent, received, drops)."""
        return self._connection.counters

    # -- candidates -----------------------------------------------------------------------

    def addRemoteCandidate(self, candidate: RTCIceCandidate | None) -> Awaitable[None]:
        """Add a remote candidate; ``None`` signals end-of-candidates.

        Works called plainly and awaited: the candidate is added before this returns and the
        returned object may be awaited (aiortc 1.16 style) or ignored. Only an mDNS candidate
        (never in loopback mode) needs a look-up, which then runs in the background.
        Candidates given after end-of-candidates or after ``stop()`` are ignored.
        """
        if candidate is not None and not isinstance(candidate, RTCIceCandidate):
            raise TypeError(f"expected an RTCIceCandidate or None, not {type(candidate).__name__}")
        if self.__state == "closed" or self._remote_end:
            return _Done()
        if candidate is None:
            self._remote_end = True
            self._connection.add_remote_candidate_nowait(None)
            if self.__state == "connected":
                self._set_state("completed")
            return _Done()
        task = self._connection.add_remote_candidate_nowait(candidate_to_aioice(candidate))
        return _Done() if task is None else _Pending(task)

    def getRemoteCandidates(self) -> list[RTCIceCandidate]:
        """The remote candidates added so far (and peer-reflexive ones learned)."""
        return [candidate_from_aioice(c) for c in self._connection.remote_candidates]

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, remoteParameters: RTCIceParameters, role: str | None = None) -> None:
        """Run connectivity checks; return once connected.

        :param remoteParameters: the peer's ufrag, password and ICE Lite flag. Malformed or
            empty credentials raise ``InvalidAccessError`` at once (state ``failed``).
        :param role: sets ``role`` first (see there).
        :raises ConnectionError: ICE failed (state ``failed``), which is reported once
            end-of-candidates was added and no pair works; or ``stop()`` was called.
        :raises InvalidStateError: the transport is closed or failed.

        Gathers first if the gatherer has not. A second call while the first runs waits for
        the same outcome.
        """
        if self.__state == "closed":
            raise InvalidStateError("RTCIceTransport is closed")
        if self._start is not None:
            await asyncio.shield(self._start)
            return
        if self.__state == "failed":
            raise InvalidStateError("RTCIceTransport has failed")
        if role is not None:
            self._role = _check_role(role)
            self._connection.ice_controlling = self._role == "controlling"
        try:
            validate_ice_credentials(
                getattr(remoteParameters, "usernameFragment", None),
                getattr(remoteParameters, "password", None),
            )
        except ValueError as exc:
            self._set_state("failed")
            raise InvalidAccessError(f"invalid remote ICE parameters: {exc}") from None
        loop = asyncio.get_running_loop()
        self._start = loop.create_future()
        # Retrieve the outcome so asyncio never warns about an unretrieved exception.
        self._start.add_done_callback(lambda f: f.cancelled() or f.exception())
        try:
            await self._run(remoteParameters)
        except asyncio.CancelledError:
            # A cancelled start() leaves no checks behind: the transport fails for good.
            self._start.cancel()
            if self.__state != "closed":
                self._set_state("failed")
                self._closing = asyncio.ensure_future(self._connection.close())
            raise
        except BaseException as exc:
            if not self._start.done():
                self._start.set_exception(exc)
            raise
        else:
            if not self._start.done():
                self._start.set_result(None)

    async def _run(self, remoteParameters: RTCIceParameters) -> None:
        connection = self._connection
        connection.ice_controlling = self._role == "controlling"
        connection.remote_is_lite = bool(getattr(remoteParameters, "iceLite", False))
        connection.remote_username = remoteParameters.usernameFragment
        connection.remote_password = remoteParameters.password
        self._set_state("checking")
        if self.__iceGatherer.state != "completed":
            await self.__iceGatherer.gather()
        if self.__state == "closed":
            raise ConnectionError("RTCIceTransport was stopped")
        try:
            await connection.connect()
        except ConnectionError as exc:
            if self.__state == "closed":
                raise ConnectionError("RTCIceTransport was stopped") from None
            self._set_state("failed")
            await connection.close()
            raise ConnectionError(f"ICE failed: {exc}") from None
        if self.__state == "closed":
            raise ConnectionError("RTCIceTransport was stopped")
        self._set_state("connected")
        connection.start_delivery()
        if self._remote_end and self.__state == "connected":
            self._set_state("completed")

    async def stop(self) -> None:
        """Stop for good (state ``closed``); harmless when called again."""
        if self.__state == "closed":
            return
        self._set_state("closed")
        if self._closing is not None:
            await self._closing
        await self._connection.close()

    # -- datagram link for the DTLS layer (see aiortc_transport/_link.py) ------------------

    def _send_datagram(self, data: bytes) -> None:
        """Send one datagram on the selected pair now; dropped (counted) when not usable."""
        self._connection.send_datagram(data)

    def _set_datagram_receiver(self, receiver: DatagramReceiver | None) -> None:
        """Register the one receiver of incoming datagrams (``None`` to detach).

        Datagrams arriving before the transport is connected are held (bounded) and handed
        over right after the ``connected`` state change.
        """
        self._connection.set_datagram_receiver(receiver)

    # -- internals ------------------------------------------------------------------------

    def _on_consent(self, outcome: str) -> None:
        if self.__state in ("closed", "failed"):
            return
        if outcome == CONSENT_FRESH:
            if self.__state == "disconnected":
                self._set_state("completed" if self._remote_end else "connected")
        elif outcome == CONSENT_LOST:
            if self.__state in USABLE_STATES:
                self._set_state("disconnected")
        elif outcome == CONSENT_EXPIRED:
            self._set_state("failed")

    def _set_state(self, state: str) -> None:
        if state != self.__state:
            logger.debug("RTCIceTransport(%s) %s -> %s", self.role, self.__state, state)
            self.__state = state
            self.emit("statechange")


def _check_role(role: str) -> str:
    if role not in _ROLES:
        raise ValueError(f"ICE role must be 'controlling' or 'controlled', not {role!r}")
    return role
