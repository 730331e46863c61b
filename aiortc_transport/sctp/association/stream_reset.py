"""Stream reset, RFC 6525 (outgoing SSN reset requests and their responses).

WebRTC closes a data channel by resetting the outgoing SSN of its stream (RFC 8831 section
6.7); the peer answers by resetting its own outgoing direction.

Outgoing: ``request()`` marks streams; messages already queued on them go out first, then one
Outgoing SSN Reset Request carries every stream that is ready, with "Sender's Last Assigned
TSN" = the last TSN we used.  Only one request is outstanding at a time (RFC 6525 section
5.1.1); it is retransmitted on the reconfig timer and re-sent after an "in progress" answer.

Incoming: a request is performed once every TSN up to the sender's last assigned TSN has
arrived (section 5.2.2); until then we answer "in progress" and hold DATA of those streams
with higher TSNs (they belong to the streams' next life, SSN 0 again) so that nothing is
delivered across the reset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..events import StreamsResetFailed, StreamsResetIncoming, StreamsResetOutgoing
from ..packet.chunk import DataChunk, IDataChunk, ReConfigChunk
from ..packet.parameter import (
    RESULT_DENIED,
    RESULT_ERROR_BAD_SEQUENCE_NUMBER,
    RESULT_IN_PROGRESS,
    RESULT_SUCCESS_NOTHING_TO_DO,
    RESULT_SUCCESS_PERFORMED,
    AddIncomingStreamsRequestParameter,
    AddOutgoingStreamsRequestParameter,
    IncomingSsnResetRequestParameter,
    OutgoingSsnResetRequestParameter,
    ReconfigurationResponseParameter,
    SsnTsnResetRequestParameter,
)
from ..sequence import unwrap_tsn, wrap_tsn
from .state import AssociationState

if TYPE_CHECKING:
    from .association import Association

_MASK = 0xFFFFFFFF
_RESULT_TEXT = {
    2: "denied",
    3: "wrong SSN",
    4: "request already in progress",
    5: "bad sequence number",
}


class _OutgoingRequest:
    __slots__ = ("chunk", "sequence", "stream_ids")

    def __init__(self, sequence: int, stream_ids: list[int], chunk: bytes) -> None:
        self.sequence = sequence
        self.stream_ids = stream_ids
        self.chunk = chunk


class _DeferredReset:
    __slots__ = ("last_tsn", "sequence", "stash", "stream_ids")

    def __init__(self, sequence: int, last_tsn: int, stream_ids: list[int]) -> None:
        self.sequence = sequence
        self.last_tsn = last_tsn
        self.stream_ids = stream_ids
        self.stash: list[tuple[int, DataChunk | IDataChunk]] = []


class StreamResetHandler:
    """Both directions of RFC 6525 SSN resets for one association."""

    def __init__(self, association: Association) -> None:
        self._association = association
        self._next_request_sequence = 0
        self._peer_next_request_sequence = 0
        self._pending: list[int] = []
        self._current: _OutgoingRequest | None = None
        self._deferred: _DeferredReset | None = None
        self._last_response: tuple[int, int] | None = None

    def setup(self, my_initial_tsn: int, peer_initial_tsn: int) -> None:
        """RFC 6525 section 3.1: request sequence numbers start at the initial TSN."""
        self._next_request_sequence = my_initial_tsn & _MASK
        self._peer_next_request_sequence = peer_initial_tsn & _MASK

    # -- outgoing ----------------------------------------------------------------------
    @property
    def has_pending(self) -> bool:
        """Whether streams wait for an outgoing reset request."""
        return bool(self._pending)

    def request(self, stream_ids: list[int], now: float) -> None:
        """Mark streams for an outgoing reset."""
        queue = self._association._send_queue
        current = self._current.stream_ids if self._current is not None else []
        for stream_id in stream_ids:
            if stream_id in self._pending or stream_id in current:
                continue
            queue.prepare_reset(stream_id)
            self._pending.append(stream_id)

    def maybe_send_request(self, now: float) -> None:
        """Send a request for the ready streams if none is outstanding."""
        if self._current is not None or not self._pending:
            return
        assoc = self._association
        if assoc.state != AssociationState.ESTABLISHED:
            # No new requests once shutting down: only shutdown chunks may follow SHUTDOWN.
            return
        tx = assoc._tx
        if tx is None:
            return
        queue = assoc._send_queue
        ready = [s for s in self._pending if queue.ready_to_reset(s)]
        if ready:
            # A FORWARD TSN names a skipped ordered message by its SSN alone (RFC 3758
            # section 3.2), which cannot tell the stream's numbering before the reset from
            # the one after. Once no abandonable ordered chunk of the stream is outstanding,
            # no FORWARD TSN sent after this request names the old numbering; a late copy
            # of an earlier one is recognised by its cumulative TSN (ReassemblyQueue).
            busy = tx.streams_with_skippable_chunks(ready)
            if busy:
                ready = [s for s in ready if s not in busy]
        if not ready:
            return
        self._pending = [s for s in self._pending if s not in ready]
        sequence = self._next_request_sequence
        self._next_request_sequence = (sequence + 1) & _MASK
        parameter = OutgoingSsnResetRequestParameter(
            sequence,
            (self._peer_next_request_sequence - 1) & _MASK,
            wrap_tsn(tx.next_tsn - 1),
            ready,
        )
        chunk = ReConfigChunk([parameter]).serialize()
        self._current = _OutgoingRequest(sequence, ready, chunk)
        assoc._control.append(chunk)
        assoc._reconfig.start(now, assoc._rto.rto)

    def on_timer(self, now: float) -> None:
        """Reconfig timer: retransmit the outstanding request (RFC 6525 section 5.1.1)."""
        assoc = self._association
        if self._current is None:
            return
        assoc._rto.backoff()
        assoc._control.append(self._current.chunk)
        assoc._reconfig.start(now, assoc._rto.rto)

    def _handle_response(self, parameter: ReconfigurationResponseParameter, now: float) -> None:
        current = self._current
        if current is None or parameter.response_sequence != current.sequence:
            return
        assoc = self._association
        # The peer answers: it is alive.
        assoc._error_count = 0
        result = parameter.result
        if result == RESULT_IN_PROGRESS:
            # Ask again later with the same request (dcSCTP and usrsctp both do this).
            assoc._reconfig.start(now, assoc._rto.rto)
            return
        assoc._reconfig.stop()
        assoc._reconfig.reset_backoff()
        self._current = None
        queue = assoc._send_queue
        performed = result in (RESULT_SUCCESS_PERFORMED, RESULT_SUCCESS_NOTHING_TO_DO)
        for stream_id in current.stream_ids:
            queue.finish_reset(stream_id, performed)
        ids = tuple(current.stream_ids)
        if performed:
            assoc._events.append(StreamsResetOutgoing(ids))
        else:
            reason = _RESULT_TEXT.get(result, f"result {result}")
            assoc._events.append(StreamsResetFailed(ids, reason))
        self.maybe_send_request(now)

    # -- incoming ----------------------------------------------------------------------
    def handle_reconfig(self, chunk: ReConfigChunk, now: float) -> None:
        """Process every parameter of a RE-CONFIG chunk; queue the responses."""
        responses: list[ReconfigurationResponseParameter] = []
        for parameter in chunk.parameters:
            kind = type(parameter)
            if kind is ReconfigurationResponseParameter:
                self._handle_response(parameter, now)  # type: ignore[arg-type]
            elif kind is OutgoingSsnResetRequestParameter:
                response = self._handle_outgoing_request(parameter, now)  # type: ignore[arg-type]
                if response is not None:
                    responses.append(response)
            elif kind in (
                IncomingSsnResetRequestParameter,
                SsnTsnResetRequestParameter,
                AddOutgoingStreamsRequestParameter,
                AddIncomingStreamsRequestParameter,
            ):
                # Not used by WebRTC stacks: refuse politely (RFC 6525 section 5.2).
                sequence = parameter.request_sequence  # type: ignore[union-attr]
                result = self._sequence_check(sequence)
                if result is None:
                    self._accept_sequence(sequence, RESULT_DENIED)
                    result = RESULT_DENIED
                responses.append(ReconfigurationResponseParameter(sequence, result))
        if responses:
            self._association._control.append(ReConfigChunk(list(responses)).serialize())

    def _sequence_check(self, sequence: int) -> int | None:
        """None if ``sequence`` is the expected one; else the result to answer with."""
        expected = self._peer_next_request_sequence
        if sequence == expected:
            return None
        last = self._last_response
        if last is not None and sequence == last[0]:
            return last[1]
        return RESULT_ERROR_BAD_SEQUENCE_NUMBER

    def _accept_sequence(self, sequence: int, result: int) -> None:
        self._peer_next_request_sequence = (sequence + 1) & _MASK
        self._last_response = (sequence, result)

    def _handle_outgoing_request(
        self, parameter: OutgoingSsnResetRequestParameter, now: float
    ) -> ReconfigurationResponseParameter | None:
        sequence = parameter.request_sequence
        result = self._sequence_check(sequence)
        if result is not None:
            # A retransmission (or garbage): a deferred reset may have completed since.
            deferred = self._deferred
            if result == RESULT_IN_PROGRESS and (deferred is None or deferred.sequence != sequence):
                result = RESULT_SUCCESS_PERFORMED
                self._last_response = (sequence, result)
            return ReconfigurationResponseParameter(sequence, result)
        if self._deferred is not None:
            # One deferred reset at a time: the peer will retry this one.
            return ReconfigurationResponseParameter(sequence, RESULT_IN_PROGRESS)
        assoc = self._association
        tracker = assoc._tracker
        if tracker is None:
            return None
        last_tsn = unwrap_tsn(parameter.sender_last_tsn, tracker.cumulative_tsn)
        stream_ids = list(parameter.stream_ids)
        if tracker.cumulative_tsn >= last_tsn:
            self._perform_incoming(stream_ids, last_tsn)
            result = RESULT_SUCCESS_PERFORMED
        else:
            self._deferred = _DeferredReset(sequence, last_tsn, stream_ids)
            result = RESULT_IN_PROGRESS
        self._accept_sequence(sequence, result)
        return ReconfigurationResponseParameter(sequence, result)

    def _perform_incoming(self, stream_ids: list[int], last_tsn: int) -> None:
        assoc = self._association
        assoc._reassembly.reset_streams(stream_ids, last_tsn)
        assoc._events.append(StreamsResetIncoming(tuple(stream_ids)))

    def defers(self, stream_id: int, tsn: int) -> bool:
        """Whether a DATA chunk must wait for a deferred reset (it is past the reset)."""
        deferred = self._deferred
        return (
            deferred is not None
            and tsn > deferred.last_tsn
            and (not deferred.stream_ids or stream_id in deferred.stream_ids)
        )

    def stash(self, tsn: int, chunk: DataChunk | IDataChunk) -> None:
        """Hold a chunk of the streams' next life until the reset is performed."""
        assert self._deferred is not None  # only after defers() said so
        self._deferred.stash.append((tsn, chunk))

    def before_forward_tsn(self, new_cumulative_tsn: int) -> None:
        """Held chunks the peer abandoned are dropped with everything else."""
        deferred = self._deferred
        if deferred is not None and deferred.stash:
            deferred.stash = [e for e in deferred.stash if e[0] > new_cumulative_tsn]

    def after_data_received(self, now: float) -> None:
        """Perform a deferred reset once the cumulative TSN reached the peer's last TSN."""
        deferred = self._deferred
        if deferred is None:
            return
        assoc = self._association
        tracker = assoc._tracker
        if tracker is None or tracker.cumulative_tsn < deferred.last_tsn:
            return
        self._deferred = None
        if self._last_response is not None and self._last_response[0] == deferred.sequence:
            self._last_response = (deferred.sequence, RESULT_SUCCESS_PERFORMED)
        self._perform_incoming(deferred.stream_ids, deferred.last_tsn)
        for tsn, chunk in sorted(deferred.stash, key=lambda e: e[0]):
            assoc._reassemble(tsn, chunk)
