"""Data-channel benchmarks, ours against aiortc 1.16 side by side (``make bench``).

Each figure is measured for ours<->ours and aiortc<->aiortc in the same run, sender and
receiver in two spawned processes signalling over a Pipe (see ``runner.py``), over real UDP on
127.0.0.1. Every line prints both figures and the ratio ours / aiortc. The one-process lines
run both peers in one event loop, for comparison. Run with ``-s`` to see the figures;
docs/performance.md records a run. The assertions only check that each run completed and
moved data: the machine is shared and noisy, so no speed is asserted here.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.interop.harness import Impl

from .runner import (
    KIB,
    MIB,
    median,
    percentile,
    run_one_process,
    run_two_processes,
    throughput_figures,
)

pytestmark = pytest.mark.interop

IMPLS: tuple[Impl, Impl] = ("ours", "aiortc")
SECONDS = 3.0
"How long each throughput sender sends."

SUMMARY: list[str] = []


def _line(label: str, ours: float, theirs: float, unit: str, better: str) -> str:
    ratio = ours / theirs if theirs else float("inf")
    text = (
        f"{label:<44} ours {ours:10.3f} {unit:<6} aiortc {theirs:10.3f} {unit:<6} "
        f"ratio {ratio:6.2f}x ({better} is better)"
    )
    print(text)
    SUMMARY.append(text)
    return text


def _throughput_params(size: int, **extra: Any) -> dict[str, Any]:
    high = max(1 * MIB, 4 * size)
    return {"size": size, "seconds": SECONDS, "high": high, **extra}


def test_bench_setup_two_processes() -> None:
    figures = {}
    for impl in IMPLS:
        result = run_two_processes(impl, "setup", {"repeat": 7})
        times = result["setup_seconds"]
        assert len(times) == 7
        figures[impl] = median(times) * 1000
    print()
    _line("setup, gatherers -> channel open (median)", *figures.values(), "ms", "lower")


@pytest.mark.parametrize(
    ("label", "size", "extra"),
    [
        ("reliable ordered 1 KiB", 1 * KIB, {}),
        ("reliable ordered 16 KiB", 16 * KIB, {}),
        ("reliable ordered 256 KiB", 256 * KIB, {}),
        ("unordered maxRetransmits=0 16 KiB", 16 * KIB, {"ordered": False, "maxRetransmits": 0}),
        ("bulk SCTP transfer, 64 KiB messages", 64 * KIB, {}),
    ],
)
def test_bench_throughput_two_processes(label: str, size: int, extra: dict[str, Any]) -> None:
    figures = {}
    for impl in IMPLS:
        result = run_two_processes(impl, "throughput", _throughput_params(size, **extra))
        assert result["bytes_received"] > 0
        figures[impl] = throughput_figures(result)
    print()
    ours, theirs = figures["ours"], figures["aiortc"]
    _line(label, ours["mb_per_s"], theirs["mb_per_s"], "MB/s", "higher")
    _line(
        f"  CPU s per MB ({label})", ours["cpu_s_per_mb"], theirs["cpu_s_per_mb"], "s/MB", "lower"
    )
    if "maxRetransmits" in extra:
        _line(f"  delivered ({label})", ours["delivered"], theirs["delivered"], "", "higher")


def test_bench_max_burst_experiment() -> None:
    """Ours at Max.Burst 64 (packets per transmission opportunity; the default) and at 16.

    With one SACK per received burst, a SACK can free more packets than Max.Burst lets the
    sender replace, so the flight shrinks to about Max.Burst packets per round trip and the
    pair idles (see docs/performance.md). Same run, same conditions: the ratio shows it.
    """
    params = _throughput_params(16 * KIB, sctp={"max_burst": 16})
    base = throughput_figures(run_two_processes("ours", "throughput", params))
    params_64 = _throughput_params(16 * KIB, sctp={"max_burst": 64})
    wide = throughput_figures(run_two_processes("ours", "throughput", params_64))
    print()
    label = "ours Max.Burst 64 vs 16, 16 KiB"
    text = (
        f"{label:<44} 64: {wide['mb_per_s']:7.2f} MB/s {wide['cpu_s_per_mb']:.3f} s/MB   "
        f"16: {base['mb_per_s']:7.2f} MB/s {base['cpu_s_per_mb']:.3f} s/MB   "
        f"ratio {wide['mb_per_s'] / base['mb_per_s']:5.2f}x"
    )
    print(text)
    SUMMARY.append(text)


def test_bench_ping_pong_two_processes() -> None:
    figures = {}
    for impl in IMPLS:
        result = run_two_processes(impl, "ping_pong", {"size": 100, "count": 1000, "warmup": 50})
        rtts = result["rtts"]
        assert len(rtts) == 1000
        figures[impl] = (percentile(rtts, 0.5) * 1e6, percentile(rtts, 0.99) * 1e6)
    print()
    _line("100 B ping-pong p50", figures["ours"][0], figures["aiortc"][0], "µs", "lower")
    _line("100 B ping-pong p99", figures["ours"][1], figures["aiortc"][1], "µs", "lower")


def test_bench_one_process_for_comparison() -> None:
    async def measure() -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for impl in IMPLS:
            setup = await run_one_process(impl, "setup", {"repeat": 5})
            bulk = await run_one_process(impl, "throughput", _throughput_params(16 * KIB))
            out[impl] = {
                "setup_ms": median(setup["setup_seconds"]) * 1000,
                **throughput_figures(bulk, one_process=True),
            }
        return out

    figures = asyncio.run(measure())
    ours, theirs = figures["ours"], figures["aiortc"]
    print()
    _line("one process: setup (median)", ours["setup_ms"], theirs["setup_ms"], "ms", "lower")
    _line(
        "one process: reliable ordered 16 KiB",
        ours["mb_per_s"],
        theirs["mb_per_s"],
        "MB/s",
        "higher",
    )
    _line(
        "one process: CPU s per MB (both peers)",
        ours["cpu_s_per_mb"],
        theirs["cpu_s_per_mb"],
        "s/MB",
        "lower",
    )


def test_bench_summary() -> None:
    """Print every figure of this run again, together (runs last in this file)."""
    print()
    print("=" * 30, "data-channel benchmark summary (ours vs aiortc 1.16)", "=" * 30)
    for line in SUMMARY:
        print(line)
