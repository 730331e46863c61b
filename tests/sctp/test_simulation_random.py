"""Randomized two-endpoint runs over many seeds (loss, duplication, reordering, delay, a slow
receiver): every reliable message delivered exactly once, in order where ordered; partially
reliable ones delivered at most once or abandoned; no internal error; shutdown completes in
bounded virtual time.  Every run exists twice: with DATA chunks, and with I-DATA negotiated
(RFC 8260 message interleaving, fragment-level round robin).  A failure names its seed."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from aiortc_transport.sctp.association import AssociationState
from aiortc_transport.sctp.events import Event, StreamsResetIncoming
from aiortc_transport.sctp.options import AssociationOptions

from .sim import Endpoint, LinkConfig, Simulation

SEEDS = range(int(__import__("os").environ.get("SCTP_SEEDS", "600")))


def _impairments(rng: random.Random) -> LinkConfig:
    return LinkConfig(
        loss=rng.choice([0.0, 0.01, 0.05, 0.1, 0.2]),
        duplicate=rng.choice([0.0, 0.02, 0.1]),
        reorder=rng.choice([0.0, 0.05, 0.2]),
        reorder_delay=rng.choice([0.005, 0.03]),
        delay=rng.choice([0.001, 0.01, 0.05]),
        jitter=rng.choice([0.0, 0.002]),
    )


def _run(seed: int, interleaving: bool) -> None:
    rng = random.Random(seed)
    slow = rng.random() < 0.3
    small_window = rng.random() < 0.3
    z_options = AssociationOptions(
        a_rwnd=64 * 1024 if small_window else 5 * 1024 * 1024,
        enable_message_interleaving=interleaving,
    )
    sim = Simulation(
        seed,
        a_to_z=_impairments(rng),
        z_to_a=_impairments(rng),
        a_options=AssociationOptions(enable_message_interleaving=interleaving),
        z_options=z_options,
        z_read_rate=200_000.0 if slow else None,
    )
    sim.keep_trace = False
    sim.establish(both=rng.random() < 0.5, timeout=120)
    a = sim.a.association
    assert a._interleaving is interleaving and sim.z.association._interleaving is interleaving
    # (stream, ordered, reliable, data)
    sent: list[tuple[int, bool, bool, bytes]] = []
    total = 0
    for i in range(rng.randint(20, 80)):
        stream = rng.choice([0, 1, 2, 3, 4])
        ordered = stream < 3
        reliable = stream in (0, 3) or rng.random() < 0.5
        size = rng.choice([1, 10, 500, 1160, 1161, 3000, 20_000])
        data = i.to_bytes(4, "big") + bytes([i % 251]) * size
        kwargs: dict[str, object] = {}
        if not reliable:
            if rng.random() < 0.5:
                kwargs["max_retransmits"] = rng.choice([0, 1, 2])
            else:
                kwargs["lifetime"] = rng.choice([0.0, 0.05, 0.5])
        a.send(stream, 53, data, sim.now, ordered=ordered, **kwargs)  # type: ignore[arg-type]
        sent.append((stream, ordered, reliable, data))
        total += len(data)
        if rng.random() < 0.2:
            sim.flush()
            sim.run_for(rng.random() * 0.05)
    sim.flush()
    reliable_count = sum(1 for s in sent if s[2])

    def reliable_done() -> bool:
        got = {m.data for m in sim.z.messages}
        return all(s[3] in got for s in sent if s[2])

    assert sim.run_until(reliable_done, 600), f"seed {seed}: reliable data not delivered"
    # Let the partially reliable ones settle, then shut down.
    a.shutdown(sim.now)
    sim.flush()
    assert sim.run_until(
        lambda: (
            a.state == AssociationState.CLOSED
            and sim.z.association.state == AssociationState.CLOSED
        ),
        300,
    ), f"seed {seed}: shutdown did not complete ({a.state}, {sim.z.association.state})"
    assert sim.a.closed is not None and not sim.a.closed.aborted, f"seed {seed}: {sim.a.closed}"
    got = [m.data for m in sim.z.messages]
    assert len(got) == len(set(got)), f"seed {seed}: duplicate delivery"
    by_stream: dict[int, list[bytes]] = defaultdict(list)
    for m in sim.z.messages:
        by_stream[m.stream_id].append(m.data)
    index = {s[3]: i for i, s in enumerate(sent)}
    for stream, datas in by_stream.items():
        if stream >= 3:
            continue
        order = [index[d] for d in datas]
        assert order == sorted(order), f"seed {seed}: stream {stream} out of order"
    assert set(got) <= {s[3] for s in sent}, f"seed {seed}: corrupted data"
    assert reliable_count <= len(got)
    for endpoint in (sim.a, sim.z):
        assert endpoint.association.stats.internal_errors == 0, f"seed {seed}"


@pytest.mark.parametrize("interleaving", [False, True], ids=["data", "idata"])
@pytest.mark.parametrize("seed", SEEDS)
def test_random_run(seed: int, interleaving: bool) -> None:
    _run(seed, interleaving)


def _answer_resets(endpoint: Endpoint, event: Event, now: float) -> None:
    # What the DCEP layer does: reset our outgoing side when the peer reset its own.
    if type(event) is StreamsResetIncoming and endpoint.association.state == (
        AssociationState.ESTABLISHED
    ):
        endpoint.association.reset_streams(list(event.stream_ids), now)


def _run_bidirectional(seed: int, interleaving: bool) -> None:
    rng = random.Random(seed)
    sim = Simulation(
        seed,
        a_to_z=_impairments(rng),
        z_to_a=_impairments(rng),
        a_options=AssociationOptions(
            a_rwnd=rng.choice([32 * 1024, 5 * 1024 * 1024]),
            enable_message_interleaving=interleaving,
        ),
        a_read_rate=rng.choice([None, 300_000.0]),
    )
    sim.keep_trace = bool(__import__("os").environ.get("SCTP_TRACE"))
    sim.a.on_event = sim.z.on_event = _answer_resets
    sim.establish(both=rng.random() < 0.5, timeout=120)
    assert sim.a.association._interleaving is interleaving
    sent: dict[str, list[tuple[int, bytes]]] = {"A": [], "Z": []}
    for i in range(rng.randint(30, 120)):
        endpoint = rng.choice([sim.a, sim.z])
        association = endpoint.association
        stream = rng.choice([0, 1, 2])
        if rng.random() < 0.08:
            association.reset_streams([stream], sim.now)
        else:
            data = f"{endpoint.name}{i}:".encode() + bytes(rng.choice([1, 900, 1200, 5000]))
            association.send(stream, 53, data, sim.now)
            sent[endpoint.name].append((stream, data))
        if rng.random() < 0.3:
            sim.flush()
            sim.run_for(rng.random() * 0.1)
    sim.flush()

    def delivered() -> bool:
        return len(sim.z.messages) == len(sent["A"]) and len(sim.a.messages) == len(sent["Z"])

    assert sim.run_until(delivered, 600), f"seed {seed}: not delivered"
    for receiver, sender in ((sim.z, "A"), (sim.a, "Z")):
        for stream in (0, 1, 2):
            expected = [d for s, d in sent[sender] if s == stream]
            got = [m.data for m in receiver.messages if m.stream_id == stream]
            assert got == expected, f"seed {seed}: stream {stream} to {receiver.name}"
    closer = rng.choice([sim.a, sim.z])
    closer.association.shutdown(sim.now)
    sim.flush()
    assert sim.run_until(
        lambda: (
            sim.a.association.state == AssociationState.CLOSED
            and sim.z.association.state == AssociationState.CLOSED
        ),
        300,
    ), f"seed {seed}: shutdown did not complete"
    for endpoint in (sim.a, sim.z):
        closed = endpoint.closed
        assert closed is not None and not closed.aborted, f"seed {seed}: {closed}"
        assert endpoint.association.stats.internal_errors == 0, f"seed {seed}"


@pytest.mark.parametrize("interleaving", [False, True], ids=["data", "idata"])
@pytest.mark.parametrize("seed", range(len(SEEDS) // 2))
def test_random_bidirectional_with_resets(seed: int, interleaving: bool) -> None:
    _run_bidirectional(seed, interleaving)
