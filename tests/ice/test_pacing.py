"""IceConnection.connect(): Ta pacing of new checks kept, completion noticed at once.

aioice's ``connect()`` starts a check, then sleeps a whole Ta (20 ms) before it looks at the
check list again. Ours ends that wait the moment the check list completes. These tests make
Ta an hour long: a connect loop that waited Ta before noticing completion would never
return, so returning at all (and with zero whole-Ta waits) is the behaviour under test.
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from aioice import Candidate
from aioice.ice import CandidatePair

from aiortc_transport.ice.connection import IceConnection

HOUR = 3600.0
TIMEOUT = 10.0


class ObservedConnection(IceConnection):
    """An IceConnection that signals every finished connectivity check."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.finished: list[CandidatePair] = []
        self.check_finished = asyncio.Event()

    def check_complete(self, pair: CandidatePair) -> None:
        super().check_complete(pair)
        self.finished.append(pair)
        self.check_finished.set()


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _dead_candidate(index: int) -> Candidate:
    return Candidate(
        foundation=f"dead{index}",
        component=1,
        transport="udp",
        priority=2130706431 - index,
        host="127.0.0.1",
        port=_closed_port(),
        type="host",
    )


async def _exchange(a: IceConnection, b: IceConnection) -> None:
    await asyncio.gather(a.gather_candidates(), b.gather_candidates())
    for x, y in ((a, b), (b, a)):
        x.remote_username = y.local_username
        x.remote_password = y.local_password
        for c in y.local_candidates:
            await x.add_remote_candidate(c)
        await x.add_remote_candidate(None)


async def test_connect_returns_on_nomination_before_the_first_ta_tick() -> None:
    a = IceConnection(ice_controlling=True, loopback="ipv4", check_pacing_interval=HOUR)
    b = IceConnection(ice_controlling=False, loopback="ipv4", check_pacing_interval=HOUR)
    await _exchange(a, b)
    # With Ta an hour long, this only returns if completion ends the pacing wait.
    await asyncio.wait_for(asyncio.gather(a.connect(), b.connect()), TIMEOUT)
    for connection in (a, b):
        assert connection.pacing_ticks == 0
        pair = connection.selected_pair
        assert pair is not None
        assert pair.nominated
        assert pair.state == CandidatePair.State.SUCCEEDED
    await a.close()
    await b.close()


async def test_new_checks_still_wait_for_ta() -> None:
    connection = ObservedConnection(
        ice_controlling=True, loopback="ipv4", check_pacing_interval=HOUR, check_timeout=0.2
    )
    await connection.gather_candidates()
    connection.remote_username = "user"
    connection.remote_password = "password-of-nobody-at-all"
    for index in range(3):
        await connection.add_remote_candidate(_dead_candidate(index))
    await connection.add_remote_candidate(None)
    assert len(connection._check_list) == 3

    connecting = asyncio.create_task(connection.connect())
    await asyncio.wait_for(connection.check_finished.wait(), TIMEOUT)
    # The first check failed (nothing answers); the finished check woke nothing: the other
    # two must not start before the next Ta tick, and the list is not failed meanwhile.
    states = [pair.state for pair in connection._check_list]
    assert states[0] == CandidatePair.State.FAILED
    not_started = {CandidatePair.State.WAITING, CandidatePair.State.FROZEN}
    assert len(states) == 3 and set(states[1:]) <= not_started
    assert connection.pacing_ticks == 0
    assert not connecting.done()

    await connection.close()
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(connecting, TIMEOUT)


async def test_each_new_check_costs_one_ta_tick_and_failure_still_ends_connect() -> None:
    # A short Ta and checks that time out well after it: three checks need three ticks
    # (one after each start) whatever the machine's speed, since a check cannot fail
    # before check_timeout (0.2 s) > Ta (0.01 s) of the same event-loop clock.
    connection = ObservedConnection(
        ice_controlling=True, loopback="ipv4", check_pacing_interval=0.01, check_timeout=0.2
    )
    await connection.gather_candidates()
    connection.remote_username = "user"
    connection.remote_password = "password-of-nobody-at-all"
    for index in range(3):
        await connection.add_remote_candidate(_dead_candidate(index))
    await connection.add_remote_candidate(None)

    with pytest.raises(ConnectionError):
        await asyncio.wait_for(connection.connect(), TIMEOUT)
    assert connection.pacing_ticks == 3
    assert len(connection.finished) == 3
    assert all(p.state == CandidatePair.State.FAILED for p in connection.finished)
    await connection.close()


def test_pacing_interval_must_be_positive() -> None:
    with pytest.raises(ValueError):
        IceConnection(ice_controlling=True, check_pacing_interval=0)


async def test_loopback_gathering_does_not_list_interfaces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Listing interfaces costs about half a millisecond of set-up and loopback mode uses
    # none of them: it must not happen at all.
    import aioice.ice

    def refuse(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        raise AssertionError("interfaces listed in loopback mode")

    monkeypatch.setattr(aioice.ice, "get_host_addresses", refuse)
    connection = IceConnection(ice_controlling=True, loopback="ipv4")
    await connection.gather_candidates()
    await connection.gather_candidates()  # a second call gathers nothing more
    assert [(c.host, c.type) for c in connection.local_candidates] == [("127.0.0.1", "host")]
    await connection.close()
