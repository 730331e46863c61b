"""Messages accepted by ``send()`` and not yet handed to the network, with the scheduler.

Scheduling: streams with queued data form a round-robin ring.  With DATA chunks (RFC 9260
section 6.9) "the TSNs for each fragment of a fragmented user message MUST be strictly
sequential", so once a message's first fragment has a TSN its remaining fragments must
follow before any other message's; the ring therefore rotates at message boundaries (deficit
round robin): a stream keeps its turn while the messages it finished in this turn total less
than ``TURN_QUANTUM`` bytes, then the next stream in the ring gets its turn.  A large
message on one stream delays small messages of other streams by at most that one message, not
by everything queued on its stream.  Fragments are cut lazily, sized to the room left in the
packet being built, so no fragment list is materialised for big messages.

With I-DATA (RFC 8260, ``interleaving``) fragments of different messages may interleave, so
the ring rotates after every fragment instead: each stream with queued data in turn hands out
one fragment of its oldest message (at most one message per stream is in progress).  Small
messages on one stream then complete while a large message on another is still being cut.
Messages carry a 32-bit MID per (stream, ordered/unordered) and an FSN per fragment.

Expired messages (lifetime) that never got a TSN are dropped here without consuming a TSN or
an SSN.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

#: Bytes a stream may send per turn of the ring (deficit round robin over whole messages):
#: a stream of small messages sends several per turn, a large message takes one whole turn.
TURN_QUANTUM = 16384


class OutgoingMessage:
    """One user message on its way out, possibly partially handed to the network."""

    __slots__ = (
        "abandoned",
        "data",
        "expires_at",
        "first_tsn",
        "fsn",
        "last_tsn",
        "max_retransmits",
        "offset",
        "ordered",
        "ppid",
        "ssn",
        "stream_id",
    )

    def __init__(
        self,
        stream_id: int,
        ppid: int,
        data: bytes,
        ordered: bool,
        max_retransmits: int | None,
        expires_at: float | None,
    ) -> None:
        self.stream_id = stream_id
        self.ppid = ppid
        self.data = data
        self.ordered = ordered
        self.max_retransmits = max_retransmits
        self.expires_at = expires_at
        #: Bytes already cut into fragments.
        self.offset = 0
        #: Wire SSN (ordered messages; assigned with the first fragment); with I-DATA the
        #: 32-bit MID (ordered and unordered messages alike).
        self.ssn = 0
        #: I-DATA fragment sequence number of the fragment cut last.
        self.fsn = -1
        #: TSN of the first fragment (unwrapped), once assigned.
        self.first_tsn = -1
        #: TSN of the latest fragment (unwrapped), once assigned.
        self.last_tsn = -1
        self.abandoned = False

    @property
    def partially_reliable(self) -> bool:
        """Whether the message may be abandoned (RFC 3758)."""
        return self.max_retransmits is not None or self.expires_at is not None


class OutgoingStream:
    """Send-side state of one stream."""

    __slots__ = (
        "buffered",
        "held",
        "in_ring",
        "low_threshold",
        "next_ssn",
        "next_unordered_mid",
        "queue",
        "reset_drain",
        "stream_id",
        "turn_bytes",
    )

    def __init__(self, stream_id: int) -> None:
        self.stream_id = stream_id
        self.queue: deque[OutgoingMessage] = deque()
        self.next_ssn = 0
        #: I-DATA: the MID sequence of unordered messages (RFC 8260 section 2.1).
        self.next_unordered_mid = 0
        #: Bytes queued and not yet handed to the network.
        self.buffered = 0
        self.low_threshold = 0
        self.in_ring = False
        #: None: no reset pending.  Otherwise the number of queued messages that must still
        #: go out before the outgoing reset (RFC 6525) may be requested.
        self.reset_drain: int | None = None
        #: Messages sent while a reset is pending: they belong to the stream's next life.
        self.held: list[OutgoingMessage] = []
        #: Bytes of messages finished during the stream's current turn in the ring.
        self.turn_bytes = 0


class SendQueue:
    """Per-stream FIFO queues and a round-robin scheduler (per message, or per fragment with
    I-DATA)."""

    __slots__ = (
        "_current",
        "_ring",
        "abandon_started",
        "buffered_low",
        "in_progress_bytes",
        "interleaving",
        "start_budget",
        "streams",
        "total_buffered",
    )

    def __init__(self) -> None:
        #: I-DATA negotiated: fragment-level round robin (set when the association is set up).
        self.interleaving = False
        #: I-DATA: called for a message whose lifetime ran out after its first fragments
        #: went out; the retransmission queue abandons what was sent (RFC 3758 / 8260).
        self.abandon_started: Callable[[OutgoingMessage], None] | None = None
        #: I-DATA: total size of the messages started and not finished.  The receiver holds
        #: their fragments until they complete, so a new message only starts while that
        #: stays within ``start_budget`` (half the peer's receive buffer): partial messages
        #: then never fill its window, which would leave only one-chunk zero-window probes.
        self.in_progress_bytes = 0
        self.start_budget = 1 << 62
        self.streams: dict[int, OutgoingStream] = {}
        self._ring: deque[OutgoingStream] = deque()
        #: The message whose fragments are being handed out (must finish first).
        self._current: OutgoingMessage | None = None
        self.total_buffered = 0
        #: Streams whose buffered amount crossed their low threshold (drained by the caller).
        self.buffered_low: list[int] = []

    def stream(self, stream_id: int) -> OutgoingStream:
        """The stream's state, created on first use."""
        stream = self.streams.get(stream_id)
        if stream is None:
            stream = self.streams[stream_id] = OutgoingStream(stream_id)
        return stream

    def add(self, message: OutgoingMessage) -> None:
        """Queue one message."""
        stream = self.stream(message.stream_id)
        size = len(message.data)
        stream.buffered += size
        self.total_buffered += size
        if stream.reset_drain is not None:
            stream.held.append(message)
            return
        stream.queue.append(message)
        if not stream.in_ring:
            stream.in_ring = True
            self._ring.append(stream)

    @property
    def has_data(self) -> bool:
        """Whether a fragment could be produced (ignoring lifetimes)."""
        return self._current is not None or bool(self._ring)

    def _release(self, stream: OutgoingStream, size: int) -> None:
        before = stream.buffered
        stream.buffered = before - size
        self.total_buffered -= size
        if before > stream.low_threshold >= stream.buffered:
            self.buffered_low.append(stream.stream_id)

    def _pick(self, now: float) -> OutgoingMessage | None:
        """Choose the next message to start (round robin over ready streams)."""
        ring = self._ring
        while ring:
            stream = ring[0]
            queue = stream.queue
            while queue:
                message = queue[0]
                if message.expires_at is not None and message.expires_at < now:
                    # RFC 3758: never sent, so abandoned without consuming a TSN or SSN.
                    queue.popleft()
                    message.abandoned = True
                    self._release(stream, len(message.data) - message.offset)
                    if stream.reset_drain:
                        stream.reset_drain -= 1
                    continue
                if stream.reset_drain == 0:
                    break
                return message
            ring.popleft()
            stream.in_ring = False
        return None

    def next_fragment(
        self, room: int, now: float
    ) -> tuple[OutgoingMessage, bytes, bool, bool] | None:
        """Cut the next fragment of at most ``room`` bytes: (message, data, B, E) or None.

        ``room`` must be positive.  With DATA a message already started always continues
        first; with I-DATA the ring turns after every fragment.
        """
        if self.interleaving:
            return self._next_interleaved(room, now)
        message = self._current
        if message is None or message.abandoned:
            if message is not None:
                self._finish_current(message)
            message = self._pick(now)
            if message is None:
                return None
            self._current = message
            stream = self.streams[message.stream_id]
            if message.ordered:
                message.ssn = stream.next_ssn & 0xFFFF
                stream.next_ssn += 1
        data = message.data
        offset = message.offset
        total = len(data)
        beginning = offset == 0
        end_offset = offset + room
        if end_offset >= total:
            end_offset = total
            fragment = data if beginning else data[offset:]
        else:
            fragment = data[offset:end_offset]
        message.offset = end_offset
        end = end_offset == total
        stream = self.streams[message.stream_id]
        self._release(stream, end_offset - offset)
        if end:
            self._finish_current(message)
        return message, fragment, beginning, end

    def _next_interleaved(
        self, room: int, now: float
    ) -> tuple[OutgoingMessage, bytes, bool, bool] | None:
        ring = self._ring
        skipped = 0
        while ring:
            stream = ring[0]
            queue = stream.queue
            message: OutgoingMessage | None = None
            while queue:
                head = queue[0]
                expired = head.expires_at is not None and head.expires_at < now
                if expired and head.offset and not head.abandoned:
                    # With I-DATA the rest of a started message need not follow (its MID
                    # names it in the I-FORWARD-TSN), so an expired one stops here.
                    if self.abandon_started is not None:
                        self.abandon_started(head)
                    head.abandoned = True
                if head.abandoned or expired:
                    # Abandoned while partially sent (the retransmission queue covers what
                    # went out), or expired before its first fragment: no TSN, no MID.
                    queue.popleft()
                    if head.offset:
                        self.in_progress_bytes -= len(head.data)
                    head.abandoned = True
                    if head.offset < len(head.data):
                        self._release(stream, len(head.data) - head.offset)
                        head.offset = len(head.data)
                    if stream.reset_drain:
                        stream.reset_drain -= 1
                    continue
                if stream.reset_drain == 0:
                    break
                message = head
                break
            if message is None:
                ring.popleft()
                stream.in_ring = False
                continue
            data = message.data
            offset = message.offset
            total = len(data)
            beginning = offset == 0
            if (
                beginning
                and self.in_progress_bytes
                and self.in_progress_bytes + total > self.start_budget
            ):
                # Over budget: this stream waits; streams with a started message go on.
                skipped += 1
                if skipped >= len(ring):
                    return None
                ring.rotate(-1)
                continue
            if beginning:
                if message.ordered:
                    message.ssn = stream.next_ssn & 0xFFFFFFFF
                    stream.next_ssn += 1
                else:
                    message.ssn = stream.next_unordered_mid & 0xFFFFFFFF
                    stream.next_unordered_mid += 1
            end_offset = offset + room
            if end_offset >= total:
                end_offset = total
                fragment = data if beginning else data[offset:]
            else:
                fragment = data[offset:end_offset]
            message.offset = end_offset
            message.fsn += 1
            end = end_offset == total
            self._release(stream, end_offset - offset)
            if beginning != end:
                self.in_progress_bytes += total if beginning else -total
            if end:
                queue.popleft()
                if stream.reset_drain:
                    stream.reset_drain -= 1
            # One fragment per turn: the next stream goes next.
            ring.popleft()
            if queue and stream.reset_drain != 0:
                ring.append(stream)
            else:
                stream.in_ring = False
            return message, fragment, beginning, end
        return None

    def _finish_current(self, message: OutgoingMessage) -> None:
        """The current message is done (fully cut, or abandoned): rotate the ring."""
        self._current = None
        stream = self.streams[message.stream_id]
        if message.abandoned and message.offset < len(message.data):
            self._release(stream, len(message.data) - message.offset)
            message.offset = len(message.data)
        if stream.queue and stream.queue[0] is message:
            stream.queue.popleft()
            if stream.reset_drain:
                stream.reset_drain -= 1
        ring = self._ring
        if ring and ring[0] is stream:
            stream.turn_bytes += len(message.data)
            if stream.queue and stream.reset_drain != 0 and stream.turn_bytes < TURN_QUANTUM:
                return  # the stream's turn goes on (small messages)
            stream.turn_bytes = 0
            ring.popleft()
            if stream.queue and stream.reset_drain != 0:
                ring.append(stream)
            else:
                stream.in_ring = False

    @property
    def current_message(self) -> OutgoingMessage | None:
        """The partially handed-out message, if any."""
        return self._current

    def remaining_room_needed(self) -> int:
        """Bytes left of the current message (0 if none)."""
        message = self._current
        return len(message.data) - message.offset if message is not None else 0

    # -- outgoing stream reset (RFC 6525) ----------------------------------------------
    def prepare_reset(self, stream_id: int) -> None:
        """Messages queued so far go out first; later ones wait for the reset to finish."""
        stream = self.stream(stream_id)
        if stream.reset_drain is None:
            stream.reset_drain = len(stream.queue)

    def ready_to_reset(self, stream_id: int) -> bool:
        """Whether every message queued before the reset request got its TSNs."""
        stream = self.streams.get(stream_id)
        if stream is None:
            return True
        current = self._current
        return stream.reset_drain == 0 and (current is None or current.stream_id != stream_id)

    def finish_reset(self, stream_id: int, performed: bool) -> None:
        """The reset was performed (SSN back to 0) or refused; release held messages."""
        stream = self.stream(stream_id)
        if performed:
            # RFC 6525 / RFC 8260 section 2.3.3: SSNs (or both MID sequences) restart at 0.
            stream.next_ssn = 0
            stream.next_unordered_mid = 0
        stream.reset_drain = None
        if stream.held:
            stream.queue.extend(stream.held)
            stream.held = []
        if stream.queue and not stream.in_ring:
            stream.in_ring = True
            self._ring.append(stream)

    def set_low_threshold(self, stream_id: int, value: int) -> None:
        """bufferedAmountLowThreshold of a stream."""
        self.stream(stream_id).low_threshold = value

    def buffered_amount(self, stream_id: int) -> int:
        """Bytes accepted on the stream and not yet handed to the network."""
        stream = self.streams.get(stream_id)
        return stream.buffered if stream is not None else 0

    def clear(self) -> None:
        """Drop everything (association restart or close); SSNs restart at 0."""
        self.streams.clear()
        self._ring.clear()
        self._current = None
        self.total_buffered = 0
        self.in_progress_bytes = 0
