"""Reassembly of user messages from I-DATA fragments (RFC 8260 sections 2.1, 2.3).

With I-DATA the fragments of different messages may interleave, so TSNs say nothing about
which fragments belong together.  A message is identified by (stream, U bit, MID) instead and
its fragments are ordered by FSN: the B fragment has FSN 0 (its FSN field carries the PPID),
and the message is complete once it holds the E fragment and every FSN below it.  Ordered
messages are delivered in MID order per stream; unordered ones as soon as complete.

I-FORWARD-TSN lists, per (stream, U), the largest MID the sender abandoned: ordered streams
skip to the next MID, and unordered partial messages up to that MID are dropped.

Memory: ``queued_bytes`` counts user data held here, as in ``ReassemblyQueue``.
"""

from __future__ import annotations

from ..sequence import unwrap_tsn
from ._reassembly_common import DeliverFn, FragmentsBase, OrderedStream, ReassemblyBase

_HALF = 1 << 31


class _Message(FragmentsBase):
    """Fragments of one message keyed by FSN."""

    __slots__ = ("e_fsn", "max_fsn")

    def __init__(self) -> None:
        super().__init__()
        self.e_fsn = -1
        self.max_fsn = -1

    def add(self, fsn: int, data: bytes, ppid: int, beginning: bool, end: bool) -> int:
        """Store a fragment; returns the bytes added (0 for a duplicate)."""
        if fsn in self.fragments:
            return 0
        self.fragments[fsn] = data
        self.count += 1
        self.size += len(data)
        if fsn > self.max_fsn:
            self.max_fsn = fsn
        if beginning:
            self.ppid = ppid
        if end:
            self.e_fsn = fsn
        return len(data)

    @property
    def complete(self) -> bool:
        # Distinct non-negative FSNs, as many as E's FSN + 1, none above it: exactly 0..E.
        e = self.e_fsn
        return e >= 0 and self.count == e + 1 and self.max_fsn == e

    def assemble(self) -> bytes:
        frags = self.fragments
        if self.count == 1:
            return frags[0]
        return b"".join([frags[i] for i in range(self.count)])


class InterleavedReassemblyQueue(ReassemblyBase[_Message]):
    """Holds I-DATA fragments until whole messages can be delivered."""

    __slots__ = ()

    def __init__(self, deliver: DeliverFn) -> None:
        super().__init__(deliver)
        # (stream_id, wire MID) -> message
        self._unordered: dict[tuple[int, int], _Message] = {}

    def add(
        self,
        tsn: int,
        stream_id: int,
        mid_wire: int,
        ppid_or_fsn: int,
        data: bytes,
        unordered: bool,
        beginning: bool,
        end: bool,
    ) -> None:
        """Add one new (not duplicate) fragment; delivers whatever became complete."""
        if beginning:
            fsn, ppid = 0, ppid_or_fsn
        else:
            fsn, ppid = ppid_or_fsn, 0
            if fsn == 0:
                return  # FSN 0 belongs to the B fragment: malformed, dropped
        if unordered:
            if beginning and end:
                self._deliver(stream_id, ppid, data, True)
                return
            key = (stream_id, mid_wire)
            message = self._unordered.get(key)
            if message is None:
                message = self._unordered[key] = _Message()
            self.queued_bytes += message.add(fsn, data, ppid, beginning, end)
            if message.complete:
                del self._unordered[key]
                self.queued_bytes -= message.size
                self._deliver(stream_id, message.ppid, message.assemble(), True)
            return

        stream = self._ordered.get(stream_id)
        if stream is None:
            stream = self._ordered[stream_id] = OrderedStream()
        mid = unwrap_tsn(mid_wire, stream.next_seq)
        if mid < stream.next_seq:
            return  # already delivered or skipped
        if beginning and end and mid == stream.next_seq and not stream.messages:
            # The hot path: a whole message, next in sequence.
            stream.next_seq = mid + 1
            self._deliver(stream_id, ppid, data, False)
            return
        message = stream.messages.get(mid)
        if message is None:
            message = stream.messages[mid] = _Message()
        self.queued_bytes += message.add(fsn, data, ppid, beginning, end)
        if mid == stream.next_seq and message.complete:
            self._deliver_ordered(stream_id, stream)

    def forward_tsn(self, new_cumulative_tsn: int, streams: list[tuple[int, bool, int]]) -> None:
        """RFC 8260 section 2.3.2: skip the listed (stream, U, MID)s."""
        for stream_id, unordered, mid_wire in streams:
            if self._before_reset(stream_id, new_cumulative_tsn):
                # A late or duplicated I-FORWARD-TSN from before the stream's reset: its MID
                # belongs to the old numbering and must not skip messages of the new one.
                continue
            if unordered:
                for key in [
                    k
                    for k in self._unordered
                    if k[0] == stream_id and (mid_wire - k[1]) & 0xFFFFFFFF < _HALF
                ]:
                    self.queued_bytes -= self._unordered.pop(key).size
                continue
            stream = self._ordered.get(stream_id)
            if stream is None:
                stream = self._ordered[stream_id] = OrderedStream()
            mid = unwrap_tsn(mid_wire, stream.next_seq)
            if mid < stream.next_seq:
                continue
            self._skip_ordered(stream_id, stream, mid)

    def reset_streams(self, stream_ids: list[int], last_tsn: int | None = None) -> None:
        """RFC 6525 / RFC 8260 2.3.3: the peer's MIDs of these streams restart at 0.

        ``last_tsn`` is the request's "Sender's Last Assigned TSN" (unwrapped): an
        I-FORWARD-TSN that goes no further concerns the streams' previous life only.
        """
        self._reset_ordered(stream_ids, last_tsn)
        for key in [k for k in self._unordered if k[0] in stream_ids]:
            self.queued_bytes -= self._unordered.pop(key).size
