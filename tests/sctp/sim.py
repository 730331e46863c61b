"""A deterministic two-endpoint SCTP simulator on a virtual clock.

Two associations, "A" and "Z", exchange packets over two seeded one-way links that can lose,
duplicate, reorder and delay packets, enforce an MTU and a bandwidth.  The clock jumps to the
next thing that happens: a packet arrival, an association deadline, or (with a slow receiver)
the moment the reader has budget again.  After every input the endpoint's events are drained
and its packets sent, exactly like the asyncio driver will.

``Simulation.trace`` keeps every packet (time, direction, bytes); ``text2pcap()`` renders it
like the shared captures (``text2pcap -D -t '%H:%M:%S.%f' -l 248``), so that Wireshark can
decode a failing run.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.association import Association, AssociationState
from aiortc_transport.sctp.events import (
    AssociationClosed,
    AssociationEstablished,
    DataReceived,
    Event,
)
from aiortc_transport.sctp.options import AssociationOptions
from aiortc_transport.sctp.packet.packet import SctpPacket
from aiortc_transport.sctp.packet.text_dump import text2pcap_block


@dataclass
class LinkConfig:
    """Impairments of one direction."""

    loss: float = 0.0
    duplicate: float = 0.0
    #: Probability that a packet gets an extra random delay (0..reorder_delay), reordering it.
    reorder: float = 0.0
    reorder_delay: float = 0.02
    delay: float = 0.005
    jitter: float = 0.0
    mtu: int | None = None
    #: Bytes per second (None: infinite); packets queue behind each other.
    bandwidth: float | None = None
    #: Drop predicate for scripted tests: (index of packet on this link, bytes) -> drop?
    drop: Callable[[int, bytes], bool] | None = None


class Link:
    """One direction of the simulated path."""

    def __init__(self, config: LinkConfig, rng: random.Random) -> None:
        self.config = config
        self.rng = rng
        self.sent = 0
        self.lost = 0
        self._busy_until = 0.0

    def transmit(self, now: float, packet: bytes) -> list[tuple[float, bytes]]:
        """Arrival times of the copies of ``packet`` that survive."""
        config = self.config
        index = self.sent
        self.sent += 1
        if config.drop is not None and config.drop(index, packet):
            self.lost += 1
            return []
        if config.mtu is not None and len(packet) > config.mtu:
            self.lost += 1
            return []
        rng = self.rng
        if config.loss and rng.random() < config.loss:
            self.lost += 1
            return []
        start = now
        if config.bandwidth:
            start = max(now, self._busy_until)
            self._busy_until = start + len(packet) / config.bandwidth
            start = self._busy_until
        copies = 2 if config.duplicate and rng.random() < config.duplicate else 1
        out = []
        for _ in range(copies):
            at = start + config.delay
            if config.jitter:
                at += rng.random() * config.jitter
            if config.reorder and rng.random() < config.reorder:
                at += rng.random() * config.reorder_delay
            out.append((at, packet))
        return out


@dataclass
class Endpoint:
    """One side: its association, what it received, and its reading speed."""

    name: str
    association: Association
    #: Bytes per second the application reads (None: reads everything at once).
    read_rate: float | None = None
    events: list[Event] = field(default_factory=list)
    messages: list[DataReceived] = field(default_factory=list)
    received_at: list[float] = field(default_factory=list)
    read_budget: float = 0.0
    last_read_at: float = 0.0
    #: Called for every event (scripted reactions, e.g. answering a reset).
    on_event: Callable[[Endpoint, Event, float], None] | None = None

    @property
    def established(self) -> bool:
        return any(type(e) is AssociationEstablished for e in self.events)

    @property
    def closed(self) -> AssociationClosed | None:
        for event in self.events:
            if type(event) is AssociationClosed:
                return event
        return None


class Simulation:
    """Two associations over two links on a virtual clock."""

    def __init__(
        self,
        seed: int = 0,
        *,
        a_options: AssociationOptions | None = None,
        z_options: AssociationOptions | None = None,
        a_to_z: LinkConfig | None = None,
        z_to_a: LinkConfig | None = None,
        z_read_rate: float | None = None,
        a_read_rate: float | None = None,
        start_time: float = 1000.0,
    ) -> None:
        self.seed = seed
        rng = random.Random(seed)
        self.now = start_time
        self.a = Endpoint(
            "A",
            Association(a_options or AssociationOptions(), rng=random.Random(rng.random())),
            read_rate=a_read_rate,
        )
        self.z = Endpoint(
            "Z",
            Association(z_options or AssociationOptions(), rng=random.Random(rng.random())),
            read_rate=z_read_rate,
        )
        self.links = {
            "A": Link(a_to_z or LinkConfig(), random.Random(rng.random())),
            "Z": Link(z_to_a or LinkConfig(), random.Random(rng.random())),
        }
        self._queue: list[tuple[float, int, str, bytes]] = []
        self._seq = 0
        self.trace: list[tuple[float, str, bytes]] = []
        self.keep_trace = True

    def peer(self, endpoint: Endpoint) -> Endpoint:
        return self.z if endpoint is self.a else self.a

    # -- driving -----------------------------------------------------------------------
    def connect(self, *, both: bool = False) -> None:
        self.a.association.connect(self.now)
        if both:
            self.z.association.connect(self.now)
        self.flush()

    def flush(self) -> None:
        """Drain events and send packets of both endpoints (the driver's loop body)."""
        for endpoint in (self.a, self.z):
            self._drain(endpoint)
        for endpoint in (self.a, self.z):
            self._send(endpoint)

    def _send(self, endpoint: Endpoint) -> None:
        link = self.links[endpoint.name]
        for packet in endpoint.association.packets_to_send(self.now):
            if self.keep_trace:
                self.trace.append((self.now, endpoint.name, packet))
            for at, copy in link.transmit(self.now, packet):
                self._seq += 1
                dest = "Z" if endpoint is self.a else "A"
                heapq.heappush(self._queue, (at, self._seq, dest, copy))

    def _drain(self, endpoint: Endpoint) -> None:
        association = endpoint.association
        rate = endpoint.read_rate
        if rate is not None:
            endpoint.read_budget = min(
                endpoint.read_budget + (self.now - endpoint.last_read_at) * rate,
                max(rate * 0.05, 300_000.0),
            )
            endpoint.last_read_at = self.now
        while True:
            if rate is not None:
                head = association._events[0] if association._events else None
                if type(head) is DataReceived:
                    if endpoint.read_budget < len(head.data):
                        return
                    endpoint.read_budget -= len(head.data)
            event = association.next_event()
            if event is None:
                return
            endpoint.events.append(event)
            if type(event) is DataReceived:
                endpoint.messages.append(event)
                endpoint.received_at.append(self.now)
            if endpoint.on_event is not None:
                endpoint.on_event(endpoint, event, self.now)

    def _next_read_time(self, endpoint: Endpoint) -> float | None:
        rate = endpoint.read_rate
        events = endpoint.association._events
        if rate is None or not events or type(events[0]) is not DataReceived:
            return None
        needed = len(events[0].data) - endpoint.read_budget
        return self.now + max(needed / rate, 1e-4)

    def next_time(self) -> float | None:
        candidates = []
        if self._queue:
            candidates.append(self._queue[0][0])
        for endpoint in (self.a, self.z):
            at = endpoint.association.get_timer()
            if at is not None:
                candidates.append(at)
            at = self._next_read_time(endpoint)
            if at is not None:
                candidates.append(at)
        return min(candidates) if candidates else None

    def step(self) -> bool:
        """Advance to the next event; False when nothing is left to happen."""
        at = self.next_time()
        if at is None:
            return False
        if at > self.now:
            self.now = at
        now = self.now
        queue = self._queue
        while queue and queue[0][0] <= now:
            _, _, dest, packet = heapq.heappop(queue)
            endpoint = self.a if dest == "A" else self.z
            endpoint.association.receive_packet(packet, now)
            self._drain(endpoint)
            self._send(endpoint)
        for endpoint in (self.a, self.z):
            at = endpoint.association.get_timer()
            if at is not None and at <= now:
                endpoint.association.handle_timer(now)
        self.flush()
        return True

    def run_until(self, predicate: Callable[[], bool], timeout: float = 60.0) -> bool:
        """Step until ``predicate()`` holds or ``timeout`` virtual seconds pass."""
        deadline = self.now + timeout
        while not predicate():
            at = self.next_time()
            if at is None or at > deadline:
                self.now = max(self.now, deadline) if at is None else self.now
                return predicate()
            self.step()
        return True

    def run_for(self, duration: float) -> None:
        """Step through ``duration`` virtual seconds."""
        deadline = self.now + duration
        while True:
            at = self.next_time()
            if at is None or at > deadline:
                break
            self.step()
        self.now = max(self.now, deadline)

    def establish(self, *, both: bool = False, timeout: float = 30.0) -> None:
        self.connect(both=both)
        ok = self.run_until(
            lambda: (
                self.a.association.state == AssociationState.ESTABLISHED
                and self.z.association.state == AssociationState.ESTABLISHED
            ),
            timeout,
        )
        assert ok, f"seed {self.seed}: no association"

    def text2pcap(self) -> str:
        """The trace as text2pcap input, A's packets as "O" (see packet/text_dump.py)."""
        blocks = []
        for at, name, packet in self.trace:
            try:
                summary: str | None = str(SctpPacket.parse_untrusted(packet))
            except ParseError:
                summary = None
            blocks.append(text2pcap_block(packet, outbound=name == "A", time=at, summary=summary))
        return "\n".join(blocks)
