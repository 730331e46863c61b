"""The sans-I/O SCTP association (RFC 9260, with RFC 3758 and RFC 6525), as used by WebRTC.

Theory of operation
-------------------
The association never reads a clock and never does I/O.  Its inputs are method calls that
carry ``now`` (float seconds): :meth:`Association.connect`, :meth:`~Association.receive_packet`
(one decrypted SCTP packet), :meth:`~Association.handle_timer`, :meth:`~Association.send`,
:meth:`~Association.reset_streams`, :meth:`~Association.shutdown`, :meth:`~Association.abort`.
Its outputs are pulled: :meth:`~Association.packets_to_send` (bundled, checksummed packets),
:meth:`~Association.next_event` (values from :mod:`aiortc_transport.sctp.events`) and
:meth:`~Association.get_timer` (one absolute deadline).  A driver loops: after any input,
drain events, send every packet, re-arm one timer.

Phases
------
* Setup (section 5): INIT -> INIT ACK (carrying a signed, time-limited cookie; nothing is
  kept) -> COOKIE ECHO -> COOKIE ACK, with T1-init / T1-cookie and the collision / restart
  cases of section 5.2 (both WebRTC peers usually send INIT at once).
* Data (section 6): send queue and scheduler (``tx/send_queue.py``), retransmission queue
  with congestion control (``tx/retransmission_queue.py``), RTO (``tx/rto.py``), data tracker
  and delayed SACK (``rx/data_tracker.py``), reassembly (``rx/reassembly.py``), partial
  reliability with FORWARD TSN (RFC 3758), stream reset (RFC 6525, ``stream_reset.py``).
* Supervision (section 8): heartbeats on idle, one error counter for the single path and the
  association (Path.Max.Retrans = Association.Max.Retrans), verification tags on every packet.
* Teardown (section 9): SHUTDOWN / SHUTDOWN ACK / SHUTDOWN COMPLETE with T2 and a guard
  timer, ABORT either way.

Packets are built in :meth:`~Association.packets_to_send` only: control chunks, then a SACK,
then FORWARD TSN, then retransmissions, then new DATA, each packet filled up to the MTU.
"""

from __future__ import annotations

import logging
import random
import struct
from collections import deque
from collections.abc import Callable
from typing import Any

from aiortc_transport.exceptions import InvalidStateError, OperationError, ParseError

from ..events import (
    AssociationClosed,
    AssociationEstablished,
    AssociationRestarted,
    BufferedAmountLow,
    DataReceived,
    Event,
)
from ..options import AssociationOptions
from ..packet.chunk import (
    AbortChunk,
    Chunk,
    CookieAckChunk,
    CookieEchoChunk,
    DataChunk,
    ErrorChunk,
    ForwardTsnChunk,
    HeartbeatAckChunk,
    HeartbeatRequestChunk,
    IDataChunk,
    IForwardTsnChunk,
    InitAckChunk,
    InitChunk,
    ReConfigChunk,
    SackChunk,
    ShutdownAckChunk,
    ShutdownChunk,
    ShutdownCompleteChunk,
    UnknownChunk,
    serialize_data_chunk,
    serialize_idata_chunk,
)
from ..packet.chunk.data import FLAG_BEGINNING, FLAG_END, FLAG_UNORDERED
from ..packet.error_cause import (
    CookieReceivedWhileShuttingDownCause,
    ErrorCause,
    InvalidStreamIdentifierCause,
    MissingMandatoryParameterCause,
    NoUserDataCause,
    ProtocolViolationCause,
    StaleCookieCause,
    UnrecognizedChunkTypeCause,
    UserInitiatedAbortCause,
)
from ..packet.packet import SctpPacket, serialize_packet
from ..packet.parameter import (
    ForwardTsnSupportedParameter,
    Parameter,
    StateCookieParameter,
    SupportedExtensionsParameter,
    UnknownParameter,
)
from ..rx.data_tracker import DataTracker
from ..rx.interleaved_reassembly import InterleavedReassemblyQueue
from ..rx.reassembly import ReassemblyQueue
from ..sequence import unwrap_tsn, wrap_tsn
from ..timer import Timer
from ..tx.retransmission_queue import RetransmissionQueue
from ..tx.rto import RtoEstimator
from ..tx.send_queue import OutgoingMessage, SendQueue
from .state import DATA_RECEIVE_STATES, DATA_SEND_STATES, AssociationState, AssociationStats
from .state_cookie import FEATURE_FORWARD_TSN, FEATURE_IDATA, FEATURE_RECONFIG, StateCookie
from .stream_reset import StreamResetHandler

logger = logging.getLogger(__name__)

_S = AssociationState
_FORWARD_TSN_TYPE = 192
_RECONFIG_TYPE = 130
_IDATA_TYPE = 64
_IFORWARD_TSN_TYPE = 194
_COMMON_HEADER_SIZE = 12
_DATA_HEADER_SIZE = 16
_IDATA_HEADER_SIZE = 20
_HEARTBEAT_INFO = struct.Struct("!dQ")
#: The Unrecognized Parameter parameter of INIT ACK (RFC 9260 section 3.3.3).
_UNRECOGNIZED_PARAMETER_TYPE = 8
#: INIT / INIT ACK parameter types we recognize without using them (RFC 9260 3.3.2.1 and
#: extensions): IPv4/IPv6 address, cookie preservative, unrecognized parameter, host name,
#: supported address types, ECN, random, chunk list, HMAC algorithms, padding, adaptation
#: layer indication.  The upper-two-bits rule applies only to the others.
_KNOWN_INIT_PARAMETERS = frozenset(
    {5, 6, 8, 9, 11, 12, 0x8000, 0x8002, 0x8003, 0x8004, 0x8005, 0xC006}
)


class Association:
    """A sans-I/O SCTP association; see the module docstring for the theory of operation."""

    def __init__(
        self, options: AssociationOptions | None = None, *, rng: random.Random | None = None
    ) -> None:
        self._options = options = options if options is not None else AssociationOptions()
        self._rng = rng if rng is not None else random.SystemRandom()
        self._secret = self._rng.getrandbits(256).to_bytes(32, "big")
        self.state = _S.CLOSED
        self.stats = AssociationStats()
        self._events: deque[Event] = deque()
        # Fully built packets (INIT, out-of-the-blue replies, T-bit packets).
        self._raw_packets: list[bytes] = []
        # Serialized control chunks for the next packet(s), sent with the peer's tag.
        self._control: list[bytes] = []

        self.peer_tag = 0
        # Our tag and initial TSN are drawn once per association attempt and used both for
        # our own INIT and for INIT ACKs sent while CLOSED: when both WebRTC peers initiate,
        # the peer may see our INIT ACK first and our INIT later, and some stacks (aiortc
        # 1.16) then adopt the INIT's tag; with one tag both paths agree.
        self.my_tag = self._random_tag()
        self._my_initial_tsn = self._rng.getrandbits(32)
        #: Tag of the association that last closed (its stragglers are dropped silently).
        self._closed_tag = 0
        self._peer_initial_tsn = 0
        self._peer_forward_tsn = False
        self._peer_reconfig = False
        #: I-DATA / I-FORWARD-TSN in use (RFC 8260): both sides advertised both.
        self._interleaving = False
        self.outbound_streams = 0
        self.inbound_streams = 0
        self._init_chunk: bytes | None = None
        self._cookie_echo_chunk: bytes | None = None
        self._established_once = False
        self._closed_event_sent = False

        self._rto = RtoEstimator(options.rto_initial, options.rto_min, options.rto_max)
        self._t1_init = Timer("t1-init", options.rto_initial, options.rto_max)
        self._t1_cookie = Timer("t1-cookie", options.rto_initial, options.rto_max)
        self._t3_rtx = Timer("t3-rtx", options.rto_initial)
        self._t2_shutdown = Timer("t2-shutdown", options.rto_initial)
        self._t5_guard = Timer("t5-shutdown-guard", 5 * options.rto_max)
        self._heartbeat = Timer("heartbeat", options.heartbeat_interval)
        self._heartbeat_ack = Timer("heartbeat-ack", options.rto_initial)
        self._reconfig = Timer("reconfig", options.rto_initial)
        self._timers = (
            self._t1_init,
            self._t1_cookie,
            self._t3_rtx,
            self._t2_shutdown,
            self._t5_guard,
            self._heartbeat,
            self._heartbeat_ack,
            self._reconfig,
        )
        self._error_count = 0
        self._heartbeat_nonce = 0
        self._last_data_sent_at = 0.0

        self._send_queue = SendQueue()
        self._tx: RetransmissionQueue | None = None
        self._tracker: DataTracker | None = None
        self._reassembly: ReassemblyQueue | InterleavedReassemblyQueue = ReassemblyQueue(
            self._deliver
        )
        self._undelivered_bytes = 0
        self._last_advertised_rwnd = options.a_rwnd
        self._reset = StreamResetHandler(self)
        mtu = options.mtu
        #: User data per full DATA chunk: mtu - 12 - 16, down to a multiple of 4 (1160 at
        #: 1191, like Chromium).
        self._max_fragment = (mtu - _COMMON_HEADER_SIZE - _DATA_HEADER_SIZE) & ~3
        #: The same for I-DATA (4 more header bytes).
        self._max_ifragment = (mtu - _COMMON_HEADER_SIZE - _IDATA_HEADER_SIZE) & ~3

        self._handlers: dict[type[Any], Callable[[Any, float], bool]] = {
            SackChunk: self._handle_sack,
            HeartbeatRequestChunk: self._handle_heartbeat,
            HeartbeatAckChunk: self._handle_heartbeat_ack,
            InitAckChunk: self._handle_init_ack,
            CookieAckChunk: self._handle_cookie_ack,
            ShutdownChunk: self._handle_shutdown,
            ShutdownAckChunk: self._handle_shutdown_ack,
            ShutdownCompleteChunk: self._handle_shutdown_complete,
            ErrorChunk: self._handle_error,
            AbortChunk: self._handle_abort,
            ForwardTsnChunk: self._handle_forward_tsn,
            IForwardTsnChunk: self._handle_forward_tsn,
            ReConfigChunk: self._handle_reconfig,
            InitChunk: self._handle_unexpected,
            CookieEchoChunk: self._handle_unexpected,
        }

    # ==================================================================================
    # Public API
    # ==================================================================================
    @property
    def options(self) -> AssociationOptions:
        """The options this association was created with."""
        return self._options

    @property
    def rto(self) -> float:
        """The current retransmission timeout."""
        return self._rto.rto

    @property
    def srtt(self) -> float | None:
        """The smoothed round-trip time, once measured."""
        return self._rto.srtt

    @property
    def cwnd(self) -> int:
        """The congestion window (0 before establishment)."""
        return self._tx.cwnd if self._tx is not None else 0

    def connect(self, now: float) -> None:
        """Send INIT (RFC 9260 section 5.1 A).  Both peers may do it: collisions are handled."""
        if self.state != _S.CLOSED:
            raise InvalidStateError(f"connect() in state {self.state.value}")
        self._closed_event_sent = False
        self._send_init(now)

    def receive_packet(self, data: bytes, now: float) -> None:
        """Process one SCTP packet from the peer.  Never raises on peer input."""
        self.stats.packets_received += 1
        try:
            packet = SctpPacket.parse_untrusted(data)
        except ParseError as exc:
            self.stats.packets_dropped += 1
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("dropped undecodable packet: %s", exc)
            return
        try:
            self._receive(packet, now)
        except Exception:  # pragma: no cover - a bug, counted and logged, never propagated
            self.stats.internal_errors += 1
            logger.exception("internal error while handling %s", packet)

    def end_of_burst(self) -> None:
        """Every packet that arrived together has been received: acknowledge them now.

        RFC 9260 section 6.2 bounds the delay of a SACK (every second packet, 200 ms at
        most) and allows sending it sooner. Waiting for the timer after an odd last packet of
        a burst stalls a sender that keeps few chunks in flight: aiortc 1.16 sends at most
        four chunks per SACK and queues its next message only when a SACK arrives, so it
        would wait the full delay after every message with an odd number of packets.
        """
        tracker = self._tracker
        if tracker is not None and tracker.delayed_ack_at is not None:
            tracker.force_sack()

    def handle_timer(self, now: float) -> None:
        """Run whatever timers are due."""
        tracker = self._tracker
        if tracker is not None:
            delayed_ack_at = tracker.delayed_ack_at
            if delayed_ack_at is not None and delayed_ack_at <= now:
                tracker.force_sack()
        for timer in self._timers:
            if timer.is_due(now):
                self._on_timer(timer, now)

    def get_timer(self) -> float | None:
        """The earliest absolute deadline, or None."""
        deadline: float | None = None
        for timer in self._timers:
            at = timer.expires_at
            if at is not None and (deadline is None or at < deadline):
                deadline = at
        tracker = self._tracker
        if tracker is not None:
            at = tracker.delayed_ack_at
            if at is not None and (deadline is None or at < deadline):
                deadline = at
        return deadline

    def next_event(self) -> Event | None:
        """Pop the next event, or None."""
        if not self._events:
            return None
        event = self._events.popleft()
        if type(event) is DataReceived:
            self._undelivered_bytes -= len(event.data)
            self._maybe_window_update()
        return event

    def send(
        self,
        stream_id: int,
        ppid: int,
        data: bytes,
        now: float,
        *,
        ordered: bool = True,
        max_retransmits: int | None = None,
        lifetime: float | None = None,
    ) -> None:
        """Queue one user message.

        ``lifetime`` is in seconds (W3C maxPacketLifeTime / 1000); ``max_retransmits`` and
        ``lifetime`` make the message partially reliable (RFC 3758, if the peer supports it).
        Raises InvalidStateError unless established, OperationError when the message exceeds
        the peer's maximum message size, is empty, names a stream that does not exist, or
        does not fit the send buffer.
        """
        if self.state != _S.ESTABLISHED:
            raise InvalidStateError(f"send() in state {self.state.value}")
        size = len(data)
        limit = self._options.remote_max_message_size
        if limit and size > limit:
            raise OperationError(f"message of {size} bytes exceeds the peer's limit of {limit}")
        if size == 0:
            raise OperationError("SCTP cannot carry empty messages (RFC 8831 section 6.6)")
        if not 0 <= stream_id < self.outbound_streams:
            raise OperationError(
                f"stream {stream_id} does not exist ({self.outbound_streams} outbound streams)"
            )
        queue = self._send_queue
        if queue.total_buffered + size > self._options.send_buffer_size:
            raise OperationError("send buffer full")
        if not self._peer_forward_tsn:
            # Without RFC 3758 at the peer every message is reliable.
            max_retransmits = None
            lifetime = None
        queue.add(
            OutgoingMessage(
                stream_id,
                ppid,
                bytes(data),
                ordered,
                max_retransmits,
                None if lifetime is None else now + lifetime,
            )
        )

    def buffered_amount(self, stream_id: int) -> int:
        """Bytes accepted by send() on this stream and not yet handed to the network."""
        return self._send_queue.buffered_amount(stream_id)

    def set_buffered_amount_low_threshold(self, stream_id: int, n: int) -> None:
        """BufferedAmountLow(stream_id) fires when the buffered amount falls to ``n`` or below."""
        self._send_queue.set_low_threshold(stream_id, n)

    def reset_streams(self, stream_ids: list[int], now: float) -> None:
        """Reset our outgoing direction of these streams (RFC 6525 section 5.1.2).

        Messages already queued on them are sent first.  StreamsResetOutgoing or
        StreamsResetFailed reports the outcome.
        """
        if self.state != _S.ESTABLISHED:
            raise InvalidStateError(f"reset_streams() in state {self.state.value}")
        if not self._peer_reconfig:
            raise OperationError("the peer does not support stream reconfiguration")
        self._reset.request(stream_ids, now)

    def shutdown(self, now: float) -> None:
        """Graceful shutdown (RFC 9260 section 9.2): queued data is delivered first."""
        state = self.state
        if state in (
            _S.CLOSED,
            _S.SHUTDOWN_PENDING,
            _S.SHUTDOWN_SENT,
            _S.SHUTDOWN_RECEIVED,
            _S.SHUTDOWN_ACK_SENT,
        ):
            return
        if state in (_S.COOKIE_WAIT, _S.COOKIE_ECHOED):
            # No association yet to shut down gracefully.
            self.abort("shutdown before establishment", now)
            return
        self.state = _S.SHUTDOWN_PENDING
        self._maybe_progress_shutdown(now)

    def abort(self, reason: str, now: float) -> None:
        """Send ABORT with a User-Initiated Abort cause and close at once."""
        if self.state == _S.CLOSED:
            return
        if self.peer_tag:
            chunk = AbortChunk([UserInitiatedAbortCause(reason)]).serialize()
            self._raw_packets.append(self._packet(self.peer_tag, [chunk]))
        self._close(reason, aborted=True)

    # ==================================================================================
    # Receiving
    # ==================================================================================
    def _receive(self, packet: SctpPacket, now: float) -> None:
        options = self._options
        if packet.destination_port != options.local_port or (
            packet.source_port != options.remote_port
        ):
            self.stats.packets_dropped += 1
            return
        chunks = packet.chunks
        tag = packet.verification_tag
        first = chunks[0]
        first_type = type(first)
        # Verification tag rules, RFC 9260 section 8.5 / 8.5.1.
        if first_type is InitChunk:
            # 8.5.1 A: vtag 0, and "the INIT chunk MUST be the only chunk in the SCTP packet".
            if tag != 0 or len(chunks) != 1:
                self.stats.packets_dropped += 1
                return
            self._handle_init(first, now)  # type: ignore[arg-type]
            return
        if first_type is CookieEchoChunk:
            # The tag is checked against the cookie (5.2.4); later chunks (DATA) follow it.
            if not self._handle_cookie_echo(first, tag, now):  # type: ignore[arg-type]
                self.stats.packets_dropped += 1
                return
            chunks = chunks[1:]
        elif first_type is AbortChunk or first_type is ShutdownCompleteChunk:
            # 8.5.1 B/C: our tag, or the peer's own with the T bit.
            reflected = first.tag_reflected  # type: ignore[union-attr]
            if self.state == _S.CLOSED or not (
                (not reflected and tag == self.my_tag) or (reflected and tag == self.peer_tag)
            ):
                self.stats.packets_dropped += 1
                return
        elif self.state == _S.CLOSED:
            self._handle_out_of_the_blue(packet)
            return
        elif first_type is ShutdownAckChunk and self.state in (_S.COOKIE_WAIT, _S.COOKIE_ECHOED):
            # 8.4 (5) / 8.5.1 E: answer with SHUTDOWN COMPLETE, T bit, and drop.
            if tag == self.my_tag:
                self._raw_packets.append(
                    self._packet(tag, [ShutdownCompleteChunk(tag_reflected=True).serialize()])
                )
            return
        elif tag != self.my_tag:
            self.stats.packets_dropped += 1
            return

        handlers = self._handlers
        had_data = False
        tracker = self._tracker
        for chunk in chunks:
            chunk_type = type(chunk)
            if chunk_type is DataChunk or chunk_type is IDataChunk:
                if self._handle_data(chunk, now):  # type: ignore[arg-type]
                    had_data = True
                elif self.state == _S.CLOSED:
                    return
                continue
            if chunk_type is UnknownChunk:
                if not self._handle_unknown(chunk):  # type: ignore[arg-type]
                    break
                continue
            handler = handlers.get(chunk_type)
            if handler is not None and not handler(chunk, now):
                break
            if self.state == _S.CLOSED:
                return
        tracker = self._tracker
        if tracker is not None and had_data:
            self._reset.after_data_received(now)
            tracker.packet_end(now, True, self._delayed_ack_timeout())
            if self._receive_window() < self._options.mtu:
                # A (nearly) closed window leaves the sender with zero-window probes, one
                # chunk per acknowledgement (6.1 A). Acknowledge at once (6.2 allows sooner
                # than the delayed-SACK timer), or a message larger than the whole window
                # crawls at one chunk per 200 ms.
                tracker.force_sack()
            if self.state == _S.SHUTDOWN_SENT:
                # 9.2: every packet with DATA is answered with SHUTDOWN (and T2 restarted).
                self._send_shutdown(now)

    def _handle_out_of_the_blue(self, packet: SctpPacket) -> None:
        """RFC 9260 section 8.4, for packets that belong to no association."""
        self.stats.packets_dropped += 1
        for chunk in packet.chunks:
            chunk_type = type(chunk)
            if chunk_type in (AbortChunk, ShutdownCompleteChunk, ErrorChunk):
                return  # (2), (6), and errors: discard silently
            if chunk_type is ShutdownAckChunk:
                # (5): SHUTDOWN COMPLETE with the T bit.
                self._raw_packets.append(
                    self._packet(
                        packet.verification_tag,
                        [ShutdownCompleteChunk(tag_reflected=True).serialize()],
                    )
                )
                return
        if self._closed_tag and packet.verification_tag == self._closed_tag:
            # A straggler of the association that just closed (reordered behind SHUTDOWN
            # COMPLETE): an ABORT would only turn the peer's clean close into an abort.
            return
        # (8): ABORT with the T bit, reflecting the packet's tag.
        self._raw_packets.append(
            self._packet(packet.verification_tag, [AbortChunk([], tag_reflected=True).serialize()])
        )

    def _handle_unknown(self, chunk: UnknownChunk) -> bool:
        """RFC 9260 section 3.2 upper-two-bits rule; False stops processing the packet."""
        self.stats.unknown_chunks += 1
        if chunk.report and self.peer_tag:
            cause = UnrecognizedChunkTypeCause(chunk.serialize())
            self._control.append(ErrorChunk([cause]).serialize())
        return chunk.skip

    def _handle_unexpected(self, chunk: Chunk, now: float) -> bool:
        """INIT / COOKIE ECHO not first in the packet: a protocol violation, drop the rest."""
        self.stats.packets_dropped += 1
        return False

    # -- association setup (section 5) -----------------------------------------------
    def _send_init(self, now: float) -> None:
        options = self._options
        self._init_chunk = InitChunk(
            self.my_tag,
            options.a_rwnd,
            options.max_outbound_streams,
            options.max_inbound_streams,
            self._my_initial_tsn,
            self._local_parameters(),
        ).serialize()
        self.state = _S.COOKIE_WAIT
        self._raw_packets.append(self._packet(0, [self._init_chunk]))
        self._t1_init.reset_backoff()
        self._t1_init.start(now)

    def _local_parameters(self) -> list[Parameter]:
        extensions = [_FORWARD_TSN_TYPE, _RECONFIG_TYPE]
        if self._options.enable_message_interleaving:
            # RFC 8260 sections 2.2.1 / 2.3.1: I-DATA and I-FORWARD-TSN are offered through
            # the Supported Extensions parameter.
            extensions += [_IDATA_TYPE, _IFORWARD_TSN_TYPE]
        return [ForwardTsnSupportedParameter(), SupportedExtensionsParameter(extensions)]

    @staticmethod
    def _peer_features(parameters: list[Parameter]) -> tuple[int, list[Parameter], bool]:
        """(feature bits, parameters to report as unrecognized, stop) from INIT parameters.

        RFC 9260 section 3.2.1: unknown parameter types follow their upper two bits.
        """
        features = 0
        unrecognized: list[Parameter] = []
        for parameter in parameters:
            kind = type(parameter)
            if kind is ForwardTsnSupportedParameter:
                features |= FEATURE_FORWARD_TSN
            elif kind is SupportedExtensionsParameter:
                types = parameter.chunk_types  # type: ignore[union-attr]
                if _FORWARD_TSN_TYPE in types:
                    features |= FEATURE_FORWARD_TSN
                if _RECONFIG_TYPE in types:
                    features |= FEATURE_RECONFIG
                if _IDATA_TYPE in types and _IFORWARD_TSN_TYPE in types:
                    features |= FEATURE_IDATA
            elif kind is UnknownParameter:
                ptype = parameter.type  # type: ignore[union-attr]
                if ptype in _KNOWN_INIT_PARAMETERS:
                    continue  # recognized, just not used here (addresses, ECN, ...)
                if ptype & 0x4000:
                    unrecognized.append(
                        UnknownParameter(_UNRECOGNIZED_PARAMETER_TYPE, parameter.serialize())
                    )
                if not ptype & 0x8000:
                    break  # "do not process any further parameters within this chunk"
        return features, unrecognized, False

    def _handle_init(self, chunk: InitChunk, now: float) -> None:
        """An INIT in any state (RFC 9260 sections 5.1 B, 5.2.1, 5.2.2)."""
        if chunk.initiate_tag == 0 or chunk.outbound_streams == 0 or chunk.inbound_streams == 0:
            # 5.1 / 3.3.2: invalid mandatory parameter: ABORT with the peer's tag.
            abort = AbortChunk([ProtocolViolationCause("invalid INIT")]).serialize()
            self._raw_packets.append(self._packet(chunk.initiate_tag, [abort]))
            return
        if self.state == _S.SHUTDOWN_ACK_SENT:
            # 9.2: "...it MUST respond with a SHUTDOWN ACK ... (and stay)".
            self._control.append(ShutdownAckChunk().serialize())
            return
        features, unrecognized, _ = self._peer_features(chunk.parameters)
        state = self.state
        if state == _S.CLOSED:
            local_tag = self.my_tag
            local_tsn = self._my_initial_tsn
            tie_local = tie_peer = 0
        elif state in (_S.COOKIE_WAIT, _S.COOKIE_ECHOED):
            # 5.2.1: answer with the parameters of our own INIT, tag unchanged.
            local_tag = self.my_tag
            local_tsn = self._my_initial_tsn
            tie_local, tie_peer = self.my_tag, self.peer_tag
        else:
            # 5.2.2: a new tag; the tie-tags let the COOKIE ECHO be told apart (5.2.4).
            local_tag = self._random_tag()
            local_tsn = self._rng.getrandbits(32)
            tie_local, tie_peer = self.my_tag, self.peer_tag
        cookie = StateCookie(
            now,
            local_tag,
            local_tsn,
            chunk.initiate_tag,
            chunk.a_rwnd,
            chunk.outbound_streams,
            chunk.inbound_streams,
            chunk.initial_tsn,
            tie_local,
            tie_peer,
            features,
        ).encode(self._secret)
        options = self._options
        parameters: list[Parameter] = [StateCookieParameter(cookie), *self._local_parameters()]
        parameters.extend(unrecognized)
        init_ack = InitAckChunk(
            local_tag,
            self._receive_window(),
            options.max_outbound_streams,
            options.max_inbound_streams,
            local_tsn,
            parameters,
        ).serialize()
        self._raw_packets.append(self._packet(chunk.initiate_tag, [init_ack]))

    def _handle_init_ack(self, chunk: InitAckChunk, now: float) -> bool:
        """INIT ACK in COOKIE-WAIT (RFC 9260 section 5.1 C); ignored elsewhere (5.2.3)."""
        if self.state != _S.COOKIE_WAIT:
            return True
        if chunk.initiate_tag == 0 or chunk.outbound_streams == 0 or chunk.inbound_streams == 0:
            self.abort("invalid INIT ACK", now)
            return False
        cookie = next((p.cookie for p in chunk.parameters if type(p) is StateCookieParameter), None)
        if cookie is None:
            # 5.1: a missing State Cookie is reported and the association aborted.
            self.peer_tag = chunk.initiate_tag
            abort = AbortChunk([MissingMandatoryParameterCause([StateCookieParameter.TYPE])])
            self._raw_packets.append(self._packet(self.peer_tag, [abort.serialize()]))
            self._close("INIT ACK without a state cookie", aborted=True)
            return False
        features, _, _ = self._peer_features(chunk.parameters)
        self._t1_init.stop()
        self._t1_init.reset_backoff()
        self._setup_tcb(
            chunk.initiate_tag,
            chunk.a_rwnd,
            chunk.outbound_streams,
            chunk.inbound_streams,
            chunk.initial_tsn,
            features,
        )
        self.state = _S.COOKIE_ECHOED
        self._cookie_echo_chunk = CookieEchoChunk(cookie).serialize()
        self._control.append(self._cookie_echo_chunk)
        self._t1_cookie.reset_backoff()
        self._t1_cookie.start(now)
        return True

    def _handle_cookie_echo(self, chunk: CookieEchoChunk, tag: int, now: float) -> bool:
        """COOKIE ECHO (RFC 9260 sections 5.1 D and 5.2.4).  False: drop the packet."""
        cookie = StateCookie.decode_untrusted(chunk.cookie, self._secret)
        if cookie is None or tag != cookie.local_tag:
            return False
        age = now - cookie.created_at
        if age > self._options.cookie_lifetime:
            # 5.1.5 (3): report a stale cookie with its staleness in microseconds.
            staleness = int((age - self._options.cookie_lifetime) * 1_000_000)
            error = ErrorChunk([StaleCookieCause(min(staleness, 0xFFFFFFFF))]).serialize()
            self._raw_packets.append(self._packet(cookie.peer_tag, [error]))
            return False
        if age < -1.0:
            return False
        state = self.state
        cookie_ack = CookieAckChunk().serialize()
        if state == _S.CLOSED and cookie.local_tag == self._closed_tag:
            # A late copy of the COOKIE ECHO of the association that just closed: it must
            # not bring that association back.
            return False
        if state in (_S.CLOSED, _S.COOKIE_WAIT):
            # 5.1 D: a new association from the cookie alone.
            self._t1_init.stop()
            self._establish_from_cookie(cookie, now)
            self._control.append(cookie_ack)
            return True
        same_local = cookie.local_tag == self.my_tag
        same_peer = cookie.peer_tag == self.peer_tag
        if (
            not same_local
            and not same_peer
            and (cookie.tie_tag_local == self.my_tag and cookie.tie_tag_peer == self.peer_tag)
        ):
            # 5.2.4 A: the peer restarted.
            if state == _S.SHUTDOWN_ACK_SENT:
                error = ErrorChunk([CookieReceivedWhileShuttingDownCause()]).serialize()
                self._control.extend([ShutdownAckChunk().serialize(), error])
                return False
            self._restart_from_cookie(cookie, now)
            self._control.append(cookie_ack)
            return True
        if same_local and not same_peer:
            # 5.2.4 B: setup collision; adopt the peer's tag from the cookie.
            self._setup_tcb(
                cookie.peer_tag,
                cookie.peer_a_rwnd,
                cookie.peer_outbound_streams,
                cookie.peer_inbound_streams,
                cookie.peer_initial_tsn,
                cookie.features,
            )
            self._enter_established(now)
            self._control.append(cookie_ack)
            return True
        if not same_local and same_peer and cookie.tie_tag_local == 0:
            # 5.2.4 C: a late cookie of an INIT collision: discard.
            return False
        if same_local and same_peer:
            # 5.2.4 D: ours; establish if not yet.
            if state == _S.COOKIE_ECHOED:
                self._enter_established(now)
            self._control.append(cookie_ack)
            return True
        return False

    def _handle_cookie_ack(self, chunk: CookieAckChunk, now: float) -> bool:
        if self.state == _S.COOKIE_ECHOED:
            self._enter_established(now)
        return True

    def _setup_tcb(
        self,
        peer_tag: int,
        peer_a_rwnd: int,
        peer_os: int,
        peer_mis: int,
        peer_initial_tsn: int,
        features: int,
    ) -> None:
        """Create the transmission control block (or refresh it in a collision)."""
        options = self._options
        self.peer_tag = peer_tag
        self._peer_forward_tsn = bool(features & FEATURE_FORWARD_TSN)
        self._peer_reconfig = bool(features & FEATURE_RECONFIG)
        self.outbound_streams = min(options.max_outbound_streams, peer_mis)
        self.inbound_streams = min(options.max_inbound_streams, peer_os)
        if self._tracker is None or self._peer_initial_tsn != peer_initial_tsn:
            self._peer_initial_tsn = peer_initial_tsn
            self._tracker = DataTracker(peer_initial_tsn, options.max_duplicate_tsns_reported)
        if self._tx is None:
            self._tx = RetransmissionQueue(
                self._my_initial_tsn,
                options.mtu,
                options.initial_cwnd_packets,
                peer_a_rwnd,
                self._rto,
            )
            self._reset.setup(self._my_initial_tsn, peer_initial_tsn)
            # RFC 8260 2.2.1 / 2.3.1: I-DATA only when both ends offered I-DATA and
            # I-FORWARD-TSN; then for every user message, and never DATA.
            interleaving = options.enable_message_interleaving and bool(features & FEATURE_IDATA)
            self._interleaving = interleaving
            self._tx.interleaving = interleaving
            self._send_queue.interleaving = interleaving
            self._send_queue.abandon_started = self._abandon_started
            self._send_queue.start_budget = peer_a_rwnd // 2
            if interleaving != isinstance(self._reassembly, InterleavedReassemblyQueue):
                self._reassembly = (
                    InterleavedReassemblyQueue(self._deliver)
                    if interleaving
                    else ReassemblyQueue(self._deliver)
                )

    def _establish_from_cookie(self, cookie: StateCookie, now: float) -> None:
        self.my_tag = cookie.local_tag
        self._my_initial_tsn = cookie.local_initial_tsn
        self._tx = None
        self._tracker = None
        self._setup_tcb(
            cookie.peer_tag,
            cookie.peer_a_rwnd,
            cookie.peer_outbound_streams,
            cookie.peer_inbound_streams,
            cookie.peer_initial_tsn,
            cookie.features,
        )
        self._enter_established(now)

    def _restart_from_cookie(self, cookie: StateCookie, now: float) -> None:
        """RFC 9260 5.2.4 A: the peer restarted; everything in flight is gone."""
        for timer in self._timers:
            timer.stop()
            timer.reset_backoff()
        self._send_queue.clear()
        self._reassembly.clear()
        self._control = []
        self._error_count = 0
        self._reset = StreamResetHandler(self)
        self._established_once = True  # the upper layer hears "restarted", not "established"
        self._establish_from_cookie(cookie, now)
        self._events.append(AssociationRestarted())

    def _enter_established(self, now: float) -> None:
        self._t1_init.stop()
        self._t1_cookie.stop()
        self._closed_event_sent = False
        if self.state in (_S.CLOSED, _S.COOKIE_WAIT, _S.COOKIE_ECHOED):
            self.state = _S.ESTABLISHED
        self._last_data_sent_at = now
        self._heartbeat.start(now, self._options.heartbeat_interval)
        if not self._established_once:
            self._established_once = True
            self._events.append(AssociationEstablished(self.outbound_streams, self.inbound_streams))

    # -- data (section 6) ------------------------------------------------------------
    def _abort_wrong_data_kind(self, kind: str) -> None:
        """ABORT for a data chunk of the kind not negotiated (RFC 8260 sections 2.2.1, 2.3.1)."""
        self._abort_with(
            ProtocolViolationCause(f"{kind} chunk against the negotiated data chunk type"),
            f"peer sent {kind} against the negotiation (RFC 8260)",
        )

    def _handle_data(self, chunk: DataChunk | IDataChunk, now: float) -> bool:
        """One DATA or I-DATA chunk; True if the packet counts as carrying data (SACK timing)."""
        tracker = self._tracker
        if tracker is None or self.state not in DATA_RECEIVE_STATES:
            return False
        if (type(chunk) is IDataChunk) is not self._interleaving:
            # RFC 8260 section 2.2.1: DATA when I-DATA was negotiated, or I-DATA when it was
            # not, is a protocol violation that aborts the association.
            self._abort_wrong_data_kind("I-DATA" if type(chunk) is IDataChunk else "DATA")
            return False
        if self.state == _S.COOKIE_ECHOED:
            # DATA with our verification tag shows the peer accepted our COOKIE ECHO (RFC
            # 9260 section 5.1 D): its COOKIE ACK was lost or overtaken. Establish now, so
            # that AssociationEstablished precedes the DataReceived events and the upper
            # layer can answer them (a DCEP ACK) at once instead of failing to send.
            self._enter_established(now)
        self.stats.data_chunks_received += 1
        if not chunk.user_data:
            # 6.2: "...the endpoint MUST send an ABORT with error cause set to No User Data".
            self._abort_with(NoUserDataCause(chunk.tsn), "DATA chunk without user data")
            return False
        cum = tracker.cumulative_tsn
        tsn = unwrap_tsn(chunk.tsn, cum)
        if tsn <= cum or tracker.is_received(tsn):
            tracker.observe(tsn)
            self.stats.duplicate_tsns_received += 1
            return True
        if tsn != cum + 1 and (
            self._reassembly.queued_bytes + self._undelivered_bytes >= self._options.a_rwnd
            or tsn - cum > 0xFFFF
        ):
            # 6.2: no buffer space: drop (the next-expected TSN is always taken, so the
            # cumulative point can move and the peer's zero-window probes succeed).  TSNs
            # further ahead than a gap block offset (16 bits) can describe are dropped too.
            self.stats.data_chunks_dropped += 1
            return True
        tracker.observe(tsn, chunk.immediate_ack)
        if chunk.stream_id >= self.inbound_streams:
            # 6.5: acknowledge, discard and report an invalid stream identifier.
            self._control.append(
                ErrorChunk([InvalidStreamIdentifierCause(chunk.stream_id)]).serialize()
            )
            return True
        if self._reset.defers(chunk.stream_id, tsn):
            self._reset.stash(tsn, chunk)
            return True
        self._reassemble(tsn, chunk)
        return True

    def _reassemble(self, tsn: int, chunk: DataChunk | IDataChunk) -> None:
        """Hand one new fragment to the reassembly queue of the negotiated kind."""
        if type(chunk) is IDataChunk:
            self._reassembly.add(
                tsn,
                chunk.stream_id,
                chunk.mid,
                chunk.ppid_or_fsn,
                chunk.user_data,
                chunk.unordered,
                chunk.beginning,
                chunk.end,
            )
        else:
            self._reassembly.add(
                tsn,
                chunk.stream_id,
                chunk.ssn,  # type: ignore[union-attr]
                chunk.ppid,
                chunk.user_data,
                chunk.unordered,
                chunk.beginning,
                chunk.end,
            )

    def _abandon_started(self, message: OutgoingMessage) -> None:
        """An expired message stops being cut (I-DATA): abandon its sent fragments."""
        if self._tx is not None and not message.abandoned:
            self._tx.abandon(message)

    def _deliver(self, stream_id: int, ppid: int, data: bytes, unordered: bool) -> None:
        self._undelivered_bytes += len(data)
        self._events.append(DataReceived(stream_id, ppid, data, unordered))

    def _receive_window(self) -> int:
        window = self._options.a_rwnd - self._reassembly.queued_bytes - self._undelivered_bytes
        return window if window > 0 else 0

    def _maybe_window_update(self) -> None:
        """RFC 9260 6.2: tell the peer when a window that was (nearly) closed opens again."""
        tracker = self._tracker
        if tracker is None:
            return
        last = self._last_advertised_rwnd
        full = self._options.a_rwnd
        if last < full // 2 and self._receive_window() >= last + full // 4:
            tracker.force_sack()

    def _handle_sack(self, chunk: SackChunk, now: float) -> bool:
        tx = self._tx
        if tx is None or (self.state not in DATA_SEND_STATES and self.state != _S.SHUTDOWN_SENT):
            return True
        self.stats.sacks_received += 1
        result = tx.handle_sack(chunk.cumulative_tsn_ack, chunk.a_rwnd, chunk.gap_ack_blocks, now)
        if not result.valid:
            return True
        self._after_ack(result.cumulative_advanced, result.bytes_acked, now)
        return True

    def _after_ack(self, cumulative_advanced: bool, bytes_acked: int, now: float) -> None:
        tx = self._tx
        assert tx is not None  # internal invariant, not peer input
        if bytes_acked:
            # 8.3: the error counter is cleared when outstanding data is acknowledged.
            self._error_count = 0
        if tx.abandoned_messages:
            self.stats.messages_abandoned += tx.abandoned_messages
            tx.abandoned_messages = 0
        if not tx.has_outstanding:
            # 6.3.2 R2: all outstanding data acknowledged: stop T3.
            self._t3_rtx.stop()
        elif cumulative_advanced:
            # 6.3.2 R3: the earliest outstanding TSN was acknowledged: restart T3.
            self._t3_rtx.start(now, self._rto.rto)
        self._maybe_progress_shutdown(now)

    def _handle_forward_tsn(self, chunk: ForwardTsnChunk | IForwardTsnChunk, now: float) -> bool:
        """RFC 3758 section 3.6; RFC 8260 section 2.3.2 for I-FORWARD-TSN."""
        tracker = self._tracker
        if tracker is None or self.state not in DATA_RECEIVE_STATES:
            return True
        if (type(chunk) is IForwardTsnChunk) is not self._interleaving:
            # RFC 8260 section 2.3.1: the wrong kind of FORWARD TSN is a protocol violation.
            kind = "I-FORWARD-TSN" if type(chunk) is IForwardTsnChunk else "FORWARD-TSN"
            self._abort_wrong_data_kind(kind)
            return False
        new_cum = unwrap_tsn(chunk.new_cumulative_tsn, tracker.cumulative_tsn)
        if new_cum > tracker.highest_received + 0x10000 + self._options.a_rwnd:
            return True  # absurd jump: ignore rather than corrupt the tracker
        tracker.forward_to(new_cum)
        # Even a FORWARD TSN that does not move the cumulative point must skip its SSNs:
        # the receiver may hold every fragment the sender sent of a message that the sender
        # abandoned before cutting the rest of it (the SACK saying so crossed the abandon).
        self._reset.before_forward_tsn(new_cum)
        self._reassembly.forward_tsn(new_cum, chunk.streams)  # type: ignore[arg-type]
        self._reset.after_data_received(now)
        return True

    # -- heartbeat (section 8.3) -------------------------------------------------------
    def _handle_heartbeat(self, chunk: HeartbeatRequestChunk, now: float) -> bool:
        self._control.append(HeartbeatAckChunk(chunk.info).serialize())
        return True

    def _handle_heartbeat_ack(self, chunk: HeartbeatAckChunk, now: float) -> bool:
        if len(chunk.info) != _HEARTBEAT_INFO.size or not self._heartbeat_ack.is_running:
            return True
        sent_at, nonce = _HEARTBEAT_INFO.unpack(chunk.info)
        if nonce != self._heartbeat_nonce:
            return True
        self._heartbeat_ack.stop()
        self._error_count = 0
        self._rto.observe_rtt(now - sent_at)
        return True

    def _send_heartbeat(self, now: float) -> None:
        self._heartbeat_nonce = self._rng.getrandbits(64)
        info = _HEARTBEAT_INFO.pack(now, self._heartbeat_nonce)
        self._control.append(HeartbeatRequestChunk(info).serialize())
        self.stats.heartbeats_sent += 1
        self._heartbeat_ack.start(now, self._rto.rto)

    # -- shutdown and abort (section 9) -----------------------------------------------
    def _maybe_progress_shutdown(self, now: float) -> None:
        state = self.state
        if state not in (_S.SHUTDOWN_PENDING, _S.SHUTDOWN_RECEIVED):
            return
        tx = self._tx
        if self._send_queue.has_data or (tx is not None and tx.has_outstanding):
            return
        if state == _S.SHUTDOWN_PENDING:
            self.state = _S.SHUTDOWN_SENT
            self._t2_shutdown.reset_backoff()
            self._send_shutdown(now)
            self._t5_guard.start(now, 5 * self._options.rto_max)
        else:
            self.state = _S.SHUTDOWN_ACK_SENT
            self._t2_shutdown.reset_backoff()
            self._control.append(ShutdownAckChunk().serialize())
            self._t2_shutdown.start(now, self._rto.rto)

    def _send_shutdown(self, now: float) -> None:
        tracker = self._tracker
        cum = tracker.cumulative_tsn if tracker is not None else self._peer_initial_tsn - 1
        self._control.append(ShutdownChunk(wrap_tsn(cum)).serialize())
        self._t2_shutdown.start(now, self._rto.rto)

    def _handle_shutdown(self, chunk: ShutdownChunk, now: float) -> bool:
        state = self.state
        tx = self._tx
        if tx is None or state in (_S.CLOSED, _S.COOKIE_WAIT, _S.COOKIE_ECHOED):
            return True
        # The SHUTDOWN's cumulative TSN ack acknowledges like a SACK without gaps (9.2).
        result = tx.handle_sack(chunk.cumulative_tsn_ack, tx.last_advertised_rwnd, [], now)
        if result.valid:
            self._after_ack(result.cumulative_advanced, result.bytes_acked, now)
        if state in (_S.ESTABLISHED, _S.SHUTDOWN_PENDING):
            self.state = _S.SHUTDOWN_RECEIVED
            self._maybe_progress_shutdown(now)
        elif state == _S.SHUTDOWN_SENT:
            # Both sides shut down at once: answer with SHUTDOWN ACK (9.2).
            self.state = _S.SHUTDOWN_ACK_SENT
            self._control.append(ShutdownAckChunk().serialize())
            self._t2_shutdown.start(now, self._rto.rto)
        return True

    def _handle_shutdown_ack(self, chunk: ShutdownAckChunk, now: float) -> bool:
        if self.state in (_S.SHUTDOWN_SENT, _S.SHUTDOWN_ACK_SENT):
            self._raw_packets.append(
                self._packet(self.peer_tag, [ShutdownCompleteChunk().serialize()])
            )
            self._close("shutdown complete", aborted=False)
            return False
        return True

    def _handle_shutdown_complete(self, chunk: ShutdownCompleteChunk, now: float) -> bool:
        if self.state == _S.SHUTDOWN_ACK_SENT:
            self._close("shutdown complete", aborted=False)
            return False
        return True

    def _handle_abort(self, chunk: AbortChunk, now: float) -> bool:
        reason = "; ".join(str(c) for c in chunk.causes) or "aborted by peer"
        self._close(reason, aborted=True)
        return False

    def _handle_error(self, chunk: ErrorChunk, now: float) -> bool:
        for cause in chunk.causes:
            if type(cause) is StaleCookieCause and self.state == _S.COOKIE_ECHOED:
                # 5.2.6: start over with a fresh INIT (same tag); T1 keeps counting.
                self._t1_cookie.stop()
                self._tx = None
                self._tracker = None
                self.peer_tag = 0
                self._send_init(now)
                return False
            logger.debug("peer reported error: %s", cause)
        return True

    def _abort_with(self, cause: ErrorCause, reason: str) -> None:
        if self.peer_tag:
            chunk = AbortChunk([cause]).serialize()
            self._raw_packets.append(self._packet(self.peer_tag, [chunk]))
        self._close(reason, aborted=True)

    def _close(self, reason: str, aborted: bool) -> None:
        self.state = _S.CLOSED
        # A later association (restart, reconnect) gets fresh values.
        self._closed_tag = self.my_tag
        self.my_tag = self._random_tag()
        self._my_initial_tsn = self._rng.getrandbits(32)
        self.peer_tag = 0
        for timer in self._timers:
            timer.stop()
        self._control = []
        self._send_queue.clear()
        if self._tx is not None:
            self._tx.clear()
        self._tx = None
        self._tracker = None
        self._reassembly.clear()
        self._established_once = False
        # Nothing of this association's supervision or reconfiguration state carries over.
        self._error_count = 0
        self._reset = StreamResetHandler(self)
        for timer in self._timers:
            timer.reset_backoff()
        if not self._closed_event_sent:
            self._closed_event_sent = True
            self._events.append(AssociationClosed(reason, aborted))

    # -- stream reset (RFC 6525) -----------------------------------------------------
    def _handle_reconfig(self, chunk: ReConfigChunk, now: float) -> bool:
        if self.state not in DATA_RECEIVE_STATES and self.state != _S.SHUTDOWN_RECEIVED:
            return True
        self._reset.handle_reconfig(chunk, now)
        return True

    # ==================================================================================
    # Timers
    # ==================================================================================
    def _delayed_ack_timeout(self) -> float:
        # RFC 9260 6.2: at most 500 ms; WebRTC stacks use min(RTO/2, 200 ms).
        return min(self._rto.rto / 2, self._options.delayed_ack_max_timeout)

    def _on_timer(self, timer: Timer, now: float) -> None:
        options = self._options
        if timer is self._t3_rtx:
            self._on_t3_rtx(now)
        elif timer is self._t1_init:
            if timer.expire() > options.max_init_retransmits:
                self._close("T1-init: no answer to INIT", aborted=True)
                return
            if self._init_chunk is not None:
                self._raw_packets.append(self._packet(0, [self._init_chunk]))
            timer.start(now)
        elif timer is self._t1_cookie:
            if timer.expire() > options.max_init_retransmits:
                self._close("T1-cookie: no answer to COOKIE ECHO", aborted=True)
                return
            if self._cookie_echo_chunk is not None:
                self._control.append(self._cookie_echo_chunk)
            timer.start(now)
        elif timer is self._t2_shutdown:
            timer.expire()
            if self._count_error():
                return
            self._rto.backoff()
            if self.state == _S.SHUTDOWN_SENT:
                self._send_shutdown(now)
            elif self.state == _S.SHUTDOWN_ACK_SENT:
                self._control.append(ShutdownAckChunk().serialize())
                timer.start(now, self._rto.rto)
        elif timer is self._t5_guard:
            timer.expire()
            self.abort("T5-shutdown-guard expired", now)
        elif timer is self._heartbeat:
            timer.expire()
            if self.state != _S.ESTABLISHED:
                return
            idle_since = self._last_data_sent_at
            interval = options.heartbeat_interval
            due_at = idle_since + interval
            if due_at > now:
                # Data went out since the timer was armed: not idle yet.
                timer.expires_at = due_at
                return
            if not self._heartbeat_ack.is_running:
                self._send_heartbeat(now)
            timer.start(now, interval + self._rto.rto)
        elif timer is self._heartbeat_ack:
            timer.expire()
            # 8.3: an unanswered HEARTBEAT counts as a path error, and backs the RTO off.
            self._rto.backoff()
            self._count_error()
        elif timer is self._reconfig:
            timer.expire()
            if self.state not in (_S.ESTABLISHED, _S.SHUTDOWN_PENDING):
                # Past SHUTDOWN, only the shutdown chunks may go out: a RE-CONFIG reaching a
                # peer that already closed would be answered with ABORT (8.4).
                return
            if self._count_error():
                return
            self._reset.on_timer(now)

    def _count_error(self) -> bool:
        """One more consecutive error (8.1/8.2); True if the association failed."""
        self._error_count += 1
        if self._error_count > self._options.max_retransmissions:
            self._fail("too many retransmissions (Association.Max.Retrans)")
            return True
        return False

    def _fail(self, reason: str) -> None:
        if self.peer_tag:
            chunk = AbortChunk([UserInitiatedAbortCause(reason)]).serialize()
            self._raw_packets.append(self._packet(self.peer_tag, [chunk]))
        self._close(reason, aborted=True)

    def _on_t3_rtx(self, now: float) -> None:
        tx = self._tx
        self._t3_rtx.expire()
        if tx is None:
            return
        self.stats.t3_expirations += 1
        if self._count_error():
            return
        # 6.3.3 E1-E3.
        self._rto.backoff()
        tx.handle_t3_expiry()
        tx.abandon_expired(now)
        if tx.has_outstanding or tx.forward_tsn_pending():
            self._t3_rtx.start(now, self._rto.rto)

    # ==================================================================================
    # Sending
    # ==================================================================================
    def _random_tag(self) -> int:
        while True:
            tag = self._rng.getrandbits(32)
            if tag:
                return tag

    def _packet(self, tag: int, chunks: list[bytes]) -> bytes:
        options = self._options
        return serialize_packet(options.local_port, options.remote_port, tag, chunks)

    def packets_to_send(self, now: float) -> list[bytes]:
        """Everything to send now, bundled into packets of at most the MTU."""
        packets = self._raw_packets
        if packets:
            self._raw_packets = []
        else:
            packets = []  # never hand out the internal list
        state = self.state
        if state == _S.CLOSED or not self.peer_tag:
            self._control = []
            self.stats.packets_sent += len(packets)
            return packets
        if state == _S.ESTABLISHED:
            tracker = self._tracker
            tx = self._tx
            if (
                # The common case on the receiving side of a transfer: nothing to say yet.
                not self._control
                and tracker is not None
                and not tracker.sack_due(now)
                and not self._send_queue.has_data
                and tx is not None
                and not tx.has_retransmissions
                and not tx.forward_tsn_needed()
                and not self._reset.has_pending
            ):
                self.stats.packets_sent += len(packets)
                return packets
            self._reset.maybe_send_request(now)
        options = self._options
        mtu = options.mtu
        tx = self._tx
        tracker = self._tracker
        queue = self._send_queue
        control = self._control
        self._control = []
        data_allowed = tx is not None and state in DATA_SEND_STATES
        will_send_data = data_allowed and (queue.has_data or tx.has_retransmissions)  # type: ignore[union-attr]
        send_sack = tracker is not None and (
            tracker.sack_due(now) or (will_send_data and tracker.sack_pending)
        )
        send_forward_tsn = tx is not None and data_allowed and tx.forward_tsn_needed()
        interleaving = self._interleaving
        if interleaving:
            max_fragment = self._max_ifragment
            data_header = _IDATA_HEADER_SIZE
        else:
            max_fragment = self._max_fragment
            data_header = _DATA_HEADER_SIZE
        burst = 0
        fast = tx is not None and tx.fast_retransmit_pending
        header = _COMMON_HEADER_SIZE
        tag = self.peer_tag
        data_sent = False
        # The loop runs only when something may go out (most calls on the receiving side of
        # a bulk transfer have nothing to send).
        while control or send_sack or send_forward_tsn or will_send_data:
            chunks: list[bytes] = []
            room = mtu - header
            while control and (len(control[0]) <= room or not chunks):
                chunk = control.pop(0)
                chunks.append(chunk)
                room -= len(chunk)
            if send_sack and tracker is not None:
                sack = self._make_sack(room)
                if len(sack) <= room or not chunks:
                    chunks.append(sack)
                    room -= len(sack)
                    send_sack = False
            if send_forward_tsn and tx is not None:
                if interleaving:
                    new_cum, entries = tx.make_iforward_tsn()
                    forward = IForwardTsnChunk(wrap_tsn(new_cum), entries).serialize()
                else:
                    new_cum, streams = tx.make_forward_tsn()
                    forward = ForwardTsnChunk(wrap_tsn(new_cum), streams).serialize()
                chunks.append(forward)
                room -= len(forward)
                send_forward_tsn = False
                self.stats.forward_tsns_sent += 1
                if not self._t3_rtx.is_running:
                    self._t3_rtx.start(now, self._rto.rto)
            if data_allowed and tx is not None:
                while tx.has_retransmissions:
                    item = tx.next_retransmission(room, fast, now)
                    if item is None:
                        break
                    chunks.append(item.chunk)
                    room -= len(item.chunk)
                    data_sent = True
                fast = False  # only one packet of fast retransmissions ignores cwnd
                if tx.abandoned_messages:
                    self.stats.messages_abandoned += tx.abandoned_messages
                    tx.abandoned_messages = 0
                    if tx.forward_tsn_needed():
                        send_forward_tsn = True
                if not tx.has_retransmissions and burst < options.max_burst:
                    added = False
                    while room > data_header:
                        limit = room - data_header
                        if limit > max_fragment:
                            limit = max_fragment
                        pending = queue.remaining_room_needed()
                        size = pending if 0 < pending < limit else limit
                        if not tx.can_send_new(size):
                            break
                        fragment = queue.next_fragment(limit, now)
                        if fragment is None:
                            break
                        message, data, beginning, end = fragment
                        tsn = tx.next_tsn
                        if beginning:
                            message.first_tsn = tsn
                        flags = (
                            (FLAG_BEGINNING if beginning else 0)
                            | (FLAG_END if end else 0)
                            | (0 if message.ordered else FLAG_UNORDERED)
                        )
                        if interleaving:
                            # RFC 8260 2.1: the B fragment carries the PPID, others the FSN.
                            chunk = serialize_idata_chunk(
                                tsn & 0xFFFFFFFF,
                                message.stream_id,
                                message.ssn,
                                message.ppid if beginning else message.fsn,
                                data,
                                flags,
                            )
                        else:
                            chunk = serialize_data_chunk(
                                tsn & 0xFFFFFFFF,
                                message.stream_id,
                                message.ssn,
                                message.ppid,
                                data,
                                flags,
                            )
                        tx.add_sent(message, chunk, len(data), now)
                        chunks.append(chunk)
                        room -= len(chunk)
                        added = True
                        data_sent = True
                        self.stats.data_chunks_sent += 1
                    if added:
                        burst += 1
            if not chunks:
                break
            packets.append(serialize_packet(options.local_port, options.remote_port, tag, chunks))
            if not control and not send_sack and not send_forward_tsn and not data_allowed:
                break
        if data_sent and tx is not None:
            self._last_data_sent_at = now
            self.stats.retransmissions = tx.retransmissions
            self.stats.fast_retransmissions = tx.fast_retransmissions
            if not self._t3_rtx.is_running:
                # 6.3.2 R1.
                self._t3_rtx.start(now, self._rto.rto)
        if queue.buffered_low:
            for stream_id in queue.buffered_low:
                self._events.append(BufferedAmountLow(stream_id))
            queue.buffered_low = []
        self.stats.packets_sent += len(packets)
        if state in (_S.SHUTDOWN_PENDING, _S.SHUTDOWN_RECEIVED):
            # Dropping expired messages above may have emptied the queue.
            self._maybe_progress_shutdown(now)
            if self.state != state:
                packets.extend(self.packets_to_send(now))
        return packets

    def _make_sack(self, room: int) -> bytes:
        tracker = self._tracker
        assert tracker is not None  # internal invariant
        # Gap blocks as many as fit (4 bytes each), duplicates reported up to the limit.
        room_for_blocks = max((min(room, self._options.mtu - 12) - 16 - 4 * 16) // 4, 1)
        limit = min(self._options.max_gap_ack_blocks, room_for_blocks)
        cum, blocks, duplicates = tracker.take_sack(limit)
        rwnd = self._receive_window()
        self._last_advertised_rwnd = rwnd
        self.stats.sacks_sent += 1
        if duplicates:
            duplicates = [d & 0xFFFFFFFF for d in duplicates]
        return SackChunk(wrap_tsn(cum), rwnd, blocks, duplicates).serialize()
