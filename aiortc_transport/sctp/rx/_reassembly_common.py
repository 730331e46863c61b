"""Bookkeeping shared by the DATA and I-DATA reassembly queues.

Both queues keep, per stream, the ordered messages still waiting keyed by their unwrapped
sequence number (SSN for DATA, MID for I-DATA) and deliver them strictly in that order; both
skip forward the same way on (I-)FORWARD-TSN and forget a stream the same way on a reset.
What differs (how fragments form a message, how unordered messages are found) stays in the
two queue modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

DeliverFn = Callable[[int, int, bytes, bool], None]
"""deliver(stream_id, ppid, data, unordered)"""


class FragmentsBase:
    """Fragments of one message so far: the counters every message record keeps."""

    __slots__ = ("count", "fragments", "ppid", "size")

    def __init__(self) -> None:
        self.fragments: dict[int, bytes] = {}
        self.ppid = 0
        self.size = 0
        self.count = 0


class _Message(Protocol):
    ppid: int
    size: int

    @property
    def complete(self) -> bool: ...

    def assemble(self) -> bytes: ...


M = TypeVar("M", bound=_Message)


class OrderedStream(Generic[M]):
    """Ordered messages of one incoming stream, keyed by unwrapped SSN / MID."""

    __slots__ = ("messages", "next_seq")

    def __init__(self) -> None:
        self.next_seq = 0
        self.messages: dict[int, M] = {}


class ReassemblyBase(Generic[M]):
    """The ordered-delivery, skip and reset logic of a reassembly queue."""

    __slots__ = ("_deliver", "_ordered", "_reset_at", "_unordered", "queued_bytes")

    # Keyed and valued differently by each queue; only cleared and counted here.
    _unordered: dict[Any, Any]

    def __init__(self, deliver: DeliverFn) -> None:
        self._deliver = deliver
        self._ordered: dict[int, OrderedStream[M]] = {}
        # stream -> the peer's last TSN before its latest reset of the stream.
        self._reset_at: dict[int, int] = {}
        #: User-data bytes currently held (incomplete or blocked messages).
        self.queued_bytes = 0

    def _deliver_ordered(self, stream_id: int, stream: OrderedStream[M]) -> None:
        messages = stream.messages
        while True:
            message = messages.get(stream.next_seq)
            if message is None or not message.complete:
                return
            del messages[stream.next_seq]
            stream.next_seq += 1
            self.queued_bytes -= message.size
            self._deliver(stream_id, message.ppid, message.assemble(), False)

    def _skip_ordered(self, stream_id: int, stream: OrderedStream[M], seq: int) -> None:
        """Skip the stream past ``seq`` (abandoned by the sender), delivering what can be."""
        # Deliver what is complete up to the skipped number, in order; drop the rest.
        for s in sorted(s for s in stream.messages if s <= seq):
            message = stream.messages.pop(s)
            self.queued_bytes -= message.size
            if message.complete:
                self._deliver(stream_id, message.ppid, message.assemble(), False)
        stream.next_seq = seq + 1
        self._deliver_ordered(stream_id, stream)

    def _before_reset(self, stream_id: int, new_cumulative_tsn: int) -> bool:
        """Whether a skip up to this TSN predates the stream's latest reset."""
        reset_at = self._reset_at
        return bool(reset_at) and reset_at.get(stream_id, -1) >= new_cumulative_tsn

    def _reset_ordered(self, stream_ids: list[int], last_tsn: int | None) -> None:
        for stream_id in stream_ids:
            if last_tsn is not None:
                self._reset_at[stream_id] = last_tsn
            stream = self._ordered.pop(stream_id, None)
            if stream is not None:
                for message in stream.messages.values():
                    self.queued_bytes -= message.size

    def clear(self) -> None:
        """Forget everything (association restart)."""
        self._reset_at.clear()
        self._ordered.clear()
        self._unordered.clear()
        self.queued_bytes = 0
