"""First end-to-end checks of the association in the simulator."""

from __future__ import annotations

from aiortc_transport.sctp.association import AssociationState
from aiortc_transport.sctp.events import AssociationEstablished

from .sim import LinkConfig, Simulation


def test_connect_send_receive() -> None:
    sim = Simulation(1)
    sim.establish()
    assert type(sim.a.events[0]) is AssociationEstablished
    sim.a.association.send(1, 51, b"hello", sim.now)
    sim.flush()
    assert sim.run_until(lambda: len(sim.z.messages) == 1)
    assert sim.z.messages[0].data == b"hello"
    assert sim.z.messages[0].stream_id == 1


def test_bulk_with_loss() -> None:
    sim = Simulation(2, a_to_z=LinkConfig(loss=0.05), z_to_a=LinkConfig(loss=0.05))
    sim.establish()
    payloads = [bytes([i % 256]) * (100 + 37 * i) for i in range(200)]
    for p in payloads:
        sim.a.association.send(0, 53, p, sim.now)
    sim.flush()
    assert sim.run_until(lambda: len(sim.z.messages) == len(payloads), 120)
    assert [m.data for m in sim.z.messages] == payloads
    assert sim.a.association.state == AssociationState.ESTABLISHED


def test_trace_renders_as_text2pcap() -> None:
    sim = Simulation(3)
    sim.establish()
    dump = sim.text2pcap()
    assert dump.count("INIT") >= 2
    assert "\nO " in "\n" + dump and "\nI " in "\n" + dump
