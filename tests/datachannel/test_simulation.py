"""Many data channels at once over a lossy link on a virtual clock (issue 5).

Two endpoints, A (DTLS server, odd ids) and Z (DTLS client, even ids), each an SCTP
association with a DCEP manager on top, run over tests/sctp/sim.py's seeded link with
0-20 % loss, duplication, reordering and delay.  Per seed: 64 channels opened at once from
both sides with mixed reliability (reliable ordered / unordered, maxRetransmits 0 and 3,
maxPacketLifeTime, ordered or not; some negotiated), messages of 0 B .. 64 KiB (a few of
256 KiB), text and binary, both directions; channels closed from either side in the middle of
the traffic, their ids reused by new channels that carry traffic too; then graceful shutdown.

Invariants: reliable channels deliver every message exactly once, in order where ordered
(a channel's receiver that closed it itself may miss the tail); partially reliable ones
deliver a subset without duplicates, in order where ordered; nothing crosses channels; both
sides agree on every channel's parameters; closes and the shutdown complete in bounded
virtual time.  A failure names its seed (``DCSIM_SEEDS=n DCSIM_FIRST_SEED=m`` runs n seeds
from m).
"""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path

import pytest

from aiortc_transport.datachannel.manager import ChannelClosing, ChannelOpenAcked
from aiortc_transport.datachannel.parameters import RTCDataChannelParameters
from aiortc_transport.sctp.association import AssociationState

from ..sctp.sim import LinkConfig
from .dcsim import ChannelRecord, DcEndpoint, DcSimulation

_FIRST_SEED = int(os.environ.get("DCSIM_FIRST_SEED", "0"))
SEEDS = range(_FIRST_SEED, _FIRST_SEED + int(os.environ.get("DCSIM_SEEDS", "100")))
CHANNELS = 64
#: Virtual seconds a channel close may take (the worst of 200 seeds took about 62 s).
CLOSE_BOUND = 120.0
#: Virtual seconds the graceful shutdown may take.
SHUTDOWN_BOUND = 120.0

#: (name, RTCDataChannelParameters keyword arguments)
KINDS: list[tuple[str, dict[str, object]]] = [
    ("rel-ord", {"ordered": True}),
    ("rel-unord", {"ordered": False}),
    ("rtx0-ord", {"ordered": True, "maxRetransmits": 0}),
    ("rtx0-unord", {"ordered": False, "maxRetransmits": 0}),
    ("rtx3-ord", {"ordered": True, "maxRetransmits": 3}),
    ("rtx3-unord", {"ordered": False, "maxRetransmits": 3}),
    ("life-ord", {"ordered": True, "maxPacketLifeTime": 150}),
    ("life-unord", {"ordered": False, "maxPacketLifeTime": 0}),
]


def _impairments(rng: random.Random) -> LinkConfig:
    return LinkConfig(
        loss=rng.choice([0.0, 0.02, 0.05, 0.1, 0.2]),
        duplicate=rng.choice([0.0, 0.02, 0.1]),
        reorder=rng.choice([0.0, 0.05, 0.2]),
        reorder_delay=rng.choice([0.005, 0.03]),
        delay=rng.choice([0.001, 0.01, 0.04]),
        jitter=rng.choice([0.0, 0.002]),
    )


def _message(rng: random.Random, label: str, seq: int) -> str | bytes:
    roll = rng.random()
    if roll < 0.05:
        size = 0
    elif roll < 0.2:
        size = rng.randint(1, 16)
    elif roll < 0.6:
        size = rng.randint(17, 1200)
    elif roll < 0.85:
        size = rng.randint(1201, 16_384)
    elif roll < 0.985:
        size = rng.randint(16_385, 65_536)
    else:
        size = 262_144
    text = rng.random() < 0.5
    # Big enough messages name their channel life and number, so that a message delivered on
    # the wrong channel, twice or out of order is recognised; tiny ones are still compared.
    header = f"{label}/{seq}/"
    header_size = len(header.encode())
    if size >= header_size:
        body = header + chr(97 + seq % 26) * (size - header_size)
    else:
        body = chr(65 + seq % 26) * size
    return body if text else body.encode()


def _is_reliable(params: RTCDataChannelParameters) -> bool:
    return params.maxRetransmits is None and params.maxPacketLifeTime is None


def _is_subsequence(got: list[str | bytes], sent: list[str | bytes]) -> bool:
    it = iter(sent)
    return all(any(m == s and type(m) is type(s) for s in it) for m in got)


def _typed(messages: list[str | bytes]) -> Counter[tuple[type, str | bytes]]:
    return Counter((type(m), m) for m in messages)


class Run:
    """One seeded scenario."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        rng = self.rng = random.Random(seed)
        self.dc = DcSimulation(
            seed,
            a_to_z=_impairments(rng),
            z_to_a=_impairments(rng),
            a_rwnd=rng.choice([256 * 1024, 5 * 1024 * 1024]),
        )
        self.generation = 0
        self.negotiated_ids = list(range(1000, 1000 + CHANNELS))
        self.replacements: list[tuple[DcEndpoint, ChannelRecord, set[int]]] = []
        self.shutdown_at: float | None = None
        #: New DCEP channels each side still owes in place of closed ones.
        self.reopen_debt = {"A": 0, "Z": 0}
        self.negotiated_reused = 0
        self.closes = 0

    def fail(self, message: str) -> str:
        return f"seed {self.seed} (t={self.dc.now:.3f}): {message}"

    # -- opening -----------------------------------------------------------------------
    def _parameters(self, opener: str, negotiated_id: int | None) -> RTCDataChannelParameters:
        rng = self.rng
        name, kwargs = rng.choice(KINDS)
        kwargs = dict(kwargs)
        if "maxPacketLifeTime" in kwargs:
            kwargs["maxPacketLifeTime"] = rng.choice([0, 20, 150, 1000])
        if "maxRetransmits" in kwargs and rng.random() < 0.3:
            kwargs["maxRetransmits"] = rng.choice([1, 2])
        self.generation += 1
        label = f"{opener}{self.generation}:{name}" + rng.choice(["", "-é", "-频道"])
        return RTCDataChannelParameters(
            label=label,
            protocol=rng.choice(["", "chat", "proto-ü"]),
            negotiated=negotiated_id is not None,
            id=negotiated_id,
            **kwargs,  # type: ignore[arg-type]
        )

    def open_one(self) -> None:
        dc, rng = self.dc, self.rng
        if rng.random() < 0.2 and self.negotiated_ids:
            stream_id = self.negotiated_ids.pop(rng.randrange(len(self.negotiated_ids)))
            self.open_negotiated(stream_id)
        else:
            opener = rng.choice([dc.a, dc.z])
            opener.open(self._parameters(opener.name, None))

    def open_negotiated(self, stream_id: int) -> None:
        """Both sides create the channel with the same id and parameters (no DCEP)."""
        params = self._parameters("N", stream_id)
        self.dc.a.open(params)
        self.dc.z.open(params)

    # -- traffic -----------------------------------------------------------------------
    def send_some(self, count: int) -> None:
        dc, rng = self.dc, self.rng
        for _ in range(count):
            endpoint = rng.choice([dc.a, dc.z])
            open_ids = [s for s in endpoint.channels if endpoint.can_send(s)]
            if not open_ids:
                continue
            stream_id = rng.choice(open_ids)
            record = endpoint.channels[stream_id]
            endpoint.send(stream_id, _message(rng, record.label, len(record.sent)))

    def close_some(self, *, dcep_only: bool = False) -> None:
        """Close a random open channel from a random side; its id's owner reopens one.

        ``dcep_only`` picks a DCEP channel, so that every run closes at least one channel
        whose id is then reused (seed 2157 closed only negotiated ones).
        """
        dc, rng = self.dc, self.rng
        endpoint = rng.choice([dc.a, dc.z])
        open_ids = [
            s for s in endpoint.channels if endpoint.can_send(s) and not (dcep_only and s >= 1000)
        ]
        if not open_ids:
            return
        stream_id = rng.choice(open_ids)
        endpoint.close(stream_id)
        self.closes += 1
        if stream_id < 1000:
            self.reopen_debt["Z" if stream_id % 2 == 0 else "A"] += 1

    def send_on_replacements(self) -> None:
        """A message each way on every replacement channel open on both sides."""
        dc, rng = self.dc, self.rng
        for _, record, _ in self.replacements:
            for endpoint in (dc.a, dc.z):
                mine = endpoint.channels.get(record.stream_id)
                if (
                    mine is not None
                    and mine.label == record.label
                    and endpoint.can_send(record.stream_id)
                ):
                    endpoint.send(record.stream_id, _message(rng, mine.label, len(mine.sent)))

    def reopen_closed(self) -> None:
        """Open new channels in place of lives closed on both sides (ids reused)."""
        dc = self.dc
        for endpoint in (dc.a, dc.z):
            parity = 0 if endpoint.manager.is_dtls_client else 1
            freed = {
                r.stream_id
                for r in endpoint.history
                if r.closed and r.stream_id % 2 == parity and r.stream_id < 1000
            } - set(endpoint.channels)
            while self.reopen_debt[endpoint.name] and freed:
                record = endpoint.open(self._parameters(endpoint.name, None))
                self.replacements.append((endpoint, record, set(freed)))
                freed.discard(record.stream_id)
                self.reopen_debt[endpoint.name] -= 1
        # Negotiated ids come back once both sides closed them.
        for stream_id in range(1000, 1000 + CHANNELS):
            if stream_id in self.negotiated_ids:
                continue
            if stream_id in dc.a.channels or stream_id in dc.z.channels:
                continue
            if self.rng.random() < 0.5:
                self.open_negotiated(stream_id)
                self.negotiated_reused += 1

    # -- scenario ----------------------------------------------------------------------
    def run(self) -> None:
        dc, rng, sim = self.dc, self.rng, self.dc.sim
        early = rng.random() < 0.5
        if early:
            for _ in range(CHANNELS):
                self.open_one()
        sim.establish(both=rng.random() < 0.3, timeout=120)
        if not early:
            for _ in range(CHANNELS):
                self.open_one()
        dc.flush()
        assert len(dc.a.channels) + len(dc.z.channels) >= CHANNELS, self.fail("not opened")

        for round_ in range(rng.randint(20, 30)):
            self.send_some(rng.randint(5, 20))
            if round_ == 3:
                self.close_some(dcep_only=True)
            elif round_ == 4 or (round_ > 4 and rng.random() < 0.4):
                self.close_some()
            if round_ >= 3:
                self.reopen_closed()
            dc.flush()
            sim.run_for(rng.random() * 0.15)
        # Traffic on whatever is open now, replacements included.
        self.send_some(40)
        dc.flush()
        self.settle()
        # Every close has completed: the ids are free, so new channels take them now.
        self.reopen_closed()
        dc.flush()
        sim.run_for(0.5)
        self.send_on_replacements()
        dc.flush()
        self.settle()
        assert self.replacements, self.fail("no channel reused a closed channel's id")
        self.check_invariants(final=False)

        closer = rng.choice([dc.a, dc.z])
        self.shutdown_at = dc.now
        closer.endpoint.association.shutdown(dc.now)
        dc.flush()
        assert sim.run_until(
            lambda: (
                dc.a.endpoint.association.state == AssociationState.CLOSED
                and dc.z.endpoint.association.state == AssociationState.CLOSED
            ),
            SHUTDOWN_BOUND,
        ), self.fail("shutdown did not complete")
        for endpoint in (dc.a, dc.z):
            closed = endpoint.endpoint.closed
            assert closed is not None and not closed.aborted, self.fail(f"{closed}")
            assert endpoint.manager.stream_ids == [], self.fail("channels left after shutdown")
            assert not endpoint.channels, self.fail(f"{endpoint.name} channels not closed")
        self.check_invariants(final=True)

    def settle(self) -> None:
        """Run until no channel is closing and every reliable message arrived."""

        def settled() -> bool:
            for endpoint in (self.dc.a, self.dc.z):
                for record in endpoint.channels.values():
                    if record.closing:
                        return False
            return self._all_announced() and self._reliable_delivered()

        assert self.dc.sim.run_until(settled, 600), self.fail(
            "closing channels or reliable messages did not settle: " + self._describe_unsettled()
        )

    def _all_announced(self) -> bool:
        # Every channel life one side knows has reached the other (its OPEN arrived).
        a_labels = {r.label for r in self.dc.a.history}
        z_labels = {r.label for r in self.dc.z.history}
        return a_labels == z_labels

    def _reliable_delivered(self) -> bool:
        for sender, receiver in ((self.dc.a, self.dc.z), (self.dc.z, self.dc.a)):
            for record in sender.channels.values():
                if not _is_reliable(record.parameters):
                    continue
                peer = receiver.channels.get(record.stream_id)
                if peer is None or peer.label != record.label:
                    return False
                if len(peer.received) < len(record.sent):
                    return False
        return True

    def _describe_unsettled(self) -> str:
        parts = []
        for endpoint in (self.dc.a, self.dc.z):
            for record in endpoint.channels.values():
                if record.closing:
                    parts.append(f"{endpoint.name}:{record.stream_id} closing")
        return ", ".join(parts[:10]) or "reliable data outstanding"

    # -- invariants --------------------------------------------------------------------
    def check_invariants(self, *, final: bool) -> None:
        dc = self.dc
        a_lives = {r.label: r for r in dc.a.history}
        z_lives = {r.label: r for r in dc.z.history}
        assert len(a_lives) == len(dc.a.history), self.fail("label reused on A")
        assert len(z_lives) == len(dc.z.history), self.fail("label reused on Z")
        assert a_lives.keys() == z_lives.keys(), self.fail(
            f"lives differ: {sorted(a_lives.keys() ^ z_lives.keys())[:5]}"
        )
        for endpoint in (dc.a, dc.z):
            assert not endpoint.orphan_events, self.fail(f"{endpoint.orphan_events[:3]}")
            stats = endpoint.manager.stats
            for name in (
                "opens_refused",
                "opens_on_used_stream",
                "dcep_malformed",
                "acks_unexpected",
                "unknown_ppid",
                "resets_unexpected",
            ):
                assert getattr(stats, name) == 0, self.fail(f"{endpoint.name} {stats}")
            assert endpoint.endpoint.association.stats.internal_errors == 0, self.fail("error")
            for at, action, exc in endpoint.refused:
                assert self.shutdown_at is not None and at >= self.shutdown_at, self.fail(
                    f"refused {action}: {exc}"
                )
            # Parity of DCEP ids by the DTLS role (RFC 8832 section 6).
            parity = 0 if endpoint.manager.is_dtls_client else 1
            for record in endpoint.history:
                if record.local and not record.parameters.negotiated:
                    assert record.stream_id % 2 == parity, self.fail(f"parity {record}")
            for record in endpoint.history:
                # A close completes in bounded virtual time, even behind megabytes of data
                # on a 20 % lossy link (the reset waits for the data queued before it).
                if record.closing_at is not None and record.closed_at is not None:
                    took = record.closed_at - record.closing_at
                    assert took <= CLOSE_BOUND, self.fail(f"{record.label} closed in {took:.1f} s")
        for endpoint, record, freed in self.replacements:
            assert record.stream_id in freed, self.fail(
                f"{endpoint.name} new channel got id {record.stream_id}, free were {freed}"
            )
        for label, a_record in a_lives.items():
            z_record = z_lives[label]
            assert a_record.parameters == z_record.parameters, self.fail(
                f"{label}: {a_record.parameters} != {z_record.parameters}"
            )
            assert a_record.closed == z_record.closed, self.fail(
                f"{label}: closed on one side only (A {a_record.closed}, Z {z_record.closed})"
            )
            self._check_direction(a_record, z_record, final)
            self._check_direction(z_record, a_record, final)

    def _check_direction(self, sender: ChannelRecord, receiver: ChannelRecord, final: bool) -> None:
        sent, got = sender.sent, receiver.received
        label = sender.label
        params = sender.parameters
        sent_counts = _typed(sent)
        got_counts = _typed(got)
        # Nothing crosses channels, nothing is made up, nothing is duplicated.
        assert not got_counts - sent_counts, self.fail(
            f"{label}: foreign or duplicated messages {list(got_counts - sent_counts)[:2]}"
        )
        receiver_closed_it = any(
            type(e) is ChannelClosing and e.locally_initiated for e in receiver.events
        )
        if params.ordered:
            assert _is_subsequence(got, sent), self.fail(f"{label}: out of order")
        if not _is_reliable(params):
            return
        if not receiver.closing:
            # Open at the check (or closed by the shutdown after every message arrived).
            if params.ordered:
                assert got == sent, self.fail(f"{label}: {len(got)} of {len(sent)} delivered")
            else:
                assert got_counts == sent_counts, self.fail(f"{label}: lost messages")
        elif not receiver_closed_it:
            # The sender closed it (or the shutdown did): its reset follows the data.
            assert got_counts == sent_counts, self.fail(
                f"{label}: {len(got)} of {len(sent)} delivered before the close"
            )
            if params.ordered:
                assert got == sent, self.fail(f"{label}: reordered before the close")
        elif params.ordered:
            # The receiver closed it first and drops what still arrives: a prefix.
            assert got == sent[: len(got)], self.fail(f"{label}: not a prefix")


@pytest.mark.parametrize("seed", SEEDS)
def test_many_channels_under_loss(seed: int, tmp_path: Path) -> None:
    run = Run(seed)
    # DCSIM_TRACE=1 keeps every packet and writes a text2pcap dump of a failing run
    # (``text2pcap -D -t "%s." -S 5000,5000,50 dump.txt out.pcap`` for Wireshark).
    trace = bool(os.environ.get("DCSIM_TRACE"))
    run.dc.sim.keep_trace = trace
    try:
        run.run()
    except AssertionError:
        if trace:
            dump = tmp_path / f"dcsim-seed{seed}.txt"
            dump.write_text(run.dc.sim.text2pcap())
            print(f"seed {seed}: packet trace in {dump}")
        raise


# ------------------------------------------------------------------ scripted regressions


def _first_chunk_type(packet: bytes) -> int:
    return packet[12] if len(packet) > 12 else -1


def test_peer_open_arriving_before_the_lost_cookie_ack() -> None:
    """Every COOKIE ACK is lost; Z's DATA (its DCEP OPEN) still reaches A.

    A -> INIT -> Z;  A <- INIT ACK <- Z;  A -> COOKIE ECHO -> Z (Z established)
    A /lost/ <- COOKIE ACK + DATA(OPEN) <- Z   ... every packet led by COOKIE ACK is lost
    A <- DATA(OPEN) <- Z (T3 retransmission): A must establish first, then hear the OPEN,
    so that its DCEP ACK can be sent at once.
    """
    cookie_ack = 11
    dc = DcSimulation(
        1,
        z_to_a=LinkConfig(drop=lambda _, packet: _first_chunk_type(packet) == cookie_ack),
    )
    z_channel = dc.z.open(RTCDataChannelParameters(label="early"))
    dc.sim.connect()
    assert dc.sim.run_until(lambda: ChannelOpenAcked in _event_types(dc.z, z_channel), 30)
    assert dc.a.endpoint.association.state == AssociationState.ESTABLISHED
    names = [type(e).__name__ for e in dc.a.endpoint.events]
    assert names.index("AssociationEstablished") < names.index("DataReceived")
    assert dc.a.refused == []
    [a_channel] = dc.a.history
    assert a_channel.parameters == z_channel.parameters
    dc.a.send(a_channel.stream_id, "hello")
    dc.flush()
    assert dc.sim.run_until(lambda: z_channel.received == ["hello"], 30)


def _event_types(endpoint: DcEndpoint, record: ChannelRecord) -> list[type]:
    return [type(e) for e in record.events]
