"""The harness itself, proven with aiortc against aiortc (runs in the normal suite)."""

from __future__ import annotations

import pytest

from tests.bench.runner import KIB, run_one_process, run_two_processes

from .harness import Inbox, connected_pair, open_channel_pair

pytestmark = pytest.mark.interop


async def test_aiortc_pair_over_loopback_moves_messages_both_ways() -> None:
    async with connected_pair("aiortc", "aiortc", a_role="client") as (a, b):
        assert a.dtls._role == "client" and b.dtls._role == "server"
        for peer in (a, b):
            assert [c.ip for c in peer.gatherer.getLocalCandidates()] == ["127.0.0.1"]
        ca, cb = await open_channel_pair(a, b, "smoke")
        assert cb.label == "smoke" and ca.id == cb.id == 0  # DTLS client: even id
        inbox_a, inbox_b = Inbox(ca), Inbox(cb)
        ca.send("hello")
        cb.send(b"\x00world")
        assert await inbox_b.wait_count(1) == ["hello"]
        assert await inbox_a.wait_count(1) == [b"\x00world"]


def test_two_process_runner_smoke() -> None:
    """The benchmark runner (two spawned processes, Pipe signalling) still works: a few
    ping-pongs between our two peers. ``make bench`` runs the real measurements."""
    result = run_two_processes("ours", "ping_pong", {"size": 100, "count": 5, "warmup": 1})
    assert len(result["rtts"]) == 5
    assert all(0 < rtt < 1 for rtt in result["rtts"])


async def test_one_process_runner_smoke() -> None:
    """A short one-process throughput run, ours and aiortc, delivers every byte."""
    for impl in ("ours", "aiortc"):
        params = {"size": 16 * KIB, "seconds": 0.1, "high": 256 * KIB}
        result = await run_one_process(impl, "throughput", params)
        assert result["messages_received"] == result["messages_sent"] > 0
        assert result["bytes_received"] == result["messages_sent"] * 16 * KIB
