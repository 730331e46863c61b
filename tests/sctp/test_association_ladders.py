"""Scripted ladders: each timer, and the setup collision / restart cases of RFC 9260 5.2.

Read them like ladder diagrams: ``A -> INIT /lost/`` etc.  Times are virtual.
"""

from __future__ import annotations

import itertools

import pytest

from aiortc_transport.exceptions import InvalidStateError
from aiortc_transport.sctp.association import Association, AssociationState
from aiortc_transport.sctp.events import (
    AssociationClosed,
    AssociationEstablished,
    AssociationRestarted,
)
from aiortc_transport.sctp.options import AssociationOptions
from aiortc_transport.sctp.packet.chunk import (
    CookieEchoChunk,
    DataChunk,
    HeartbeatAckChunk,
    HeartbeatRequestChunk,
    InitChunk,
    SackChunk,
    ShutdownChunk,
)
from aiortc_transport.sctp.packet.packet import SctpPacket

from .sim import LinkConfig, Simulation


def kinds(packet: bytes) -> list[type]:
    return [type(c) for c in SctpPacket.parse_untrusted(packet).chunks]


def has(kind: type) -> object:
    return lambda index, packet: kind in kinds(packet)


def sent_times(sim: Simulation, name: str, kind: type) -> list[float]:
    return [at - 1000.0 for at, who, p in sim.trace if who == name and kind in kinds(p)]


def intervals(times: list[float]) -> list[float]:
    return [round(b - a, 6) for a, b in itertools.pairwise(times)]


def test_t1_init_backoff_then_failure() -> None:
    # A -> INIT /lost/ (every time)
    options = AssociationOptions(rto_initial=0.5, rto_max=4.0, max_init_retransmits=5)
    sim = Simulation(1, a_options=options, a_to_z=LinkConfig(drop=has(InitChunk)))
    sim.connect()
    sim.run_for(60)
    times = sent_times(sim, "A", InitChunk)
    assert intervals(times) == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert sim.a.association.state == AssociationState.CLOSED
    closed = sim.a.closed
    assert closed is not None and closed.aborted and "T1-init" in closed.reason


def test_t1_init_retransmission_succeeds() -> None:
    # A -> INIT /lost/, A -> INIT (after 0.5 s) -> Z ...
    sim = Simulation(2, a_to_z=LinkConfig(drop=lambda i, p: i == 0))
    sim.establish()
    assert intervals(sent_times(sim, "A", InitChunk)) == [0.5]
    assert type(sim.a.events[0]) is AssociationEstablished


def test_t1_cookie_backoff() -> None:
    # A -> COOKIE ECHO /lost/ twice, then delivered.
    lost = {"n": 0}

    def drop(index: int, packet: bytes) -> bool:
        if CookieEchoChunk in kinds(packet) and lost["n"] < 2:
            lost["n"] += 1
            return True
        return False

    sim = Simulation(3, a_to_z=LinkConfig(drop=drop))
    sim.establish()
    assert intervals(sent_times(sim, "A", CookieEchoChunk)) == [0.5, 1.0]
    # Z keeps no state before a valid COOKIE ECHO arrives (RFC 9260 5.1.3).
    assert sim.z.association.state == AssociationState.ESTABLISHED


def test_z_keeps_no_state_before_cookie_echo() -> None:
    sim = Simulation(4, a_to_z=LinkConfig(drop=has(CookieEchoChunk)))
    sim.connect()
    sim.run_for(0.1)
    z = sim.z.association
    assert z.state == AssociationState.CLOSED
    assert z._tx is None and z._tracker is None  # nothing allocated for the INIT


def test_t3_rtx_backoff_then_association_failure() -> None:
    options = AssociationOptions(
        rto_initial=0.5, rto_max=8.0, max_retransmissions=4, enable_message_interleaving=False
    )
    sim = Simulation(5, a_options=options, a_to_z=LinkConfig(drop=has(DataChunk)))
    sim.establish()
    sim.a.association.send(0, 51, b"x", sim.now)
    sim.flush()
    sim.run_for(120)
    times = sent_times(sim, "A", DataChunk)
    assert intervals(times) == [0.5, 1.0, 2.0, 4.0]
    closed = sim.a.closed
    assert closed is not None and closed.aborted and "Max.Retrans" in closed.reason
    assert sim.a.association.stats.t3_expirations == 5


def test_t3_rtx_recovers_and_rto_restores() -> None:
    sim = Simulation(
        6,
        a_options=AssociationOptions(enable_message_interleaving=False),
        a_to_z=LinkConfig(drop=lambda i, p: DataChunk in kinds(p) and i < 6),
    )
    sim.establish()
    sim.a.association.send(0, 51, b"hello", sim.now)
    sim.flush()
    assert sim.run_until(lambda: len(sim.z.messages) == 1, 30)
    a = sim.a.association
    assert a.stats.t3_expirations >= 1
    sim.a.association.send(0, 51, b"again", sim.now)
    sim.flush()
    assert sim.run_until(lambda: len(sim.z.messages) == 2, 5)
    assert a.rto == 8.0  # backed off four times (0.5 -> 8), no clean sample yet
    sim.run_for(1)  # the SACK of "again" comes back
    assert (
        a.rto == a.options.rto_min
    )  # a clean RTT sample undid the backoff  # a clean RTT sample brought RTO back down


def test_delayed_sack_timer_and_every_second_packet() -> None:
    sim = Simulation(7)
    sim.establish()
    a = sim.a.association
    start = len(sim.trace)
    a.send(0, 51, b"one", sim.now)
    sim.flush()
    sent_at = sim.now
    sim.run_until(lambda: any(SackChunk in kinds(p) for _, w, p in sim.trace[start:] if w == "Z"))
    sack_at = next(at for at, w, p in sim.trace[start:] if w == "Z" and SackChunk in kinds(p))
    # One packet: SACK after min(RTO/2, 200 ms), RFC 9260 section 6.2.
    assert sack_at - sent_at == pytest.approx(0.005 + 0.2, abs=1e-6)
    # Two packets: the second one is acknowledged at once.
    start = len(sim.trace)
    a.send(0, 51, b"x" * 2000, sim.now)
    sim.flush()
    sent_at = sim.now
    sim.run_until(lambda: any(SackChunk in kinds(p) for _, w, p in sim.trace[start:] if w == "Z"))
    sack_at = next(at for at, w, p in sim.trace[start:] if w == "Z" and SackChunk in kinds(p))
    assert sack_at - sent_at == pytest.approx(0.005, abs=1e-6)


def test_heartbeat_on_idle_and_failure_without_answers() -> None:
    options = AssociationOptions(heartbeat_interval=10.0, max_retransmissions=3)
    sim = Simulation(8, a_options=options)
    sim.establish()
    sim.run_for(25)
    times = sent_times(sim, "A", HeartbeatRequestChunk)
    assert times and 10.0 <= times[0] <= 11.0
    assert sent_times(sim, "Z", HeartbeatAckChunk)
    assert sim.a.association.srtt is not None
    # Now Z goes silent.
    sim.links["Z"].config.loss = 1.0
    sim.run_for(200)
    closed = sim.a.closed
    assert closed is not None and closed.aborted


def test_graceful_shutdown_with_lost_shutdown() -> None:
    # A -> SHUTDOWN /lost/; T2-shutdown: A -> SHUTDOWN -> Z; Z -> SHUTDOWN ACK; A -> COMPLETE.
    lost: list[int] = []

    def drop_first_shutdown(index: int, packet: bytes) -> bool:
        if not lost and ShutdownChunk in kinds(packet):
            lost.append(index)
            return True
        return False

    sim = Simulation(9, a_to_z=LinkConfig(drop=drop_first_shutdown))
    sim.establish()
    a = sim.a.association
    a.send(0, 51, b"last words", sim.now)
    a.shutdown(sim.now)
    with pytest.raises(InvalidStateError):
        a.send(0, 51, b"too late", sim.now)
    sim.flush()
    assert sim.run_until(
        lambda: (
            a.state == AssociationState.CLOSED
            and sim.z.association.state == AssociationState.CLOSED
        ),
        30,
    )
    assert [m.data for m in sim.z.messages] == [b"last words"]
    times = sent_times(sim, "A", ShutdownChunk)
    assert len(times) == 2 and times[1] - times[0] >= a.options.rto_min
    for endpoint in (sim.a, sim.z):
        closed = endpoint.closed
        assert closed is not None and not closed.aborted


def test_abort_reaches_peer_with_reason() -> None:
    sim = Simulation(10)
    sim.establish()
    sim.a.association.abort("bye now", sim.now)
    sim.flush()
    sim.run_for(1)
    closed = sim.z.closed
    assert closed is not None and closed.aborted and "bye now" in closed.reason
    assert sim.a.closed is not None


def test_init_collision_both_connect() -> None:
    for seed in range(10):
        sim = Simulation(seed, a_to_z=LinkConfig(delay=0.01), z_to_a=LinkConfig(delay=0.01))
        sim.establish(both=True)
        sim.run_for(1)
        a, z = sim.a.association, sim.z.association
        assert a.my_tag == z.peer_tag and z.my_tag == a.peer_tag, seed
        for endpoint in (sim.a, sim.z):
            assert [type(e) for e in endpoint.events] == [AssociationEstablished], seed
        a.send(0, 51, b"ping", sim.now)
        z.send(1, 51, b"pong", sim.now)
        sim.flush()
        assert sim.run_until(lambda s=sim: bool(s.z.messages and s.a.messages), 5), seed


def test_init_collision_with_lost_init_ack() -> None:
    sim = Simulation(11, z_to_a=LinkConfig(drop=lambda i, p: i == 0))
    sim.establish(both=True)
    sim.run_for(2)
    for endpoint in (sim.a, sim.z):
        assert [type(e) for e in endpoint.events] == [AssociationEstablished]


def test_peer_restart() -> None:
    sim = Simulation(12)
    sim.establish()
    old_tag = sim.a.association.peer_tag
    # Z reboots: a fresh association with the same ports connects to the established A.
    sim.z.association = Association(AssociationOptions())
    sim.z.events.clear()
    sim.z.association.connect(sim.now)
    sim.flush()
    assert sim.run_until(lambda: sim.z.association.state == AssociationState.ESTABLISHED, 10)
    sim.run_for(1)
    assert any(type(e) is AssociationRestarted for e in sim.a.events)
    assert sim.a.association.peer_tag == sim.z.association.my_tag != old_tag
    sim.a.association.send(0, 51, b"after restart", sim.now)
    sim.flush()
    assert sim.run_until(lambda: bool(sim.z.messages), 5)
    assert sim.z.messages[0].data == b"after restart"


def test_stale_cookie_reported_and_retried() -> None:
    options = AssociationOptions(cookie_lifetime=0.01)
    sim = Simulation(
        13, z_options=options, a_to_z=LinkConfig(delay=0.05), z_to_a=LinkConfig(delay=0.05)
    )
    sim.connect()
    sim.run_for(2)
    # Every cookie is stale on arrival: A never gets established, but sees its INIT retried.
    assert sim.z.association.state == AssociationState.CLOSED
    assert len(sent_times(sim, "A", InitChunk)) >= 2
    assert not any(type(e) is AssociationClosed for e in sim.z.events)


def test_late_cookie_echo_does_not_revive_a_closed_association() -> None:
    sim = Simulation(14)
    sim.establish()
    echo = next(p for _, who, p in sim.trace if who == "A" and CookieEchoChunk in kinds(p))
    sim.a.association.shutdown(sim.now)
    sim.flush()
    assert sim.run_until(lambda: sim.z.association.state == AssociationState.CLOSED, 5)
    z = sim.z.association
    z.receive_packet(echo, sim.now + 1)  # a duplicate delayed past the close
    assert z.state == AssociationState.CLOSED
    assert z.packets_to_send(sim.now + 1) == []
    assert z.next_event() is None


def test_association_can_connect_again_after_close() -> None:
    sim = Simulation(15)
    sim.establish()
    sim.a.association.reset_streams([1], sim.now)
    sim.a.association.abort("first life over", sim.now)
    sim.flush()
    sim.run_for(1)
    assert sim.z.association.state == AssociationState.CLOSED
    sim.a.events.clear()
    sim.z.events.clear()
    sim.establish()
    sim.a.association.send(1, 51, b"second life", sim.now)
    sim.flush()
    assert sim.run_until(lambda: bool(sim.z.messages), 5)
    assert sim.z.messages[-1].data == b"second life"
    assert type(sim.a.events[0]) is AssociationEstablished
    assert sum(type(e) is AssociationEstablished for e in sim.a.events) == 1
