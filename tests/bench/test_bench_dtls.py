"""DTLS benchmarks (``make bench``): per-record CPU cost of the core, and ping-pong latency
and burst throughput over loopback, ours against aiortc 1.16's RTCDtlsTransport.

Numbers are printed (run with ``-s``); the assertions only check that the runs completed.
The machine is shared, so expect noise; compare the two columns of one run.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable

import pytest

from aiortc_transport.dtls.certificate import RTCCertificate
from aiortc_transport.dtls.connection import DtlsConnection
from tests.dtls.helpers import dtls_side, ice_pair, start_both
from tests.dtls.test_connection import events, handshake
from tests.dtls.test_interop_aiortc import AiortcReceiver, make_aiortc_side

pytestmark = pytest.mark.interop


def _core_pair(raw: bool) -> tuple[DtlsConnection, DtlsConnection]:
    a_cert, z_cert = RTCCertificate.generateCertificate(), RTCCertificate.generateCertificate()
    a = DtlsConnection("client", a_cert, z_cert.getFingerprints()[:1])
    z = DtlsConnection("server", z_cert, a_cert.getFingerprints()[:1])
    if not raw:
        a._raw = None
        z._raw = None
    handshake(a, z)
    events(a), events(z)
    return a, z


def test_bench_core_per_record_cost() -> None:
    rows = []
    for size in (100, 1191):
        payload = bytes(size)
        results = {}
        for raw in (True, False):
            a, z = _core_pair(raw)
            n = 20000
            best_enc = best_both = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                for _ in range(n):
                    a.encrypt(payload)
                best_enc = min(best_enc, (time.perf_counter() - started) / n)
                started = time.perf_counter()
                for _ in range(n):
                    z.decrypt(a.encrypt(payload), 0.0)
                best_both = min(best_both, (time.perf_counter() - started) / n)
            results[raw] = (best_enc, best_both - best_enc)
        rows.append((size, results))
    print()
    print("DTLS core, µs per record (best of 3 x 20000)   encrypt   decrypt")
    for size, results in rows:
        for raw, label in ((True, "direct cffi (ours)"), (False, "pyOpenSSL public API")):
            enc, dec = results[raw]
            print(f"  {size:5d} B  {label:<24}           {enc * 1e6:6.1f}    {dec * 1e6:6.1f}")


async def _ping_pong_and_bursts(
    send_a: Callable[[bytes], Awaitable[None]],
    count_b: Callable[[], int],
    wait_b: Callable[[int], Awaitable[None]],
    send_b: Callable[[bytes], Awaitable[None]],
    count_a: Callable[[], int],
    wait_a: Callable[[int], Awaitable[None]],
) -> tuple[float, float, int]:
    # Ping-pong latency, 100-byte messages.
    rtts = []
    for _ in range(300):
        base_a, base_b = count_a(), count_b()
        started = time.perf_counter()
        await send_a(bytes(100))
        await wait_b(base_b + 1)
        await send_b(bytes(100))
        await wait_a(base_a + 1)
        rtts.append(time.perf_counter() - started)
    # Bursts of 100 x 1191 bytes (one SCTP packet each), waiting for each burst.
    bursts, per_burst = 30, 100
    payload = bytes(1191)
    started = time.perf_counter()
    delivered = 0
    for _ in range(bursts):
        base = count_b()
        for _ in range(per_burst):
            await send_a(payload)
        with contextlib.suppress(TimeoutError):
            await wait_b(base + per_burst)
        delivered += count_b() - base
    elapsed = time.perf_counter() - started
    return statistics.median(rtts), delivered * 1191 / elapsed / 1e6, bursts * per_burst - delivered


async def test_bench_loopback_ours_vs_aiortc() -> None:
    # Ours <-> ours.
    ice_a, ice_z = await ice_pair()
    a, z = dtls_side(ice_a, 0), dtls_side(ice_z, 1)
    assert await start_both(a, z) == [None, None]

    async def ours_send_a(data: bytes) -> None:
        a.dtls._send_datagram(data)

    async def ours_send_z(data: bytes) -> None:
        z.dtls._send_datagram(data)

    async def wait_z(n: int) -> None:
        await z.received.wait_for(n, timeout=2.0)

    async def wait_a(n: int) -> None:
        await a.received.wait_for(n, timeout=2.0)

    ours = await _ping_pong_and_bursts(
        ours_send_a,
        lambda: len(z.received.messages),
        wait_z,
        ours_send_z,
        lambda: len(a.received.messages),
        wait_a,
    )
    for side in (a, z):
        await side.dtls.stop()
        await side.ice.transport.stop()

    # aiortc <-> aiortc, over the same loopback-only ICE connection class.
    x, y = make_aiortc_side(controlling=True), make_aiortc_side(controlling=False)
    await asyncio.gather(x.gatherer.gather(), y.gatherer.gather())
    for c in x.gatherer.getLocalCandidates():
        await y.ice.addRemoteCandidate(c)
    for c in y.gatherer.getLocalCandidates():
        await x.ice.addRemoteCandidate(c)
    await x.ice.addRemoteCandidate(None)
    await y.ice.addRemoteCandidate(None)
    await asyncio.gather(
        x.ice.start(y.gatherer.getLocalParameters()), y.ice.start(x.gatherer.getLocalParameters())
    )
    await asyncio.gather(
        x.dtls.start(y.dtls.getLocalParameters()), y.dtls.start(x.dtls.getLocalParameters())
    )

    def waiter(receiver: AiortcReceiver) -> Callable[[int], Awaitable[None]]:
        async def wait(n: int) -> None:
            async def loop() -> None:
                while len(receiver.messages) < n:
                    receiver._arrived.clear()
                    await receiver._arrived.wait()

            await asyncio.wait_for(loop(), 2.0)

        return wait

    theirs = await _ping_pong_and_bursts(
        x.dtls._send_data,
        lambda: len(y.receiver.messages),
        waiter(y.receiver),
        y.dtls._send_data,
        lambda: len(x.receiver.messages),
        waiter(x.receiver),
    )
    for s in (x, y):
        await s.dtls.stop()
        await s.ice.stop()

    print()
    print("DTLS over loopback ICE          ping-pong p50   burst MB/s   lost")
    for label, (rtt, mbps, lost) in (("ours", ours), ("aiortc 1.16", theirs)):
        print(f"  {label:<28}  {rtt * 1e6:8.0f} µs   {mbps:9.1f}   {lost:5d}")
    assert ours[1] > 0 and theirs[1] > 0
