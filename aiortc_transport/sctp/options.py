"""Tunables of the SCTP association, with the defaults this library chose (see docs/sctp.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class AssociationOptions:
    """Configuration of one :class:`~aiortc_transport.sctp.association.Association`.

    Durations are in seconds, sizes in bytes.
    """

    local_port: int = 5000
    remote_port: int = 5000
    #: Largest message we accept (advertised as ``a=max-message-size``; RFC 8841).
    max_message_size: int = 262144
    #: Largest message the peer accepts (its ``a=max-message-size``; 0 = no limit).
    remote_max_message_size: int = 65536
    #: SCTP packet size, common header included (1191 like Chromium / dcSCTP).
    mtu: int = 1191
    #: Receive buffer, advertised as a_rwnd; reassembly + undelivered events count against it.
    a_rwnd: int = 5 * 1024 * 1024
    max_outbound_streams: int = 65535
    max_inbound_streams: int = 65535
    #: RFC 9260 section 6.3 / 16: dcSCTP-like values, tuned for WebRTC rather than the RFC's
    #: 1 s / 1 s / 60 s.  rto_min stays above the 200 ms delayed SACK to avoid spurious T3s.
    rto_initial: float = 0.5
    rto_min: float = 0.4
    rto_max: float = 10.0
    #: Delayed SACK: at most this long (and at most RTO/2), RFC 9260 section 6.2.
    delayed_ack_max_timeout: float = 0.2
    #: Idle time before a HEARTBEAT is sent (RFC 9260 section 8.3).
    heartbeat_interval: float = 30.0
    #: Association.Max.Retrans (= Path.Max.Retrans: one path) before the association fails.
    max_retransmissions: int = 10
    #: Max.Init.Retransmits for T1-init / T1-cookie.
    max_init_retransmits: int = 8
    #: Bytes that send() may hold that are not yet handed to the network (all streams).
    send_buffer_size: int = 2_000_000
    #: Initial congestion window in packets (RFC 9260 7.2.1 allows less; WebRTC uses 10).
    initial_cwnd_packets: int = 10
    #: Max.Burst: new-data packets per transmission opportunity (RFC 9260 section 6.1 D:
    #: "Max.Burst SHOULD be used to limit the number of packets sent"; its suggested 4 is a
    #: value, not a rule). Our receiver acknowledges once per received burst, and the ICE
    #: layer drains up to 64 datagrams per wake-up, so one SACK may free 64 packets: a
    #: smaller limit shrinks the flight to the limit per round trip (measured in
    #: docs/performance.md: 16 gave 33-43 MB/s, 64 gave 90-98 MB/s, two processes).
    max_burst: int = 64
    #: Lifetime of a state cookie (RFC 9260 section 5.1.3; Valid.Cookie.Life = 60 s).
    cookie_lifetime: float = 60.0
    #: Duplicate TSNs reported per SACK at most.
    max_duplicate_tsns_reported: int = 16
    #: Gap ack blocks reported per SACK at most (also limited by the MTU).
    max_gap_ack_blocks: int = 64
    #: Offer I-DATA / I-FORWARD-TSN (RFC 8260); used when the peer offers both too, so
    #: fragments of messages on different streams interleave (see docs/sctp.md).
    enable_message_interleaving: bool = True
