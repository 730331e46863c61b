"""Throughput of the association core alone: two associations in one process on the
simulator's virtual clock (so the figure is CPU cost of both endpoints, SCTP only).

    python -m tests.sctp.bench_association [--loss 0.01] [--size 16384] [--mb 32] [--data]

``--data`` turns I-DATA (RFC 8260) off, as with peers that do not offer it.
"""

from __future__ import annotations

import argparse
import time

from aiortc_transport.sctp.options import AssociationOptions

from .sim import LinkConfig, Simulation


def run(
    loss: float, size: int, total_mb: int, interleaving: bool = True
) -> tuple[float, Simulation]:
    link = LinkConfig(delay=0.0005, loss=loss)
    sim = Simulation(
        1,
        a_to_z=link,
        z_to_a=LinkConfig(delay=0.0005),
        a_options=AssociationOptions(enable_message_interleaving=interleaving),
    )
    sim.keep_trace = False
    sim.establish()
    a = sim.a.association
    a.options.remote_max_message_size = 0
    message = b"x" * size
    count = total_mb * 1_000_000 // size
    sent = 0
    start = time.process_time()
    while len(sim.z.messages) < count:
        while sent < count and a.buffered_amount(0) < 1_000_000:
            a.send(0, 53, message, sim.now)
            sent += 1
        sim.flush()
        if not sim.step():
            break
    elapsed = time.process_time() - start
    return count * size / elapsed / 1e6, sim


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loss", type=float, default=0.0)
    parser.add_argument("--size", type=int, default=16384)
    parser.add_argument("--mb", type=int, default=32)
    parser.add_argument("--data", action="store_true", help="DATA chunks, not I-DATA")
    args = parser.parse_args()
    rate, sim = run(args.loss, args.size, args.mb, not args.data)
    stats = sim.a.association.stats
    print(
        f"{rate:.1f} MB/s of CPU time (both endpoints, one process), loss={args.loss}, "
        f"{'I-DATA' if sim.a.association._interleaving else 'DATA'}, "
        f"retransmissions={stats.retransmissions}, fast={stats.fast_retransmissions}, "
        f"t3={stats.t3_expirations}, virtual time {sim.now - 1000:.2f} s"
    )


if __name__ == "__main__":
    main()
