"""Outstanding DATA, SACK processing and congestion control (RFC 9260 sections 6.2.1, 6.3,
7.2; RFC 3758 for partial reliability).

Outstanding chunks occupy the contiguous TSN range ``(cumulative_tsn_ack, next_tsn)``; they
sit in a deque indexed by ``tsn - base`` so a SACK's cumulative point pops from the left and
gap blocks index in O(1).  Each entry keeps its serialized chunk: a retransmission resends
the same bytes.

Congestion control is the RFC's: slow start while cwnd <= ssthresh (cwnd grows by at most one
MTU per SACK that advances the cumulative point, only when the window was in use), congestion
avoidance with partial_bytes_acked, fast retransmit on the third miss indication counted with
HTNA (7.2.4), one fast recovery per window, and the T3-rtx reaction (cwnd = 1 MTU).
"""

from __future__ import annotations

from collections import deque

from ..sequence import unwrap_tsn
from .rto import RtoEstimator
from .send_queue import OutgoingMessage

IN_FLIGHT = 0
ACKED = 1  # gap-acked (cumulatively acked entries are removed)
TO_RETRANSMIT = 2
ABANDONED = 3

#: I-FORWARD-TSN entries (8 bytes each) that fit one packet at the default MTU with room to
#: spare for a SACK.
_MAX_IFORWARD_TSN_ENTRIES = 100


class SentChunk:
    """One DATA chunk that has a TSN and is not yet cumulatively acknowledged."""

    __slots__ = (
        "chunk",
        "fast_retransmitted",
        "message",
        "nacks",
        "sent_at",
        "size",
        "state",
        "transmissions",
        "tsn",
    )

    def __init__(
        self, tsn: int, message: OutgoingMessage, chunk: bytes, size: int, now: float
    ) -> None:
        self.tsn = tsn
        self.message = message
        self.chunk = chunk
        self.size = size
        self.sent_at = now
        self.transmissions = 1
        self.state = IN_FLIGHT
        self.nacks = 0
        self.fast_retransmitted = False


class SackResult:
    """What one SACK changed (for the association's timers and error counter)."""

    __slots__ = ("bytes_acked", "cumulative_advanced", "rtt_sample", "valid")

    def __init__(self) -> None:
        self.valid = True
        self.cumulative_advanced = False
        self.bytes_acked = 0
        self.rtt_sample: float | None = None


class RetransmissionQueue:
    """Outstanding data, peer receive window and congestion window of the single path."""

    def __init__(
        self,
        initial_tsn: int,
        mtu: int,
        initial_cwnd_packets: int,
        peer_rwnd: int,
        rto: RtoEstimator,
    ) -> None:
        self.mtu = mtu
        self.rto = rto
        #: Next TSN to assign (unwrapped).
        self.next_tsn = initial_tsn
        #: The peer's cumulative TSN ack (unwrapped).
        self.cumulative_tsn_ack = initial_tsn - 1
        self._items: deque[SentChunk] = deque()
        self._to_retransmit: list[SentChunk] = []
        #: Chunks fast-retransmitted go out at once, ahead of cwnd (RFC 9260 7.2.4 3).
        self.fast_retransmit_pending = False
        self.flight_size = 0
        self.cwnd = initial_cwnd_packets * mtu
        # RFC 9260 7.2.1: the initial ssthresh MAY be arbitrarily high (the peer's rwnd).
        self.ssthresh = peer_rwnd if peer_rwnd > 0 else 1 << 30
        self.partial_bytes_acked = 0
        self.peer_rwnd = peer_rwnd
        self.last_advertised_rwnd = peer_rwnd
        self.fast_recovery_exit: int | None = None
        #: RFC 3758 Advanced.Peer.Ack.Point (unwrapped).
        self.advanced_peer_ack_point = initial_tsn - 1
        #: The new cumulative TSN of the last FORWARD TSN we sent (avoid re-sending it on
        #: every SACK: pion/sctp#505).
        self.forward_tsn_sent_point = initial_tsn - 1
        self.forward_tsn_retransmit = False
        self.abandoned_messages = 0
        # Absolute TSN ranges the previous SACK reported (see handle_sack).
        self._acked_ranges: list[tuple[int, int]] = []
        self._range_bytes = 0
        self._range_rtt_item: SentChunk | None = None
        self._range_highest = 0
        self.retransmissions = 0
        self.fast_retransmissions = 0
        #: I-DATA negotiated: a message's fragments need not have consecutive TSNs.
        self.interleaving = False

    # -- state ---------------------------------------------------------------------------
    @property
    def outstanding(self) -> int:
        """Number of chunks with a TSN not yet cumulatively acknowledged."""
        return len(self._items)

    @property
    def has_outstanding(self) -> bool:
        """Whether data awaits acknowledgement (T3-rtx must then run)."""
        return bool(self._items)

    @property
    def has_retransmissions(self) -> bool:
        """Whether chunks are marked for retransmission."""
        return bool(self._to_retransmit)

    def streams_with_skippable_chunks(self, stream_ids: list[int]) -> set[int]:
        """Those of ``stream_ids`` with an ordered, partially reliable chunk not yet
        cumulatively acknowledged: a FORWARD TSN may still have to name its SSN."""
        wanted = set(stream_ids)
        found: set[int] = set()
        for item in self._items:
            message = item.message
            if (
                message.stream_id in wanted
                and message.ordered
                and (message.max_retransmits is not None or message.expires_at is not None)
            ):
                found.add(message.stream_id)
        return found

    def can_send_new(self, size: int) -> bool:
        """RFC 9260 section 6.1 rules A and B for one new chunk of ``size`` bytes."""
        flight = self.flight_size
        if flight >= self.cwnd:
            return False
        # Rule A: the peer's window; one chunk may always be in flight (zero window probe).
        return size <= self.peer_rwnd or flight == 0

    # -- sending -------------------------------------------------------------------------
    def add_sent(self, message: OutgoingMessage, chunk: bytes, size: int, now: float) -> int:
        """Register a new chunk; returns its TSN (assigned by the caller before encoding)."""
        tsn = self.next_tsn
        self.next_tsn = tsn + 1
        message.last_tsn = tsn
        self._items.append(SentChunk(tsn, message, chunk, size, now))
        self.flight_size += size
        rwnd = self.peer_rwnd - size
        self.peer_rwnd = rwnd if rwnd > 0 else 0
        return tsn

    def next_retransmission(self, room: int, ignore_cwnd: bool, now: float) -> SentChunk | None:
        """Pop the lowest-TSN chunk marked for retransmission if it fits ``room`` and the
        windows allow; abandons PR messages whose limits are reached (RFC 3758)."""
        queue = self._to_retransmit
        while queue:
            item = queue[0]
            if item.state != TO_RETRANSMIT:
                queue.pop(0)
                continue
            message = item.message
            if message.partially_reliable and self._should_abandon(item, now):
                self.abandon(message)
                continue
            if len(item.chunk) > room:
                return None
            if not ignore_cwnd and (
                self.flight_size >= self.cwnd
                or (item.size > self.peer_rwnd and self.flight_size > 0)
            ):
                return None
            queue.pop(0)
            item.state = IN_FLIGHT
            item.transmissions += 1
            item.sent_at = now
            item.nacks = 0
            self.flight_size += item.size
            rwnd = self.peer_rwnd - item.size
            self.peer_rwnd = rwnd if rwnd > 0 else 0
            self.retransmissions += 1
            return item
        self.fast_retransmit_pending = False
        return None

    @staticmethod
    def _should_abandon(item: SentChunk, now: float) -> bool:
        message = item.message
        if message.abandoned:
            return True
        if message.max_retransmits is not None and item.transmissions > message.max_retransmits:
            return True
        return message.expires_at is not None and message.expires_at < now

    def abandon(self, message: OutgoingMessage) -> None:
        """Abandon every outstanding fragment of a message (RFC 3758 section 3.5 A3)."""
        message.abandoned = True
        self.abandoned_messages += 1
        items = self._items
        placeholder_tsn = -1
        if message.first_tsn >= 0 and message.offset < len(message.data):
            # Partially sent: the receiver may hold every fragment sent so far, so nothing
            # would make it skip the message.  A placeholder for the unsent end takes the
            # next TSN, abandoned from birth: the FORWARD TSN must then cover it and moves
            # the peer's cumulative point past the message (as dcSCTP does).
            placeholder = SentChunk(self.next_tsn, message, b"", 0, 0.0)
            placeholder.state = ABANDONED
            placeholder_tsn = self.next_tsn
            self.next_tsn += 1
            items.append(placeholder)
        if not items:
            return
        base = items[0].tsn
        index = max(message.first_tsn - base, 0)
        n = len(items)
        if self.interleaving:
            # I-DATA: other messages' fragments may sit between this one's (RFC 8260).
            stop = min(max(message.last_tsn, placeholder_tsn) - base + 1, n)
            while index < stop:
                item = items[index]
                if item.message is message:
                    if item.state == IN_FLIGHT:
                        self.flight_size -= item.size
                    item.state = ABANDONED
                index += 1
            self._update_advanced_point()
            return
        while index < n:
            item = items[index]
            if item.message is not message:
                break
            if item.state == IN_FLIGHT:
                self.flight_size -= item.size
            item.state = ABANDONED
            index += 1
        self._update_advanced_point()

    def abandon_expired(self, now: float) -> None:
        """Abandon outstanding PR messages whose lifetime ran out (checked on T3)."""
        expired: list[OutgoingMessage] = []
        for item in self._items:
            message = item.message
            if (
                item.state != ACKED
                and item.state != ABANDONED
                and not message.abandoned
                and message.expires_at is not None
                and message.expires_at < now
                and (not expired or expired[-1] is not message)
            ):
                expired.append(message)
        for message in expired:
            if not message.abandoned:
                self.abandon(message)

    def _update_advanced_point(self) -> None:
        items = self._items
        if not items:
            return
        point = self.advanced_peer_ack_point
        if point < self.cumulative_tsn_ack:
            point = self.cumulative_tsn_ack
        base = items[0].tsn
        index = point + 1 - base
        n = len(items)
        while 0 <= index < n and items[index].state == ABANDONED:
            index += 1
        self.advanced_peer_ack_point = base + index - 1 if index > 0 else point

    # -- FORWARD TSN ---------------------------------------------------------------------
    def forward_tsn_needed(self) -> bool:
        """Whether a FORWARD TSN should go out now (new point, or a timed-out retry)."""
        point = self.advanced_peer_ack_point
        if point <= self.cumulative_tsn_ack:
            return False
        return point > self.forward_tsn_sent_point or self.forward_tsn_retransmit

    def forward_tsn_pending(self) -> bool:
        """Whether the peer still has to learn our advanced ack point."""
        return self.advanced_peer_ack_point > self.cumulative_tsn_ack

    def make_forward_tsn(self) -> tuple[int, list[tuple[int, int]]]:
        """(new cumulative TSN, [(stream id, SSN)]) for a FORWARD TSN; marks it sent.

        RFC 3758 section 3.5 C4 lists the highest SSN of each ordered stream skipped;
        unordered messages carry no entry (pion/sctp#106).
        """
        point = self.advanced_peer_ack_point
        streams: dict[int, int] = {}
        items = self._items
        if items:
            base = items[0].tsn
            for index in range(0, min(point - base + 1, len(items))):
                message = items[index].message
                if message.ordered and items[index].state == ABANDONED:
                    streams[message.stream_id] = message.ssn
        self.forward_tsn_sent_point = point
        self.forward_tsn_retransmit = False
        return point, sorted(streams.items())

    def make_iforward_tsn(self) -> tuple[int, list[tuple[int, bool, int]]]:
        """(new cumulative TSN, [(stream id, unordered, MID)]) for an I-FORWARD-TSN.

        RFC 8260 section 2.3.1: ordered streams list the largest MID skipped (the receiver
        skips up to it).  Unlike FORWARD TSN, unordered messages are listed too, since only
        their MID identifies their fragments; each abandoned unordered MID gets an entry
        (receivers such as usrsctp drop exactly the MID listed, dcSCTP every MID up to it),
        unless there are so many that only the largest per stream fits in the chunk.
        Within a stream and mode MIDs grow with TSNs: the last one in TSN order is largest.
        """
        point = self.advanced_peer_ack_point
        ordered: dict[int, int] = {}
        unordered: dict[tuple[int, int], None] = {}
        items = self._items
        if items:
            base = items[0].tsn
            for index in range(0, min(point - base + 1, len(items))):
                item = items[index]
                if item.state == ABANDONED:
                    message = item.message
                    if message.ordered:
                        ordered[message.stream_id] = message.ssn
                    else:
                        unordered[(message.stream_id, message.ssn)] = None
        if len(ordered) + len(unordered) > _MAX_IFORWARD_TSN_ENTRIES:
            largest: dict[int, int] = {}
            for stream_id, mid in unordered:
                largest[stream_id] = mid
            unordered = dict.fromkeys(largest.items())
        self.forward_tsn_sent_point = point
        self.forward_tsn_retransmit = False
        entries = [(sid, False, mid) for sid, mid in ordered.items()]
        entries += [(sid, True, mid) for sid, mid in unordered]
        entries.sort(key=_entry_key)
        return point, entries

    # -- SACK ----------------------------------------------------------------------------
    def handle_sack(
        self, cum_wire: int, a_rwnd: int, gap_blocks: list[tuple[int, int]], now: float
    ) -> SackResult:
        """Process one SACK (RFC 9260 section 6.2.1)."""
        result = SackResult()
        cum = unwrap_tsn(cum_wire, self.cumulative_tsn_ack)
        if cum < self.cumulative_tsn_ack or cum >= self.next_tsn:
            # D-i: older than what we know (reordered SACK); or it acks TSNs never sent.
            result.valid = False
            return result
        items = self._items
        flight_before = self.flight_size
        bytes_acked = 0
        rtt_item: SentChunk | None = None
        highest_newly_acked = cum
        if cum > self.cumulative_tsn_ack:
            result.cumulative_advanced = True
            for _ in range(cum - self.cumulative_tsn_ack):
                item = items.popleft()
                if item.state == IN_FLIGHT:
                    self.flight_size -= item.size
                    bytes_acked += item.size
                    if item.transmissions == 1:
                        rtt_item = item
                elif item.state == TO_RETRANSMIT:
                    bytes_acked += item.size
            self.cumulative_tsn_ack = cum
            if self._to_retransmit and self._to_retransmit[0].tsn <= cum:
                self._to_retransmit = [i for i in self._to_retransmit if i.tsn > cum]
        if gap_blocks and items:
            base = items[0].tsn  # == cum + 1
            last = base + len(items) - 1
            blocks = sorted(
                (cum + start, min(cum + end, last))
                for start, end in gap_blocks
                if 1 <= start <= end and cum + start <= last
            )
            # Only TSNs not already reported by the previous SACK need a look: consecutive
            # SACKs repeat the same large blocks, and walking them again each time would
            # cost O(window) per SACK during loss recovery.
            previous = [r for r in self._acked_ranges if r[1] > cum]
            for lo, hi in blocks:
                for plo, phi in previous:
                    if phi < lo or plo > hi:
                        continue
                    if plo <= lo:
                        lo = phi + 1
                    else:
                        self._ack_range(lo, plo - 1, base)
                        lo = phi + 1
                    if lo > hi:
                        break
                if lo <= hi:
                    self._ack_range(lo, hi, base)
            self._acked_ranges = blocks
            bytes_acked += self._range_bytes
            if self._range_rtt_item is not None:
                rtt_item = self._range_rtt_item
            if self._range_highest > highest_newly_acked:
                highest_newly_acked = self._range_highest
            self._range_bytes = 0
            self._range_rtt_item = None
            self._range_highest = 0
            # Miss indications, HTNA (RFC 9260 7.2.4): chunks below the highest newly acked
            # TSN that are still in flight were skipped over by the receiver.  Only the holes
            # between the reported blocks can hold such chunks.
            if highest_newly_acked > cum:
                fast = False
                hole_start = base
                for lo, hi in [*blocks, (highest_newly_acked, highest_newly_acked)]:
                    hole_end = min(lo, highest_newly_acked)
                    for tsn in range(hole_start, hole_end):
                        item = items[tsn - base]
                        if item.state == IN_FLIGHT:
                            item.nacks += 1
                            if item.nacks >= 3 and not item.fast_retransmitted:
                                item.fast_retransmitted = True
                                item.state = TO_RETRANSMIT
                                self.flight_size -= item.size
                                self._to_retransmit.append(item)
                                fast = True
                                self.fast_retransmissions += 1
                    if hi + 1 > hole_start:
                        hole_start = hi + 1
                    if hole_start >= highest_newly_acked:
                        break
                if fast:
                    self._to_retransmit.sort(key=_tsn_key)
                    self.fast_retransmit_pending = True
                    if self.fast_recovery_exit is None:
                        # 7.2.4 step 1/2: one reduction per window of data.
                        self.ssthresh = max(self.cwnd // 2, 4 * self.mtu)
                        self.cwnd = self.ssthresh
                        self.partial_bytes_acked = 0
                        self.fast_recovery_exit = self.next_tsn - 1
        elif not items:
            self._acked_ranges = []
        if rtt_item is not None:
            result.rtt_sample = now - rtt_item.sent_at
            self.rto.observe_rtt(result.rtt_sample)
        if self.fast_recovery_exit is not None and cum >= self.fast_recovery_exit:
            self.fast_recovery_exit = None
        # Congestion window growth (RFC 9260 7.2.1 / 7.2.2), only on cumulative progress.
        if result.cumulative_advanced and self.fast_recovery_exit is None:
            mtu = self.mtu
            if self.cwnd <= self.ssthresh:
                if flight_before + mtu >= self.cwnd:
                    self.cwnd += min(bytes_acked, mtu)
            else:
                self.partial_bytes_acked += bytes_acked
                if self.partial_bytes_acked >= self.cwnd and flight_before + mtu >= self.cwnd:
                    self.partial_bytes_acked -= self.cwnd
                    self.cwnd += mtu
        if self.flight_size <= 0:
            self.flight_size = 0
            self.partial_bytes_acked = 0
        self.last_advertised_rwnd = a_rwnd
        rwnd = a_rwnd - self.flight_size
        self.peer_rwnd = rwnd if rwnd > 0 else 0
        result.bytes_acked = bytes_acked
        if self.advanced_peer_ack_point < cum:
            self.advanced_peer_ack_point = cum
        self._update_advanced_point()
        return result

    def _ack_range(self, lo: int, hi: int, base: int) -> None:
        """Mark TSNs lo..hi gap-acknowledged (results accumulate in self._range_*)."""
        items = self._items
        for index in range(lo - base, hi - base + 1):
            item = items[index]
            state = item.state
            if state in (IN_FLIGHT, TO_RETRANSMIT):
                if state == IN_FLIGHT:
                    self.flight_size -= item.size
                    if item.transmissions == 1:
                        self._range_rtt_item = item
                item.state = ACKED
                self._range_bytes += item.size
                if item.tsn > self._range_highest:
                    self._range_highest = item.tsn

    # -- timers --------------------------------------------------------------------------
    def handle_t3_expiry(self) -> None:
        """RFC 9260 section 6.3.3 E1/E3 (the caller does E2, the RTO backoff)."""
        self.ssthresh = max(self.cwnd // 2, 4 * self.mtu)
        self.cwnd = self.mtu
        self.partial_bytes_acked = 0
        self.fast_recovery_exit = None
        marked = False
        for item in self._items:
            if item.state == IN_FLIGHT:
                item.state = TO_RETRANSMIT
                self.flight_size -= item.size
                self._to_retransmit.append(item)
                marked = True
        if marked:
            self._to_retransmit.sort(key=_tsn_key)
        self.flight_size = max(self.flight_size, 0)
        self.peer_rwnd = max(self.last_advertised_rwnd - self.flight_size, 0)
        if self.forward_tsn_pending():
            self.forward_tsn_retransmit = True

    def clear(self) -> None:
        """Drop everything (restart)."""
        self._items.clear()
        self._to_retransmit.clear()
        self.flight_size = 0


def _tsn_key(item: SentChunk) -> int:
    return item.tsn


def _entry_key(entry: tuple[int, bool, int]) -> tuple[int, bool]:
    return entry[0], entry[1]
