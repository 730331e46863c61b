"""RTO estimator (RFC 9260 section 6.3) and timers with backoff."""

from __future__ import annotations

import pytest

from aiortc_transport.sctp.timer import Timer
from aiortc_transport.sctp.tx.rto import RtoEstimator


def test_first_and_later_measurements() -> None:
    rto = RtoEstimator(1.0, 0.1, 60.0)
    assert rto.rto == 1.0
    rto.observe_rtt(0.2)
    assert rto.srtt == pytest.approx(0.2)
    assert rto.rttvar == pytest.approx(0.1)
    assert rto.rto == pytest.approx(0.2 + 4 * 0.1)
    rto.observe_rtt(0.4)
    # RTTVAR uses the old SRTT: 3/4 * 0.1 + 1/4 * |0.2 - 0.4|
    assert rto.rttvar == pytest.approx(0.125)
    assert rto.srtt == pytest.approx(7 / 8 * 0.2 + 1 / 8 * 0.4)
    assert rto.rto == pytest.approx(rto.srtt + 4 * rto.rttvar)


def test_clamped_and_backed_off() -> None:
    rto = RtoEstimator(1.0, 0.4, 5.0)
    for _ in range(20):
        rto.observe_rtt(0.001)
    assert rto.rto == 0.4
    rto.backoff()
    assert rto.rto == 0.8
    for _ in range(10):
        rto.backoff()
    assert rto.rto == 5.0
    # A new measurement undoes the backoff (6.3.3 after E2).
    rto.observe_rtt(0.001)
    assert rto.rto == 0.4


def test_timer_backoff_and_reset() -> None:
    timer = Timer("t1", 1.0, 8.0)
    timer.start(10.0)
    assert timer.expires_at == 11.0
    assert not timer.is_due(10.5) and timer.is_due(11.0)
    assert timer.expire() == 1
    assert not timer.is_running
    timer.start(11.0)
    assert timer.expires_at == 13.0
    timer.expire()
    timer.start(13.0)
    assert timer.expires_at == 17.0
    timer.expire()
    timer.expire()
    timer.start(0.0)
    assert timer.expires_at == 8.0  # capped
    timer.reset_backoff()
    timer.start(0.0)
    assert timer.expires_at == 1.0
    assert timer.expirations == 0
