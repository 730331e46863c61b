"""A sans-I/O DCEP endpoint: data channels over the events of one SCTP association.

Theory of operation
-------------------
The manager owns the mapping "SCTP stream id -> data channel" of one association and the
rules RFC 8831 and RFC 8832 put on it. It does no I/O, reads no clock and never calls the
association. Three kinds of input reach it:

* association events (``handle_event``): AssociationEstablished, DataReceived,
  StreamsResetIncoming / StreamsResetOutgoing / StreamsResetFailed, AssociationClosed,
  AssociationRestarted;
* user commands: ``open_channel``, ``send``, ``close_channel``;
* configuration: ``remote_max_message_size``.

Its output is pulled: ``actions_to_apply()`` returns what the adapter must do to the
association, in order (``SendMessage`` -> ``Association.send``, ``ResetStreams`` ->
``Association.reset_streams``); ``next_event()`` returns channel events for the
RTCDataChannel objects. Applying the actions in the order given matters: a channel's
DATA_CHANNEL_OPEN comes before its first user message, and a ``ResetStreams`` comes after
the last message queued on that stream.

Channel life cycle (W3C readyState in brackets):

    open_channel() -> CONNECTING [connecting]
      association established: OPEN sent (DCEP) or nothing (negotiated)
      -> OPEN [open]                         event ChannelReady
    DATA_CHANNEL_OPEN received -> OPEN [open], ACK sent    event ChannelOpened
    close_channel() / incoming stream reset
      -> CLOSING [closing], our outgoing stream reset       event ChannelClosing
    both directions reset (RFC 8831 section 6.7)
      -> CLOSED [closed], stream id free again              event ChannelClosed

A locally opened DCEP channel is usable as soon as its OPEN is handed to the association, as
in Chromium: RFC 8832 section 6 lets user data follow the OPEN before the ACK, and ordered
delivery keeps it behind the OPEN. Until the ACK (or any other message) arrives on the
channel, user messages go ordered even on an unordered channel, as section 6 requires.

Peer misbehaviour never raises: a malformed OPEN, an OPEN that breaks the odd/even rule and
data for a stream nobody opened are counted in ``stats`` and logged at debug level; an
invalid OPEN on an unused stream is refused by resetting that stream (RFC 8832 section 6).
"""

from __future__ import annotations

import enum
import heapq
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..exceptions import InvalidStateError, OperationError, ParseError
from ..sctp.events import (
    AssociationClosed,
    AssociationEstablished,
    AssociationRestarted,
    BufferedAmountLow,
    DataReceived,
    StreamsResetFailed,
    StreamsResetIncoming,
    StreamsResetOutgoing,
)
from ..sctp.events import (
    Event as AssociationEvent,
)
from .dcep import (
    DCEP_OPEN_MESSAGE_TYPE,
    PPID_BINARY,
    PPID_BINARY_EMPTY,
    PPID_BINARY_PARTIAL,
    PPID_DCEP,
    PPID_STRING,
    PPID_STRING_EMPTY,
    PPID_STRING_PARTIAL,
    PRIORITY_LOW,
    DataChannelAck,
    DataChannelOpen,
    parse_dcep_message_untrusted,
)
from .parameters import MAX_STREAM_ID, RTCDataChannelParameters

if TYPE_CHECKING:
    from ..sctp.association import Association

__all__ = [
    "Action",
    "ChannelClosed",
    "ChannelClosing",
    "ChannelError",
    "ChannelEvent",
    "ChannelOpenAcked",
    "ChannelOpened",
    "ChannelReady",
    "ChannelState",
    "DataChannelManager",
    "DataChannelManagerStats",
    "MessageReceived",
    "ResetStreams",
    "SendMessage",
    "apply_action",
]

logger = logging.getLogger(__name__)

# RFC 8831 section 6.6: SCTP cannot carry an empty message, so an empty string or binary
# message is sent as one zero byte with its own PPID.
_EMPTY_PAYLOAD = b"\x00"
_ACK_PAYLOAD = DataChannelAck().serialize()
_OPEN_TYPE_BYTE = bytes([DCEP_OPEN_MESSAGE_TYPE])


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True)
class SendMessage:
    """Hand one user message to ``Association.send`` (lifetime in seconds)."""

    stream_id: int
    ppid: int
    data: bytes
    ordered: bool = True
    max_retransmits: int | None = None
    lifetime: float | None = None


@dataclass(frozen=True, slots=True)
class ResetStreams:
    """Call ``Association.reset_streams`` (RFC 6525 outgoing SSN reset) for these streams."""

    stream_ids: tuple[int, ...]


Action = SendMessage | ResetStreams


def apply_action(association: Association, action: Action, now: float) -> None:
    """Carry out one manager action on the association (the one place that maps them).

    Raises what the association raises (InvalidStateError, OperationError); the caller
    decides whether that reaches a user or is logged.
    """
    if isinstance(action, SendMessage):
        association.send(
            action.stream_id,
            action.ppid,
            action.data,
            now,
            ordered=action.ordered,
            max_retransmits=action.max_retransmits,
            lifetime=action.lifetime,
        )
    else:
        association.reset_streams(list(action.stream_ids), now)


# --------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class ChannelOpened:
    """The peer opened a channel with DATA_CHANNEL_OPEN; it is open, the ACK is queued."""

    stream_id: int
    parameters: RTCDataChannelParameters
    priority: int


@dataclass(frozen=True, slots=True)
class ChannelReady:
    """A channel created by ``open_channel`` is open: its DATA_CHANNEL_OPEN was handed to
    the association (DCEP), or the association came up (negotiated channel)."""

    stream_id: int


@dataclass(frozen=True, slots=True)
class ChannelOpenAcked:
    """The peer acknowledged our DATA_CHANNEL_OPEN; user data now follows ``ordered``."""

    stream_id: int


@dataclass(frozen=True, slots=True)
class MessageReceived:
    """One user message: ``str`` for text (PPID 51 / 56), ``bytes`` for binary (53 / 57)."""

    stream_id: int
    data: str | bytes


@dataclass(frozen=True, slots=True)
class ChannelClosing:
    """The channel started closing: by ``close_channel`` or by the peer's stream reset."""

    stream_id: int
    locally_initiated: bool


@dataclass(frozen=True, slots=True)
class ChannelClosed:
    """The channel is closed; its stream id may be used again."""

    stream_id: int


@dataclass(frozen=True, slots=True)
class ChannelError:
    """Something failed on the channel; a ChannelClosing or ChannelClosed follows."""

    stream_id: int
    reason: str


ChannelEvent = (
    ChannelOpened
    | ChannelReady
    | ChannelOpenAcked
    | MessageReceived
    | ChannelClosing
    | ChannelClosed
    | ChannelError
)


class ChannelState(enum.Enum):
    """The manager's view of a channel; the values are the W3C readyState strings."""

    CONNECTING = "connecting"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


@dataclass(slots=True)
class DataChannelManagerStats:
    """Counters, mostly of peer input that was dropped or refused."""

    channels_opened_locally: int = 0
    channels_opened_by_peer: int = 0
    messages_sent: int = 0
    messages_received: int = 0
    #: DATA_CHANNEL_OPEN refused by resetting its stream (malformed, wrong parity, too high).
    opens_refused: int = 0
    #: DATA_CHANNEL_OPEN dropped because its stream carries a channel already.
    opens_on_used_stream: int = 0
    #: DCEP messages that could not be decoded (the refused OPENs included).
    dcep_malformed: int = 0
    #: DATA_CHANNEL_ACK with no OPEN of ours waiting for it.
    acks_unexpected: int = 0
    #: User messages on a stream without a channel, or on a channel that is not open.
    messages_dropped: int = 0
    #: Messages with a PPID that WebRTC does not use for user data.
    unknown_ppid: int = 0
    #: Stream resets for streams without a channel.
    resets_unexpected: int = 0


# --------------------------------------------------------------------------- internals


@dataclass(slots=True)
class _Channel:
    stream_id: int
    parameters: RTCDataChannelParameters
    priority: int
    state: ChannelState
    # We sent a DATA_CHANNEL_OPEN and have seen no ACK yet.
    awaiting_ack: bool = False
    # The peer knows the channel: it opened it, acknowledged it, sent on it, or it is
    # negotiated. Until then user data goes ordered (RFC 8832 section 6).
    peer_knows: bool = True
    outgoing_reset_requested: bool = False
    outgoing_reset_done: bool = False
    incoming_reset_done: bool = False
    # Deprecated PPID 52 / 54 fragments waiting for their final piece.
    partial: list[bytes] = field(default_factory=list)
    partial_size: int = 0
    partial_overflow: bool = False


@dataclass(slots=True)
class _RefusedStream:
    # A stream we reset to refuse an OPEN or stray data: it stays taken until both
    # directions are reset, like a closing channel.
    outgoing_reset_done: bool = False
    incoming_reset_done: bool = False


class DataChannelManager:
    """DCEP and data-channel bookkeeping for one SCTP association (sans-I/O).

    :param is_dtls_client: Our DTLS role; the DTLS client uses even stream ids, the server
        odd ones (RFC 8832 section 6).
    :param max_channels: Stream ids are below this bound (at most 65535: id 65535 is
        reserved); the association's negotiated stream counts may lower it further.
    :param max_message_size: The largest message we accept; bounds the reassembly of the
        deprecated partial PPIDs 52 / 54 (0 = no limit).
    """

    def __init__(
        self,
        is_dtls_client: bool,
        max_channels: int = 65535,
        *,
        max_message_size: int = 262144,
    ) -> None:
        if not 1 <= max_channels <= MAX_STREAM_ID + 1:
            raise ValueError(f"max_channels must be in range 1-{MAX_STREAM_ID + 1}")
        self.is_dtls_client = is_dtls_client
        self.max_channels = max_channels
        self.max_message_size = max_message_size
        #: The peer's ``a=max-message-size`` (0 = no limit, None = not checked here);
        #: ``send`` refuses larger messages with OperationError before queueing anything.
        self.remote_max_message_size: int | None = None
        self.stats = DataChannelManagerStats()

        self._parity = 0 if is_dtls_client else 1
        self._channels: dict[int, _Channel] = {}
        self._refused: dict[int, _RefusedStream] = {}
        # Streams whose outgoing reset failed: their SSNs were never reset, so the ids are
        # not used again on this association.
        self._quarantined: set[int] = set()
        # Streams whose channel closed before the response to our outgoing reset arrived
        # (see _handle_open): that late response concerns the old channel, not a new one.
        self._stale_outgoing_resets: set[int] = set()
        # Lowest-free-id allocation: ids of our parity below _next_id that became free
        # again sit in a min-heap (entries may be stale; checked when popped).
        self._next_id = self._parity
        self._released: list[int] = []

        self._established = False
        self._terminated = False
        self._stream_limit = max_channels
        self._actions: list[Action] = []
        self._events: list[ChannelEvent] = []
        self._event_index = 0

        self._handlers: dict[type, Callable[[Any], None]] = {
            AssociationEstablished: self._handle_established,
            DataReceived: self._handle_data_received,
            StreamsResetIncoming: self._handle_streams_reset_incoming,
            StreamsResetOutgoing: self._handle_streams_reset_outgoing,
            StreamsResetFailed: self._handle_streams_reset_failed,
            AssociationClosed: self._handle_association_closed,
            AssociationRestarted: self._handle_association_restarted,
            BufferedAmountLow: self._ignore,
        }

    # ------------------------------------------------------------------ outputs

    def actions_to_apply(self) -> list[Action]:
        """Return, and forget, the actions for the association, oldest first."""
        actions = self._actions
        self._actions = []
        return actions

    def next_event(self) -> ChannelEvent | None:
        """Return the next channel event, or None when there is none."""
        if self._event_index < len(self._events):
            event = self._events[self._event_index]
            self._event_index += 1
            if self._event_index == len(self._events):
                self._events.clear()
                self._event_index = 0
            return event
        return None

    # ------------------------------------------------------------------ queries

    @property
    def established(self) -> bool:
        """Whether the association is up (and not closed)."""
        return self._established and not self._terminated

    def channel_state(self, stream_id: int) -> ChannelState | None:
        """The state of the channel on this stream, or None when there is none."""
        channel = self._channels.get(stream_id)
        return channel.state if channel is not None else None

    def channel_parameters(self, stream_id: int) -> RTCDataChannelParameters | None:
        """The parameters of the channel on this stream (with its ``id``), or None."""
        channel = self._channels.get(stream_id)
        return channel.parameters if channel is not None else None

    @property
    def stream_ids(self) -> list[int]:
        """Stream ids of the channels that are not closed, in creation order."""
        return list(self._channels)

    # ------------------------------------------------------------------ user commands

    def open_channel(
        self, parameters: RTCDataChannelParameters, *, priority: int = PRIORITY_LOW
    ) -> int:
        """Create a channel and return its stream id.

        A negotiated channel uses ``parameters.id``; any other gets the lowest free id of
        our DTLS role's parity (``parameters.id`` is ignored, as in the W3C API). The channel
        opens (event ChannelReady) when the association is up.

        Raises OperationError when the id is taken or none is free, InvalidStateError after
        the association closed.
        """
        if self._terminated:
            raise InvalidStateError("the SCTP association is closed")
        if parameters.negotiated:
            if parameters.id is None:
                raise ValueError("a negotiated data channel needs an id")
            stream_id = parameters.id
            if self._is_used(stream_id):
                raise OperationError(f"stream id {stream_id} is already in use")
            if stream_id >= self._stream_limit:
                raise OperationError(
                    f"stream id {stream_id} is beyond the {self._stream_limit} streams available"
                )
        else:
            stream_id = self._allocate_stream_id()
        params = RTCDataChannelParameters(
            label=parameters.label,
            maxPacketLifeTime=parameters.maxPacketLifeTime,
            maxRetransmits=parameters.maxRetransmits,
            ordered=parameters.ordered,
            protocol=parameters.protocol,
            negotiated=parameters.negotiated,
            id=stream_id,
        )
        # Encode the OPEN now so that a bad priority fails here, not at establishment.
        if not params.negotiated:
            self._open_message(params, priority)
        channel = _Channel(stream_id, params, priority, ChannelState.CONNECTING)
        self._channels[stream_id] = channel
        self.stats.channels_opened_locally += 1
        if self._established:
            self._start_local_channel(channel)
        return stream_id

    def send(self, stream_id: int, data: str | bytes | bytearray | memoryview) -> None:
        """Queue one user message on an open channel.

        Raises InvalidStateError when the channel is not open, OperationError when the
        message is larger than ``remote_max_message_size``, TypeError for other data types.
        """
        channel = self._channels.get(stream_id)
        if channel is None or channel.state is not ChannelState.OPEN:
            raise InvalidStateError(f"data channel {stream_id} is not open")
        if isinstance(data, str):
            if data:
                ppid, payload = PPID_STRING, data.encode("utf-8")
            else:
                ppid, payload = PPID_STRING_EMPTY, _EMPTY_PAYLOAD
        elif isinstance(data, bytes | bytearray | memoryview):
            payload = bytes(data)
            if payload:
                ppid = PPID_BINARY
            else:
                ppid, payload = PPID_BINARY_EMPTY, _EMPTY_PAYLOAD
        else:
            raise TypeError(f"data must be str or bytes, not {type(data).__name__}")
        limit = self.remote_max_message_size
        if limit and len(payload) > limit:
            raise OperationError(
                f"message of {len(payload)} bytes exceeds the peer's maximum of {limit}"
            )
        params = channel.parameters
        lifetime = params.maxPacketLifeTime
        self._actions.append(
            SendMessage(
                stream_id,
                ppid,
                payload,
                # RFC 8832 section 6: "before the DATA_CHANNEL_ACK message or any other
                # message has been received on a data channel, all other messages containing
                # user data and belonging to this data channel MUST be sent ordered".
                params.ordered or not channel.peer_knows,
                params.maxRetransmits,
                lifetime / 1000 if lifetime is not None else None,
            )
        )
        self.stats.messages_sent += 1

    def close_channel(self, stream_id: int) -> None:
        """Start closing a channel: reset our outgoing stream (RFC 8831 section 6.7).

        Does nothing for a channel that is closing or closed already. A channel that never
        reached the wire closes at once.
        """
        channel = self._channels.get(stream_id)
        if channel is None or channel.state in (ChannelState.CLOSING, ChannelState.CLOSED):
            return
        # A channel still CONNECTING never reached the wire: nothing to reset.
        announced = channel.state is not ChannelState.CONNECTING
        channel.state = ChannelState.CLOSING
        self._events.append(ChannelClosing(stream_id, True))
        if not announced or not self.established:
            self._finish(channel)
            return
        self._request_outgoing_reset(channel)

    # ------------------------------------------------------------------ association events

    def handle_event(self, event: AssociationEvent) -> None:
        """Feed one association event. Never raises on peer input."""
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def _ignore(self, event: AssociationEvent) -> None:
        # BufferedAmountLow concerns the RTCDataChannel adapter, which reads it itself.
        pass

    def _handle_established(self, event: AssociationEstablished) -> None:
        if self._terminated:
            return
        # A data channel uses one stream id in both directions.
        self._stream_limit = min(self.max_channels, event.outbound_streams, event.inbound_streams)
        if self._established:
            return
        self._established = True
        for channel in list(self._channels.values()):
            if channel.state is not ChannelState.CONNECTING:
                continue
            if channel.stream_id >= self._stream_limit:
                # W3C WebRTC section 6.2: a channel whose id does not fit the negotiated
                # stream count is closed with an error.
                self._events.append(
                    ChannelError(
                        channel.stream_id,
                        f"stream id beyond the {self._stream_limit} negotiated streams",
                    )
                )
                channel.state = ChannelState.CLOSING
                self._finish(channel)
            else:
                self._start_local_channel(channel)

    def _handle_data_received(self, event: DataReceived) -> None:
        if self._terminated:
            return
        if event.ppid == PPID_DCEP:
            self._handle_dcep(event.stream_id, event.data)
            return
        channel = self._channels.get(event.stream_id)
        if channel is None or channel.state is not ChannelState.OPEN:
            # RFC 8832 section 6 calls data on an unused stream an error and closes the
            # channel. libwebrtc drops it instead, and so do we: unordered data may overtake
            # a lost OPEN from a peer that sends it unordered before the ACK (werift), and
            # resetting would then kill a channel that is about to exist. W3C WebRTC 6.2
            # discards messages on channels that are not open.
            self.stats.messages_dropped += 1
            logger.debug(
                "dropped message on stream %d (ppid %d): no open channel",
                event.stream_id,
                event.ppid,
            )
            return
        # RFC 8832 section 6: "After the DATA_CHANNEL_ACK or any other message has been
        # received on the data channel", user data follows the channel's ordering.
        channel.peer_knows = True
        ppid = event.ppid
        message: str | bytes
        if ppid == PPID_BINARY:
            message = event.data
            if channel.partial:
                message = self._take_partial(channel, message)
        elif ppid == PPID_STRING:
            raw = event.data
            if channel.partial:
                raw = self._take_partial(channel, raw)
            # The WHATWG "UTF-8 decode" of the W3C API replaces invalid sequences.
            message = raw.decode("utf-8", errors="replace")
        elif ppid == PPID_STRING_EMPTY:
            message = ""
        elif ppid == PPID_BINARY_EMPTY:
            message = b""
        elif ppid in (PPID_STRING_PARTIAL, PPID_BINARY_PARTIAL):
            self._add_partial(channel, event.data)
            return
        else:
            self.stats.unknown_ppid += 1
            logger.debug("dropped message on stream %d: unknown ppid %d", event.stream_id, ppid)
            return
        if channel.partial_overflow:
            # The final piece of a partial message that grew too large.
            channel.partial_overflow = False
            self.stats.messages_dropped += 1
            self._events.append(
                ChannelError(channel.stream_id, "partial message exceeds the maximum size")
            )
            return
        self.stats.messages_received += 1
        self._events.append(MessageReceived(event.stream_id, message))

    def _handle_streams_reset_incoming(self, event: StreamsResetIncoming) -> None:
        if self._terminated:
            return
        for stream_id in event.stream_ids:
            channel = self._channels.get(stream_id)
            if channel is not None:
                channel.incoming_reset_done = True
                channel.partial.clear()
                channel.partial_size = 0
                channel.partial_overflow = False
                if channel.state is ChannelState.OPEN:
                    if channel.awaiting_ack and not channel.peer_knows:
                        # RFC 8832 section 6: a reset of a stream whose OPEN got no ACK
                        # tells the opener that the peer refused the channel.
                        self._events.append(ChannelError(stream_id, "the peer refused the channel"))
                    channel.state = ChannelState.CLOSING
                    self._events.append(ChannelClosing(stream_id, False))
                if not channel.outgoing_reset_requested:
                    # RFC 8831 section 6.7: "When the peer sees that an incoming stream was
                    # reset, it also resets its corresponding outgoing stream." Browsers
                    # keep the channel "closing" otherwise (INTEROP-NOTES).
                    self._request_outgoing_reset(channel)
                self._maybe_closed(channel)
                continue
            refused = self._refused.get(stream_id)
            if refused is not None:
                refused.incoming_reset_done = True
                self._maybe_release_refused(stream_id, refused)
                continue
            self.stats.resets_unexpected += 1
            logger.debug("incoming reset of stream %d without a channel", stream_id)

    def _handle_streams_reset_outgoing(self, event: StreamsResetOutgoing) -> None:
        if self._terminated:
            return
        for stream_id in event.stream_ids:
            if stream_id in self._stale_outgoing_resets:
                self._end_stale_reset(stream_id)
                continue
            channel = self._channels.get(stream_id)
            if channel is not None:
                channel.outgoing_reset_done = True
                self._maybe_closed(channel)
                continue
            refused = self._refused.get(stream_id)
            if refused is not None:
                refused.outgoing_reset_done = True
                self._maybe_release_refused(stream_id, refused)

    def _handle_streams_reset_failed(self, event: StreamsResetFailed) -> None:
        if self._terminated:
            return
        for stream_id in event.stream_ids:
            if stream_id in self._stale_outgoing_resets:
                # The peer performed it before reusing the id (see _handle_open); nothing
                # sensible is left to do for the closed channel.
                logger.debug("late reset failure of stream %d ignored", stream_id)
                self._end_stale_reset(stream_id)
                continue
            channel = self._channels.get(stream_id)
            if channel is not None and channel.outgoing_reset_requested:
                # The stream's sequence numbers were not reset, so its id must not carry a
                # new channel on this association.
                self._quarantined.add(stream_id)
                self._events.append(ChannelError(stream_id, f"stream reset failed: {event.reason}"))
                channel.state = ChannelState.CLOSED
                del self._channels[stream_id]
                self._events.append(ChannelClosed(stream_id))
            elif self._refused.pop(stream_id, None) is not None:
                self._quarantined.add(stream_id)

    def _handle_association_closed(self, event: AssociationClosed) -> None:
        if self._terminated:
            return
        self._terminated = True
        # Nothing queued can reach the association any more.
        self._actions.clear()
        self._close_all()

    def _handle_association_restarted(self, event: AssociationRestarted) -> None:
        if self._terminated:
            return
        # The peer lost its state (RFC 9260 section 5.2.4): its channels are gone, and
        # every stream starts afresh.
        self._actions.clear()
        self._close_all()
        self._refused.clear()
        self._quarantined.clear()
        self._stale_outgoing_resets.clear()
        self._released.clear()
        self._next_id = self._parity

    # ------------------------------------------------------------------ DCEP

    def _handle_dcep(self, stream_id: int, data: bytes) -> None:
        try:
            message = parse_dcep_message_untrusted(data)
        except ParseError as exc:
            self.stats.dcep_malformed += 1
            logger.debug("malformed DCEP message on stream %d: %s", stream_id, exc)
            if data[:1] == _OPEN_TYPE_BYTE and not self._is_used(stream_id):
                # RFC 8832 section 6: an OPEN that "itself is not well formed" is refused
                # by closing the channel, without an ACK.
                self.stats.opens_refused += 1
                self._refuse(stream_id)
            return
        if isinstance(message, DataChannelOpen):
            self._handle_open(stream_id, message)
        else:
            self._handle_ack(stream_id)

    def _handle_open(self, stream_id: int, message: DataChannelOpen) -> None:
        old = self._channels.get(stream_id)
        if (
            old is not None
            and old.incoming_reset_done
            and old.outgoing_reset_requested
            and not old.outgoing_reset_done
        ):
            # The peer reset its direction of the stream and now opens a new channel on it:
            # it only reuses the id once its own channel closed, which needs our outgoing
            # reset performed at its end (RFC 8831 section 6.7). The response saying so is
            # merely late (lost, or overtaken by this OPEN), so the old channel is closed now
            # and the late response is ignored. Our messages on the stream stay held by the
            # association until that response arrives, so they get the reset SSNs.
            self._stale_outgoing_resets.add(stream_id)
            self._finish(old)
        if self._is_used(stream_id):
            # Closing the existing channel for a stray OPEN would hurt an innocent channel;
            # libwebrtc drops such an OPEN as well.
            self.stats.opens_on_used_stream += 1
            logger.debug("dropped DCEP OPEN on stream %d: stream in use", stream_id)
            return
        if stream_id % 2 == self._parity:
            # RFC 8832 section 6: the opener picks ids by its DTLS role, so this id is
            # ours to choose; an OPEN breaking "the odd/even rule" is refused.
            self.stats.opens_refused += 1
            logger.debug("refused DCEP OPEN on stream %d: wrong parity", stream_id)
            self._refuse(stream_id)
            return
        if stream_id >= self._stream_limit:
            self.stats.opens_refused += 1
            logger.debug("refused DCEP OPEN on stream %d: beyond the limit", stream_id)
            self._refuse(stream_id)
            return
        parameters = RTCDataChannelParameters(
            label=message.label,
            maxPacketLifeTime=message.max_packet_life_time,
            maxRetransmits=message.max_retransmits,
            ordered=message.ordered,
            protocol=message.protocol,
            negotiated=False,
            id=stream_id,
        )
        channel = _Channel(stream_id, parameters, message.priority, ChannelState.OPEN)
        self._channels[stream_id] = channel
        self.stats.channels_opened_by_peer += 1
        # RFC 8832 section 6: all DCEP messages are sent ordered and reliable.
        self._actions.append(SendMessage(stream_id, PPID_DCEP, _ACK_PAYLOAD))
        self._events.append(ChannelOpened(stream_id, parameters, message.priority))

    def _handle_ack(self, stream_id: int) -> None:
        channel = self._channels.get(stream_id)
        if channel is None or not channel.awaiting_ack:
            self.stats.acks_unexpected += 1
            logger.debug("dropped unexpected DCEP ACK on stream %d", stream_id)
            return
        channel.awaiting_ack = False
        channel.peer_knows = True
        if channel.state is ChannelState.OPEN:
            self._events.append(ChannelOpenAcked(stream_id))

    # ------------------------------------------------------------------ helpers

    def _open_message(self, params: RTCDataChannelParameters, priority: int) -> bytes:
        return DataChannelOpen.from_options(
            label=params.label,
            protocol=params.protocol,
            ordered=params.ordered,
            max_retransmits=params.maxRetransmits,
            max_packet_life_time=params.maxPacketLifeTime,
            priority=priority,
        ).serialize()

    def _start_local_channel(self, channel: _Channel) -> None:
        params = channel.parameters
        if not params.negotiated:
            # RFC 8832 section 6: the OPEN goes ordered and reliable on the channel's stream.
            self._actions.append(
                SendMessage(
                    channel.stream_id, PPID_DCEP, self._open_message(params, channel.priority)
                )
            )
            channel.awaiting_ack = True
            channel.peer_knows = False
        channel.state = ChannelState.OPEN
        self._events.append(ChannelReady(channel.stream_id))

    def _request_outgoing_reset(self, channel: _Channel) -> None:
        channel.outgoing_reset_requested = True
        if channel.stream_id in self._stale_outgoing_resets:
            # The association still runs the old channel's reset of this stream and would
            # take this one for a duplicate: it is queued once that one is answered.
            return
        self._queue_reset(channel.stream_id)

    def _end_stale_reset(self, stream_id: int) -> None:
        self._stale_outgoing_resets.discard(stream_id)
        channel = self._channels.get(stream_id)
        if channel is not None and channel.outgoing_reset_requested:
            self._queue_reset(stream_id)

    def _queue_reset(self, stream_id: int) -> None:
        # Adjacent resets travel in one RE-CONFIG request; a reset never moves ahead of a
        # message queued before it on the same stream.
        if self._actions and isinstance(last := self._actions[-1], ResetStreams):
            self._actions[-1] = ResetStreams((*last.stream_ids, stream_id))
        else:
            self._actions.append(ResetStreams((stream_id,)))

    def _maybe_closed(self, channel: _Channel) -> None:
        # RFC 8831 section 6.7: the channel is closed once both directions are reset.
        if channel.outgoing_reset_done and channel.incoming_reset_done:
            self._finish(channel)

    def _finish(self, channel: _Channel) -> None:
        channel.state = ChannelState.CLOSED
        del self._channels[channel.stream_id]
        self._events.append(ChannelClosed(channel.stream_id))
        self._release(channel.stream_id)

    def _close_all(self) -> None:
        for channel in list(self._channels.values()):
            channel.state = ChannelState.CLOSED
            self._events.append(ChannelClosed(channel.stream_id))
        self._channels.clear()

    def _refuse(self, stream_id: int) -> None:
        self._refused[stream_id] = _RefusedStream()
        self._queue_reset(stream_id)

    def _maybe_release_refused(self, stream_id: int, refused: _RefusedStream) -> None:
        if refused.outgoing_reset_done and refused.incoming_reset_done:
            del self._refused[stream_id]
            self._release(stream_id)

    def _is_used(self, stream_id: int) -> bool:
        return (
            stream_id in self._channels
            or stream_id in self._refused
            or stream_id in self._quarantined
        )

    def _release(self, stream_id: int) -> None:
        if stream_id % 2 == self._parity and stream_id < self._next_id:
            heapq.heappush(self._released, stream_id)

    def _allocate_stream_id(self) -> int:
        limit = self._stream_limit
        released = self._released
        while released:
            stream_id = heapq.heappop(released)
            if stream_id < limit and not self._is_used(stream_id):
                return stream_id
        while self._next_id < limit:
            stream_id = self._next_id
            self._next_id += 2
            if not self._is_used(stream_id):
                return stream_id
        raise OperationError("no free SCTP stream id for a new data channel")

    def _add_partial(self, channel: _Channel, data: bytes) -> None:
        # Deprecated PPIDs 52 / 54 (RFC 8831 section 8): old browsers split big messages
        # into partial pieces followed by a final 51 / 53 piece. Reassembled, but bounded.
        if channel.partial_overflow:
            return
        channel.partial_size += len(data)
        if self.max_message_size and channel.partial_size > self.max_message_size:
            channel.partial.clear()
            channel.partial_size = 0
            channel.partial_overflow = True
            return
        channel.partial.append(data)

    def _take_partial(self, channel: _Channel, final: bytes) -> bytes:
        channel.partial.append(final)
        message = b"".join(channel.partial)
        channel.partial.clear()
        channel.partial_size = 0
        return message
