"""``RTCPeerConnection`` for data channels: W3C offer/answer over the ORTC objects.

Theory of operation. One connection owns exactly one ORTC stack, built when the connection
is created::

    RTCIceGatherer -> RTCIceTransport -> RTCDtlsTransport -> RTCSctpTransport -> RTCDataChannel

Nothing here speaks a protocol. The class turns session descriptions (``aiortc_transport.sdp``)
into the parameters of those objects, starts them once both descriptions are known, and
folds their states into the four W3C state attributes:

* **Signalling** (W3C WebRTC section 4.3.1): ``stable`` -> ``have-local-offer`` /
  ``have-remote-offer`` -> ``stable``; ``closed`` after :meth:`RTCPeerConnection.close`.
  Descriptions are parsed and checked *before* anything changes, so a malformed or
  mismatching description raises and leaves every state as it was.
* **ICE role**: the offerer is controlling, the answerer controlled (RFC 8445 section 6.1.1),
  except that a full agent is always controlling towards an ICE Lite peer.
* **DTLS role** (RFC 8842 section 5): offers say ``a=setup:actpass``; answers say ``active``
  by default (this side becomes the DTLS client), as browsers do, or ``passive`` towards an
  ``active`` offerer. A local answer edited to another valid value is honoured.
* **Gathering**: :meth:`~RTCPeerConnection.setLocalDescription` gathers and returns once
  gathering is complete, like aiortc, so ``localDescription`` then carries every candidate
  and ``a=end-of-candidates``. For trickle ICE, send the description that ``createOffer()``
  / ``createAnswer()`` returned (it has no candidates before the first gathering) and each
  ``icecandidate`` event: they fire after ``setLocalDescription()`` has returned, one per
  candidate and then one with ``None``, so a signalling channel that sends in call order
  delivers the description first.
* **Connecting**: once the offer and the answer are both applied, the SCTP transport is
  started (it waits for DTLS), then DTLS (it waits for ICE), then ICE.
* **Closing**: :meth:`~RTCPeerConnection.close` shuts the SCTP association down gracefully
  (the peer's channels close), sends DTLS close_notify and stops ICE. A peer that closes
  its DTLS session makes this connection close itself, as aiortc does.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from pyee.asyncio import AsyncIOEventEmitter

from .datachannel.channel import RTCDataChannel
from .datachannel.parameters import RTCDataChannelParameters
from .dtls.certificate import RTCCertificate, RTCDtlsFingerprint
from .dtls.transport import RTCDtlsParameters, RTCDtlsTransport
from .exceptions import InvalidAccessError, InvalidStateError, OperationError
from .ice.candidate import RTCIceCandidate
from .ice.connection import LoopbackMode
from .ice.gatherer import RTCIceGatherer
from .ice.parameters import RTCIceParameters, RTCIceServer
from .ice.transport import RTCIceTransport
from .sctp.transport import LOCAL_MAX_MESSAGE_SIZE, RTCSctpCapabilities, RTCSctpTransport
from .sdp import (
    DataChannelTransport,
    Fingerprint,
    RTCSessionDescription,
    SdpParseError,
    SessionDescription,
    answer_setup,
    build_answer,
    build_data_channel_description,
    dtls_role,
)

logger = logging.getLogger(__name__)

__all__ = ["RTCConfiguration", "RTCPeerConnection"]

#: ``a=setup`` of the remote side -> the remote's role as ``RTCDtlsParameters.role`` wants it.
_REMOTE_DTLS_ROLE: Final = {"active": "client", "passive": "server", "actpass": "auto"}
#: ``a=setup`` values an answerer may use towards each offered value (RFC 8842 section 5.3).
_ANSWER_SETUPS: Final = {
    "actpass": frozenset({"active", "passive"}),
    "active": frozenset({"passive"}),
    "passive": frozenset({"active"}),
}


@dataclass
class RTCConfiguration:
    """Configuration of an :class:`RTCPeerConnection` (W3C ``RTCConfiguration`` subset).

    :param iceServers: STUN/TURN servers; ``None`` or empty means none are contacted (unlike
        aiortc, which defaults to a public Google STUN server).
    :param loopback: gather loopback host candidates only (``True`` / ``"ipv4"``: 127.0.0.1,
        ``"ipv6"``: ::1, ``"both"``), the option of :class:`RTCIceGatherer`: nothing leaves
        the machine. Cannot be combined with ``iceServers``.
    :param certificates: the DTLS certificate to use (the first one); a fresh ECDSA P-256
        certificate by default.
    :param maxMessageSize: the largest message we accept, advertised as
        ``a=max-message-size`` (256 KiB by default, as Chromium; 0 means no limit).
    """

    iceServers: list[RTCIceServer] | None = None
    loopback: bool | LoopbackMode = False
    certificates: list[RTCCertificate] = field(default_factory=list)
    maxMessageSize: int = LOCAL_MAX_MESSAGE_SIZE


class _DescriptionLike(Protocol):
    """Anything with ``type`` and ``sdp``: ours, aiortc's RTCSessionDescription, ..."""

    @property
    def type(self) -> str: ...

    @property
    def sdp(self) -> str: ...


DescriptionInput = RTCSessionDescription | _DescriptionLike | Mapping[str, Any]
"""What ``setLocalDescription`` / ``setRemoteDescription`` accept: an RTCSessionDescription
(ours or aiortc's) or the browser's JSON form ``{"type": ..., "sdp": ...}``."""


def _to_description(value: object) -> RTCSessionDescription:
    if isinstance(value, RTCSessionDescription):
        return value
    if isinstance(value, Mapping):
        kind, sdp = value.get("type"), value.get("sdp", "")
    else:
        kind, sdp = getattr(value, "type", None), getattr(value, "sdp", None)
    if not isinstance(kind, str) or not isinstance(sdp, str):
        raise TypeError("expected an RTCSessionDescription or a {'type', 'sdp'} dictionary")
    return RTCSessionDescription(sdp=sdp, type=kind)


def _to_candidate(value: object) -> RTCIceCandidate | None:
    """An ``addIceCandidate`` argument as our RTCIceCandidate; None for end-of-candidates."""
    if value is None:
        return None
    if isinstance(value, RTCIceCandidate):
        return value
    if isinstance(value, Mapping):
        text = value.get("candidate")
        mid, index = value.get("sdpMid"), value.get("sdpMLineIndex")
        if text is None or text == "":
            # W3C WebRTC section 4.4.1.1 addIceCandidate(): an empty candidate string
            # means end-of-candidates.
            return None
        if not isinstance(text, str):
            raise TypeError("candidate must be a string")
        return RTCIceCandidate(candidate=text, sdpMid=mid, sdpMLineIndex=index)
    # aiortc's RTCIceCandidate (or anything with its fields).
    try:
        return RTCIceCandidate(
            component=value.component,  # type: ignore[attr-defined]
            foundation=value.foundation,  # type: ignore[attr-defined]
            ip=value.ip,  # type: ignore[attr-defined]
            port=value.port,  # type: ignore[attr-defined]
            priority=value.priority,  # type: ignore[attr-defined]
            protocol=value.protocol,  # type: ignore[attr-defined]
            type=value.type,  # type: ignore[attr-defined]
            relatedAddress=getattr(value, "relatedAddress", None),
            relatedPort=getattr(value, "relatedPort", None),
            sdpMid=getattr(value, "sdpMid", None),
            sdpMLineIndex=getattr(value, "sdpMLineIndex", None),
            tcpType=getattr(value, "tcpType", None),
        )
    except AttributeError:
        raise TypeError(
            f"expected an RTCIceCandidate, a candidate dictionary or None, "
            f"not {type(value).__name__}"
        ) from None


class RTCPeerConnection(AsyncIOEventEmitter):
    """A WebRTC connection carrying data channels (the W3C / aiortc ``RTCPeerConnection``).

    :param configuration: an :class:`RTCConfiguration` (ICE servers, loopback-only
        gathering, certificate).

    Events (pyee), each emitted only on a real change:

    * ``connectionstatechange``, ``iceconnectionstatechange``, ``icegatheringstatechange``,
      ``signalingstatechange`` (no argument);
    * ``icecandidate`` with each local :class:`RTCIceCandidate` (``sdpMid`` and
      ``sdpMLineIndex`` set), then ``None`` at the end of gathering;
    * ``datachannel`` with each :class:`RTCDataChannel` the peer opens.

    Media (tracks, transceivers) is not supported: audio and video sections of a remote
    offer are rejected with port 0 in the answer.
    """

    def __init__(self, configuration: RTCConfiguration | None = None) -> None:
        super().__init__()
        config = configuration if configuration is not None else RTCConfiguration()
        self.__configuration = config
        certificate = (
            config.certificates[0] if config.certificates else RTCCertificate.generateCertificate()
        )
        self._certificate = certificate
        self._gatherer = RTCIceGatherer(config.iceServers, loopback=config.loopback)
        self._ice = RTCIceTransport(self._gatherer)
        self._dtls = RTCDtlsTransport(self._ice, [certificate])
        self._sctp = RTCSctpTransport(
            self._dtls, max_message_size=self.configuration.maxMessageSize
        )
        self._gatherer.on("statechange", self._update_gathering_state)
        self._gatherer.on("icecandidate", self._on_local_candidate)
        self._ice.on("statechange", self._on_ice_statechange)
        self._dtls.on("statechange", self._on_dtls_statechange)
        self._sctp.on("datachannel", self._on_datachannel)

        self.__signalingState = "stable"
        self.__connectionState = "new"
        self.__iceConnectionState = "new"
        self.__iceGatheringState = "new"
        self._closed = False
        self._close_task: asyncio.Task[None] | None = None
        self._closing: asyncio.Future[None] | None = None

        self._session_id = str(random.SystemRandom().getrandbits(62))
        self._session_version = 0
        self._mid: str | None = None
        self._mline_index = 0
        self._current_local: tuple[str, SessionDescription] | None = None
        self._pending_local: tuple[str, SessionDescription] | None = None
        self._current_remote: tuple[str, SessionDescription] | None = None
        self._pending_remote: tuple[str, SessionDescription] | None = None
        self._remote: DataChannelTransport | None = None
        self._remote_ice: RTCIceParameters | None = None
        self._local_setup: str | None = None
        self._ice_role_set = False
        self._connect_task: asyncio.Task[None] | None = None
        # Candidates found while setLocalDescription() gathers; announced after it returns.
        self._trickle: list[RTCIceCandidate | None] = []
        self._trickle_armed = False

    # -- attributes -----------------------------------------------------------------------

    @property
    def connectionState(self) -> str:
        """new, connecting, connected, disconnected, failed or closed (W3C 4.3.3)."""
        return self.__connectionState

    @property
    def iceConnectionState(self) -> str:
        """new, checking, connected, completed, disconnected, failed or closed."""
        return self.__iceConnectionState

    @property
    def iceGatheringState(self) -> str:
        """new, gathering or complete."""
        return self.__iceGatheringState

    @property
    def signalingState(self) -> str:
        """stable, have-local-offer, have-remote-offer or closed."""
        return self.__signalingState

    @property
    def localDescription(self) -> RTCSessionDescription | None:
        """The local description (pending or current), with the candidates gathered so far;
        ``None`` before :meth:`setLocalDescription`."""
        entry = self._pending_local or self._current_local
        if entry is None:
            return None
        kind, description = entry
        self._fill_local_candidates(description)
        return RTCSessionDescription(sdp=str(description), type=kind)

    @property
    def remoteDescription(self) -> RTCSessionDescription | None:
        """The remote description (pending or current), including candidates added later
        with :meth:`addIceCandidate`; ``None`` before :meth:`setRemoteDescription`."""
        entry = self._pending_remote or self._current_remote
        if entry is None:
            return None
        kind, description = entry
        return RTCSessionDescription(sdp=str(description), type=kind)

    @property
    def sctp(self) -> RTCSctpTransport:
        """The :class:`RTCSctpTransport` of the connection (it always has one)."""
        return self._sctp

    @property
    def configuration(self) -> RTCConfiguration:
        """The configuration given to the constructor."""
        return self.__configuration

    @property
    def canTrickleIceCandidates(self) -> bool | None:
        """Whether the remote side announced trickle ICE; ``None`` before a remote description."""
        if self._remote is None:
            return None
        return "trickle" in self._remote.ice_options

    # -- data channels --------------------------------------------------------------------

    def createDataChannel(
        self,
        label: str,
        maxPacketLifeTime: int | None = None,
        maxRetransmits: int | None = None,
        ordered: bool = True,
        protocol: str = "",
        negotiated: bool = False,
        id: int | None = None,
    ) -> RTCDataChannel:
        """Create a data channel (aiortc's signature; W3C ``RTCDataChannelInit`` names).

        The channel opens once the connection is up. Raises InvalidStateError once closed,
        ValueError for invalid options (both reliability limits, negotiated without id...).
        """
        self._assert_not_closed()
        parameters = RTCDataChannelParameters(
            label=label,
            maxPacketLifeTime=maxPacketLifeTime,
            maxRetransmits=maxRetransmits,
            ordered=ordered,
            protocol=protocol,
            negotiated=negotiated,
            id=id,
        )
        return RTCDataChannel(self._sctp, parameters)

    # -- offer / answer -------------------------------------------------------------------

    async def createOffer(self) -> RTCSessionDescription:
        """An offer with one data section (``a=setup:actpass``), candidates included when
        gathering has completed."""
        self._assert_not_closed()
        if self.__signalingState not in ("stable", "have-local-offer"):
            raise InvalidStateError(
                f'Cannot create offer in signaling state "{self.__signalingState}"'
            )
        description = build_data_channel_description(
            setup="actpass",
            mid=self._mid if self._mid is not None else "0",
            **self._local_transport_kwargs(),
        )
        return RTCSessionDescription(sdp=str(description), type="offer")

    async def createAnswer(self) -> RTCSessionDescription:
        """An answer to the remote offer: its data section accepted (``a=setup:active``
        unless the offer was ``active``), every other section rejected with port 0."""
        self._assert_not_closed()
        if self.__signalingState != "have-remote-offer" or self._pending_remote is None:
            raise InvalidStateError(
                f'Cannot create answer in signaling state "{self.__signalingState}"'
            )
        offer = self._pending_remote[1]
        setup = self._local_setup
        remote = offer.data_channel_transport()
        if setup is None or setup not in _ANSWER_SETUPS[remote.setup or "actpass"]:
            setup = answer_setup(remote.setup or "actpass")
        description = build_answer(offer, setup=setup, **self._local_transport_kwargs())
        return RTCSessionDescription(sdp=str(description), type="answer")

    async def setLocalDescription(self, sessionDescription: DescriptionInput | None = None) -> None:
        """Apply a local description; without one, create the offer or answer implicitly.

        Gathers candidates and returns when gathering is complete (``localDescription``
        then lists them); ``icecandidate`` events follow right after. Raises
        InvalidStateError in the wrong signalling state, SdpParseError (a ValueError) for an
        unparsable description, InvalidAccessError for one that changes what this side
        created (ICE credentials, fingerprints).
        """
        self._assert_not_closed()
        if sessionDescription is None:
            if self.__signalingState == "have-remote-offer":
                sessionDescription = await self.createAnswer()
            else:
                sessionDescription = await self.createOffer()
        description = _to_description(sessionDescription)
        kind = description.type
        if kind == "rollback":
            self._rollback(local=True)
            return
        allowed: tuple[str, ...]
        if kind == "offer":
            allowed = ("stable", "have-local-offer")
        elif kind in ("answer", "pranswer"):
            allowed = ("have-remote-offer",)
        else:  # pragma: no cover - RTCSessionDescription validates the type
            raise ValueError(f"unknown description type {kind!r}")
        if self.__signalingState not in allowed:
            raise InvalidStateError(
                f'Cannot handle {kind} in signaling state "{self.__signalingState}"'
            )
        parsed = SessionDescription.parse(description.sdp, type=kind)
        local = parsed.data_channel_transport()
        self._check_local(local)
        setup = local.setup or ("actpass" if kind == "offer" else "active")
        if kind != "offer":
            assert self._pending_remote is not None  # have-remote-offer
            offered = self._pending_remote[1].data_channel_transport().setup or "actpass"
            if setup not in _ANSWER_SETUPS[offered]:
                raise InvalidAccessError(
                    f"a=setup:{setup} cannot answer a=setup:{offered} (RFC 8842 section 5.3)"
                )

        # Validated: apply.
        self._mid = local.mid
        self._mline_index = parsed.media.index(parsed.data_section())
        if kind == "offer":
            self._pending_local = (kind, parsed)
            if not self._ice_role_set and self._ice.state == "new":
                self._ice.role = "controlling"
            self._set_signaling_state("have-local-offer")
        else:
            self._local_setup = setup
            self._set_dtls_role(dtls_role(setup))
            assert self._pending_remote is not None
            self._current_remote = self._pending_remote
            self._pending_remote = None
            self._current_local = (kind, parsed)
            self._pending_local = None
            self._set_signaling_state("stable")

        await self._gather()
        if kind != "offer":
            self._start_connecting()

    async def setRemoteDescription(self, sessionDescription: DescriptionInput) -> None:
        """Apply the remote description (an RTCSessionDescription or ``{"type", "sdp"}``).

        Its candidates are handed to ICE; more may follow with :meth:`addIceCandidate`.
        Raises InvalidStateError in the wrong signalling state and SdpParseError (a
        ValueError naming the line) for a malformed description or one without a usable
        data section; nothing changes then.
        """
        self._assert_not_closed()
        description = _to_description(sessionDescription)
        kind = description.type
        if kind == "rollback":
            self._rollback(local=False)
            return
        allowed: tuple[str, ...] = (
            ("stable", "have-remote-offer") if kind == "offer" else ("have-local-offer",)
        )
        if self.__signalingState not in allowed:
            raise InvalidStateError(
                f'Cannot handle {kind} in signaling state "{self.__signalingState}"'
            )
        parsed = SessionDescription.parse(description.sdp, type=kind)
        remote = parsed.data_channel_transport()
        if kind != "offer":
            assert self._pending_local is not None  # have-local-offer
            offer = self._pending_local[1]
            offered = [(m.kind, m.mid) for m in offer.media]
            answered = [(m.kind, m.mid) for m in parsed.media]
            if offered != answered:
                raise SdpParseError(
                    f"the answer's m= sections {answered} do not match the offer's {offered}"
                )
        if self._remote is not None and (
            remote.ice_ufrag != self._remote.ice_ufrag
            or remote.ice_pwd != self._remote.ice_pwd
            or set(remote.fingerprints) != set(self._remote.fingerprints)
        ):
            raise InvalidAccessError("ICE restarts and DTLS certificate changes are not supported")
        ice_parameters = RTCIceParameters(
            usernameFragment=remote.ice_ufrag, password=remote.ice_pwd, iceLite=remote.ice_lite
        )
        data_index = parsed.media.index(parsed.data_section())
        candidates = [
            RTCIceCandidate.from_sdp(text, sdpMid=remote.mid, sdpMLineIndex=data_index)
            for text in remote.candidates
        ]

        # Validated: apply.
        first = self._remote is None
        self._remote = remote
        self._remote_ice = ice_parameters
        if first:
            for candidate in candidates:
                await self._ice.addRemoteCandidate(candidate)
            if remote.end_of_candidates:
                await self._ice.addRemoteCandidate(None)
        if kind == "offer":
            self._pending_remote = (kind, parsed)
            if self._mid is None:
                self._mid = remote.mid
            if not self._ice_role_set and self._ice.state == "new":
                # RFC 8445 section 6.1.1: the answerer is controlled, unless the offerer is
                # an ICE Lite agent (a full agent is then always controlling).
                self._ice.role = "controlling" if remote.ice_lite else "controlled"
            self._set_signaling_state("have-remote-offer")
        else:
            remote_setup = remote.setup or "active"
            self._set_dtls_role("server" if remote_setup == "active" else "client")
            assert self._pending_local is not None
            self._current_local = self._pending_local
            self._pending_local = None
            self._current_remote = (kind, parsed)
            self._pending_remote = None
            if remote.ice_lite and self._ice.state == "new":
                self._ice.role = "controlling"
            self._set_signaling_state("stable")
            self._start_connecting()

    async def addIceCandidate(self, candidate: object = None) -> None:
        """Add a remote candidate: our or aiortc's RTCIceCandidate, the browser's
        ``{"candidate", "sdpMid", "sdpMLineIndex"}`` dictionary, or ``None`` / an empty
        candidate string for end-of-candidates.

        Raises InvalidStateError before a remote description, TypeError when neither
        ``sdpMid`` nor ``sdpMLineIndex`` is given, OperationError when they name no section
        of the remote description, ValueError for a malformed candidate.
        """
        self._assert_not_closed()
        parsed = _to_candidate(candidate)
        entry = self._pending_remote or self._current_remote
        if entry is None:
            raise InvalidStateError("addIceCandidate() needs a remote description first")
        description = entry[1]
        section = description.data_section()
        if parsed is None:
            section.end_of_candidates = True
            await self._ice.addRemoteCandidate(None)
            return
        if parsed.sdpMid is None and parsed.sdpMLineIndex is None:
            raise TypeError("a candidate needs sdpMid or sdpMLineIndex")
        mids = [m.mid for m in description.media]
        if parsed.sdpMid is not None:
            known = parsed.sdpMid in mids
        else:
            known = parsed.sdpMLineIndex is not None and 0 <= parsed.sdpMLineIndex < len(mids)
        if not known:
            raise OperationError(
                f"no m= section for sdpMid={parsed.sdpMid!r} sdpMLineIndex={parsed.sdpMLineIndex!r}"
            )
        # Every section shares the one data transport (BUNDLE): a candidate trickled for an
        # offered audio section before our answer rejected it belongs to the same agent.
        if parsed.candidate not in section.candidates:
            section.candidates.append(parsed.candidate)
        await self._ice.addRemoteCandidate(parsed)

    # -- closing --------------------------------------------------------------------------

    async def close(self) -> None:
        """Close: SCTP SHUTDOWN (the peer's channels close), DTLS close_notify, ICE stop.

        States become ``closed``; no event is emitted afterwards. Harmless when repeated.
        """
        if self._closing is not None:
            await asyncio.shield(self._closing)
            return
        self._closing = asyncio.get_running_loop().create_future()
        self._closed = True
        self._set_signaling_state("closed")
        try:
            if self._connect_task is not None and not self._connect_task.done():
                self._connect_task.cancel()
            # Each layer is stopped even if the one above fails to: close() must always
            # release the sockets.
            for stop in (self._sctp.stop, self._dtls.stop, self._ice.stop):
                try:
                    await stop()
                except Exception:
                    logger.exception("RTCPeerConnection.close(): %s failed", stop.__qualname__)
        finally:
            self._update_gathering_state()
            self._update_ice_state()
            self._update_connection_state()
            # No event follows; drop listeners so the connection can be collected.
            self.remove_all_listeners()
            self._closing.set_result(None)

    # -- internals: descriptions ----------------------------------------------------------

    def _local_transport_kwargs(self) -> dict[str, Any]:
        ice = self._gatherer.getLocalParameters()
        complete = self._gatherer.state == "completed"
        candidates = [c.candidate for c in self._gatherer.getLocalCandidates()]
        self._session_version += 1
        return {
            "ice_ufrag": ice.usernameFragment,
            "ice_pwd": ice.password,
            "fingerprints": [self._sdp_fingerprint(f) for f in self._local_fingerprints()],
            "sctp_port": self._sctp.port,
            "max_message_size": self._sctp.maxMessageSize,
            "candidates": candidates,
            "end_of_candidates": complete,
            "session_id": self._session_id,
            "session_version": self._session_version,
        }

    def _local_fingerprints(self) -> list[RTCDtlsFingerprint]:
        return self._certificate.getFingerprints()

    @staticmethod
    def _sdp_fingerprint(fingerprint: RTCDtlsFingerprint) -> Fingerprint:
        return Fingerprint(fingerprint.algorithm, fingerprint.value)

    def _check_local(self, local: DataChannelTransport) -> None:
        """A local description may only be what this side created (JSEP 5.4: no munging of
        ICE credentials or fingerprints)."""
        ice = self._gatherer.getLocalParameters()
        if local.ice_ufrag != ice.usernameFragment or local.ice_pwd != ice.password:
            raise InvalidAccessError("the local description changes the ICE credentials")
        ours = {self._sdp_fingerprint(f) for f in self._local_fingerprints()}
        if not set(local.fingerprints) <= ours:
            raise InvalidAccessError("the local description has a fingerprint of another key")

    def _fill_local_candidates(self, description: SessionDescription) -> None:
        section = description.data_section()
        known = set(section.candidates)
        for candidate in self._gatherer.getLocalCandidates():
            text = candidate.candidate
            if text not in known:
                section.candidates.append(text)
                known.add(text)
        if section.candidates and section.port == 9:
            first = RTCIceCandidate.from_sdp(section.candidates[0])
            section.port = first.port
            family = "IP6" if ":" in first.ip else "IP4"
            section.connection = f"IN {family} {first.ip}"
        if self._gatherer.state == "completed":
            section.end_of_candidates = True

    def _rollback(self, *, local: bool) -> None:
        expected = "have-local-offer" if local else "have-remote-offer"
        if self.__signalingState != expected:
            raise InvalidStateError(
                f'Cannot roll back in signaling state "{self.__signalingState}"'
            )
        if self._connect_task is not None:
            raise InvalidStateError("Cannot roll back once the connection has started")
        if local:
            self._pending_local = None
        else:
            self._pending_remote = None
            self._remote = None
        self._set_signaling_state("stable")

    def _set_dtls_role(self, role: str) -> None:
        if self._dtls.state == "new":
            self._dtls._set_role(role)

    # -- internals: gathering and connecting ----------------------------------------------

    async def _gather(self) -> None:
        if self._gatherer.state == "completed":
            return
        await self._gatherer.gather()
        if not self._trickle_armed:
            self._trickle_armed = True
            # Announce after setLocalDescription() has returned, so an application that
            # sends the description first and then each candidate keeps that order.
            asyncio.get_running_loop().call_soon(self._flush_candidates)

    def _on_local_candidate(self, candidate: RTCIceCandidate | None) -> None:
        if candidate is not None:
            candidate.sdpMid = self._mid if self._mid is not None else "0"
            candidate.sdpMLineIndex = self._mline_index
        self._trickle.append(candidate)
        if self._trickle_armed:
            self._flush_candidates()

    def _flush_candidates(self) -> None:
        pending, self._trickle = self._trickle, []
        for candidate in pending:
            if self._closed:
                return
            self.emit("icecandidate", candidate)

    def _start_connecting(self) -> None:
        if self._connect_task is None and not self._closed:
            self._connect_task = asyncio.ensure_future(self._connect())

    async def _connect(self) -> None:
        remote = self._remote
        assert remote is not None
        await self._sctp.start(RTCSctpCapabilities(remote.max_message_size), remote.sctp_port)
        fingerprints = [RTCDtlsFingerprint(f.algorithm, f.value) for f in remote.fingerprints]
        remote_setup = remote.setup or ("active" if self._local_setup is None else "actpass")
        dtls_parameters = RTCDtlsParameters(
            fingerprints=fingerprints, role=_REMOTE_DTLS_ROLE[remote_setup]
        )
        if self._dtls.role != "auto":
            # The remote's role is the opposite of ours; "auto" there avoids a second
            # source of truth when the remote's a=setup was actpass.
            dtls_parameters.role = "server" if self._dtls.role == "client" else "client"
        self._ice_role_set = True
        assert self._remote_ice is not None  # set with self._remote
        ice_task = asyncio.ensure_future(self._ice.start(self._remote_ice))
        dtls_task = asyncio.ensure_future(self._dtls.start(dtls_parameters))
        try:
            results = await asyncio.gather(ice_task, dtls_task, return_exceptions=True)
        except asyncio.CancelledError:
            ice_task.cancel()
            dtls_task.cancel()
            raise
        for result in results:
            if isinstance(result, BaseException) and not self._closed:
                logger.info("RTCPeerConnection failed to connect: %s", result)

    # -- internals: states ----------------------------------------------------------------

    def _on_ice_statechange(self) -> None:
        self._update_ice_state()
        self._update_connection_state()

    def _on_dtls_statechange(self) -> None:
        self._update_connection_state()
        if self._dtls.state == "closed" and not self._closed and self._close_task is None:
            # The peer ended the DTLS session (close_notify): the connection is over.
            self._close_task = asyncio.ensure_future(self.close())

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        self.emit("datachannel", channel)

    def _update_gathering_state(self) -> None:
        state = {"new": "new", "gathering": "gathering", "completed": "complete"}[
            self._gatherer.state
        ]
        if state != self.__iceGatheringState:
            logger.debug(
                "RTCPeerConnection iceGatheringState %s -> %s", self.__iceGatheringState, state
            )
            self.__iceGatheringState = state
            self.emit("icegatheringstatechange")

    def _update_ice_state(self) -> None:
        state = "closed" if self._closed else self._ice.state
        if state != self.__iceConnectionState:
            logger.debug(
                "RTCPeerConnection iceConnectionState %s -> %s", self.__iceConnectionState, state
            )
            self.__iceConnectionState = state
            self.emit("iceconnectionstatechange")

    def _update_connection_state(self) -> None:
        # W3C WebRTC section 4.3.3, RTCPeerConnectionState, for one ICE and one DTLS
        # transport.
        ice, dtls = self._ice.state, self._dtls.state
        if self._closed:
            state = "closed"
        elif ice == "failed" or dtls == "failed":
            state = "failed"
        elif ice == "disconnected":
            state = "disconnected"
        elif ice in ("new", "closed") and dtls in ("new", "closed"):
            state = "new"
        elif ice in ("new", "checking") or dtls in ("new", "connecting"):
            state = "connecting"
        else:
            state = "connected"
        if state != self.__connectionState:
            logger.debug(
                "RTCPeerConnection connectionState %s -> %s", self.__connectionState, state
            )
            self.__connectionState = state
            self.emit("connectionstatechange")

    def _set_signaling_state(self, state: str) -> None:
        if state != self.__signalingState:
            logger.debug("RTCPeerConnection signalingState %s -> %s", self.__signalingState, state)
            self.__signalingState = state
            self.emit("signalingstatechange")

    def _assert_not_closed(self) -> None:
        if self._closed:
            raise InvalidStateError("RTCPeerConnection is closed")
