"""Association states (RFC 9260 section 4) and the counters the association keeps."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class AssociationState(enum.Enum):
    """RFC 9260 section 4 states (CLOSED covers "no TCB")."""

    CLOSED = "closed"
    COOKIE_WAIT = "cookie-wait"
    COOKIE_ECHOED = "cookie-echoed"
    ESTABLISHED = "established"
    SHUTDOWN_PENDING = "shutdown-pending"
    SHUTDOWN_SENT = "shutdown-sent"
    SHUTDOWN_RECEIVED = "shutdown-received"
    SHUTDOWN_ACK_SENT = "shutdown-ack-sent"


#: States in which a TCB exists and data may be received.
DATA_RECEIVE_STATES = frozenset(
    {
        AssociationState.COOKIE_ECHOED,
        AssociationState.ESTABLISHED,
        AssociationState.SHUTDOWN_PENDING,
        AssociationState.SHUTDOWN_SENT,
    }
)

#: States in which queued or retransmitted DATA may still be sent (RFC 9260 section 9.2).
DATA_SEND_STATES = frozenset(
    {
        AssociationState.ESTABLISHED,
        AssociationState.SHUTDOWN_PENDING,
        AssociationState.SHUTDOWN_RECEIVED,
    }
)


@dataclass(slots=True)
class AssociationStats:
    """Counters, for tests, logs and benchmarks."""

    packets_received: int = 0
    packets_sent: int = 0
    #: Packets dropped whole: undecodable, bad checksum, wrong ports or verification tag.
    packets_dropped: int = 0
    #: DATA chunks dropped for lack of receive buffer.
    data_chunks_dropped: int = 0
    data_chunks_received: int = 0
    data_chunks_sent: int = 0
    duplicate_tsns_received: int = 0
    retransmissions: int = 0
    fast_retransmissions: int = 0
    t3_expirations: int = 0
    sacks_sent: int = 0
    sacks_received: int = 0
    forward_tsns_sent: int = 0
    heartbeats_sent: int = 0
    messages_abandoned: int = 0
    unknown_chunks: int = 0
    #: Bugs caught at the packet boundary (must stay 0; logged with a traceback).
    internal_errors: int = 0
