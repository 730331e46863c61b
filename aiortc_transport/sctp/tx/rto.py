"""Retransmission timeout estimator, RFC 9260 section 6.3."""

from __future__ import annotations


class RtoEstimator:
    """SRTT / RTTVAR / RTO per RFC 9260 section 6.3.1, with exponential backoff (6.3.3 E2).

    Karn's rule (RTT samples only from chunks sent once) is the caller's duty: it only
    calls :meth:`observe_rtt` with samples from first transmissions.
    """

    __slots__ = ("rto", "rto_initial", "rto_max", "rto_min", "rttvar", "srtt")

    # RFC 9260 section 16: RTO.Alpha = 1/8, RTO.Beta = 1/4.
    ALPHA = 0.125
    BETA = 0.25

    def __init__(self, rto_initial: float, rto_min: float, rto_max: float) -> None:
        self.rto_initial = rto_initial
        self.rto_min = rto_min
        self.rto_max = rto_max
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.rto = rto_initial

    def observe_rtt(self, rtt: float) -> None:
        """Feed one RTT measurement R' (seconds)."""
        if rtt < 0:
            return
        if self.srtt is None:
            # C1: SRTT <- R, RTTVAR <- R/2.
            self.srtt = rtt
            self.rttvar = rtt / 2
        else:
            # C2: RTTVAR first, using the old SRTT.
            self.rttvar = (1 - self.BETA) * self.rttvar + self.BETA * abs(self.srtt - rtt)
            self.srtt = (1 - self.ALPHA) * self.srtt + self.ALPHA * rtt
        # RTO <- SRTT + 4 * RTTVAR, then C6/C7 clamp to [RTO.Min, RTO.Max].
        rto = self.srtt + 4 * self.rttvar
        self.rto = min(max(rto, self.rto_min), self.rto_max)

    def backoff(self) -> None:
        """E2: RTO <- RTO * 2, capped at RTO.Max (on T3-rtx expiry)."""
        self.rto = min(self.rto * 2, self.rto_max)
