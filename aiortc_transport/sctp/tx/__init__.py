"""Send side of the SCTP association: send queue, scheduler, retransmission queue, RTO."""
