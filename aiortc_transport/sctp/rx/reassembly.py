"""Reassembly of user messages from DATA fragments (RFC 9260 sections 6.5, 6.9).

With DATA chunks, the fragments of one message carry consecutive TSNs from the B fragment to
the E fragment.  Ordered messages are also identified by (stream, SSN), so an ordered message
is a small record keyed by its SSN that counts its fragments and is complete when it has its B
and E fragments and every TSN between.  Unordered messages have no usable key; they are found
by walking TSN neighbours, which is only attempted when the new fragment can close a message
(its forward neighbour is present or it is an E fragment), keeping the common in-order case
O(1) per fragment.

Memory: ``queued_bytes`` counts user data held here; the association advertises what is left
of its receive window from it and refuses new fragments beyond its budget (see
``Association``).
"""

from __future__ import annotations

from ..sequence import unwrap_ssn
from ._reassembly_common import DeliverFn, FragmentsBase, OrderedStream, ReassemblyBase


class _OrderedMessage(FragmentsBase):
    """Fragments of one ordered message, keyed by TSN."""

    __slots__ = ("b_tsn", "e_tsn", "min_tsn")

    def __init__(self) -> None:
        super().__init__()
        self.b_tsn: int | None = None
        self.e_tsn: int | None = None
        self.min_tsn = 1 << 62

    @property
    def complete(self) -> bool:
        b, e = self.b_tsn, self.e_tsn
        return b is not None and e is not None and self.count == e - b + 1

    def assemble(self) -> bytes:
        frags = self.fragments
        assert self.b_tsn is not None and self.e_tsn is not None  # only called when complete
        if self.count == 1:
            return frags[self.b_tsn]
        return b"".join([frags[t] for t in range(self.b_tsn, self.e_tsn + 1)])


class ReassemblyQueue(ReassemblyBase[_OrderedMessage]):
    """Holds fragments until whole messages can be delivered, in SSN order where ordered."""

    __slots__ = ()

    def __init__(self, deliver: DeliverFn) -> None:
        super().__init__(deliver)
        # tsn -> (stream_id, ppid, data, beginning, end)
        self._unordered: dict[int, tuple[int, int, bytes, bool, bool]] = {}

    # -- adding ------------------------------------------------------------------------
    def add(
        self,
        tsn: int,
        stream_id: int,
        ssn_wire: int,
        ppid: int,
        data: bytes,
        unordered: bool,
        beginning: bool,
        end: bool,
    ) -> None:
        """Add one new (not duplicate) fragment; delivers whatever became complete."""
        if unordered:
            if beginning and end:
                self._deliver(stream_id, ppid, data, True)
                return
            self._unordered[tsn] = (stream_id, ppid, data, beginning, end)
            self.queued_bytes += len(data)
            self._try_unordered(tsn)
            return

        stream = self._ordered.get(stream_id)
        if stream is None:
            stream = self._ordered[stream_id] = OrderedStream()
        ssn = unwrap_ssn(ssn_wire, stream.next_seq)
        if ssn < stream.next_seq:
            # Already delivered or skipped: a stale fragment (e.g. after FORWARD TSN).
            return
        if beginning and end and ssn == stream.next_seq and not stream.messages:
            # The hot path: a whole message, next in sequence.
            stream.next_seq = ssn + 1
            self._deliver(stream_id, ppid, data, False)
            return
        message = stream.messages.get(ssn)
        if message is None:
            message = stream.messages[ssn] = _OrderedMessage()
        if tsn in message.fragments:
            return
        message.fragments[tsn] = data
        message.count += 1
        message.size += len(data)
        self.queued_bytes += len(data)
        if tsn < message.min_tsn:
            message.min_tsn = tsn
        if beginning:
            message.b_tsn = tsn
            message.ppid = ppid
        if end:
            message.e_tsn = tsn
        if ssn == stream.next_seq and message.complete:
            self._deliver_ordered(stream_id, stream)

    def _try_unordered(self, tsn: int) -> None:
        frags = self._unordered
        stream_id = frags[tsn][0]
        # Forward to the E fragment; give up at the first hole (common in-order case).
        end = tsn
        while True:
            entry = frags.get(end)
            if entry is None or entry[0] != stream_id or (end != tsn and entry[3]):
                return
            if entry[4]:
                break
            end += 1
        start = tsn
        while True:
            entry = frags.get(start)
            if entry is None or entry[0] != stream_id or (start != tsn and entry[4]):
                return
            if entry[3]:
                break
            start -= 1
        # The E search stops at the first E and the B search at the first B, so
        # [start, end] is exactly one message.
        ppid = frags[start][1]
        data = b"".join([frags.pop(t)[2] for t in range(start, end + 1)])
        self.queued_bytes -= len(data)
        self._deliver(stream_id, ppid, data, True)

    # -- skipping and resetting ----------------------------------------------------------
    def forward_tsn(self, new_cumulative_tsn: int, streams: list[tuple[int, int]]) -> None:
        """RFC 3758 section 3.6: drop fragments up to the new cumulative TSN, skip SSNs."""
        # Unordered fragments at or below the new point can never complete.
        if self._unordered:
            for t in [t for t in self._unordered if t <= new_cumulative_tsn]:
                self.queued_bytes -= len(self._unordered.pop(t)[2])
        for stream_id, ssn_wire in streams:
            if self._before_reset(stream_id, new_cumulative_tsn):
                # A late or duplicated FORWARD TSN from before the stream's reset: its SSN
                # belongs to the old numbering and must not skip messages of the new one.
                continue
            stream = self._ordered.get(stream_id)
            if stream is None:
                stream = self._ordered[stream_id] = OrderedStream()
            ssn = unwrap_ssn(ssn_wire, stream.next_seq)
            if ssn < stream.next_seq:
                continue
            self._skip_ordered(stream_id, stream, ssn)
        # Ordered messages of unlisted streams with fragments at or below the point are
        # abandoned too (their remaining fragments will never come).
        for stream in self._ordered.values():
            if not stream.messages:
                continue
            for s in [
                s
                for s, m in stream.messages.items()
                if m.min_tsn <= new_cumulative_tsn and not m.complete
            ]:
                self.queued_bytes -= stream.messages.pop(s).size

    def reset_streams(self, stream_ids: list[int], last_tsn: int | None = None) -> None:
        """RFC 6525: the peer's outgoing SSNs of these streams restart at 0.

        ``last_tsn`` is the request's "Sender's Last Assigned TSN" (unwrapped): a FORWARD
        TSN that goes no further concerns the streams' previous life only.
        """
        self._reset_ordered(stream_ids, last_tsn)
        for t in [t for t, e in self._unordered.items() if e[0] in stream_ids]:
            self.queued_bytes -= len(self._unordered.pop(t)[2])
