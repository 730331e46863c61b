"""A message larger than the receiver's whole window still moves at link speed."""

from __future__ import annotations

import pytest

from aiortc_transport.sctp.options import AssociationOptions

from .sim import LinkConfig, Simulation


@pytest.mark.parametrize("interleaving", [False, True], ids=["DATA", "I-DATA"])
def test_messages_larger_than_the_receive_window_do_not_crawl(interleaving: bool) -> None:
    # Z's 64 KiB window holds less than one 100 KB message, so reassembly can only finish
    # through the "next expected TSN is always accepted" rule: A is down to zero-window
    # probes, one chunk per acknowledgement. Answered after the 200 ms delayed-SACK timer,
    # 16 messages took 106.7 s of virtual time; answered at once, one chunk per 20 ms round
    # trip for the ~31 chunks of each message beyond the window: about 10.7 s. (Our default
    # window, 5 MiB, is far above the largest message, 256 KiB: this is a configuration
    # where a_rwnd < max_message_size.)
    window = 64 * 1024
    options = AssociationOptions(
        enable_message_interleaving=interleaving, remote_max_message_size=262144
    )
    sim = Simulation(
        6,
        a_options=options,
        z_options=AssociationOptions(a_rwnd=window, enable_message_interleaving=interleaving),
        a_to_z=LinkConfig(delay=0.01, bandwidth=5_000_000),
        z_to_a=LinkConfig(delay=0.01),
    )
    sim.keep_trace = False
    sim.establish()
    a = sim.a.association
    for index in range(16):
        a.send(index % 4, 53, bytes([index]) * 100_000, sim.now)
    sim.flush()
    start = sim.now
    assert sim.run_until(lambda: len(sim.z.messages) == 16, 120)
    assert sorted(m.data[0] for m in sim.z.messages) == list(range(16))
    assert all(len(m.data) == 100_000 for m in sim.z.messages)
    assert sim.now - start < 15, f"took {sim.now - start:.1f} s of virtual time"
