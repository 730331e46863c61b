"""``RTCIceGatherer``: gathers local candidates and owns the local ICE credentials."""

from __future__ import annotations

import asyncio
import logging

from aioice import Candidate
from pyee.asyncio import AsyncIOEventEmitter

from .candidate import RTCIceCandidate, candidate_from_aioice
from .connection import IceConnection, LoopbackMode, loopback_addresses
from .parameters import RTCIceParameters, RTCIceServer, connection_kwargs_from_servers

logger = logging.getLogger(__name__)

__all__ = ["RTCIceGatherer"]


class RTCIceGatherer(AsyncIOEventEmitter):
    """Gathers local ICE candidates (aiortc's ORTC ``RTCIceGatherer``).

    :param iceServers: STUN/TURN servers. ``None`` means ``getDefaultIceServers()``, which is
        **empty**: unlike aiortc (which defaults to a Google STUN server) nothing public is
        contacted unless configured.
    :param loopback: restrict gathering to loopback host candidates, for tests, demos and
        same-host IPC. ``False`` (default) gathers every interface as aioice does;
        ``True`` or ``"ipv4"`` binds 127.0.0.1 only, ``"ipv6"`` ::1 only, ``"both"`` both.
        In loopback mode no other interface is used, no STUN/TURN/mDNS packet is ever sent,
        and remote candidates that are not loopback addresses are ignored. Combining it with
        ICE servers raises ``ValueError``.
    :param local_username: force the local ufrag (random by default).
    :param local_password: force the local password (random by default).

    Events (pyee):

    * ``statechange`` (no argument) on every change of ``state``: ``new`` -> ``gathering``
      -> ``completed``.
    * ``icecandidate`` with each local ``RTCIceCandidate`` as soon as it is found, then once
      with ``None`` when gathering is complete (so candidates can be trickled).
    """

    def __init__(
        self,
        iceServers: list[RTCIceServer] | None = None,
        *,
        loopback: bool | LoopbackMode = False,
        local_username: str | None = None,
        local_password: str | None = None,
    ) -> None:
        super().__init__()
        if iceServers is None:
            iceServers = self.getDefaultIceServers()
        if loopback_addresses(loopback) and iceServers:
            raise ValueError("loopback gathering cannot be combined with ICE servers")
        self._iceServers = list(iceServers)
        self._connection = IceConnection(
            ice_controlling=True,
            loopback=loopback,
            local_username=local_username,
            local_password=local_password,
            **connection_kwargs_from_servers(self._iceServers),
        )
        self._connection.local_candidate_listener = self._on_local_candidate
        self._gathering: asyncio.Future[None] | None = None
        self.__state = "new"

    @property
    def state(self) -> str:
        """``new``, ``gathering`` or ``completed``."""
        return self.__state

    @property
    def loopback(self) -> tuple[str, ...]:
        """The loopback addresses gathered in loopback mode, or ``()``."""
        return self._connection.loopback

    @classmethod
    def getDefaultIceServers(cls) -> list[RTCIceServer]:
        """The default ICE servers: none (browsers' default too; aiortc's is Google STUN)."""
        return []

    async def gather(self, iceServers: list[RTCIceServer] | None = None) -> None:
        """Gather local candidates; returns when gathering is complete.

        ``iceServers``, if given, replaces the servers of the constructor (only before
        gathering starts). Calling it again while gathering waits for the same gathering;
        once ``completed`` it returns at once.
        """
        if self._gathering is None:
            if iceServers is not None:
                if self._connection.loopback and iceServers:
                    raise ValueError("loopback gathering cannot be combined with ICE servers")
                self._iceServers = list(iceServers)
                kwargs = connection_kwargs_from_servers(self._iceServers)
                connection = self._connection
                connection.stun_server = kwargs.get("stun_server")
                connection.turn_server = kwargs.get("turn_server")
                connection.turn_username = kwargs.get("turn_username")
                connection.turn_password = kwargs.get("turn_password")
                connection.turn_ssl = kwargs.get("turn_ssl", False)
                connection.turn_transport = kwargs.get("turn_transport", "udp")
            self._gathering = asyncio.ensure_future(self._gather())
        await asyncio.shield(self._gathering)

    async def _gather(self) -> None:
        self.__setState("gathering")
        try:
            await self._connection.gather_candidates()
        finally:
            self.__setState("completed")
            self.emit("icecandidate", None)

    def getLocalCandidates(self) -> list[RTCIceCandidate]:
        """The local candidates found so far."""
        return [candidate_from_aioice(c) for c in self._connection.local_candidates]

    def getLocalParameters(self) -> RTCIceParameters:
        """The local ufrag and password, to send to the remote side."""
        return RTCIceParameters(
            usernameFragment=self._connection.local_username,
            password=self._connection.local_password,
        )

    def _on_local_candidate(self, candidate: Candidate) -> None:
        self.emit("icecandidate", candidate_from_aioice(candidate))

    def __setState(self, state: str) -> None:
        if state != self.__state:
            logger.debug("RTCIceGatherer %s -> %s", self.__state, state)
            self.__state = state
            self.emit("statechange")
