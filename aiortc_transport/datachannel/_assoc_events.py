"""Stand-in copy of the SCTP association's events (aiortc_transport/sctp/events.py).

The association is written in parallel; this module mirrors the agreed contract exactly
(names, fields, order) so that the DCEP manager can be built and tested now. When both land,
the manager imports ``aiortc_transport.sctp.events`` instead and this file goes away.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AssociationClosed",
    "AssociationEstablished",
    "AssociationEvent",
    "AssociationRestarted",
    "BufferedAmountLow",
    "DataReceived",
    "StreamsResetFailed",
    "StreamsResetIncoming",
    "StreamsResetOutgoing",
]


@dataclass(frozen=True, slots=True)
class AssociationEstablished:
    """The association is up; the stream counts are the negotiated ones."""

    outbound_streams: int
    inbound_streams: int


@dataclass(frozen=True, slots=True)
class DataReceived:
    """One whole user message arrived."""

    stream_id: int
    ppid: int
    data: bytes
    unordered: bool


@dataclass(frozen=True, slots=True)
class StreamsResetIncoming:
    """The peer reset its outgoing direction of these streams (RFC 6525)."""

    stream_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StreamsResetOutgoing:
    """Our outgoing reset of these streams was performed by the peer."""

    stream_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StreamsResetFailed:
    """Our outgoing reset of these streams was refused or could not be done."""

    stream_ids: tuple[int, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class BufferedAmountLow:
    """The stream's buffered amount fell to its low threshold."""

    stream_id: int


@dataclass(frozen=True, slots=True)
class AssociationClosed:
    """The association ended: graceful shutdown, ABORT either way, or failure."""

    reason: str
    aborted: bool


@dataclass(frozen=True, slots=True)
class AssociationRestarted:
    """The peer restarted the association (RFC 9260 section 5.2.4)."""


AssociationEvent = (
    AssociationEstablished
    | DataReceived
    | StreamsResetIncoming
    | StreamsResetOutgoing
    | StreamsResetFailed
    | BufferedAmountLow
    | AssociationClosed
    | AssociationRestarted
)
