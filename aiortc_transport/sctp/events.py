"""Events produced by the SCTP association (pulled with ``Association.next_event()``).

Each is a frozen, slotted dataclass: a value, not a callback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AssociationEstablished:
    """The four-way handshake completed; data may flow."""

    outbound_streams: int
    inbound_streams: int


@dataclass(frozen=True, slots=True)
class DataReceived:
    """One whole user message, reassembled."""

    stream_id: int
    ppid: int
    data: bytes
    unordered: bool


@dataclass(frozen=True, slots=True)
class StreamsResetIncoming:
    """The peer reset its outgoing direction of these streams (RFC 6525 section 5.2.2).

    The incoming SSNs of the streams are back to 0.  In WebRTC the upper layer answers by
    resetting our outgoing direction of the same streams (RFC 8831 section 6.7).
    """

    stream_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StreamsResetOutgoing:
    """Our outgoing reset of these streams was performed by the peer; they can be reused."""

    stream_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StreamsResetFailed:
    """The peer refused (or could not perform) our outgoing reset of these streams."""

    stream_ids: tuple[int, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class BufferedAmountLow:
    """The stream's buffered amount fell to or below its low threshold."""

    stream_id: int


@dataclass(frozen=True, slots=True)
class AssociationClosed:
    """The association ended: graceful shutdown, ABORT (either way) or failure."""

    reason: str
    aborted: bool


@dataclass(frozen=True, slots=True)
class AssociationRestarted:
    """The peer restarted the association (RFC 9260 section 5.2.4 case A).

    All queued and in-flight data of the old association is lost; stream SSNs restart at 0.
    """


Event = (
    AssociationEstablished
    | DataReceived
    | StreamsResetIncoming
    | StreamsResetOutgoing
    | StreamsResetFailed
    | BufferedAmountLow
    | AssociationClosed
    | AssociationRestarted
)
"""Any event the association produces."""

__all__ = [
    "AssociationClosed",
    "AssociationEstablished",
    "AssociationRestarted",
    "BufferedAmountLow",
    "DataReceived",
    "Event",
    "StreamsResetFailed",
    "StreamsResetIncoming",
    "StreamsResetOutgoing",
]
